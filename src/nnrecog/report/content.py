"""What a step of ``nnrecog report`` is and what it keeps: :class:`Step`, its :class:`StepContext`
and the :class:`Content` its section shows (numbers, ours and the write-up's beside them,
tables, texts and figures), and the helpers the steps share."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnrecog.report.options import Scale

MANIFEST = "manifest.json"
STEPS_FOLDER = "steps"
#: The course write-up's own numbers, shown beside ours.
WRITEUP = {
    "sigmoid_max_slope": "0.25",
    "tanh_max_slope": "1",
    "softmax_shift": "0 (exact)",
    "top_confused": "0/O, S/5, Z/2",
    "ocr_cer_no_spaces": "26 %",
    "psnr": "15.8 dB",
    "torch_fc": "77.4 %",
    "torch_cnn": "89.5 %",
    "scenes_bag_of_words": "59.25 %",
    "scenes_cnn": "74 %",
    "video_top1": "42 %",
}
TORCH_MISSING = "needs nnrecog[torch] (pip install 'nnrecog[torch]')"


class NotRun(Exception):
    """A step that cannot run here: its section shows the reason; nothing is cached."""


def percent(value: float | None) -> str:
    """``0.7475 -> '74.8 %'``; None (not measured) -> 'n/a'."""
    return "n/a" if value is None else f"{100 * value:.1f} %"


@dataclass
class Content:
    """What one step's section shows; figure files are relative to the step's folder."""

    numbers: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    texts: list[dict[str, str]] = field(default_factory=list)
    figures: list[dict[str, str]] = field(default_factory=list)

    def number(self, key: str, label: str, value: Any, shown: str, writeup: str | None = None) -> None:
        """A measured ``value`` (in report.json) shown as ``shown``, with the write-up's beside it."""
        self.numbers.append({"key": key, "label": label, "value": value, "shown": shown, "writeup": writeup})

    def table(self, caption: str, header: list[str], rows: list[list[str]]) -> None:
        """A table of text cells under ``header``."""
        self.tables.append({"caption": caption, "header": header, "rows": rows})

    def text(self, caption: str, text: str) -> None:
        """Preformatted text (what the program printed or read)."""
        self.texts.append({"caption": caption, "text": text})

    def figure(self, file: str | os.PathLike, caption: str) -> None:
        """A PNG the step wrote, ``file`` relative to its folder."""
        self.figures.append({"file": Path(file).as_posix(), "caption": caption})


@dataclass(frozen=True)
class StepContext:
    """What a step runs with: its (temporary) folder, the scale, seed and data."""

    folder: Path
    scale: Scale
    seed: int
    source: str
    data_dir: Path
    progress: bool


@dataclass(frozen=True)
class Step:
    """One cached unit of the report.

    Attributes
    ----------
    id : one of :data:`~nnrecog.report.options.STEP_IDS`
    question, title : where it sits in the write-up ("Q3", "the course MLP")
    run : ``run(context) -> Content``; raises :class:`NotRun` when it cannot run here
    settings : the step's share of the scale (what its manifest records)
    glyphs : reads the ``--data`` glyph source
    shared_data : reads the shared data directory
    torch : needs the torch extra
    estimate : about how many seconds it takes at the quick and the full scale (2 busy cores),
        for the progress bar until a run of it has been timed
    """

    id: str
    question: str
    title: str
    run: Callable[[StepContext], Content]
    settings: Callable[[Scale], dict[str, Any]] = lambda scale: {}
    glyphs: bool = False
    shared_data: bool = False
    torch: bool = False
    estimate: tuple[float, float] = (5.0, 5.0)


# --- the steps ---------------------------------------------------------------------------------


def interrupted(results: dict[str, Any]) -> None:
    """Raise KeyboardInterrupt when a runner stopped early on Ctrl-C (``results["interrupted"]``)."""
    # The NumPy runners catch Ctrl-C to keep their best model and return early: the report
    # must not take that for a finished step.
    if results.get("interrupted"):
        raise KeyboardInterrupt


def glyph_numbers(content: Content, results: dict[str, Any], writeup: str | None = None) -> None:
    """A glyph classifier's accuracies: validation (beside the write-up's), test, real NIST letters."""
    content.number("valid_accuracy", "validation accuracy", results["valid_accuracy"],
                   percent(results["valid_accuracy"]), writeup)
    content.number("test_accuracy", "test accuracy", results["test_accuracy"], percent(results["test_accuracy"]))
    content.number("nist26_accuracy", "real NIST letters (nist26, never trained on)", results.get("nist26_accuracy"),
                   percent(results.get("nist26_accuracy")))


def confused_pairs(content: Content, pairs: list[list[Any]], writeup: str | None = None) -> None:
    """The three most confused (true, predicted) pairs."""
    shown = ", ".join(f"{true}→{predicted} ({count})" for true, predicted, count in pairs[:3])
    content.number("top_confused", "most confused pairs on test (true→predicted)", pairs, shown, writeup)


def shared_path(ctx: StepContext, *parts: str) -> Path:
    """A path in the shared data; :class:`NotRun` when it is not there."""
    path = ctx.data_dir.joinpath(*parts)
    if not path.exists():
        raise NotRun(f"data not found at {path}")
    return path
