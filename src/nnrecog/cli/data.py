"""``nnrecog data build``, ``show``, ``lines`` and ``word-counts``."""

from __future__ import annotations

import argparse

from nnrecog.cli.options import add_command, option_values
from nnrecog.data.options import BuildOptions, MakeLinesOptions, ShowOptions, WordCountsOptions


def _build(args: argparse.Namespace) -> int:
    from nnrecog.data.builder import build_dataset

    print(build_dataset(**option_values(args, BuildOptions)).report())
    return 0


def _show(args: argparse.Namespace) -> int:
    from nnrecog.data.show import save_sample_grid

    print(f"wrote {save_sample_grid(**option_values(args, ShowOptions))}")
    return 0


def _lines(args: argparse.Namespace) -> int:
    from nnrecog.data.linecorpus import lines_command

    print(f"lines: {lines_command(MakeLinesOptions(**option_values(args, MakeLinesOptions)))}")
    if args.show is not None:
        print(f"wrote {args.show}")
    return 0


def _word_counts(args: argparse.Namespace) -> int:
    from nnrecog.ocr.recognition.lexicon import count_lexicon_words

    options = WordCountsOptions(**option_values(args, WordCountsOptions))
    written = count_lexicon_words(options.roots, options.out, options.min_count, options.progress)
    print(f"wrote {written} words' counts to {options.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``data build``, ``data show``, ``data lines`` and ``data word-counts``."""
    p = subparsers.add_parser("data", help="build or look at the NIST36-format dataset")
    actions = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    add_command(actions, "build", BuildOptions, _build,
                help="build the open NIST36-format set from the shared handwriting data")
    add_command(actions, "show", ShowOptions, _show, help="write a grid of samples per class as a PNG")
    add_command(actions, "lines", MakeLinesOptions, _lines,
                help="make synthetic lines of handwriting (for train lines), --show to see them")
    add_command(actions, "word-counts", WordCountsOptions, _word_counts,
                help="count the word list's words in folders of English text (the lexicon's word prior)")
