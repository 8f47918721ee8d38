"""A photo to read and the outcome of reading it, shared by every way of reading many photos
(here, in worker processes, on a cluster)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from nnrecog.ocr.document.elements import Page

#: A photo is a file, or the bytes of one (an image piped to ``nnrecog read -``).
PhotoSource = str | os.PathLike | bytes


def opened(source: PhotoSource) -> str | os.PathLike | io.BytesIO:
    """What ``PIL.Image.open`` takes for a photo source."""
    return io.BytesIO(source) if isinstance(source, bytes) else source


@dataclass(frozen=True)
class Photo:
    """A photo to read: the name it goes by (its path, or ``stdin``) and where its bytes are."""

    name: str
    source: PhotoSource


@dataclass
class PhotoReading:
    """The outcome of reading one photo of many: a page, or the one-line error."""

    photo: Photo
    page: Page | None = None
    error: str | None = None
    overlay: Path | None = None

    @property
    def path(self) -> Path:
        return Path(self.photo.name)


def write_overlay(reading: PhotoReading, overlay: Path) -> PhotoReading:
    """``reading`` with its photo's overlay written to ``overlay``, or with the error that it
    could not be."""
    from nnrecog.ocr.document.overlay import open_for_overlay, save_overlay

    try:
        save_overlay(open_for_overlay(opened(reading.photo.source)), reading.page, overlay)
    except OSError as exc:
        return PhotoReading(reading.photo, reading.page, error=f"{overlay}: cannot write the overlay ({exc.strerror or exc})")
    return PhotoReading(reading.photo, reading.page, overlay=overlay)
