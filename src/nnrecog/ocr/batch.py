"""Reading many photos, as ``nnrecog read`` does: files, folders and stdin, in parallel processes,
one result or one error line per photo, overlays, and the output documents.

One :class:`~nnrecog.ocr.reader.Reader` holds the models and word list; photos are read in
parallel worker processes (``jobs``), results come back in input order, and a photo that cannot
be read yields its one-line error while the others are read.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from PIL import Image

from nnrecog.errors import InputError
from nnrecog.fileio import atomic_path, ensure_dir
from nnrecog.ocr.config import DEFAULT_CONFIG, ReaderConfig
from nnrecog.ocr.document.formats import Reading, output_paths, render
from nnrecog.ocr.document.readings import Photo, PhotoReading
from nnrecog.ocr.finding.photo import is_image_name
from nnrecog.ocr.options import ReadOptions
from nnrecog.ocr.reader import LexiconArg, LineModelArg, ModelArg, Reader

if TYPE_CHECKING:
    from distributed import Client

#: The most bytes ``nnrecog read -`` takes from stdin (a photo, not a video).
MAX_STDIN_BYTES = 256 * 2**20
STDIN = "-"


def photo_inputs(paths: Sequence[str | os.PathLike], stdin: BinaryIO | None = None) -> tuple[list[Photo], list[str]]:
    """The photos named on a command line: files as given, every image in a folder (sorted by
    name, not recursive), and ``-`` for the image on stdin.

    Returns
    -------
    photos, and notes: one line per folder that held files that are not images (skipped).

    Raises
    ------
    InputError : ``-`` is given twice, stdin holds nothing or too much, or no photo is left.
    """
    photos, notes = [], []
    for given in paths:
        if str(given) == STDIN:
            if any(p.name == "stdin" for p in photos):
                raise InputError("- (stdin) can be read only once")
            photos.append(Photo("stdin", _stdin_bytes(stdin or sys.stdin.buffer)))
            continue
        path = Path(given)
        if not path.is_dir():
            photos.append(Photo(str(path), path))
            continue
        entries = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        images = [p for p in entries if is_image_name(p)]
        others = [p.name for p in entries if not is_image_name(p)]
        photos += [Photo(str(p), p) for p in images]
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            notes.append(f"{path}: skipped {len(others)} file(s) that are not images ({shown})")
        if not images:
            notes.append(f"{path}: no image in this folder")
    if not photos:
        folders = [str(p) for p in paths if str(p) != STDIN]
        raise InputError(f"no photo to read in {', '.join(folders)}" if folders else "no photo to read")
    return photos, notes


def _stdin_bytes(stream: BinaryIO) -> bytes:
    data = stream.read(MAX_STDIN_BYTES + 1)
    if not data:
        raise InputError("stdin: empty (expected the bytes of one image, as in 'nnrecog read - < photo.jpg')")
    if len(data) > MAX_STDIN_BYTES:
        raise InputError(f"stdin: more than {MAX_STDIN_BYTES // 2**20} MiB, too large for a photo")
    return data


def overlay_paths(overlay: str | os.PathLike, names: list[str]) -> list[Path]:
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
    if len(names) == 1:
        return [out]
    stems = [Path(name).stem for name in names]
    return [
        out.with_name(f"{out.stem}-{stem if stems.count(stem) == 1 else f'{i}-{stem}'}{out.suffix}")
        for i, stem in enumerate(stems, start=1)
    ]


def read_photos(
    photos: Sequence[Photo | str | os.PathLike],
    model: ModelArg = None,
    lexicon: LexiconArg = True,
    overlay: str | os.PathLike | None = None,
    config: ReaderConfig = DEFAULT_CONFIG,
    jobs: int = 1,
    line_model: LineModelArg = None,
    client: Client | None = None,
) -> Iterator[PhotoReading]:
    """:meth:`Reader.read_many <nnrecog.ocr.reader.Reader.read_many>` of a reader built for these
    arguments (on the Dask cluster of ``client``, if given), each read photo's overlay written
    to :func:`overlay_paths` of ``overlay``.

    Raises
    ------
    InputError, nnrecog.nn.ModelFileError : before any photo is read, when the model (or
        lexicon, or overlay name) is unusable.
    """
    photos = [p if isinstance(p, Photo) else Photo(str(p), Path(p)) for p in photos]
    targets = overlay_paths(overlay, [p.name for p in photos]) if overlay is not None else None
    return Reader(config, model, lexicon, line_model).read_many(photos, jobs, targets, client)


@dataclass
class ReadOutcome:
    """What ``nnrecog read`` prints: the output for stdout (None when written to files), the
    error lines and notes, and the exit status."""

    stdout: bytes | None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def status(self) -> int:
        return 2 if self.errors else 0


def _is_folder_target(out: str | os.PathLike) -> bool:
    """``--out`` names a folder when it is one, or ends with a slash (a folder to create)."""
    return Path(out).is_dir() or str(out).endswith(("/", os.sep))


def run_read(options: ReadOptions, stdin: BinaryIO | None = None) -> ReadOutcome:
    """Everything ``nnrecog read`` does (see :class:`~nnrecog.ocr.options.ReadOptions`).

    Raises
    ------
    InputError : a usage mistake found before any photo is read (no photo, a PDF without
        ``--out``, an unusable model or overlay name).
    """
    fmt = options.output_format
    out = Path(options.out) if options.out is not None else None
    if fmt == "pdf" and out is None:
        raise InputError("--format pdf writes a file: give --out FILE.pdf (or a folder)")
    if out is not None and not out.is_dir() and not out.parent.is_dir():
        # a typo in a path should not make a tree of folders: only the last one is created
        raise InputError(f"--out {options.out}: the folder {out.parent} does not exist")
    photos, notes = photo_inputs(options.photos, stdin)
    outcome = ReadOutcome(None, notes=notes)
    readings = []
    with contextlib.ExitStack() as stack:
        client = None
        if options.scheduler is not None:
            from nnrecog.ocr.cluster import connect

            client = stack.enter_context(connect(options.scheduler))
        results = list(read_photos(photos, options.classifier(), options.word_list(), options.overlay,
                                   options.reader_config(), options.jobs, options.line_model, client))
    for reading in results:
        if reading.error:
            outcome.errors.append(reading.error)
        # a photo read whose overlay could not be written still has its page
        failed = reading.error if reading.page is None else None
        readings.append(Reading(reading.photo.name, reading.page, reading.photo.source, failed))
    several = len(photos) > 1
    documents = [r for r in readings if r.page is not None or fmt == "json"]
    if out is None:
        outcome.stdout = render(documents, fmt, several) if _has_content(documents, fmt, several) else b""
    elif _is_folder_target(options.out):
        ensure_dir(out)
        read = [r for r in readings if r.page is not None]
        for reading, path in zip(read, output_paths([r.name for r in read], out, fmt)):
            _write(path, render([reading], fmt, several=False))
            outcome.written.append(path)
    elif _has_content(documents, fmt, several):
        _write(out, render(documents, fmt, several))
        outcome.written.append(out)
    return outcome


def _has_content(documents: list[Reading], fmt: str, several: bool) -> bool:
    """Whether there is a document to write: a photo read, or a JSON list (of errors) asked for
    by several photos. hOCR, ALTO and PDF need a page, and one photo that failed has only its
    error line."""
    return any(r.page is not None for r in documents) or (several and fmt in ("json", "text", "tsv"))


def _write(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
