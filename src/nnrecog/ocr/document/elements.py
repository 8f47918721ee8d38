"""The typed result of reading a photo: ``Page > Line > Word > Char``.

Every element has a box ``[y1, x1, y2, x2]`` in the photo's pixels (rows then columns, ``y2``
and ``x2`` exclusive), so it can be drawn on or cropped from the photo as given. The tree is
what :func:`nnrecog.ocr.read` returns; :meth:`Page.export` gives the JSON of ``nnrecog read
--json``::

    {"lines": [{"text", "box", "confidence", "words": [{"text", "box", "confidence",
        "chars": [{"text", "box", "confidence", "alternatives": [[label, p], ...]}]}]}],
     "rejected": [{"box", "reason", "confidence"}]}

A word's or line's confidence is the mean of its characters'. ``rejected`` lists the regions
that were looked at and judged not to be writing (:mod:`nnrecog.ocr.recognition.writing`), with why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

Box = tuple[int, int, int, int]


def union_box(boxes: list[Box]) -> Box:
    """The smallest box ``[y1, x1, y2, x2]`` that holds all ``boxes`` (non-empty list)."""
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass
class Char:
    """One character: its label, box, the label's probability and the top alternatives.

    ``alternatives`` lists ``(label, p)`` best first, the chosen label's own entry included
    when the classifier ranked it there; ``confidence`` is the classifier's probability of
    ``text`` (a context decoder may pick a label that is not the classifier's first choice).
    """

    text: str
    box: Box
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)

    def export(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "box": list(self.box),
            "confidence": round(float(self.confidence), 4),
            "alternatives": [[label, round(float(p), 4)] for label, p in self.alternatives],
        }


def _mean_confidence(chars: list[Char]) -> float:
    return sum(c.confidence for c in chars) / len(chars) if chars else 0.0


class _Group:
    """A Word or Line: its text joins its parts' texts, its box holds their boxes."""

    _parts: ClassVar[str]  # name of the list attribute holding the parts
    _separator: ClassVar[str]

    def _children(self) -> list:
        return getattr(self, self._parts)

    @property
    def text(self) -> str:
        return self._separator.join(part.text for part in self._children())

    @property
    def box(self) -> Box:
        return union_box([part.box for part in self._children()])

    def _chars(self) -> list[Char]:
        return [c for part in self._children() for c in ([part] if isinstance(part, Char) else part._chars())]

    @property
    def confidence(self) -> float:
        """The mean confidence of its characters."""
        return _mean_confidence(self._chars())

    def export(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "box": list(self.box),
            "confidence": round(self.confidence, 4),
            self._parts: [p.export() for p in self._children()],
        }


@dataclass
class Word(_Group):
    """Characters separated from the next word by a gap that is large for their line."""

    chars: list[Char]
    _parts: ClassVar[str] = "chars"
    _separator: ClassVar[str] = ""


@dataclass
class Line(_Group):
    """One handwritten line, words left to right."""

    words: list[Word]
    _parts: ClassVar[str] = "words"
    _separator: ClassVar[str] = " "

    @property
    def chars(self) -> list[Char]:
        """Its characters, left to right."""
        return self._chars()


@dataclass
class Rejected:
    """A region that was read and judged not to be writing: its box, why, and how confident
    the reading of it was (the line confidence it would have had)."""

    box: Box
    reason: str
    confidence: float = 0.0

    def export(self) -> dict[str, Any]:
        return {"box": list(self.box), "reason": self.reason, "confidence": round(float(self.confidence), 4)}


@dataclass
class Page:
    """A read photo: its lines top to bottom, the photo's size ``(height, width)``, and the
    regions judged not to be writing."""

    lines: list[Line]
    size: tuple[int, int] = (0, 0)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Lines joined by newlines, words by single spaces; empty for a blank page."""
        return "\n".join(line.text for line in self.lines)

    @property
    def chars(self) -> list[Char]:
        """Every character in reading order."""
        return [c for line in self.lines for c in line.chars]

    @property
    def confidence(self) -> float:
        """The mean confidence of its characters (0 without any)."""
        return _mean_confidence(self.chars)

    def export(self) -> dict[str, Any]:
        """The JSON-ready dict of ``nnrecog read --json`` (see the module docstring)."""
        return {"lines": [line.export() for line in self.lines], "rejected": [r.export() for r in self.rejected]}

    def moved(self, move: Callable[[Box], Box], size: tuple[int, int]) -> Page:
        """The page with every box moved by ``move(box) -> box``, on a photo of ``size``: a
        reading of a turned, straightened or cropped copy of the photo, put back on it."""
        lines = [Line([Word([replace(c, box=move(c.box)) for c in word.chars]) for word in line.words])
                 for line in self.lines]
        return Page(lines, size, [Rejected(move(r.box), r.reason, r.confidence) for r in self.rejected])
