"""The options of ``nnrecog read`` and ``nnrecog eval-ocr``, declared once (:mod:`nnrecog.options`).

Imports nothing heavy, so the command line can build its parser without loading the reader.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nnrecog.errors import InputError
from nnrecog.ocr.config import ENGINES, ReaderConfig, WritingConfig
from nnrecog.ocr.document.formats import FORMATS
from nnrecog.options import DATA_DIR, DETECTOR, Number, OneOf, Option, check_fields

if TYPE_CHECKING:
    from nnrecog.ocr.recognition.lexicon import Lexicon

#: The number of photos ``--jobs`` reads at once by default: one per core.
DEFAULT_JOBS = os.cpu_count() or 1


@dataclass(frozen=True, kw_only=True)
class ReaderOptions:
    """What both commands take: the model, the decoder and the reader's thresholds."""

    engine: str = Option(
        "chars: glyph by glyph with the character classifier (the course's method); lines: whole "
        "lines with the line recogniser, which reads touching letters; auto: each line as its letters "
        "call for, glyph by glyph where they stand apart, whole where they touch", check=OneOf(ENGINES))(ReaderConfig.engine)
    model: str | os.PathLike | None = Option(
        "character classifier model file (default: the model shipped in the package)", metavar="PATH")(None)
    detector: str | os.PathLike | None = DETECTOR(None)
    line_model: str | os.PathLike | None = Option(
        "line recogniser model file, for --engine lines or auto (default: the one shipped in the package)",
        metavar="PATH")(None)
    lexicon: bool = Option(
        "read without English: no word-list decoder, and no spelling model in the line recogniser's "
        "search (serial numbers, codes, names in capitals)")(True)
    word_counts: str | os.PathLike | None = Option(
        "weigh the word list's words by these counts (made by nnrecog data word-counts from your own "
        "texts) instead of the shipped ones", metavar="FILE")(None)
    min_confidence: float = Option(
        "drop a line whose characters' mean probability is below this (0 keeps every line)",
        check=Number(float, 0, 1, low_included=True, noun="a number in [0, 1)"), metavar="P",
    )(WritingConfig.min_confidence)

    def __post_init__(self) -> None:
        check_fields(self)
        if self.word_counts is not None and not self.lexicon:
            raise InputError("--word-counts weighs the word list's words: it cannot go with --no-lexicon")

    def word_list(self) -> bool | Lexicon:
        """What the reader decodes words with (its ``lexicon`` argument): none, the shipped
        list, or the list with the counts of ``--word-counts``
        (:func:`~nnrecog.ocr.recognition.lexicon.lexicon_with_counts`)."""
        if self.word_counts is None:
            return self.lexicon
        from nnrecog.ocr.recognition.lexicon import lexicon_with_counts

        return lexicon_with_counts(self.word_counts)

    def classifier(self) -> object:
        """The classifier and detector these options name, loaded
        (:func:`~nnrecog.ocr.recognition.recognize.load_classifier`)."""
        from nnrecog.ocr.recognition.recognize import detector_choice, load_classifier

        return load_classifier(self.model, detector_choice(self.detector))

    def reader_config(self) -> ReaderConfig:
        """The :class:`~nnrecog.ocr.config.ReaderConfig` these options ask for."""
        config = ReaderConfig(engine=self.engine)
        return dataclasses.replace(
            config, writing=dataclasses.replace(config.writing, min_confidence=self.min_confidence)
        )


@dataclass(frozen=True, kw_only=True)
class ReadOptions(ReaderOptions):
    """``nnrecog read``."""

    photos: Sequence[str | os.PathLike] = Option(
        "photos to read: image files, folders (every image in them), or - for one image on stdin",
        positional=True, nargs="+", metavar="PHOTO")()
    format: str = Option("output format", check=OneOf(FORMATS), flags=("--format", "-f"))("text")
    json: bool = Option("the same as --format json")(False)
    out: str | os.PathLike | None = Option(
        "write the output to FILE instead of stdout, or into the folder DIR one file per photo "
        "(<photo name>.<format's suffix>); needed for pdf", metavar="FILE|DIR")(None)
    overlay: str | os.PathLike | None = Option(
        "write the photo with every box and label drawn; with several photos "
        "OUT-<photo name>.png each (OUT-<n>-<name>.png when names repeat)", metavar="OUT.png")(None)
    jobs: int = Option("photos read at once, in separate processes", check=Number(int, 0),
                       flags=("--jobs", "-j"), metavar="N")(DEFAULT_JOBS)
    scheduler: str | None = Option(
        "read on the Dask cluster of this scheduler instead of here (needs nnrecog[cluster]); each "
        "worker gets the models once, the photos go as bytes, results come back in order",
        metavar="tcp://HOST:PORT")(None)

    @property
    def output_format(self) -> str:
        return "json" if self.json else self.format


@dataclass(frozen=True, kw_only=True)
class EvalOcrOptions(ReaderOptions):
    """``nnrecog eval-ocr``."""

    folder: str | os.PathLike | None = Option(
        "folder of photos and NAME.gt.txt files (default: ocr_samples in --data-dir)",
        positional=True, nargs="?", metavar="DIR")(None)
    json: bool = Option("print JSON instead of text")(False)
    data_dir: str | os.PathLike | None = DATA_DIR(None)
