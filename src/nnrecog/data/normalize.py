"""The one glyph normalisation: any grey crop of a character -> a NIST36-like 32x32 image.

Used by the dataset builder for every source and by the OCR for every crop from a photo, so that
a classifier sees the same kind of image at training and at reading time.

NIST36 (measured on ``nist26/nist26_valid.mat``, threshold 0.5): white background ~1, ink ~0
with anti-aliased edges (12.2 % of pixels < 0.1, 17.2 % < 0.5); the glyph keeps its aspect
ratio and its ink box is centred (box centre at 15.7 px); the long side of the ink box is
25.3 +- 3.6 px (5-95 %: 19-31 px); strokes are 2.5 px wide (estimated as 2 * area / perimeter).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from PIL import Image

from nnrecog import imaging
from nnrecog.connectivity import label
from nnrecog.data.nist36 import NIST_STROKE_WIDTH, SIDE

#: Median long side (px) of the ink box of nist26_valid glyphs; the default target size.
NIST_LONG_SIDE = 25.0
#: Mean and spread of that long side, for builders that match the whole distribution.
NIST_LONG_SIDE_MEAN, NIST_LONG_SIDE_STD = 25.3, 3.6
NIST_LONG_SIDE_RANGE = (17.0, 31.0)

#: Work at this multiple of the output resolution; the final box-filter downsampling gives
#: the soft anti-aliased edges NIST images have.
_OVERSAMPLE = 4
#: Contrast (0..1 grey levels between paper and ink) below which a crop is treated as blank.
_MIN_CONTRAST = 0.06
#: Ink components smaller than this fraction of the largest are noise specks.
_SPECK_FRACTION = 0.04


def ink_bounds(mask: np.ndarray) -> tuple[slice, slice] | None:
    """Row and column slices of the smallest box holding every True pixel of ``mask``.

    Parameters
    ----------
    mask : (h, w) bool, e.g. ``image < 0.5`` for an ink-dark image.

    Returns
    -------
    ``(rows, cols)`` to index the image with (``image[rows, cols]`` is the ink box), or None
    when ``mask`` holds no True pixel.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def ink_map(grey: ArrayLike) -> np.ndarray:
    """Per-image contrast normalisation of a grey crop into an ink map.

    Paper and ink levels are estimated per image, so faint pencil on grey paper and black
    marker on white give the same result.

    Parameters
    ----------
    grey : (h, w) float in [0, 1] or uint8 in [0, 255]; ink dark on a lighter background.

    Returns
    -------
    ink : (h, w) float32 in [0, 1]; 1 = full ink, 0 = paper. With Otsu threshold ``t``,
        paper level ``b`` = median of pixels above ``t`` and ink level ``k`` = median of pixels
        below ``t``: ``ink = clip((b - g) / (b - k), 0, 1)``. All zeros when the crop has less
        than 6 % contrast (nothing written there).
    """
    g = np.asarray(grey)
    if g.ndim != 2 or g.size == 0:
        raise ValueError(f"expected a 2-D grey image, got shape {g.shape}")
    g = g.astype(np.float32)
    if np.asarray(grey).dtype == np.uint8 or g.max() > 1.5:
        g /= 255.0
    # one sort gives the percentiles, the histogram and both medians: a glyph's crop is small
    # enough that numpy's per-call overhead, not the work, is most of the cost
    ordered = np.sort(g, axis=None)
    # a small glyph in a large canvas may be well under 1 % of the pixels
    lo, hi = _sorted_percentile(ordered, 0.1), _sorted_percentile(ordered, 99)
    if hi - lo < _MIN_CONTRAST:
        return np.zeros(g.shape, np.float32)
    t = otsu_threshold(ordered, is_sorted=True)
    split = int(np.searchsorted(ordered, t, side="right"))
    paper, ink = _sorted_median(ordered[split:]), _sorted_median(ordered[:split])
    if paper - ink < _MIN_CONTRAST:
        return np.zeros(g.shape, np.float32)
    return np.clip((paper - g) / (paper - ink), 0.0, 1.0).astype(np.float32)


