"""Stage 5: ink components as character candidates (:class:`Glyph`) of a :class:`Segmentation`.

The page's typical character height is the outline-weighted median of component heights; pieces of
one character stacked above each other (a detached bar of a 'T', a broken stroke) are joined;
specks and punctuation, small relative to that height, are dropped.

Boxes are ``[y1, x1, y2, x2]`` (exclusive ends) in working-resolution pixels;
:meth:`Segmentation.to_photo` maps them to the photo's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnrecog import imaging
from nnrecog.connectivity import connected_groups, regions
from nnrecog.ocr.config import ComponentsConfig
from nnrecog.ocr.document.elements import Box


@dataclass
class Glyph:
    """A character candidate: its box and the ink components it is made of.

    ``box`` is ``[y1, x1, y2, x2]`` in working pixels; ``labels`` are the component labels in
    :attr:`Segmentation.labels` whose ink (inside the box) belongs to the character.
    """

    box: Box
    labels: tuple[int, ...]

    @property
    def height(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def width(self) -> int:
        return self.box[3] - self.box[1]


@dataclass
class PageInk:
    """The ink of a page at one resolution: darkness, components, their boxes and areas.

    Attributes
    ----------
    darkness : (H, W) float32 in [0, 1]; 0 = paper, 1 = black ink.
    labels : (H, W) int32 connected components of the ink mask (0 = paper).
    boxes : (n, 4) int64 box of component ``i + 1``; areas : (n,) its ink pixels.
    faint : (H, W) bool, pixels on the paper darker than clean paper
        (:attr:`~nnrecog.ocr.config.WritingConfig.faint_darkness`), ruled lines left out.
    ruled : whether ink was taken out as ruled lines.
    paper : (H, W) bool, the sheet the ink was looked for on; ``None``: the whole page.
    """

    darkness: np.ndarray
    labels: np.ndarray
    boxes: np.ndarray
    areas: np.ndarray
    faint: np.ndarray
    ruled: bool = False
    paper: np.ndarray | None = None

    @classmethod
    def of(cls, darkness: np.ndarray, mask: np.ndarray, faint: np.ndarray, ruled: bool = False,
           paper: np.ndarray | None = None) -> PageInk:
        """Label the 8-connected components of ``mask``."""
        found = regions(mask)
        return cls(darkness, found.labels, found.boxes, found.areas, faint, ruled, paper)

    @classmethod
    def blank(cls, shape: tuple[int, ...]) -> PageInk:
        empty = np.zeros(shape, np.float32)
        return cls(empty, empty.astype(np.int32), np.zeros((0, 4), np.int64), np.zeros(0, np.int64), empty > 0)

    def char_height(self, config: ComponentsConfig = ComponentsConfig()) -> float:
        """The page's typical character height: the median height of the components shaped
        like characters (width over height within ``char_aspect``), each weighted by its
        outline (:meth:`outlines`), so that long ripples, wood grain or a sheet's edge do
        not set it; all components when none is so shaped. Components the photo's frame cuts
        through count only when nothing else does: the frame cuts through the desk and what
        lies on it, rarely through the writing.

        Weighted by outline, a component counts about twice its strokes' length, and a filled
        dark object (a pen's clip lying on the sheet, a shadow) counts as its rim, not as its
        area; a component no more than ``min_elongation`` times as long as it is thick (a dot
        of a dotted ruling, a speck) does not count: it is all outline, and on dotted paper
        the dots would set the height. Weighted by ink area, a pen on a page of pencil
        writing set the height (266 px against letters of 15) and the writing was read at a
        resolution that lost it (ust_pen with its ink lightened to 40 %: 62 errors of 62,
        now 17)."""
        heights = self.boxes[:, 2] - self.boxes[:, 0]
        widths = self.boxes[:, 3] - self.boxes[:, 1]
        low, high = config.char_aspect
        shaped = (widths >= low * heights) & (widths <= high * heights)
        inside = ~cut_by_frame(self.boxes, self.labels.shape)
        outlines = self.outlines()
        # a stroke is longer than it is thick (length ~ outline / 2, thickness ~ 2 area /
        # outline); a dot of a dotted ruling or a speck of texture is not
        weights = np.where(outlines.astype(np.float64) ** 2 >= 4 * config.min_elongation * self.areas, outlines, 0)
        for chosen in (shaped & inside, shaped):
            if chosen.any():
                return typical_height(heights[chosen], weights[chosen])
        return typical_height(heights, weights)

    def outlines(self) -> np.ndarray:
        """(n,) each component's outline: its ink pixels with a 4-neighbour off the ink."""
        ink = self.labels > 0
        edge = ink & ~imaging.binary_erosion(ink)
        return np.bincount(self.labels[edge], minlength=len(self.boxes) + 1)[1:]


@dataclass
class Segmentation:
    """The ink of a page and its character candidates, at working resolution.

    Attributes
    ----------
    darkness : (H, W) float32 in [0, 1]; 0 = paper, 1 = black ink, after background division.
    labels : (H, W) int32; connected components of the binarised ink (0 = paper).
    glyphs : character candidates (unordered; :mod:`nnrecog.ocr.lines.layout` orders them).
    char_height : typical character height in working pixels (0 on a blank page).
    scale : working pixels per photo pixel (<= 1), ``(rows, columns)``.
    photo_size : ``(height, width)`` of the photo, after EXIF rotation.
    crop_reach_px : a crop keeps ink within this many pixels of the glyph's own components.
    faint : (H, W) bool, pixels on the paper darker than clean paper (:class:`PageInk`);
        ``None``: the ink itself (``labels > 0``).
    ruled : whether ink was taken out as ruled lines.
    blur_px : the blur its ink's edges show (:func:`~nnrecog.ocr.finding.ink.edge_blur`), in
        the pixels the page was first looked at with (``PhotoConfig.probe_pixels``).
    writing_beyond_sheet : whether writing goes on past the edge of the sheet found
        (:func:`~nnrecog.ocr.finding.sheet.writing_beyond`; ``False`` where none was found).
    """

    darkness: np.ndarray
    labels: np.ndarray
    glyphs: list[Glyph]
    char_height: float
    scale: tuple[float, float]
    photo_size: tuple[int, int]
    crop_reach_px: int = ComponentsConfig.crop_reach_px
    faint: np.ndarray | None = None
    ruled: bool = False
    blur_px: float = 0.0
    writing_beyond_sheet: bool = False

    def to_photo(self, box: Box) -> Box:
        """Map a working-resolution box to the photo's pixels (rounded outwards, clipped)."""
        (h, w), (sy, sx) = self.photo_size, self.scale
        y1, x1, y2, x2 = box
        return (
            max(0, math.floor(y1 / sy)),
            max(0, math.floor(x1 / sx)),
            min(h, math.ceil(y2 / sy)),
            min(w, math.ceil(x2 / sx)),
        )

    def ink_darkness(self) -> float:
        """The typical darkness of the page's ink: the median over its components' pixels (0
        on a blank page)."""
        ink = self.labels > 0
        return float(np.median(self.darkness[ink])) if ink.any() else 0.0

    def own_ink(self, glyph: Glyph) -> np.ndarray:
        """(h, w) bool over the glyph's box: the pixels of its own components."""
        y1, x1, y2, x2 = glyph.box
        return np.isin(self.labels[y1:y2, x1:x2], glyph.labels)

    def crop(self, glyph: Glyph) -> np.ndarray:
        """The glyph's grey crop, ink dark on white, with ink of other characters blanked.

        Returns
        -------
        (h, w) float32 in [0, 1]: ``1 - darkness`` inside the box where the pixel is within
        ``crop_reach_px`` of the glyph's own components, 1 (paper) elsewhere.
        """
        y1, x1, y2, x2 = glyph.box
        own = imaging.binary_dilation(self.own_ink(glyph), self.crop_reach_px, diagonal=True)
        return np.where(own, 1.0 - self.darkness[y1:y2, x1:x2], 1.0).astype(np.float32)


def cut_by_frame(boxes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(n,) bool: which of the boxes ``(n, 4)`` reach the edge of a page of ``shape``."""
    rows, columns = shape[:2]
    return (boxes[:, 0] <= 0) | (boxes[:, 1] <= 0) | (boxes[:, 2] >= rows) | (boxes[:, 3] >= columns)


def typical_height(heights: np.ndarray, weights: np.ndarray) -> float:
    """Weighted median of ``heights``; with outlines as weights, specks hardly count."""
    if heights.size == 0:
        return 0.0
    order = np.argsort(heights)
    cumulative = np.cumsum(weights[order], dtype=np.float64)
    return float(heights[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def stacked_groups(boxes: np.ndarray, char_height: float, config: ComponentsConfig = ComponentsConfig()) -> list[list[int]]:
    """Group component indices whose boxes are pieces of one character stacked vertically.

    Two boxes join when their x-ranges overlap by >= ``stack_overlap`` of the narrower one,
    the vertical gap between them is <= ``stack_gap_heights`` character heights and their
    union is <= ``stack_max_heights`` character heights tall (so letters of neighbouring
    lines never join); groups are the connected sets of such pairs.
    """
    n = len(boxes)
    pairs = np.zeros((0, 2), np.int64)
    if n > 1:
        y1, x1, y2, x2 = (boxes[:, k][:, None] for k in range(4))
        overlap_x = np.minimum(x2, x2.T) - np.maximum(x1, x1.T)
        narrower = np.minimum(x2 - x1, (x2 - x1).T)
        gap_y = np.maximum(y1, y1.T) - np.minimum(y2, y2.T)
        union_h = np.maximum(y2, y2.T) - np.minimum(y1, y1.T)
        joins = (
            (overlap_x >= config.stack_overlap * narrower)
            & (gap_y <= config.stack_gap_heights * char_height)
            & (union_h <= config.stack_max_heights * char_height)
        )
        pairs = np.argwhere(np.triu(joins, k=1))
    return connected_groups(n, pairs)


def glyphs_of(ink: PageInk, char_height: float, config: ComponentsConfig = ComponentsConfig()) -> list[Glyph]:
    """The page's character candidates (``char_height``: the page's, :meth:`PageInk.char_height`):
    stacked pieces joined, specks dropped, and those the photo's frame cuts through dropped when
    others remain (``config.drop_frame_cut``)."""
    glyphs = []
    for group in stacked_groups(ink.boxes, char_height, config):
        y1, x1 = ink.boxes[group, 0].min(), ink.boxes[group, 1].min()
        y2, x2 = ink.boxes[group, 2].max(), ink.boxes[group, 3].max()
        if max(y2 - y1, x2 - x1) >= config.speck_heights * char_height:
            glyphs.append(Glyph((int(y1), int(x1), int(y2), int(x2)), tuple(int(i) + 1 for i in group)))
    if config.drop_frame_cut and glyphs:
        cut = cut_by_frame(np.array([g.box for g in glyphs]), ink.labels.shape)
        if not cut.all():
            glyphs = [g for g, is_cut in zip(glyphs, cut) if not is_cut]
    return glyphs
