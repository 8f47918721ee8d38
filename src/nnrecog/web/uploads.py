"""Request bodies read into memory, never onto disk: the size cap is checked before a byte is
read (the declared length) and while reading (a chunked body), and a multipart form is split in
memory by python-multipart's parser (Starlette's own form parser spools large files to
temporary files).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from nnrecog.web.guard import ReceiveBudget


class UploadError(Exception):
    """An upload refused with an HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Upload:
    """What a request sent: the file's bytes (the first file of a multipart form, else the whole
    body), its name when the form gave one, and the form's text fields."""

    data: bytes
    filename: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


def _mib(size: int) -> str:
    return f"{size / 2**20:.3g} MiB"


class ClientGone(Exception):
    """The client closed the connection before its body arrived (logged in one line)."""


async def read_body(request: Request, cap: int, budget: ReceiveBudget, deadline_s: float) -> bytes:
    """The request's body, at most ``cap`` bytes, arrived within ``deadline_s`` seconds, its
    bytes held against ``budget`` while they arrive.

    Raises
    ------
    UploadError : 413 when the body is (or declares itself) larger than ``cap``; 400 for a
        malformed Content-Length; 408 when it did not arrive in time; 503 when the budget of
        bodies being received is spent.
    ClientGone : the client went away mid-body.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise UploadError(400, f"malformed Content-Length {declared!r}")
        if int(declared) > cap:
            # answered before reading: a client that sent 'Expect: 100-continue' (curl does
            # for large files) never sends the body at all
            raise UploadError(413, f"upload of {_mib(int(declared))} is over the {_mib(cap)} limit")
    chunks: list[bytes] = []
    size = 0

    async def receive() -> None:
        nonlocal size
        async for chunk in request.stream():
            if size + len(chunk) > cap:
                raise UploadError(413, f"upload is over the {_mib(cap)} limit")
            if not budget.take(len(chunk)):
                raise UploadError(503, "busy: too many uploads arriving at once; try again shortly")
            size += len(chunk)
            chunks.append(chunk)

    try:
        await asyncio.wait_for(receive(), deadline_s)
    except asyncio.TimeoutError:
        raise UploadError(408, f"the upload did not arrive within {deadline_s:g} s") from None
    except ClientDisconnect:
        raise ClientGone(f"{request.client.host if request.client else 'a client'} went away during its upload") from None
    finally:
        budget.give(size)
    return b"".join(chunks)


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)

    def disposition(self) -> dict[bytes, bytes]:
        return parse_options_header(self.headers.get(b"content-disposition"))[1]


def _parts(body: bytes, boundary: bytes, max_parts: int) -> list[_Part]:
    parts: list[_Part] = []
    header: list[bytearray] = [bytearray(), bytearray()]  # the field and value being read

    def on_part_begin() -> None:
        if len(parts) >= max_parts:
            raise UploadError(400, f"multipart upload with more than {max_parts} parts")
        parts.append(_Part())

    def on_header_end() -> None:
        parts[-1].headers[bytes(header[0]).lower()] = bytes(header[1])
        header[0], header[1] = bytearray(), bytearray()

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_part_data": lambda data, start, end: parts[-1].data.extend(data[start:end]),
        "on_header_field": lambda data, start, end: header[0].extend(data[start:end]),
        "on_header_value": lambda data, start, end: header[1].extend(data[start:end]),
        "on_header_end": on_header_end,
    }
    parser = MultipartParser(boundary, callbacks)
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:
        raise UploadError(400, f"malformed multipart upload ({' '.join(str(exc).split())})") from None
    return parts


def parse_upload(body: bytes, content_type: str | None, max_parts: int) -> Upload:
    """The file and fields of a request body: a ``multipart/form-data`` form (of at most
    ``max_parts`` parts), or the raw bytes.

    Raises
    ------
    UploadError : 400 for a malformed form, one with too many parts, or one without a file.
    """
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        return Upload(body)
    boundary = options.get(b"boundary")
    if not boundary:
        raise UploadError(400, "multipart upload without a boundary in its Content-Type")
    fields, files = {}, []
    for part in _parts(body, boundary, max_parts):
        disposition = part.disposition()
        if b"filename" in disposition:
            files.append(Upload(bytes(part.data), disposition[b"filename"].decode("utf-8", "replace")))
        else:
            fields[disposition.get(b"name", b"").decode("utf-8", "replace")] = part.data.decode("utf-8", "replace")
    if not files:
        raise UploadError(400, "no file in the form: send it as a file field (curl -F photo=@FILE) or as the raw body")
    return Upload(files[0].data, files[0].filename, fields)
