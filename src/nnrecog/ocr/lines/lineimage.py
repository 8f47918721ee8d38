"""Stage 7 for the line engine: each line cut out of the page as the image a line recogniser reads.

A line's own ink (the ink components of its glyphs, nothing of the lines above or below) is
levelled along the line's course (the least-squares line through its glyphs' centres, so a
slanted line reads as a level one), and normalised as every training line was
(:func:`nnrecog.data.lineformat.normalize_line`): the median glyph height scaled to the capital
height, strokes set to one width, ink dark on white. :class:`LineImage` keeps the map from
image columns back to the page, so each character read can be given its box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from nnrecog.data.lineformat import LineFormat, normalize_line
from nnrecog.ocr.config import LayoutConfig
from nnrecog.ocr.document.elements import Box
from nnrecog.ocr.finding.components import Glyph, Segmentation
from nnrecog.ocr.lines.layout import median_height


@dataclass
class LineImage:
    """A line, normalised, and how its columns map onto the page (working pixels).

    Attributes
    ----------
    image : (height, W) float32, ink dark on white (:class:`~nnrecog.data.lineformat.LineFormat`).
    left, column_width : page column of image column ``c``: ``left + column_width * c``.
    own : (h, w) bool, the line's own ink over ``region`` (page coordinates, not levelled).
    region : ``[y1, x1, y2, x2]``, the page region ``own`` covers.
    """

    image: np.ndarray
    left: float
    column_width: float
    own: np.ndarray
    region: Box

    def page_column(self, column: float) -> float:
        """The page column (working pixels) of an image column."""
        return self.left + self.column_width * column

    def image_column(self, page_column: float) -> float:
        """The image column of a page column (working pixels): :meth:`page_column` inverted."""
        return (page_column - self.left) / self.column_width

    def ink_box(self, x1: float, x2: float) -> Box | None:
        """The box of the line's own ink between page columns ``x1`` and ``x2`` (None: no ink)."""
        ry1, rx1, _, _ = self.region
        a = int(np.clip(np.floor(x1) - rx1, 0, self.own.shape[1]))
        b = int(np.clip(np.ceil(x2) - rx1, a, self.own.shape[1]))
        part = self.own[:, a:b]
        rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
        if rows.size == 0:
            return None
        return (ry1 + int(rows[0]), rx1 + a + int(cols[0]), ry1 + int(rows[-1]) + 1, rx1 + a + int(cols[-1]) + 1)


def course(glyphs: list[Glyph], config: LayoutConfig = LayoutConfig()) -> tuple[float, float]:
    """``(y0, slope)``: the line ``y = y0 + slope * x`` through the glyphs' centres (least
    squares, the slope within ``max_slope``; level for a single glyph)."""
    centres = np.array([((g.box[0] + g.box[2]) / 2, (g.box[1] + g.box[3]) / 2) for g in glyphs], np.float64)
    ys, xs = centres[:, 0], centres[:, 1]
    slope = 0.0
    if len(glyphs) >= 2 and np.ptp(xs) > 0:
        dx = xs - xs.mean()
        slope = float(np.clip(dx @ (ys - ys.mean()) / (dx @ dx), -config.max_slope, config.max_slope))
    return float(ys.mean() - slope * xs.mean()), slope


def line_image(
    seg: Segmentation, glyphs: list[Glyph], fmt: LineFormat = LineFormat(), layout: LayoutConfig = LayoutConfig()
) -> LineImage:
    """Cut one line (its glyphs, left to right) out of a segmented page (see the module docstring)."""
    height = max(median_height([g.box for g in glyphs]), 1.0)
    y0, slope = course(glyphs, layout)
    pad = int(np.ceil(height))
    page_h, page_w = seg.labels.shape
    x1 = max(0, min(g.box[1] for g in glyphs) - pad)
    x2 = min(page_w, max(g.box[3] for g in glyphs) + pad)
    # room above and below for the slant across the line's length
    drift = abs(slope) * (x2 - x1)
    y1 = max(0, int(min(g.box[0] for g in glyphs) - pad - drift))
    y2 = min(page_h, int(max(g.box[2] for g in glyphs) + pad + drift))
    own = np.isin(seg.labels[y1:y2, x1:x2], [label for g in glyphs for label in g.labels])
    # level the line: output row r, column c reads input row r + slope * (c - cx), about the
    # course's row at the region's middle column
    cx = (x2 - x1) / 2
    centre_row = y0 + slope * (x1 + cx) - y1
    levelled = Image.fromarray(own.astype(np.float32), mode="F").transform(
        own.shape[::-1], Image.AFFINE, (1, 0, 0, slope, 1, -slope * cx), Image.BILINEAR
    )
    normalized = normalize_line(np.asarray(levelled), height, centre_row, fmt)
    return LineImage(normalized.image, x1 + normalized.left, normalized.column_width, own, (y1, x1, y2, x2))
