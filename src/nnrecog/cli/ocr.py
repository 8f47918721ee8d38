"""``nnrecog read`` and ``nnrecog eval-ocr``."""

from __future__ import annotations

import argparse
import sys

from nnrecog.cli import print_error
from nnrecog.cli.options import add_command, option_values
from nnrecog.ocr.options import EvalOcrOptions, ReadOptions


def _read(args: argparse.Namespace) -> int:
    from nnrecog.ocr.batch import run_read

    outcome = run_read(ReadOptions(**option_values(args, ReadOptions)))
    for note in outcome.notes:
        print(f"nnrecog: note: {note}", file=sys.stderr)
    for error in outcome.errors:
        print_error(error)
    if outcome.stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(outcome.stdout)
        sys.stdout.buffer.flush()
    for path in outcome.written:
        print(f"wrote {path}", file=sys.stderr)
    return outcome.status


def _eval_ocr(args: argparse.Namespace) -> int:
    import json

    from nnrecog.ocr.evaluate import evaluate_folder, format_report

    options = EvalOcrOptions(**option_values(args, EvalOcrOptions))
    report = evaluate_folder(options.folder, options.classifier(), options.word_list(), options.data_dir,
                             options.reader_config(), options.line_model)
    print(json.dumps(report, indent=2) if options.json else format_report(report))
    for error in report["failed"]:
        print_error(error)
    return 2 if report["failed"] else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``read`` and ``eval-ocr``."""
    add_command(
        subparsers, "read", ReadOptions, _read, help="read handwritten block letters from photos",
        description="Print each photo's text, one handwritten line per line, or write it as JSON, "
        "hOCR, ALTO, TSV or a searchable PDF. PHOTO may be a file, a folder (every image in it) or "
        "- (one image on stdin). With several photos, text has a '==> PHOTO <==' header per photo "
        "and JSON is a list of documents. A photo that cannot be read gives one error line; the "
        "others are still read and the exit status is 2.",
    )
    add_command(
        subparsers, "eval-ocr", EvalOcrOptions, _eval_ocr,
        help="CER and box coverage of the OCR on photos with NAME.gt.txt files",
        description="For every image with a NAME.gt.txt beside it: CER with and without spaces, "
        "true characters that got a box, boxes that matched nothing, the length read over the "
        "true length, seconds per photo; totals. A photo that cannot be read is scored as an "
        "empty reading and gets one error line; the others are still scored and the exit status is 2.",
    )
