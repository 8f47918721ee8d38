"""Stage 6: group character boxes into lines (top to bottom) and words (left to right).

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

from nnrecog.ocr.config import LayoutConfig
from nnrecog.ocr.document.elements import Box

def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def median_height(boxes: Sequence[Box]) -> float:
    """The median height of ``boxes`` (a line's height; 0 for no box)."""
    return float(np.median([b[2] - b[0] for b in boxes])) if len(boxes) else 0.0


class _LineBuilder:
    """A line under construction: its boxes so far, in sweep (left-to-right) order."""

    def __init__(self, index: int, box: Box, config: LayoutConfig):
        self.config = config
        self.members: list[int] = []
        self.boxes: list[Box] = []
        self.add(index, box)

    def add(self, index: int, box: Box) -> None:
        """Append a box and refit the line's height and course."""
        self.members.append(index)
        self.boxes.append(box)
        self.height = median_height(self.boxes)
        self.level = float(np.median([_centre(b)[0] for b in self.boxes]))
        recent = np.array([_centre(b) for b in self.boxes[-self.config.course_boxes :]])
        ys, xs = recent[:, 0], recent[:, 1]
        self.anchor = (float(ys[-1]), float(xs[-1]))
        self.slope = 0.0
        if len(recent) >= 2 and np.ptp(xs) >= self.config.course_min_span_heights * self.height:
            dx = xs - xs.mean()
            slope = float(dx @ (ys - ys.mean()) / (dx @ dx))  # least-squares line fit
            self.slope = float(np.clip(slope, -self.config.max_slope, self.config.max_slope))

    def distance(self, box: Box) -> float:
        """How far ``box``'s centre is from the line's course (the straight line through its
        last few boxes, evaluated at the box's column, but extrapolated no further than
        ``course_reach_heights`` line heights), or, within that reach, from the line's level
        (the median height of its boxes), whichever is nearer, in heights of the two. The
        level: a writer whose words each climb or fall starts the next word back at the
        line's height, where the slanted word's course does not go."""
        y, x = _centre(box)
        reach = self.config.course_reach_heights * self.height
        predicted = self.anchor[0] + self.slope * float(np.clip(x - self.anchor[1], -reach, reach))
        off = abs(y - predicted)
        if abs(x - self.anchor[1]) <= reach:
            off = min(off, abs(y - self.level))
        return off / max(self.height, box[2] - box[0], 1)


def page_angle(boxes: Sequence[Box], config: LayoutConfig = LayoutConfig()) -> float:
    """The angle (radians, positive: lines falling to the right) the page's writing runs at.

    A photo of a sheet is often taken at an angle, and then every line slopes alike. Of the
    angles within ``max_page_angle_deg`` (every ``page_angle_step_deg``), the one whose
    profile is sharpest is taken: box centres projected across the lines and binned at half
    the median box height, each weighted by its height, the sum of squared bin weights
    largest when the lines fall into few narrow bands. Level (0) for fewer than three boxes
    or when no angle beats level by ``angle_gain``.
    """
    if len(boxes) < 3:
        return 0.0
    b = np.asarray(boxes, np.float64)
    ys, xs, heights = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0]
    width = max(float(np.median(heights)) / 2, 1.0)
    limit = np.radians(config.max_page_angle_deg)
    angles = np.arange(-limit, limit + 1e-9, np.radians(config.page_angle_step_deg))

    def sharpness(angle: float) -> float:
        across = ys * np.cos(angle) - xs * np.sin(angle)
        bins = np.floor((across - across.min()) / width).astype(np.int64)
        return float((np.bincount(bins, weights=heights) ** 2).sum())

    scores = np.array([sharpness(a) for a in angles])
    best = int(np.argmax(scores))
    return float(angles[best]) if scores[best] > config.angle_gain * sharpness(0.0) else 0.0


def _levelled(boxes: Sequence[Box], angle: float) -> list[Box]:
    """The boxes as they would be with the page turned by ``-angle`` (about the origin)."""
    if angle == 0.0:
        return list(boxes)
    cos, sin = np.cos(angle), np.sin(angle)
    out = []
    for y1, x1, y2, x2 in boxes:
        cy, cx = (y1 + y2) / 2, (x1 + x2) / 2
        ly, lx = cy * cos - cx * sin, cy * sin + cx * cos
        h, w = y2 - y1, x2 - x1
        out.append((ly - h / 2, lx - w / 2, ly + h / 2, lx + w / 2))
    return out


def group_lines(boxes: Sequence[Box], config: LayoutConfig = LayoutConfig()) -> list[list[int]]:
    """Group boxes into text lines.

    The page's angle is undone first (:func:`page_angle`); then boxes are swept left to right
    and each joins the line whose course predicts its centre best, when within
    ``line_tolerance`` line heights; otherwise it starts a line.

    Parameters
    ----------
    boxes : character boxes ``[y1, x1, y2, x2]``.

    Returns
    -------
    Lines top to bottom (by median centre height, the page levelled), each a list of indices
    into ``boxes`` ordered left to right.
    """
    boxes = _levelled(boxes, page_angle(boxes, config))
    lines: list[_LineBuilder] = []
    for i in sorted(range(len(boxes)), key=lambda k: (boxes[k][1], boxes[k][0])):
        distances = [line.distance(boxes[i]) for line in lines]
        if distances and min(distances) <= config.line_tolerance:
            lines[int(np.argmin(distances))].add(i, boxes[i])
        else:
            lines.append(_LineBuilder(i, boxes[i], config))
    lines.sort(key=lambda line: float(np.median([_centre(b)[0] for b in line.boxes])))
    return [sorted(line.members, key=lambda k: _centre(boxes[k])[1]) for line in lines]


