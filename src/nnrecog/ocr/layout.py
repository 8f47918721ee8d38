"""Group character boxes into lines (top to bottom) and words (left to right).

Lines: boxes are swept left to right and each joins the line whose course predicts its centre
best; a line's course is the straight-line fit through its last few boxes, so slanted and
gently curving lines are followed, and lines of different heights are judged by their own
height. Words: a gap between neighbouring boxes starts a new word when it is large *for that
line*, i.e. well above the line's typical gap, so a widely spaced single word stays one word.

Boxes are ``[y1, x1, y2, x2]`` in any one pixel frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnrecog.ocr.elements import Box

#: A box joins a line when its centre is within this many line heights of the line's course.
_LINE_TOLERANCE = 0.5
#: The course is fitted through this many of the line's rightmost boxes.
_COURSE_BOXES = 4
#: Steepest slope (dy/dx) a line's course may take.
_MAX_SLOPE = 0.35
#: Boxes lower than this fraction of their line's median height are punctuation marks.
_PUNCTUATION_HEIGHT = 0.4
#: A word gap is at least this many times the line's typical (median) gap...
_WORD_GAP_RATIO = 1.6
#: ...and at least this many line heights wide.
_WORD_GAP_MIN = 0.9
#: Lines with fewer gaps than this take their typical gap from the whole page.
_MIN_GAPS_FOR_LINE_STATISTICS = 4
#: Glyphs narrower than this fraction of the line's median width ('I', '1') have their gaps
#: measured as if they were median-wide, since writers space such glyphs by pitch.
_NARROW_FRACTION = 0.5


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


class _LineBuilder:
    """A line under construction: its boxes so far, in sweep (left-to-right) order."""

    def __init__(self, index: int, box: Box):
        self.members: list[int] = []
        self.boxes: list[Box] = []
        self.add(index, box)

    def add(self, index: int, box: Box) -> None:
        """Append a box and refit the line's height and course."""
        self.members.append(index)
        self.boxes.append(box)
        self.height = float(np.median([b[2] - b[0] for b in self.boxes]))
        recent = np.array([_centre(b) for b in self.boxes[-_COURSE_BOXES:]])
        ys, xs = recent[:, 0], recent[:, 1]
        self.anchor = (float(ys[-1]), float(xs[-1]))
        self.slope = 0.0
        if len(recent) >= 2 and np.ptp(xs) >= self.height:
            dx = xs - xs.mean()
            slope = float(dx @ (ys - ys.mean()) / (dx @ dx))  # least-squares line fit
            self.slope = float(np.clip(slope, -_MAX_SLOPE, _MAX_SLOPE))

    def distance(self, box: Box) -> float:
        """How far ``box``'s centre is from the line's course (the straight line through its
        last few boxes, evaluated at the box's column), in heights of the two."""
        y, x = _centre(box)
        predicted = self.anchor[0] + self.slope * (x - self.anchor[1])
        return abs(y - predicted) / max(self.height, box[2] - box[0], 1)


def group_lines(boxes: Sequence[Box]) -> list[list[int]]:
    """Group boxes into text lines.

    Parameters
    ----------
    boxes : character boxes ``[y1, x1, y2, x2]``.

    Returns
    -------
    Lines top to bottom (by median centre height), each a list of indices into ``boxes``
    ordered left to right.
    """
    lines: list[_LineBuilder] = []
    for i in sorted(range(len(boxes)), key=lambda k: (boxes[k][1], boxes[k][0])):
        distances = [line.distance(boxes[i]) for line in lines]
        if distances and min(distances) <= _LINE_TOLERANCE:
            lines[int(np.argmin(distances))].add(i, boxes[i])
        else:
            lines.append(_LineBuilder(i, boxes[i]))
    lines.sort(key=lambda line: float(np.median([_centre(b)[0] for b in line.boxes])))
    return [sorted(line.members, key=lambda k: _centre(boxes[k])[1]) for line in lines]


def punctuation_marks(boxes: Sequence[Box]) -> list[int]:
    """Indices of one line's boxes too flat to be block letters: hyphens, dashes, commas.

    A box lower than :data:`_PUNCTUATION_HEIGHT` times the line's median box height is a
    mark (the flattest block letter of the course photos is 0.62 of its line's median).
    """
    if not boxes:
        return []
    height = float(np.median([b[2] - b[0] for b in boxes]))
    return [i for i, b in enumerate(boxes) if b[2] - b[0] < _PUNCTUATION_HEIGHT * height]


def effective_gaps(boxes: Sequence[Box]) -> np.ndarray:
    """Gaps between neighbouring boxes of one line (left to right), in line heights.

    ``g_i = (x1_{i+1} - x2_i - c_i - c_{i+1}) / h`` with ``h`` the median box height; a glyph
    narrower than :data:`_NARROW_FRACTION` of the median width ``m`` contributes ``c =
    (m - width) / 2`` to both its gaps (it is treated as a median-wide glyph), others 0.

    Returns
    -------
    (len(boxes) - 1,) float.
    """
    if len(boxes) < 2:
        return np.zeros(0)
    b = np.asarray(boxes, dtype=float)
    height = max(float(np.median(b[:, 2] - b[:, 0])), 1.0)
    widths = b[:, 3] - b[:, 1]
    median_width = float(np.median(widths))
    narrow = np.where(widths < _NARROW_FRACTION * median_width, (median_width - widths) / 2, 0.0)
    return (b[1:, 1] - b[:-1, 3] - narrow[1:] - narrow[:-1]) / height


def split_words(boxes: Sequence[Box], typical_gap: float | None = None) -> list[list[int]]:
    """Split one line's boxes (left to right) into words at the gaps that are large for it.

    With :func:`effective_gaps` ``g`` (in line heights) and the line's typical gap ``t`` (the
    median of ``g``; ``typical_gap`` when the line has fewer than
    :data:`_MIN_GAPS_FOR_LINE_STATISTICS` gaps and it is given), a gap starts a new word when
    ``g_i >= max(_WORD_GAP_RATIO * t, _WORD_GAP_MIN)``. Widely spaced single-word lines stay
    one word because their typical gap is wide too.

    Parameters
    ----------
    boxes : one line's boxes, left to right.
    typical_gap : the page's typical gap in line heights (see :func:`page_typical_gap`).

    Returns
    -------
    Words left to right, each a list of indices into ``boxes``.
    """
    n = len(boxes)
    if n == 0:
        return []
    gaps = effective_gaps(boxes)
    if gaps.size >= _MIN_GAPS_FOR_LINE_STATISTICS or (typical_gap is None and gaps.size):
        typical = float(np.median(gaps))
    else:
        typical = typical_gap if typical_gap is not None else 0.0
    threshold = max(_WORD_GAP_RATIO * typical, _WORD_GAP_MIN)
    words, current = [], [0]
    for i in range(1, n):
        if gaps[i - 1] >= threshold:
            words.append(current)
            current = []
        current.append(i)
    words.append(current)
    return words


def page_typical_gap(lines: Sequence[Sequence[Box]]) -> float | None:
    """Median :func:`effective_gaps` over all lines of a page (``None`` without any gap)."""
    gaps = [g for line in lines for g in effective_gaps(line)]
    return float(np.median(gaps)) if gaps else None
