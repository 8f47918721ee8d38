"""The options of ``nnrecog data build`` and ``nnrecog data show`` (see :mod:`nnrecog.options`).

Light on purpose: the command line imports it to build its parser.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass

from nnrecog.data.nist36 import CLASSES, SPLITS
from nnrecog.errors import InputError
from nnrecog.options import DATA_DIR, GLYPH_DATA, POSITIVE_INT, PROGRESS, SEED, OneOf, Option, check_fields

_SOURCE = "'default', a built folder, a folder of nist36_*.mat"


@dataclass(frozen=True)
class BuildOptions:
    """What :func:`nnrecog.data.builder.build_dataset` builds, and where.

    ``sources``, ``per_class_limit``, ``rerenders`` and ``progress`` are for Python callers
    (small test builds); the rest are also command-line options.
    """

    out_dir: str | os.PathLike | None = Option(
        "output folder (default: the cached 'default' set)", flags=("--out",), metavar="DIR")(None)
    # --sources is the name the command had before it took --data-dir like every other command
    data_dir: str | os.PathLike | None = dataclasses.replace(DATA_DIR, flags=("--data-dir", "--sources"))(None)
    formats: tuple[str, ...] = Option(
        "mat: also write the course's nist36_*.mat", flags=("--format",),
        choices={"npz": ("npz",), "mat": ("npz", "mat")})(("npz",))
    seed: int = SEED(0)
    #: names from ``nnrecog.data.sources.SOURCE_NAMES`` (None: all, the synthetic one included)
    sources: tuple[str, ...] | None = None
    #: at most this many samples per class from each source
    per_class_limit: int | None = None
    #: synthetic re-renderings per Chars74K train letterform (train only; 0 = none)
    rerenders: int = 2
    #: tqdm bars on stderr
    progress: bool = True

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class ShowOptions:
    """What :func:`nnrecog.data.show.save_sample_grid` pictures, and where."""

    source: str = Option(f"{_SOURCE}, or 'nist26'", positional=True, metavar="SOURCE")()
    out: str | os.PathLike = Option("PNG to write")()
    split: str = Option("the split to picture", OneOf(SPLITS))("train")
    per_class: int = Option("samples per class", POSITIVE_INT)(16)
    classes: str = Option("which classes, in order (either case)")(CLASSES)
    augmented: bool = Option("follow each sample by two augmented versions")(False)
    seed: int = SEED(0)
    data_dir: str | os.PathLike | None = DATA_DIR(None)

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.classes or not set(self.classes.upper()) <= set(CLASSES):
            raise InputError(f"--classes must be characters of {CLASSES}, got {self.classes!r}")


@dataclass(frozen=True)
class MakeLinesOptions:
    """What ``nnrecog data lines`` makes: synthetic lines of handwriting (:mod:`nnrecog.data.lines`)."""

    split: str = Option("whose glyphs make the lines: train (to learn from) or valid", OneOf(("train", "valid")))(
        "train")
    count: int = Option("lines to make", POSITIVE_INT)(50000)
    seed: int = SEED(0)
    source: str = GLYPH_DATA("default")
    data_dir: str | os.PathLike | None = DATA_DIR(None)
    out: str | os.PathLike | None = Option(
        "also write the lines to this .npz (default: only the cache, where train lines looks)", metavar="FILE")(None)
    show: str | os.PathLike | None = Option("write a PNG of the first lines with their texts", metavar="PNG")(None)

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class WordCountsOptions:
    """What ``nnrecog data word-counts`` counts, and where it writes
    (:mod:`nnrecog.ocr.recognition.wordcounts`)."""

    roots: Sequence[str | os.PathLike] = Option(
        "folders of English text (.txt, .md, .rst, .html, man pages, READMEs), searched recursively",
        positional=True, nargs="+", metavar="FOLDER")()
    out: str | os.PathLike = Option("the counts file to write (.txt.gz), e.g. for the package's "
                                    "resources/word_counts.txt.gz", metavar="FILE")()
    min_count: int = Option("keep the words seen at least this often", POSITIVE_INT)(2)
    progress: bool = PROGRESS(True)

    def __post_init__(self) -> None:
        check_fields(self)