def punctuation_marks(boxes: Sequence[Box], config: LayoutConfig = LayoutConfig()) -> list[int]:
    """Indices of one line's boxes too flat to be block letters: hyphens, dashes, commas.

    A box lower than ``punctuation_height`` times the line's median box height is a mark (the
    flattest block letter of the course photos is 0.62 of its line's median).
    """
    height = median_height(boxes)
    return [i for i, b in enumerate(boxes) if b[2] - b[0] < config.punctuation_height * height]


def effective_gaps(boxes: Sequence[Box], config: LayoutConfig = LayoutConfig()) -> np.ndarray:
    """Gaps between neighbouring boxes of one line (left to right), in line heights.

    ``g_i = (x1_{i+1} - x2_i - c_i - c_{i+1}) / h`` with ``h`` the median box height; a glyph
    narrower than ``narrow_fraction`` of the median width ``m`` contributes ``c =
    (m - width) / 2`` to both its gaps (it is treated as a median-wide glyph), others 0.

    Returns
    -------
    (len(boxes) - 1,) float.
    """
    if len(boxes) < 2:
        return np.zeros(0)
    b = np.asarray(boxes, dtype=float)
    height = max(median_height(boxes), 1.0)
    widths = b[:, 3] - b[:, 1]
    median_width = float(np.median(widths))
    narrow = np.where(widths < config.narrow_fraction * median_width, (median_width - widths) / 2, 0.0)
    return (b[1:, 1] - b[:-1, 3] - narrow[1:] - narrow[:-1]) / height


def word_gap_threshold(gaps: np.ndarray, typical_gap: float | None = None, config: LayoutConfig = LayoutConfig()) -> float:
    """The gap (in line heights) at which a line's next word starts.

    ``max(word_gap_ratio * t, word_gap_min_heights)`` with ``t`` the line's typical gap: the
    median of its :func:`effective_gaps` ``gaps``, or ``typical_gap`` (the page's) when the
    line has fewer than ``min_gaps_for_line_statistics`` gaps and it is given; but at most
    ``word_gap_max_heights``: letters within a word are not two characters apart, so a line of
    evenly and widely spaced letters is a row of single letters, not one word.
    """
    typical = _typical(gaps, typical_gap, config)
    return min(max(config.word_gap_ratio * typical, config.word_gap_min_heights), config.word_gap_max_heights)


def _typical(gaps: np.ndarray, typical_gap: float | None, config: LayoutConfig) -> float:
    """A line's typical gap: the median of its ``gaps``, or the page's ``typical_gap`` for a line
    with fewer than ``min_gaps_for_line_statistics`` gaps (when given)."""
    if gaps.size >= config.min_gaps_for_line_statistics or (typical_gap is None and gaps.size):
        return float(np.median(gaps))
    return typical_gap if typical_gap is not None else 0.0


def wide_gaps(boxes: Sequence[Box], typical_gap: float | None = None, config: LayoutConfig = LayoutConfig()) -> list[int]:
    """The gaps of one line (``i``: the gap after box ``i``) at least ``word_gap_margin_heights``
    line heights wider than its typical gap and ``word_gap_ratio`` times it: word breaks
    however tightly its letters are set (none when the margin is ``None``)."""
    if config.word_gap_margin_heights is None:
        return []
    gaps = effective_gaps(boxes, config)
    typical = _typical(gaps, typical_gap, config)
    wide = (gaps >= typical + config.word_gap_margin_heights) & (gaps >= config.word_gap_ratio * typical)
    return np.flatnonzero(wide).tolist()


def split_words(boxes: Sequence[Box], typical_gap: float | None = None, config: LayoutConfig = LayoutConfig()) -> list[list[int]]:
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
    gaps = effective_gaps(boxes, config)
    threshold = word_gap_threshold(gaps, typical_gap, config)
    words, current = [], [0]
    for i in range(1, len(boxes)):
        if gaps[i - 1] >= threshold:
            words.append(current)
            current = []
        current.append(i)
    words.append(current)
    return words


def near_breaks(boxes: Sequence[Box], typical_gap: float | None = None, config: LayoutConfig = LayoutConfig()) -> list[int]:
    """Gaps just short of a word break, widest first: ``i`` for the gap after box ``i``.

    These are the gaps at least ``near_break`` of :func:`word_gap_threshold`; whether such a
    gap separates two words is left to the reader of their letters.
    """
    gaps = effective_gaps(boxes, config)
    threshold = word_gap_threshold(gaps, typical_gap, config)
    near = [i for i, g in enumerate(gaps) if config.near_break * threshold <= g < threshold]
    return sorted(near, key=lambda i: -gaps[i])


def page_typical_gap(lines: Sequence[Sequence[Box]], config: LayoutConfig = LayoutConfig()) -> float | None:
    """Median :func:`effective_gaps` over all lines of a page (``None`` without any gap)."""
    gaps = [g for line in lines for g in effective_gaps(line, config)]
    return float(np.median(gaps)) if gaps else None
