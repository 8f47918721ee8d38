"""``nnrecog read`` and ``nnrecog eval-ocr``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass

from nnrecog.cli import print_error
from nnrecog.cli.options import add_options
from nnrecog.options import DATA_DIR, Option


@dataclass(frozen=True, kw_only=True)
class _ReaderOptions:
    """What both commands take: the model, the decoder and the output format."""

    json: bool = Option("print JSON instead of text")(False)
    model: str | os.PathLike | None = Option(
        "classifier model file (default: the model shipped in the package)", metavar="PATH")(None)
    lexicon: bool = Option("read glyph by glyph, without the English word-list decoder")(True)


@dataclass(frozen=True, kw_only=True)
class ReadOptions(_ReaderOptions):
    """``nnrecog read``."""

    photos: Sequence[str | os.PathLike] = Option("photos to read", positional=True, nargs="+", metavar="PHOTO")()
    overlay: str | os.PathLike | None = Option(
        "write the photo with every box and label drawn; with several photos "
        "OUT-<photo name>.png each (OUT-<n>-<name>.png when names repeat)", metavar="OUT.png")(None)


@dataclass(frozen=True, kw_only=True)
class EvalOcrOptions(_ReaderOptions):
    """``nnrecog eval-ocr``."""

    folder: str | os.PathLike | None = Option(
        "folder of photos and NAME.gt.txt files (default: ocr_samples in --data-dir)",
        positional=True, nargs="?", metavar="DIR")(None)
    data_dir: str | os.PathLike | None = DATA_DIR(None)


def _read(args: argparse.Namespace) -> int:
    import json

    from nnrecog.ocr.batch import read_photos

    failures, pages = 0, []
    for reading in read_photos(args.photos, args.model, args.lexicon, args.overlay):
        if reading.error:
            print_error(reading.error)
            failures += 1
        if reading.page is None:
            continue
        if args.json:
            pages.append({"file": str(reading.path), **reading.page.export()})
        elif len(args.photos) > 1:
            print(f"==> {reading.path} <==\n{reading.page.text}\n")
        else:
            print(reading.page.text)
    if len(args.photos) > 1 and args.json:
        print(json.dumps(pages, indent=2))
    elif args.json and pages:  # one photo: just its {"lines"}; nothing if it failed
        print(json.dumps({"lines": pages[0]["lines"]}, indent=2))
    return 2 if failures else 0


def _eval_ocr(args: argparse.Namespace) -> int:
    import json

    from nnrecog.ocr.evaluate import evaluate_folder, format_report

    report = evaluate_folder(args.folder, args.model, args.lexicon, data_dir=args.data_dir)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    for error in report["failed"]:
        print_error(error)
    return 2 if report["failed"] else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``read`` and ``eval-ocr``."""
    p = subparsers.add_parser(
        "read", help="read handwritten block letters from photos",
        description="Print each photo's text, one handwritten line per line. With several photos, "
        "text output has a '==> PHOTO <==' header per photo and --json prints a list of "
        "{'file', 'lines'} objects (one photo: just {'lines'}). A photo that cannot be read gives "
        "one error line; the others are still read and the exit status is 2.",
    )
    add_options(p, ReadOptions)
    p.set_defaults(handler=_read)
    p = subparsers.add_parser(
        "eval-ocr", help="CER and box coverage of the OCR on photos with NAME.gt.txt files",
        description="For every image with a NAME.gt.txt beside it: CER with and without spaces, "
        "true characters that got a box, boxes that matched nothing, seconds per photo; totals. "
        "A photo that cannot be read is scored as an empty reading and gets one error line; "
        "the others are still scored and the exit status is 2.",
    )
    add_options(p, EvalOcrOptions)
    p.set_defaults(handler=_eval_ocr)
