"""``nnrecog serve`` against hostile clients, on a real server on a free loopback port: a small file
that decodes huge, uploads that trickle in, other origins, malformed and oversized requests,
clients that go away. Each is refused with a JSON ``{"error"}`` and the security headers, the
server's memory stays bounded, and the log holds no traceback over the whole suite.

Bounded in count (31 slow clients, 3 large PNGs at once) and in time (a 2-second body deadline).
"""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from nnrecog.web.client import Reply, large_png, local_server, multipart, peak_rss_kb, request, trickle_upload

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("starlette", "uvicorn", "python_multipart")),
    reason="needs the web extra: pip install -e '.[web]'")

BODY_TIMEOUT_S = 2
SLOW_CLIENTS = 31
SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "hostile.log"
    with local_server("--workers", "1", "--body-timeout", str(BODY_TIMEOUT_S), log=log) as running:
        yield running
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


def _address(server) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname, parts.port


def _raw(server, data: bytes, read_timeout: float = 30.0) -> Reply:
    """Send ``data`` as it is and read the one response."""
    import http.client

    with socket.create_connection(_address(server), timeout=read_timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Reply(response.status, response.read(), {k.lower(): v for k, v in response.getheaders()})


def _json_refusal(reply: Reply, status: int) -> str:
    assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.headers.get("content-type") == "application/json", reply.headers
    for name in SECURITY:
        assert name in reply.headers, (name, reply.headers)
    error = json.loads(reply.body)["error"]
    assert error and "\n" not in error
    return error


@pytest.fixture(scope="module")
def big_png() -> bytes:
    return large_png()


def test_a_png_that_decodes_huge_is_refused_from_its_header_on_both_endpoints(server, big_png):
    if not Path(f"/proc/{server.process.pid}/status").exists():
        pytest.skip("needs /proc to measure the server's memory")
    before = peak_rss_kb(server.process.pid)
    for path in ("api/classify", "api/read"):
        reply = request("POST", server.url + path, big_png, "image/png")
        assert "13000 x 13000" in _json_refusal(reply, 422)
        with ThreadPoolExecutor(3) as pool:  # three at once
            replies = list(pool.map(lambda _: request("POST", server.url + path, big_png, "image/png"), range(3)))
        for reply in replies:
            _json_refusal(reply, 422)
    grown_mb = (peak_rss_kb(server.process.pid) - before) / 1024
    assert grown_mb < 100, f"the server's peak memory grew by {grown_mb:.0f} MB"


def test_slow_uploads_do_not_lock_out_the_page_or_a_real_photo(server, shared_data):
    photo = (shared_data / "ocr_samples" / "02_letters.jpg").read_bytes()
    stop, replies = threading.Event(), []
    threads = [threading.Thread(target=lambda: replies.append(trickle_upload(server.url, stop)))
               for _ in range(SLOW_CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)  # every slow client connected and trickling
        page = request("GET", server.url)
        info = request("GET", server.url + "api/info")
        read = request("POST", server.url + "api/read?format=text", photo, "image/jpeg")
        assert page.status == 200 and info.status == 200
        assert read.status == 200 and read.body.strip(), read.body[:300]
        # the slow ones are cut off at the body deadline, with a 408
        deadline = time.monotonic() + 10 * BODY_TIMEOUT_S
        while len(replies) < SLOW_CLIENTS and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert len(replies) == SLOW_CLIENTS
    assert all(r.startswith(b"HTTP/1.1 408") for r in replies), replies[:2]


@pytest.mark.parametrize("headers", [
    {"Origin": "http://127.0.0.1:1"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
], ids=["other port", "null origin", "cross-site fetch", "other host"])
def test_a_post_from_another_origin_is_refused_before_any_work(server, headers):
    body = b"\x89PNG\r\n\x1a\n" + bytes(100)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    host = urlsplit(server.url).netloc
    reply = _raw(server, (f"POST /api/read HTTP/1.1\r\nHost: {host}\r\n{head}Content-Type: text/plain\r\n"
                          f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
    assert "another site" in _json_refusal(reply, 403)
    # the page's own requests still pass: same origin
    own = _raw(server, (f"POST /api/classify HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n"
                        "Sec-Fetch-Site: same-origin\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                        "Connection: close\r\n\r\n{}").encode())
    assert own.status == 400 and "pixels" in json.loads(own.body)["error"]


def test_malformed_and_oversized_requests_get_json_with_the_security_headers(server):
    host = urlsplit(server.url).netloc.encode()
    cases = {
        "wrong host": (b"GET /api/info HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", 400),
        "huge URL": (b"GET /api/info?" + b"q" * 2**20 + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n", 414),
        "long URL": (b"GET /api/info?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n", 414),
        "huge header": (b"GET / HTTP/1.1\r\nHost: " + host + b"\r\nX-Big: " + b"b" * 2**17 + b"\r\n\r\n", 431),
        "bad Content-Length": (b"POST /api/read HTTP/1.1\r\nHost: " + host + b"\r\nContent-Length: nope\r\n\r\n", 400),
        "not found": (b"GET /nope HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n", 404),
        "wrong method": (b"GET /api/read HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n", 405),
        "over the cap": (b"POST /api/read HTTP/1.1\r\nHost: " + host + b"\r\nContent-Length: 999999999999\r\n"
                         b"Connection: close\r\n\r\n", 413),
    }
    for name, (data, status) in cases.items():
        try:
            _json_refusal(_raw(server, data), status)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
    for path in ("", "static/app.js", "api/info"):
        reply = request("GET", server.url + path)
        assert reply.status == 200 and all(name in reply.headers for name in SECURITY), path
    assert "sandbox" in request("GET", server.url + "api/info").headers["content-security-policy"]


def test_a_client_that_goes_away_mid_upload_is_one_line_in_the_log(server):
    host = urlsplit(server.url).netloc.encode()
    with socket.create_connection(_address(server), timeout=30) as sock:
        sock.sendall(b"POST /api/read HTTP/1.1\r\nHost: " + host + b"\r\nContent-Length: 100000\r\n\r\n" + bytes(10))
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while "went away during its upload" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = server.log.read_text()
    assert log.count("went away during its upload") == 1 and "ClientDisconnect" not in log
    assert request("GET", server.url + "api/info").status == 200


def test_a_photo_still_reads_after_all_of_it(server, shared_data):
    photo = (shared_data / "ocr_samples" / "04_deep.jpg").read_bytes()
    reply = request("POST", server.url + "api/read", *multipart(photo, "04_deep.jpg", {"format": "text"}))
    assert reply.status == 200 and "DEEP LEARNING" in reply.body.decode()
