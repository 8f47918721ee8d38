"""What every request meets before the application, and every response on its way out.

- :class:`Guard`, an ASGI middleware: the Host header (on a loopback address, loopback names
  only), the URL's length (414), requests from another origin that would change anything
  (``Origin`` / ``Sec-Fetch-Site``, 403), requests in flight in all and per client (503), each
  refusal ``{"error": ...}`` JSON; and security headers on every response, the page's, its
  files', the API's and the refusals' alike.
- :class:`JsonErrorProtocol`, uvicorn's HTTP/1.1 protocol whose answer to a request it cannot
  parse (a bad ``Content-Length``, a request line or headers over h11's buffer) is JSON with
  the same headers, 414 or 431 where the URL or the headers were too long, not plain text.
- :class:`ReceiveBudget`: the bytes of request bodies being received, all requests together,
  bounded: slow clients hold little, and many large uploads at once cannot take the memory.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from nnrecog.web.config import ServeConfig

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: On every response. The page and its files may load only from this server (and show the
#: photo the user chose, from a blob: address); nothing here may be framed.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
    "x-frame-options": "DENY",
}
#: API documents (an hOCR reading is HTML) run nothing and load nothing, even if opened.
API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
#: h11's receive buffer (uvicorn's default): a request line or headers longer than this are
#: refused by the parser itself.
H11_BUFFER = 16 * 1024
#: Methods that change nothing: another origin may send them (it cannot read the answer).
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: ``Sec-Fetch-Site`` values of a request from this server's own page or typed by the user.
_OWN_SITES = ("same-origin", "none")


def _headers(path: str) -> list[tuple[bytes, bytes]]:
    headers = dict(SECURITY_HEADERS)
    if path.startswith("/api/"):
        headers["content-security-policy"] = API_CSP
    return [(k.encode(), v.encode()) for k, v in headers.items()]


def error_body(message: str) -> bytes:
    """The body of every refusal: ``{"error": "one line"}``."""
    return json.dumps({"error": " ".join(message.split())}).encode()


def _host_name(host: str) -> str:
    """The name of a Host header without its port (``[::1]:8000`` -> ``[::1]``)."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    """The ASGI middleware described above.

    Parameters
    ----------
    app : the application behind it.
    config : the limits (``max_connections``, ``max_requests_per_client``, ``max_url_bytes``).
    hosts : the Host names answered (None: any, for a server not on a loopback address).
    """

    def __init__(self, app: ASGIApp, config: ServeConfig, hosts: tuple[str, ...] | None) -> None:
        self.app = app
        self.config = config
        self.hosts = hosts
        self.in_flight = 0
        self.per_client: dict[str, int] = {}

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if self.hosts is not None and _host_name(host) not in self.hosts:
            return 400, f"Host {host!r} is not answered here: use the address the server printed"
        if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > self.config.max_url_bytes:
            return 414, f"the URL is over {self.config.max_url_bytes} bytes"
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            site = headers.get("sec-fetch-site")
            foreign = origin is not None and (origin == "null" or urlsplit(origin).netloc != host)
            if foreign or (site is not None and site not in _OWN_SITES):
                return 403, "a request from another site's page is refused: use this server's own page"
        if self.in_flight >= self.config.max_connections:
            return 503, f"busy: {self.in_flight} requests in progress; try again shortly"
        client = (scope.get("client") or ("?",))[0]
        if self.per_client.get(client, 0) >= self.config.max_requests_per_client:
            return 503, f"busy: {self.config.max_requests_per_client} requests from {client} in progress; try again shortly"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _headers(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in names)]
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            status, text = refusal
            body = error_body(text)
            await send_with_headers({"type": "http.response.start", "status": status, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send_with_headers({"type": "http.response.body", "body": body})
            return
        client = (scope.get("client") or ("?",))[0]
        self.in_flight += 1
        self.per_client[client] = self.per_client.get(client, 0) + 1
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self.in_flight -= 1
            self.per_client[client] -= 1
            if not self.per_client[client]:
                del self.per_client[client]


class JsonErrorProtocol(H11Protocol):
    """uvicorn's h11 protocol, answering a request it cannot parse in the server's own words:
    JSON, the security headers, and the status that says what was wrong."""

    def send_400_response(self, msg: str) -> None:
        status, message = self._what_was_wrong()
        body = error_body(message)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close"), *_headers("/api/")]
        # h11 lets the server answer after the client's protocol error: a fresh Connection
        # state is not needed
        for event in (h11.Response(status_code=status, headers=headers), h11.Data(data=body), h11.EndOfMessage()):
            try:
                self.transport.write(self.conn.send(event))
            except h11.LocalProtocolError:  # a response had already begun: close, as uvicorn does
                break
        self.transport.close()

    def _what_was_wrong(self) -> tuple[int, str]:
        pending, _ = self.conn.trailing_data
        limit = self.config.h11_max_incomplete_event_size or H11_BUFFER
        if len(pending) >= limit and pending.find(b"\r\n") < 0:
            return 414, "the request line (the URL) is too long"
        if len(pending) >= limit and pending.find(b"\r\n\r\n") < 0:
            return 431, "the request's headers are too long"
        return 400, "malformed HTTP request (a bad request line, header or Content-Length)"


class ReceiveBudget:
    """The bytes of request bodies being received at once, all requests together, at most
    ``limit``: :meth:`take` as bytes arrive, :meth:`give` when a body is done with."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0

    def take(self, size: int) -> bool:
        """Hold ``size`` more bytes; False (nothing held) when that would pass the limit."""
        if self.held + size > self.limit:
            return False
        self.held += size
        return True

    def give(self, size: int) -> None:
        self.held -= size