def _sorted_percentile(ordered: np.ndarray, q: float) -> float:
    """``np.percentile(ordered, [q])[0]`` of an ascending 1-D array: numpy's linear
    interpolation, in float64 as it takes it for a list of percentiles, without its per-call
    overhead (most of its cost on a glyph's crop)."""
    position = (ordered.size - 1) * (q / 100.0)
    below = math.floor(position)
    fraction = position - below
    low, high = ordered[below], ordered[min(below + 1, ordered.size - 1)]
    step = float(high - low)  # in the array's dtype, as numpy takes the difference
    return float(high) - step * (1 - fraction) if fraction >= 0.5 else float(low) + step * fraction


def _sorted_median(ordered: np.ndarray) -> float:
    """``np.median`` of an ascending 1-D array, without sorting it again."""
    middle = ordered.size // 2
    # the pair's mean in the array's dtype, as np.mean takes it
    return float(ordered[middle] if ordered.size % 2 else (ordered[middle - 1] + ordered[middle]) / 2)


def otsu_threshold(values: np.ndarray, bins: int = 64, pad: float = 1e-6, is_sorted: bool = False) -> float:
    """Otsu's threshold: the histogram bin centre that maximises the between-class variance.

    ``w0(t)`` and ``m0(t)`` are the fraction of samples at or below bin ``t`` and their
    first moment; the threshold maximises ``(m w0 - m0)^2 / (w0 (1 - w0))``, ``m`` the mean.

    Parameters
    ----------
    values : array of any shape (flattened)
    bins : int, histogram bins over ``[min, max + pad]``
    pad : float, widens the top of the range so the maximum falls inside the last bin
    is_sorted : ``values`` is 1-D and ascending: the histogram is counted by searching its bin
        edges (the same counts as ``np.histogram``'s)
    """
    if is_sorted:
        edges = np.linspace(float(values[0]), float(values[-1]) + pad, bins + 1, dtype=values.dtype)
        below = np.searchsorted(values, edges[:-1], side="left")
        hist = np.diff(np.append(below, values.size))  # the last bin holds its upper edge too
    else:
        hist, edges = np.histogram(values, bins=bins, range=(float(values.min()), float(values.max()) + pad))
    p = hist.astype(np.float64) / hist.sum()
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * centres)
    mean = m0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean * w0 - m0) ** 2 / (w0 * (1 - w0))
    between[~np.isfinite(between)] = 0
    return float(centres[int(np.argmax(between))])


def _without_specks(ink: np.ndarray) -> np.ndarray:
    """Zero the ink components (8-connected, ink > 0.5) much smaller than the largest one."""
    labels, n = label(ink > 0.5)
    if n <= 1:
        return ink
    areas = np.bincount(labels.ravel())[1:]
    is_speck = np.concatenate([[False], areas < _SPECK_FRACTION * areas.max()])[labels]
    # a speck goes together with its faint anti-aliased halo, kept strokes stay untouched
    halo = imaging.binary_dilation(is_speck, 2) & ~((labels > 0) & ~is_speck)
    return np.where(halo, 0.0, ink).astype(np.float32)


def stroke_width(ink_mask: np.ndarray) -> float:
    """Mean stroke width of a binary ink mask: ``2 * area / perimeter`` (pixel edges).

    For a stroke of width ``w`` and length ``L >> w``: area ``w L``, perimeter ``~2 L``.
    """
    m = np.asarray(ink_mask, dtype=bool)
    perimeter = np.count_nonzero(m[1:] != m[:-1]) + np.count_nonzero(m[:, 1:] != m[:, :-1])
    perimeter += np.count_nonzero(m[[0, -1]]) + np.count_nonzero(m[:, [0, -1]])
    return 2.0 * np.count_nonzero(m) / perimeter if perimeter else 0.0


