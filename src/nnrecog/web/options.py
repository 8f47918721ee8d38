"""The options of ``nnrecog serve``, declared once (:mod:`nnrecog.options`).

Imports neither the framework nor the reader, so the command line builds its parser without them.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnrecog.options import DETECTOR, POSITIVE_FLOAT, POSITIVE_INT, Number, Option, check_fields
from nnrecog.web.config import ServeConfig


@dataclass(frozen=True, kw_only=True)
class ServeOptions:
    """``nnrecog serve``."""

    host: str = Option(
        "address to listen on; 0.0.0.0 lets every machine that can reach this one use the page",
        metavar="ADDRESS")(ServeConfig.host)
    port: int = Option("port to listen on (0: any free port)",
                       Number(int, 0, 65536, low_included=True, noun="a port number (0-65535)"))(ServeConfig.port)
    models: tuple[str, ...] = Option(
        "an nnrecog .npz character classifier to offer beside the shipped one (may be repeated)",
        flags=("--model",), metavar="PATH", repeatable=True)(ServeConfig.models)
    detector: str | None = DETECTOR(ServeConfig.detector)
    workers: int = Option("processes that read photos, each loading the models once", POSITIVE_INT,
                          metavar="N")(ServeConfig.workers)
    max_upload_mb: float = Option("largest upload accepted, in MiB", POSITIVE_FLOAT,
                                  metavar="MIB")(ServeConfig.max_upload_bytes / 2**20)
    body_timeout: float = Option("seconds a request's body may take to arrive; a slower upload gets 408",
                                 POSITIVE_FLOAT, metavar="S")(ServeConfig.body_deadline_s)

    def __post_init__(self) -> None:
        check_fields(self)

    def config(self) -> ServeConfig:
        """The :class:`~nnrecog.web.config.ServeConfig` these options ask for."""
        return ServeConfig(host=self.host, port=self.port, models=tuple(map(str, self.models)),
                           detector=None if self.detector is None else str(self.detector), workers=self.workers,
                           max_upload_bytes=max(1, int(self.max_upload_mb * 2**20)),
                           body_deadline_s=self.body_timeout)
