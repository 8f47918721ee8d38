"""Find the characters on a photographed page.

Steps, all at a bounded working resolution chosen from a quick probe so that characters are
about :data:`_TARGET_CHAR_HEIGHT` pixels tall (at most :data:`WORKING_PIXELS` pixels), so a
12-megapixel photo costs what a small one does:

1. grey level, light denoising; a dithered page (a 1-bit scan or print whose tones are dot
   patterns) is first smoothed back into grey tones (:func:`undithered`);
2. *paper*: on a photo of a sheet lying on a darker surface, only the sheet is read
   (:func:`paper_region`);
3. *background division*: the paper's brightness is estimated by a grey closing much wider
   than a pen stroke (strokes vanish, shadows and light gradients stay), and every pixel is
   divided by it. The result, ``darkness = 1 - grey / background``, is ~0 on paper everywhere,
   in the shadow as in the light, so one threshold fits the whole page (Otsu alone fails on
   gradients);
4. *hysteresis threshold*: a weak threshold just above the paper's noise finds the full extent
   of strokes, a strong one (Otsu over the candidate ink) decides which of those regions are
   real ink; faint pencil stays connected, paper texture and show-through are dropped; ruled
   lines (long, thin, straight ink) are removed;
5. connected components; the page's typical character height is the ink-weighted median of
   component heights; pieces of one character stacked above each other (a detached bar of a
   'T', a broken stroke) are joined; specks and punctuation, small relative to that height,
   are dropped;
6. once lines are known (:mod:`nnrecog.ocr.layout`), :func:`touching_candidates` names the
   glyphs much wider than the line's typical character and :func:`cut_columns` offers the
   columns with least ink as cuts, among which the pipeline chooses with the classifier;
   :func:`fragment_candidates` names narrow side-by-side pieces that may be one broken
   character and :func:`join` merges them. The pipeline keeps a cut or a join only where the
   classifier reads the result better.

Boxes here are ``[y1, x1, y2, x2]`` (exclusive ends) in working-resolution pixels;
:meth:`Segmentation.to_photo` maps them to the photo's pixels.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage as ndi
from scipy.signal import find_peaks

from nnrecog.data.normalize import grey_image, otsu_threshold
from nnrecog.ocr.elements import Box

#: Largest working image (about 2000 x 1500 for a 4:3 photo); photos are decoded at this size.
WORKING_PIXELS = 3_000_000
#: The page is first probed at this size to measure its characters...
_PROBE_PIXELS = 500_000
#: ...then segmented where they are about this many pixels tall...
_TARGET_CHAR_HEIGHT = 40
#: ...but never on fewer pixels than this.
_MIN_PIXELS = 500_000
#: The background closing spans this fraction of the page's long side (>> any stroke width).
_BACKGROUND_FRACTION = 0.03
#: The background is estimated on a copy whose long side is about this many pixels.
_BACKGROUND_LONG_SIDE = 400
#: The paper is looked for on a copy with this long side...
_PAPER_LONG_SIDE = 256
#: ...and must be at least this much brighter (grey levels in [0, 1]) than its surround.
_PAPER_CONTRAST = 0.15
#: Weak threshold: this many robust standard deviations of the paper's darkness above its median...
_WEAK_SIGMAS = 5.0
#: ...but at least this darkness (JPEG noise on very clean paper has a tiny spread).
_WEAK_MIN = 0.06
#: The strong threshold is at least this much darker than the weak one, and at least this dark.
_STRONG_MARGIN, _STRONG_MIN = 0.10, 0.20
#: Glyphs whose long side is below this fraction of the typical character height are specks,
#: dots and punctuation.
_SPECK_FRACTION = 0.3
#: Pieces overlapping this much in x (fraction of the narrower) may belong to one character...
_JOIN_OVERLAP = 0.5
#: ...if the vertical gap between them is at most this many character heights...
_JOIN_GAP = 0.25
#: ...and the joined box is at most this many character heights tall.
_JOIN_MAX_HEIGHT = 1.5
#: A glyph may be touching characters when it is this much wider than the line's typical one...
_SPLIT_WIDTH = 1.5
#: ...and at least this wide relative to its own height; the typical width is at most this
#: many times the line's median height.
_SPLIT_ASPECT, _TYPICAL_ASPECT = 1.1, 0.8
#: At most this many candidate cut columns per glyph (bounds the pieces read for a long blob).
_MAX_CUT_COLUMNS = 24
#: Side-by-side pieces may be one character when at most this many line heights apart...
_FRAGMENT_GAP = 0.15
#: ...one is at most this many line heights wide...
_FRAGMENT_NARROW = 0.6
#: ...and both together at most this many.
_FRAGMENT_WIDTH = 1.2
#: Components spanning this fraction of the page's width or height may hold rules...
_RULE_SPAN = 0.3
#: ...when they are this many times longer than thick, inked over less than this fraction of
#: their box, or their box covers this fraction of the page (a grid of rules with letters)...
_RULE_ELONGATION, _RULE_FILL, _RULE_AREA = 5.0, 0.2, 0.25
#: ...which are straight ink runs at least this fraction of the page's long side...
_RULE_RUN = 0.08
#: ...and at least this many typical letter heights long...
_RULE_CHARS = 4.0
#: ...once widened by this many pixels across (a slanted rule steps from row to row).
_RULE_BRIDGE = 5
#: A page is taken for dithered when this fraction of its dark pixels have at most
#: :data:`_DITHER_NEIGHBOURS` dark neighbours (measured: 0.3-0.7 on dithered copies of the
#: course photos; 0.003 on the photos themselves and on their thresholded 1-bit copies, but
#: up to 0.4 on those copies shrunk until the strokes are 1 px thin)...
_DITHER_ISOLATED, _DITHER_NEIGHBOURS = 0.2, 2
#: ...and dark pixels lie within :data:`_DITHER_REACH` px of this fraction of the page (dots
#: cover the whole paper: 1.00 on every dithered copy; writing does not: 0.07-0.17)...
_DITHER_COVERAGE, _DITHER_REACH = 0.5, 2
#: ...and is then smoothed with a Gaussian of this sigma, in pixels (1 to 2 read equally well).
_DITHER_SIGMA = 1.5
#: Side, in pixels, of the central square where dithering is looked for.
_DITHER_PROBE = 1024
_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)
#: Image modes without transparency whose grey conversion PIL does directly in 8 bits.
_EIGHT_BIT_OPAQUE = ("1", "L", "P", "RGB", "CMYK", "YCbCr")


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
class Segmentation:
    """The ink of a page and its character candidates, at working resolution.

    Attributes
    ----------
    darkness : (H, W) float32 in [0, 1]; 0 = paper, 1 = black ink, after background division.
    labels : (H, W) int32; connected components of the binarised ink (0 = paper).
    glyphs : character candidates (unordered; :mod:`nnrecog.ocr.layout` orders them).
    char_height : typical character height in working pixels (0 on a blank page).
    scale : working pixels per photo pixel (<= 1), ``(rows, columns)``.
    photo_size : ``(height, width)`` of the photo, after EXIF rotation.
    """

    darkness: np.ndarray
    labels: np.ndarray
    glyphs: list[Glyph]
    char_height: float
    scale: tuple[float, float]
    photo_size: tuple[int, int]

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

    def crop(self, glyph: Glyph) -> np.ndarray:
        """The glyph's grey crop, ink dark on white, with ink of other characters blanked.

        Returns
        -------
        (h, w) float32 in [0, 1]: ``1 - darkness`` inside the box where the pixel is within
        one pixel of the glyph's own components, 1 (paper) elsewhere.
        """
        y1, x1, y2, x2 = glyph.box
        own = np.isin(self.labels[y1:y2, x1:x2], glyph.labels)
        own = ndi.binary_dilation(own, structure=_EIGHT_CONNECTED)
        return np.where(own, 1.0 - self.darkness[y1:y2, x1:x2], 1.0).astype(np.float32)


def open_photo(path: str | os.PathLike, max_pixels: int = WORKING_PIXELS) -> tuple[np.ndarray, tuple[int, int]]:
    """Read an image file as a grey array at working resolution.

    JPEGs are decoded directly at a reduced scale (DCT scaling), so a 12-megapixel photo
    decodes in a fraction of the full time. EXIF orientation is applied.

    Returns
    -------
    grey : (H, W) float32 in [0, 1], at most ``max_pixels`` pixels.
    photo_size : ``(height, width)`` of the full-resolution photo after EXIF rotation.

    Raises
    ------
    OSError, PIL.UnidentifiedImageError, ValueError : the file is missing, not an image, or
        truncated (the caller turns these into one clear error line).
    """
    with Image.open(path) as image:
        width, height = image.size
        if _exif_orientation(image) in (5, 6, 7, 8):
            width, height = height, width
        factor = min(1.0, math.sqrt(max_pixels / (width * height)))
        if image.format == "JPEG" and factor < 1.0:
            request = (int(image.size[0] * factor), int(image.size[1] * factor))
            image.draft(image.mode if image.mode in ("L", "RGB") else "RGB", request)
        image.load()
        upright = ImageOps.exif_transpose(image)
        size = (max(1, min(upright.width, int(factor * width))), max(1, min(upright.height, int(factor * height))))
        if upright.mode in _EIGHT_BIT_OPAQUE and "transparency" not in upright.info:
            # 8-bit images are shrunk before the float conversion: far less memory traffic
            return np.asarray(upright.convert("L").resize(size, Image.BOX), np.float32) / 255.0, (height, width)
        if upright.mode in _EIGHT_BIT_OPAQUE + ("RGBA", "LA", "PA"):
            # Transparent 8-bit images too: PIL resizes RGBA with premultiplied alpha, so
            # compositing the shrunk image on white equals shrinking the composited one.
            return grey_image(upright.convert("RGBA").resize(size, Image.BOX)), (height, width)
        grey = grey_image(upright)
    return _resize_to(grey, size[1], size[0]), (height, width)


def _exif_orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except (ValueError, TypeError, SyntaxError):
        return 1


def _resize_to(grey: np.ndarray, height: float, width: float) -> np.ndarray:
    """Area-average ``grey`` down to ``floor(height) x floor(width)`` (never up)."""
    h, w = grey.shape
    new_h, new_w = max(1, min(h, int(height))), max(1, min(w, int(width)))
    if (new_h, new_w) == (h, w):
        return grey
    return np.asarray(Image.fromarray(grey, mode="F").resize((new_w, new_h), Image.BOX), np.float32)


def working_grey(grey: np.ndarray, max_pixels: int = WORKING_PIXELS) -> np.ndarray:
    """Downscale a grey page (area averaging, aspect kept) to at most ``max_pixels`` pixels."""
    h, w = grey.shape
    factor = min(1.0, math.sqrt(max_pixels / max(h * w, 1)))
    return _resize_to(grey, factor * h, factor * w)


def undithered(grey: np.ndarray) -> np.ndarray:
    """The page, with dot patterns (dithering, halftone) smoothed back into grey tones.

    On a dithered page a light-grey paper is a sprinkle of isolated black dots, which the ink
    threshold would take for writing. Such a page is recognised, in the central
    :data:`_DITHER_PROBE` square (the pattern covers the whole page; this bounds the cost), by
    two signs: many dark pixels (``< 0.5``) have at most 2 dark 8-neighbours (strokes have
    more, unless 1 px thin), and dark pixels are near almost every pixel (writing leaves most
    of the paper bare). It is then blurred with a Gaussian of :data:`_DITHER_SIGMA` pixels.

    Parameters
    ----------
    grey : (H, W) float32 in [0, 1], ink dark.

    Returns
    -------
    (H, W) float32: the blurred page, or ``grey`` itself when it is not dithered.
    """
    h, w = grey.shape
    top, left = max(0, (h - _DITHER_PROBE) // 2), max(0, (w - _DITHER_PROBE) // 2)
    dark = grey[top : top + _DITHER_PROBE, left : left + _DITHER_PROBE] < 0.5
    n_dark = int(dark.sum())
    if n_dark == 0:
        return grey
    neighbours = ndi.correlate(dark.astype(np.uint8), _EIGHT_CONNECTED.astype(np.uint8), mode="constant") - dark
    isolated = int((dark & (neighbours <= _DITHER_NEIGHBOURS)).sum())
    if isolated < _DITHER_ISOLATED * n_dark:
        return grey
    if ndi.maximum_filter(dark, 2 * _DITHER_REACH + 1).mean() < _DITHER_COVERAGE:
        return grey
    return ndi.gaussian_filter(grey, _DITHER_SIGMA)


def ink_darkness(grey: np.ndarray) -> np.ndarray:
    """Background-divided darkness: ~0 on paper whatever the lighting, towards 1 on ink.

    The background ``B`` is a grey closing (dilation then erosion of brightness) of a
    downscaled copy, over a window of :data:`_BACKGROUND_FRACTION` of the long side, smoothed
    and upscaled; ``darkness = clip(1 - g / B, 0, 1)``.

    Parameters
    ----------
    grey : (H, W) float32 in [0, 1], ink dark.

    Returns
    -------
    (H, W) float32 in [0, 1].
    """
    h, w = grey.shape
    smooth = ndi.gaussian_filter(grey, 0.7)
    step = max(1, round(max(h, w) / _BACKGROUND_LONG_SIDE))
    small = _resize_to(smooth, h / step, w / step)
    window = max(3, round(_BACKGROUND_FRACTION * max(h, w) / step)) | 1
    background = ndi.grey_closing(small, size=(window, window))
    background = ndi.uniform_filter(background, size=window)
    if background.shape != (h, w):
        background = np.asarray(Image.fromarray(background, mode="F").resize((w, h), Image.BILINEAR))
    darkness = 1.0 - smooth / np.maximum(background, 1e-3)
    return np.clip(darkness, 0.0, 1.0).astype(np.float32)


def paper_region(grey: np.ndarray) -> np.ndarray | None:
    """The sheet of paper, when the photo shows it on a clearly darker surround (a desk).

    On a copy whose long side is :data:`_PAPER_LONG_SIDE` pixels, the bright side of an Otsu
    threshold is taken, its largest connected part kept and its holes (the writing) filled.
    It is the paper when it covers between 10 % and 95 % of the photo, is at least
    :data:`_PAPER_CONTRAST` brighter than the rest, and its border is a sharp edge (median
    gradient across it at least a quarter of that contrast per pixel): a shadow or a light
    gradient on the paper itself changes slowly and is never cut away.

    Returns
    -------
    (H, W) bool mask of the paper (slightly eroded, so its edge's shading stays outside), or
    ``None`` when the photo is all paper as far as can be told.
    """
    h, w = grey.shape
    step = max(1.0, max(h, w) / _PAPER_LONG_SIDE)
    small = ndi.gaussian_filter(_resize_to(grey, h / step, w / step), 1.0)
    if min(small.shape) < 8:
        return None
    bright, count = ndi.label(small > otsu_threshold(small, bins=128, pad=0.0))
    if count == 0:
        return None
    sizes = np.bincount(bright.ravel())[1:]
    paper = ndi.binary_fill_holes(bright == 1 + int(np.argmax(sizes)))
    coverage = paper.mean()
    if not 0.1 < coverage < 0.95:
        return None
    contrast = float(np.median(small[paper]) - np.median(small[~paper]))
    border = paper & ~ndi.binary_erosion(paper)
    gy, gx = np.gradient(small)
    if contrast < _PAPER_CONTRAST or np.median(np.hypot(gy, gx)[border]) < contrast / 4:
        return None
    paper = ndi.binary_erosion(paper, iterations=2)
    return np.asarray(Image.fromarray(paper.astype(np.uint8)).resize((w, h), Image.NEAREST)) > 0


def binarize(darkness: np.ndarray, paper: np.ndarray | None = None) -> np.ndarray:
    """Hysteresis threshold of a darkness map: regions above the weak threshold that reach
    the strong one.

    Weak: ``median + max(5 sigma, 0.06)`` with ``sigma = 1.4826 MAD`` (the paper's noise);
    strong: ``max(Otsu of the pixels above weak, weak + 0.1, 0.2)``.

    Parameters
    ----------
    darkness : (H, W) float32, from :func:`ink_darkness`.
    paper : (H, W) bool, optional; only ink on the paper counts (:func:`paper_region`).

    Returns
    -------
    (H, W) bool ink mask.
    """
    if paper is not None:
        darkness = np.where(paper, darkness, 0.0)
        sample = darkness[paper][::9]  # the paper's statistics need no more than a ninth
    else:
        sample = darkness[::3, ::3]
    median = float(np.median(sample))
    sigma = 1.4826 * float(np.median(np.abs(sample - median)))
    weak = median + max(_WEAK_SIGMAS * sigma, _WEAK_MIN)
    candidate = darkness > weak
    if not candidate.any():
        return candidate
    strong = max(otsu_threshold(darkness[candidate], bins=128, pad=0.0), weak + _STRONG_MARGIN, _STRONG_MIN)
    regions, _ = ndi.label(candidate, structure=_EIGHT_CONNECTED)
    has_strong = np.zeros(regions.max() + 1, dtype=bool)
    has_strong[regions[darkness > strong]] = True
    has_strong[0] = False
    return has_strong[regions]


def without_rules(mask: np.ndarray) -> np.ndarray:
    """Remove ruled lines (notebook rules, margins, table borders) from an ink mask.

    Only components spanning at least :data:`_RULE_SPAN` of the page's width or height and
    elongated, sparse or large (:data:`_RULE_ELONGATION`, :data:`_RULE_FILL`,
    :data:`_RULE_AREA`) are searched: a rule or a grid of them, with whatever letters touch
    it. Ordinary components, letters, are never touched. Within them, rule ink lies in
    straight horizontal or vertical runs at least :data:`_RULE_RUN` of the page's long side
    long (:func:`_straight_runs`), and a connected stretch of it counts as a rule when it is
    at least :data:`_RULE_CHARS` typical letter heights long (measured on what is left
    without it), so a long stroke of a big letter stays.

    Parameters
    ----------
    mask : (H, W) bool ink mask.

    Returns
    -------
    (H, W) bool.
    """
    labels, count = ndi.label(mask, structure=_EIGHT_CONNECTED)
    if count == 0:
        return mask
    boxes = _component_boxes(labels, count)
    heights, widths = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    box_areas = heights * widths
    spanning = (widths >= _RULE_SPAN * mask.shape[1]) | (heights >= _RULE_SPAN * mask.shape[0])
    spanning &= (
        (np.maximum(widths, heights) >= _RULE_ELONGATION * np.minimum(widths, heights))
        | (areas < _RULE_FILL * box_areas)
        | (box_areas >= _RULE_AREA * mask.size)
    )
    if not spanning.any():
        return mask
    searched = np.concatenate([[False], spanning])[labels]
    runs = [_straight_runs(searched, _RULE_RUN * max(mask.shape), axis) for axis in (1, 0)]
    candidate = runs[0] | runs[1]
    if not candidate.any():
        return mask
    rest, rest_count = ndi.label(mask & ~candidate, structure=_EIGHT_CONNECTED)
    rest_boxes = _component_boxes(rest, rest_count)
    letters = typical_height(rest_boxes[:, 2] - rest_boxes[:, 0], np.bincount(rest.ravel())[1:])
    rules = np.zeros(mask.shape, dtype=bool)
    for axis, found in zip((1, 0), runs):
        pieces, piece_count = ndi.label(found, structure=_EIGHT_CONNECTED)
        piece_boxes = _component_boxes(pieces, piece_count)
        extent = piece_boxes[:, 2 + axis] - piece_boxes[:, axis]
        rules |= np.concatenate([[False], extent >= _RULE_CHARS * letters])[pieces]
    return mask & ~rules


def _straight_runs(ink: np.ndarray, length: float, axis: int) -> np.ndarray:
    """Ink in straight runs along ``axis`` (1: horizontal, 0: vertical) at least ``length`` long.

    A morphological opening along the axis, computed with running means (cost independent
    of the run length), of the ink widened by :data:`_RULE_BRIDGE` pixels across it, so the
    steps of a slightly slanted rule do not break its runs; intersected with the ink.
    """
    run = round(length) | 1
    if run < 15 or run > ink.shape[axis]:
        return np.zeros(ink.shape, dtype=bool)
    widened = ndi.maximum_filter1d(ink, _RULE_BRIDGE, axis=1 - axis)
    full = ndi.uniform_filter1d(widened.astype(np.float32), run, axis=axis) > 1 - 0.5 / run
    return (ndi.uniform_filter1d(full.astype(np.float32), run, axis=axis) > 0.5 / run) & ink


def _component_boxes(labels: np.ndarray, count: int) -> np.ndarray:
    """(count, 4) int boxes ``[y1, x1, y2, x2]`` of labels ``1..count``."""
    boxes = np.zeros((count, 4), dtype=np.int64)
    for i, slices in enumerate(ndi.find_objects(labels, max_label=count)):
        if slices is not None:
            boxes[i] = (slices[0].start, slices[1].start, slices[0].stop, slices[1].stop)
    return boxes


def typical_height(heights: np.ndarray, weights: np.ndarray) -> float:
    """Weighted median of ``heights``; with ink areas as weights, specks hardly count."""
    if heights.size == 0:
        return 0.0
    order = np.argsort(heights)
    cumulative = np.cumsum(weights[order], dtype=np.float64)
    return float(heights[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _join_stacked_pieces(boxes: np.ndarray, char_height: float) -> list[list[int]]:
    """Group component indices whose boxes are pieces of one character stacked vertically.

    Two boxes join when their x-ranges overlap by >= :data:`_JOIN_OVERLAP` of the narrower
    one, the vertical gap between them is <= :data:`_JOIN_GAP` character heights and their
    union is <= :data:`_JOIN_MAX_HEIGHT` character heights tall (so letters of neighbouring
    lines never join). Union-find over all such pairs.
    """
    n = len(boxes)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n > 1:
        y1, x1, y2, x2 = (boxes[:, k][:, None] for k in range(4))
        overlap_x = np.minimum(x2, x2.T) - np.maximum(x1, x1.T)
        narrower = np.minimum(x2 - x1, (x2 - x1).T)
        gap_y = np.maximum(y1, y1.T) - np.minimum(y2, y2.T)
        union_h = np.maximum(y2, y2.T) - np.minimum(y1, y1.T)
        joins = (
            (overlap_x >= _JOIN_OVERLAP * narrower)
            & (gap_y <= _JOIN_GAP * char_height)
            & (union_h <= _JOIN_MAX_HEIGHT * char_height)
        )
        for i, j in zip(*np.nonzero(np.triu(joins, k=1))):
            parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


@dataclass
class _Ink:
    """The ink of a page at one resolution: darkness, components, their boxes and areas."""

    darkness: np.ndarray
    labels: np.ndarray
    boxes: np.ndarray
    areas: np.ndarray

    @property
    def char_height(self) -> float:
        return typical_height(self.boxes[:, 2] - self.boxes[:, 0], self.areas)


def _find_ink(work: np.ndarray) -> _Ink:
    """Steps 2-5 up to the connected components, on a working-resolution grey page."""
    if min(work.shape) < 2:
        blank = np.zeros(work.shape, np.float32)
        return _Ink(blank, blank.astype(np.int32), np.zeros((0, 4), np.int64), np.zeros(0))
    darkness = ink_darkness(work)
    labels, count = ndi.label(without_rules(binarize(darkness, paper_region(work))), structure=_EIGHT_CONNECTED)
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    return _Ink(darkness, labels.astype(np.int32), _component_boxes(labels, count), areas)


def working_pixels(probe_char_height: float, probe_pixels: int, max_pixels: int) -> int:
    """Pixel budget that makes characters about :data:`_TARGET_CHAR_HEIGHT` pixels tall.

    Characters ``h`` pixels tall on a probe of ``probe_pixels`` pixels are ``T`` tall at
    ``probe_pixels * (T / h)^2``; the budget is kept within [:data:`_MIN_PIXELS`,
    ``max_pixels``], and is ``max_pixels`` when the probe found no ink (small writing, or a
    blank page, is then looked for as finely as allowed).
    """
    if probe_char_height <= 0:
        return max_pixels
    wanted = probe_pixels * (_TARGET_CHAR_HEIGHT / probe_char_height) ** 2
    return int(min(max(wanted, _MIN_PIXELS), max_pixels))


def segment(
    grey: np.ndarray, photo_size: tuple[int, int] | None = None, max_pixels: int = WORKING_PIXELS
) -> Segmentation:
    """Find the character candidates of a grey page.

    The page is first looked at with at most :data:`_PROBE_PIXELS` pixels to measure its
    characters, then segmented at the resolution that makes them about
    :data:`_TARGET_CHAR_HEIGHT` pixels tall (:func:`working_pixels`): large writing costs
    little, small writing gets the pixels it needs.

    Parameters
    ----------
    grey : (H, W) float32 in [0, 1], ink dark; any size (never upscaled).
    photo_size : ``(height, width)`` of the photo the boxes should refer to, when ``grey`` is
        already a downscaled copy (as from :func:`open_photo`); default ``grey.shape``.
    max_pixels : upper bound of the working resolution.

    Returns
    -------
    Segmentation, with one :class:`Glyph` per character candidate (empty on a blank page).
    """
    photo_size = tuple(photo_size or grey.shape)
    if grey.size == 0:
        empty = np.zeros(grey.shape, np.float32)
        return Segmentation(empty, empty.astype(np.int32), [], 0.0, (1.0, 1.0), photo_size)
    grey = undithered(grey)
    probe = working_grey(grey, min(_PROBE_PIXELS, max_pixels))
    ink = _find_ink(probe)
    work = working_grey(grey, working_pixels(ink.char_height, probe.size, max_pixels))
    if work.shape != probe.shape:
        ink = _find_ink(work)
    scale = (work.shape[0] / photo_size[0], work.shape[1] / photo_size[1])
    if len(ink.boxes) == 0:
        return Segmentation(ink.darkness, ink.labels, [], 0.0, scale, photo_size)
    char_height = ink.char_height
    glyphs = []
    for group in _join_stacked_pieces(ink.boxes, char_height):
        y1, x1 = ink.boxes[group, 0].min(), ink.boxes[group, 1].min()
        y2, x2 = ink.boxes[group, 2].max(), ink.boxes[group, 3].max()
        if max(y2 - y1, x2 - x1) >= _SPECK_FRACTION * char_height:
            glyphs.append(Glyph((int(y1), int(x1), int(y2), int(x2)), tuple(int(i) + 1 for i in group)))
    return Segmentation(ink.darkness, ink.labels, glyphs, char_height, scale, photo_size)


def typical_width(glyphs: list[Glyph]) -> float:
    """A line's typical character width in pixels (0 for no glyph): its median glyph width,
    but at most :data:`_TYPICAL_ASPECT` times its median glyph height (see
    :func:`touching_candidates`)."""
    if not glyphs:
        return 0.0
    median_width = float(np.median([g.width for g in glyphs]))
    return min(median_width, _TYPICAL_ASPECT * float(np.median([g.height for g in glyphs])))


def touching_candidates(glyphs: list[Glyph]) -> list[int]:
    """Glyphs of one line wide enough to be touching characters (indices, left to right).

    A glyph at least :data:`_SPLIT_WIDTH` times the line's :func:`typical_width` and
    :data:`_SPLIT_ASPECT` times its own height may hold several characters. The typical width
    is capped by the line's height because in tight writing most glyphs are touching pairs
    and triples, whose widths would make a median useless. Wide letters ('M', 'W') qualify
    too: the caller keeps a cut only when the classifier reads the pieces better than the
    whole.
    """
    if len(glyphs) < 2:
        return []
    typical = typical_width(glyphs)
    return [
        i
        for i, g in enumerate(glyphs)
        if g.width >= _SPLIT_WIDTH * typical and g.width >= _SPLIT_ASPECT * g.height
    ]


def fragment_candidates(glyphs: list[Glyph]) -> list[int]:
    """Neighbours in one line (left to right) that may be pieces of one broken character.

    ``i`` is returned when glyphs ``i`` and ``i + 1`` are at most :data:`_FRAGMENT_GAP` line
    heights apart, overlap vertically by half the shorter one, one of them is narrower than
    :data:`_FRAGMENT_NARROW` line heights and together they are at most
    :data:`_FRAGMENT_WIDTH` line heights wide (the halves of an 'H' broken at its crossbar,
    the arms of a 'K' detached from its stem). Widths are compared with the line's height,
    not its median width, which the pieces themselves would pull down. The caller joins them
    only when the classifier reads the whole better than the pieces.
    """
    if len(glyphs) < 2:
        return []
    height = float(np.median([g.height for g in glyphs]))
    found = []
    for i, (a, b) in enumerate(zip(glyphs[:-1], glyphs[1:])):
        overlap = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
        if (
            b.box[1] - a.box[3] <= _FRAGMENT_GAP * height
            and overlap >= 0.5 * min(a.height, b.height)
            and min(a.width, b.width) <= _FRAGMENT_NARROW * height
            and max(a.box[3], b.box[3]) - min(a.box[1], b.box[1]) <= _FRAGMENT_WIDTH * height
        ):
            found.append(i)
    return found


def join(a: Glyph, b: Glyph) -> Glyph:
    """One glyph made of both glyphs' ink."""
    return Glyph(
        (min(a.box[0], b.box[0]), min(a.box[1], b.box[1]), max(a.box[2], b.box[2]), max(a.box[3], b.box[3])),
        tuple(sorted(set(a.labels) | set(b.labels))),
    )


def _ink_profile(seg: Segmentation, glyph: Glyph) -> tuple[np.ndarray, np.ndarray]:
    """The glyph's own ink mask, (h, w) bool over its box, and its column profile, (w,) the
    darkness summed per column."""
    y1, x1, y2, x2 = glyph.box
    own = np.isin(seg.labels[y1:y2, x1:x2], glyph.labels)
    return own, (own * seg.darkness[y1:y2, x1:x2]).sum(axis=0)


def cut_columns(seg: Segmentation, glyph: Glyph, spacing: float) -> list[int]:
    """Candidate cut columns of a glyph that may be touching characters.

    The local minima of the glyph's ink profile (a flat minimum counts once, at its middle),
    taken lowest ink first, at least ``spacing`` pixels from each other and from the glyph's
    edges, and at most :data:`_MAX_CUT_COLUMNS` of them: where two touching characters meet,
    little ink joins them.

    Returns
    -------
    Columns relative to the glyph's left edge, ascending, each in ``[spacing, width - spacing]``.
    """
    profile = ndi.uniform_filter1d(_ink_profile(seg, glyph)[1], 3)
    width = len(profile)
    minima = find_peaks(-profile)[0]
    chosen: list[int] = []
    for column in minima[np.argsort(profile[minima], kind="stable")]:
        if len(chosen) == _MAX_CUT_COLUMNS:
            break
        if spacing <= column <= width - spacing and all(abs(column - c) >= spacing for c in chosen):
            chosen.append(int(column))
    return sorted(chosen)


def cut_between(seg: Segmentation, glyph: Glyph, spans: list[tuple[int, int]]) -> list[Glyph | None]:
    """The pieces of ``glyph`` between the columns of each span.

    Parameters
    ----------
    spans : ``[(a, b), ...]`` with ``0 <= a < b <= glyph.width``, relative to its left edge.

    Returns
    -------
    One piece per span, its box shrunk vertically to its ink; None for a span without ink.
    """
    own = _ink_profile(seg, glyph)[0]
    y1, x1 = glyph.box[:2]
    pieces: list[Glyph | None] = []
    for a, b in spans:
        rows = np.flatnonzero(own[:, a:b].any(axis=1))
        box = (y1 + int(rows[0]), x1 + a, y1 + int(rows[-1]) + 1, x1 + b) if rows.size else None
        pieces.append(None if box is None else Glyph(box, glyph.labels))
    return pieces
