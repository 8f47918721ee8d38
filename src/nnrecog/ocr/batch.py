"""Reading many photos: one model load, a result or one error line per photo, overlays."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from nnrecog.errors import InputError
from nnrecog.ocr.config import ReaderConfig
from nnrecog.ocr.elements import Page
from nnrecog.ocr.overlay import open_for_overlay, save_overlay
from nnrecog.ocr.pipeline import DEFAULT_CONFIG, ModelArg, read_file, resolve_lexicon
from nnrecog.ocr.recognize import load_classifier


@dataclass
class PhotoReading:
    """The outcome of reading one photo of a batch: a page, or the one-line error."""

    path: Path
    page: Page | None = None
    error: str | None = None
    overlay: Path | None = None


def overlay_paths(overlay: str | os.PathLike, photos: list[Path]) -> list[Path]:
    """Where each photo's overlay goes.

    One photo: ``overlay`` itself. Several: ``OUT-<photo stem><suffix>`` beside ``OUT``
    (``--overlay ov.png a.jpg b.jpg`` writes ``ov-a.png`` and ``ov-b.png``); when two photos
    share a stem, ``OUT-<n>-<stem><suffix>`` with ``n`` the photo's 1-based position.

    Raises
    ------
    InputError : the suffix is not an image format PIL can write.
    """
    out = Path(overlay)
    if out.suffix.lower() not in Image.registered_extensions():
        raise InputError(f"{out}: overlay needs an image suffix PIL can write (.png, .jpg, ...)")
    if len(photos) == 1:
        return [out]
    stems = [p.stem for p in photos]
    return [
        out.with_name(f"{out.stem}-{stem if stems.count(stem) == 1 else f'{i}-{stem}'}{out.suffix}")
        for i, stem in enumerate(stems, start=1)
    ]


def read_photos(
    paths: list[str | os.PathLike],
    model: ModelArg = None,
    lexicon: bool = True,
    overlay: str | os.PathLike | None = None,
    config: ReaderConfig = DEFAULT_CONFIG,
) -> Iterator[PhotoReading]:
    """Read several photos with one model load, yielding each result as it is ready.

    A photo that cannot be read yields a :class:`PhotoReading` with ``error`` set (one line
    naming the file) and the others are still read. With ``overlay``, each read photo's
    overlay is written to :func:`overlay_paths`.

    Raises
    ------
    InputError, nnrecog.nn.ModelFileError : before any photo is read, when the model (or
        lexicon, or overlay name) is unusable.
    """
    photos = [Path(p) for p in paths]
    targets = overlay_paths(overlay, photos) if overlay is not None else [None] * len(photos)
    classifier, word_list = load_classifier(model), resolve_lexicon(lexicon)
    for photo, target in zip(photos, targets):
        try:
            page = read_file(photo, classifier, word_list, config)
        except InputError as exc:
            yield PhotoReading(photo, error=str(exc))
            continue
        if target is not None:
            try:
                save_overlay(open_for_overlay(photo), page, target)
            except OSError as exc:
                yield PhotoReading(photo, page, error=f"{target}: cannot write the overlay ({exc.strerror or exc})")
                continue
        yield PhotoReading(photo, page, overlay=target)
