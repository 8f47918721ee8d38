"""The settings of ``nnrecog serve``, one frozen dataclass (:class:`ServeConfig`)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from nnrecog.ocr.config import ReaderConfig

#: Host names that reach only this machine.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class ServeConfig:
    """Where the server listens, what it offers, and the limits that keep it serving."""

    host: str = "127.0.0.1"
    #: 0 picks a free port (the server prints the one it got).
    port: int = 8000
    #: Character classifier files offered beside the shipped one.
    models: tuple[str, ...] = ()
    #: The character detector every classifier is vetted by: None the shipped one, "none" none.
    detector: str | None = None
    #: Worker processes that read photos, each with its own copy of every model.
    workers: int = 2
    #: Uploads larger than this are refused (413) before they are read.
    max_upload_bytes: int = 32 * 2**20
    #: A form with more parts than this is refused (400): an upload is one file and a few fields.
    max_form_parts: int = 32
    #: Connections the kernel holds while the server is busy or still starting (uvicorn's default).
    backlog: int = 2048
    #: Requests served at once; more get a JSON 503 (uvicorn itself refuses connections beyond
    #: four times this, a backstop).
    max_connections: int = 64
    #: Requests from one client address at once; more get a 503 (on a loopback address every
    #: client is 127.0.0.1, so this is no lower than what the page itself may send).
    max_requests_per_client: int = 48
    #: Bytes of request bodies being received at once, all requests together; a body that
    #: would pass it gets a 503: many large uploads at once cannot take the memory, while
    #: slow clients, each holding little, do not lock the others out.
    max_receiving_bytes: int = 256 * 2**20
    #: A body must have arrived within this many seconds (else 408): a client sending a few
    #: bytes a second frees its place.
    body_deadline_s: float = 20.0
    #: A photo must be read within this many seconds of being queued (else 504).
    read_deadline_s: float = 120.0
    #: URLs (path and query) longer than this are refused (414).
    max_url_bytes: int = 8192
    #: Photos being read or waiting for a worker at once; one more is refused (503): the
    #: queue stays short enough that a photo waits seconds, not minutes.
    max_waiting: int = 16
    #: A drawn glyph is decoded at most this large (a canvas is far smaller; a photo sent
    #: to the wrong endpoint costs no more than this).
    glyph_max_pixels: int = 1_000_000
    #: Classes listed for a drawn glyph.
    top_k: int = 5
    #: How photos are read; a request may choose the engine.
    reader: ReaderConfig = field(default_factory=ReaderConfig)

    @property
    def loopback(self) -> bool:
        """Whether only this machine can reach the server."""
        if self.host in LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:  # a host name other than localhost: may resolve anywhere
            return False
