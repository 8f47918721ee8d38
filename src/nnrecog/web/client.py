"""A small client for the API of ``nnrecog serve``, on the standard library alone, and a server
in a child process to talk to (the tests and ``benchmarks/serve_load.py`` use both; scripts may too).

A body goes with ``Expect: 100-continue``, as curl sends large files: the server can refuse an
upload over its cap before the body is sent, and the client still reads the refusal (a server
that closed on a half-sent body would otherwise leave the client with a reset connection).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

@dataclass
class Reply:
    """An HTTP response: its status, headers (lower-case names) and body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> object:
        """The body as JSON."""
        return json.loads(self.body)


def multipart(file: bytes, filename: str, fields: dict[str, str] | None = None,
              file_field: str = "photo") -> tuple[bytes, str]:
    """A ``multipart/form-data`` body holding ``fields`` and one file; returns the body and
    its Content-Type."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in (fields or {}).items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + file + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _skip_continue(sock: socket.socket) -> bool:
    """Consume a "100 Continue" if one came; False when the server answered for good instead."""
    if not sock.recv(16, socket.MSG_PEEK).startswith(b"HTTP/1.1 100"):
        return False
    seen = b""
    while not seen.endswith(b"\r\n\r\n"):  # a few dozen bytes: no need to buffer
        byte = sock.recv(1)
        if not byte:
            raise ConnectionError("the server closed the connection after 100 Continue")
        seen += byte
    return True


def request(method: str, url: str, body: bytes | None = None, content_type: str = "application/octet-stream",
            timeout: float = 300.0, continue_wait: float = 1.0) -> Reply:
    """Send one request to ``url`` (http only) and read the whole response; a body is sent once
    the server says "100 Continue", or after ``continue_wait`` seconds of silence.

    Raises
    ------
    OSError : the server cannot be reached, or stopped answering for ``timeout`` seconds.
    """
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout) as sock:
        head = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
        if body is not None:
            head += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}", "Expect: 100-continue"]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if body:
            answered = select.select([sock], [], [], continue_wait)[0] and not _skip_continue(sock)
            if not answered:
                try:
                    sock.sendall(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server refused part-way; its answer is still there to read
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return Reply(response.status, response.read(), {k.lower(): v for k, v in response.getheaders()})


@dataclass
class LocalServer:
    """``nnrecog serve`` running in a child process: its address, the process and its log file."""

    url: str
    process: subprocess.Popen
    log: Path

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


@contextlib.contextmanager
def local_server(*args: str, log: str | os.PathLike, startup_s: float = 600.0) -> Iterator[LocalServer]:
    """Run ``nnrecog serve --host 127.0.0.1 --port 0 ARGS`` (a free loopback port) until the block
    ends; its output goes to the file ``log``.

    Yields once the server has printed its address (its workers then have their models).

    Raises
    ------
    RuntimeError : the server exited, or printed no address within ``startup_s`` seconds
        (a bound on a hang, not a speed test); the message holds the end of its log.
    """
    log = Path(log)
    command = [sys.executable, "-m", "nnrecog", "serve", "--host", "127.0.0.1", "--port", "0", *args]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + startup_s
        while not (found := re.search(r"nnrecog serve: (http://\S+)", log.read_text(errors="replace"))):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"nnrecog serve did not start (exit status {process.poll()}):\n{tail}")
            time.sleep(0.1)
        yield LocalServer(found.group(1), process, log)
    finally:
        process.terminate()  # uvicorn stops on SIGTERM, and the workers with it
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def peak_rss_kb(pid: int) -> int:
    """The peak resident memory (``VmHWM``, kB) of a process and of its children, summed: a
    server and its photo workers. 0 where ``/proc`` cannot tell."""
    def peak(process: int) -> int:
        try:
            status = Path(f"/proc/{process}/status").read_text()
        except OSError:
            return 0
        return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)

    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(c) for c in (task / "children").read_text().split()]
    return peak(pid) + sum(peak(c) for c in children)


def trickle_upload(url: str, stop: threading.Event, declared: int = 2**20) -> bytes:
    """POST a photo of ``declared`` bytes to ``url``'s ``/api/read``, two bytes at a time, until the
    server answers (its first bytes are returned) or ``stop`` is set (b"")."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(f"POST /api/read HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: image/png\r\n"
                     f"Content-Length: {declared}\r\n\r\n".encode())
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                sock.sendall(b"\x89P")
                data = sock.recv(65536)
                if data:
                    return data
            except socket.timeout:
                continue
            except OSError:
                return b""
    return b""


def large_png(side: int = 13000) -> bytes:
    """A white RGBA PNG of ``side`` x ``side`` pixels: 0.7 MB for 13000, 676 MB once decoded, and
    under PIL's own bomb limit: what a server must refuse from the header."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (side, side), (255, 255, 255, 255)).save(out, "PNG", compress_level=9)
    return out.getvalue()