def set_stroke_width(mask: np.ndarray, target: float) -> np.ndarray:
    """Thicken or thin a binary mask (oversampled) towards a mean stroke width ``target``.

    Uses distance transforms: thickening by ``d`` keeps background pixels within ``d`` of ink,
    thinning by ``d`` keeps ink pixels farther than ``d`` from the background. Thinning is
    limited to a third of the current half-width so thin parts of a glyph do not vanish.
    """
    current = stroke_width(mask)
    if current == 0:
        return mask
    d = (target - current) / 2
    if -0.5 <= d <= 0.5:
        return mask
    # Both transforms need only the ink's box widened by the reach of d (and by one pixel of
    # paper, which is nearer to every ink pixel than any paper beyond it): the same result as
    # over the whole canvas, for a fraction of the work on a glyph that fills part of it.
    reach = math.ceil(d) + 1 if d > 0 else 1
    rows, cols = ink_bounds(mask)
    box = (slice(max(rows.start - reach, 0), rows.stop + reach), slice(max(cols.start - reach, 0), cols.stop + reach))
    out = np.zeros_like(mask)
    if d > 0:
        out[box] = imaging.disk_dilation(mask[box], d)
    else:
        out[box] = mask[box] & ~imaging.disk_dilation(~mask[box], min(-d, current / 6))
    return out


def normalize_glyph(
    grey: ArrayLike,
    long_side: float = NIST_LONG_SIDE,
    stroke: float | None = NIST_STROKE_WIDTH,
) -> np.ndarray:
    """Normalise a grey character crop to look like a NIST36 sample.

    Steps: per-image contrast normalisation (:func:`ink_map`), removal of noise specks (ink
    components < 4 % of the largest), crop to the ink box, aspect-preserving resize so the
    box's long side is ``long_side`` px (a thin 'I' stays thin), binarisation and stroke width
    set to ``stroke`` px at 4x resolution, box-filter downsampling to 32x32 (anti-aliased
    edges like NIST's), ink box centred.

    Parameters
    ----------
    grey : (h, w) float in [0, 1] or uint8; ink dark on a light background, any size.
    long_side : target long side of the ink box in output pixels (NIST: 25.3 +- 3.6).
    stroke : target mean stroke width in output pixels (NIST: 2.5); ``None`` keeps the width
        the crop has after resizing.

    Returns
    -------
    (32, 32) float32 in [0, 1], ink dark (~0) on white (1). A crop with no ink (less than 6 %
    contrast) gives an all-white image.
    """
    ink = ink_map(grey)
    ink = _without_specks(ink)
    bounds = ink_bounds(ink > 0.5)
    if bounds is None:
        return np.ones((SIDE, SIDE), np.float32)
    box = ink[bounds]
    h, w = box.shape
    big = SIDE * _OVERSAMPLE
    scale = min(long_side, SIDE) * _OVERSAMPLE / max(h, w)
    new_h = max(1, min(big, round(h * scale)))
    new_w = max(1, min(big, round(w * scale)))
    resized = np.asarray(Image.fromarray(box, mode="F").resize((new_w, new_h), Image.BILINEAR))
    canvas = np.zeros((big, big), np.float32)
    top, left = (big - new_h) // 2, (big - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = resized
    mask = canvas > 0.5
    if stroke is not None:
        # a second pass corrects for stroke ends and junctions, which grow less than 2d
        for _ in range(2):
            mask = set_stroke_width(mask, stroke * _OVERSAMPLE)
    coverage = mask.reshape(SIDE, _OVERSAMPLE, SIDE, _OVERSAMPLE).mean(axis=(1, 3))
    return (1.0 - coverage).astype(np.float32)


def glyph_statistics(X: ArrayLike) -> dict[str, float]:
    """Mean NIST-likeness statistics of a set of 32x32 images (ink dark), at threshold 0.5.

    Parameters
    ----------
    X : (n, 32, 32) in [0, 1].

    Returns
    -------
    ``{"box_h", "box_w", "long_side"}`` (mean ink-box size, px), ``"intensity"`` (mean pixel
    value), ``"dark"`` (fraction of pixels < 0.1), ``"stroke"`` (mean of
    :func:`stroke_width`, px). Blank images are left out of the box and stroke means.
    """
    X = np.asarray(X, np.float32)
    masks = X < 0.5
    rows, cols = masks.any(axis=2), masks.any(axis=1)
    inked = rows.any(axis=1)
    idx = np.arange(X.shape[1])

    def extent(any_ink: np.ndarray) -> np.ndarray:
        first = np.where(any_ink, idx, X.shape[1]).min(axis=1)
        last = np.where(any_ink, idx, -1).max(axis=1)
        return (last - first + 1)[inked]

    h, w = extent(rows), extent(cols)
    return {
        "box_h": float(h.mean()) if h.size else 0.0,
        "box_w": float(w.mean()) if w.size else 0.0,
        "long_side": float(np.maximum(h, w).mean()) if h.size else 0.0,
        "intensity": float(X.mean()),
        "dark": float((X < 0.1).mean()),
        "stroke": float(np.mean([stroke_width(m) for m in masks[inked]])) if h.size else 0.0,
    }


