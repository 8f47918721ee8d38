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
#: A line's slope is followed this many line heights beyond its last box, no further (a
#: slope fitted on a few boxes is too uncertain to extrapolate across the page).
_COURSE_REACH = 6.0
#: Steepest slope (dy/dx) a line's course may take.
_MAX_SLOPE = 0.35
#: Boxes lower than this fraction of their line's median height are punctuation marks.
_PUNCTUATION_HEIGHT = 0.4
#: A word gap is at least this many times the line's typical (median) gap...
_WORD_GAP_RATIO = 1.6
#: ...and at least this many line heights wide.
_WORD_GAP_MIN = 0.9
#: Gaps at least this fraction of the word-gap threshold may still separate two words.
_NEAR_BREAK = 0.75
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
        last few boxes, evaluated at the box's column, but extrapolated no further than
        :data:`_COURSE_REACH` line heights), in heights of the two."""
        y, x = _centre(box)
        reach = _COURSE_REACH * self.height
        predicted = self.anchor[0] + self.slope * float(np.clip(x - self.anchor[1], -reach, reach))
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


def word_gap_threshold(gaps: np.ndarray, typical_gap: float | None = None) -> float:
    """The gap (in line heights) at which a line's next word starts.

    ``max(_WORD_GAP_RATIO * t, _WORD_GAP_MIN)`` with ``t`` the line's typical gap: the median
    of its :func:`effective_gaps` ``gaps``, or ``typical_gap`` (the page's) when the line has
    fewer than :data:`_MIN_GAPS_FOR_LINE_STATISTICS` gaps and it is given.
    """
    if gaps.size >= _MIN_GAPS_FOR_LINE_STATISTICS or (typical_gap is None and gaps.size):
        typical = float(np.median(gaps))
    else:
        typical = typical_gap if typical_gap is not None else 0.0
    return max(_WORD_GAP_RATIO * typical, _WORD_GAP_MIN)


def split_words(boxes: Sequence[Box], typical_gap: float | None = None) -> list[list[int]]:
    """Split one line's boxes (left to right) into words at the gaps that are large for it.

    A gap starts a new word when it reaches :func:`word_gap_threshold`: well above the
    line's typical gap, so widely spaced single-word lines stay one word.

    Parameters
    ----------
    boxes : one line's boxes, left to right.
    typical_gap : the page's typical gap in line heights (see :func:`page_typical_gap`).

    Returns
    -------
    Words left to right, each a list of indices into ``boxes``.
    """
    if not boxes:
        return []
    gaps = effective_gaps(boxes)
    threshold = word_gap_threshold(gaps, typical_gap)
    words, current = [], [0]
    for i in range(1, len(boxes)):
        if gaps[i - 1] >= threshold:
            words.append(current)
            current = []
        current.append(i)
    words.append(current)
    return words


def near_breaks(boxes: Sequence[Box], typical_gap: float | None = None) -> list[int]:
    """Gaps just short of a word break, widest first: ``i`` for the gap after box ``i``.

    These are the gaps at least :data:`_NEAR_BREAK` of :func:`word_gap_threshold`; whether
    such a gap separates two words is left to the reader of their letters.
    """
    gaps = effective_gaps(boxes)
    threshold = word_gap_threshold(gaps, typical_gap)
    near = [i for i, g in enumerate(gaps) if _NEAR_BREAK * threshold <= g < threshold]
    return sorted(near, key=lambda i: -gaps[i])


def page_typical_gap(lines: Sequence[Sequence[Box]]) -> float | None:
    """Median :func:`effective_gaps` over all lines of a page (``None`` without any gap)."""
    gaps = [g for line in lines for g in effective_gaps(line)]
    return float(np.median(gaps)) if gaps else None