def grey_image(image: Image.Image | np.ndarray) -> np.ndarray:
    """Any PIL image or array (grey, RGB, RGBA, palette, 16-bit, float) as grey in [0, 1].

    Transparent pixels count as white paper. Opaque colour becomes grey as PIL's ``convert("L")``
    makes it (luma); a transparent image's colour, composited on white, as the mean of its
    channels; an array as the image file it would be. Integer images are scaled by their type's range
    (16-bit images by 65535 unless all values fit in 8 bits); float arrays are taken as given.

    Returns
    -------
    (H, W) float32.

    Raises
    ------
    TypeError : ``image`` is neither a PIL image nor an array.
    ValueError : the array is not ``(H, W)`` or ``(H, W, C)`` with C in 1..4, or holds NaN or
        infinite values.
    """
    if not isinstance(image, (np.ndarray, Image.Image)):
        raise TypeError(f"expected a PIL image or an image array, got {type(image).__name__}")
    if isinstance(image, np.ndarray):
        if image.ndim not in (2, 3):
            raise ValueError(f"expected an (H, W) or (H, W, C) image array, got shape {image.shape}")
        if image.ndim == 3 and not 1 <= image.shape[2] <= 4:
            raise ValueError(f"expected 1 to 4 colour channels, got image array shape {image.shape}")
        if image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] in (3, 4):
            # the photo's pixels as PIL decoded them: read as its file is, to the bit
            image = Image.fromarray(np.ascontiguousarray(image), "RGB" if image.shape[2] == 3 else "RGBA")
        else:
            # scaled while still integer (a colour array's grey is a float array, which would
            # be taken as already in [0, 1])
            array = _unit_range(image)
            if array.ndim == 3:
                channels = array.shape[2]
                if channels == 4:  # as a transparent image file is read
                    array = _on_white(array[..., :3], array[..., 3]).mean(axis=2)
                elif channels == 3:  # as an opaque colour image file is read
                    array = array @ _LUMA
                else:
                    array = _on_white(array[..., :1], array[..., 1])[..., 0] if channels == 2 else array[..., 0]
            return np.asarray(array, np.float32)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode == "P" and "transparency" in image.info):
        rgba = np.asarray(image.convert("RGBA"))
        # an opaque image (most PNGs saved with alpha) needs no compositing: the same values
        colour, alpha = rgba[..., :3], rgba[..., 3]
        colour = colour.astype(np.float32) if alpha.min() == 255 else _on_white(colour, alpha)
        return np.asarray(colour.mean(axis=2) / 255.0, np.float32)
    if image.mode.startswith("I") or image.mode == "F":
        return _unit_range(np.asarray(image))
    return np.asarray(image.convert("L"), np.float32) / 255.0


#: Grey from opaque colour as PIL's ``convert("L")`` makes it (ITU-R 601-2 luma): blue ballpoint,
#: which the mean of the channels makes faint, stays dark (ust_pen: 6 errors, 21 with the mean).
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def _on_white(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite ``colour`` over white paper using ``alpha`` (same integer range)."""
    top = float(np.iinfo(alpha.dtype).max) if np.issubdtype(alpha.dtype, np.integer) else 1.0
    a = alpha.astype(np.float32)[..., None] / top
    return colour.astype(np.float32) * a + top * (1.0 - a)


def _unit_range(array: np.ndarray) -> np.ndarray:
    values = np.asarray(array, np.float32)
    if np.issubdtype(array.dtype, np.integer):
        top = 255.0 if array.size == 0 or array.max() <= 255 else float(max(np.iinfo(array.dtype).max, 1))
        if array.dtype.itemsize >= 4 and top > 65535 and array.max() <= 65535:
            top = 65535.0
        return values / top
    if not np.isfinite(values).all():
        raise ValueError("the image array holds NaN or infinite values")
    return values
