"""Image filters and binary morphology in NumPy: the few the reading path needs.

``scipy.ndimage`` has them all, but importing it costs ``nnrecog read`` about 0.15 s of its
start (its array-API layer imports ``numpy.f2py``, ``numpy.testing`` and ``numpy.ma`` and parses
169 docstrings), more than reading a small photo's letters. These give the same pixels as their
``scipy.ndimage`` namesakes for the arguments used here (``tests/test_imaging.py`` compares
them), each as a few whole-array passes. Imports nothing of ours but :mod:`nnrecog.connectivity`.

Borders follow scipy's ``mode="reflect"`` (``d c b a | a b c d``) unless an argument says
otherwise.
"""

from __future__ import annotations

import math

import numpy as np

from nnrecog.connectivity import label


def _extended(x: np.ndarray, before: int, after: int, cval: float | None) -> np.ndarray:
    """``x`` extended along its first axis: mirrored (``cval`` None: scipy's "reflect",
    ``d c b a | a b c d``) or by the constant ``cval``. (Slicing, not ``np.pad``, whose overhead
    is most of the cost on a glyph-sized crop.)"""
    n = x.shape[0]
    if n == 0:  # nothing to mirror: an empty array gives an empty result whatever the border
        return np.zeros((before + after,) + x.shape[1:], dtype=x.dtype)
    if cval is not None:
        out = np.full((n + before + after,) + x.shape[1:], cval, dtype=x.dtype)
        out[before : before + n] = x
        return out
    if before > n or after > n:  # a window longer than the array reflects in steps
        step_before, step_after = min(before, n), min(after, n)
        return _extended(_extended(x, step_before, step_after, None), before - step_before, after - step_after, None)
    return np.concatenate([x[:before][::-1], x, x[n - after :][::-1]])


def _padded_2d(mask: np.ndarray, border: bool) -> np.ndarray:
    """(H, W) bool with one pixel of ``border`` around it: (H + 2, W + 2)."""
    h, w = mask.shape
    out = np.full((h + 2, w + 2), border, dtype=bool)
    out[1:-1, 1:-1] = mask
    return out


def _windows(size: int, origin: int) -> tuple[int, int]:
    """How far a window of ``size`` centred at ``size // 2 + origin`` reaches before and after."""
    before = size // 2 + origin
    return before, size - 1 - before


def _running(x: np.ndarray, size: int, axis: int, origin: int, cval: float | None, reduce: np.ufunc) -> np.ndarray:
    """``reduce`` (np.maximum or np.minimum) over a running window of ``size`` along ``axis``:
    spans of 1, 2, 4, ... samples, each from two of the span before, then two overlapping spans
    cover any ``size`` (about log2(size) + 2 passes)."""
    if size < 1:
        raise ValueError(f"window size must be at least 1, got {size}")
    x = np.asarray(x)
    n = x.shape[axis]
    before, after = _windows(size, origin)
    padded = _extended(np.moveaxis(x, axis, 0), before, after, cval)
    span, spans = 1, padded
    while 2 * span <= size:
        spans = reduce(spans[:-span], spans[span:])
        span *= 2
    out = reduce(spans[:n], spans[size - span : size - span + n])
    return np.moveaxis(out, 0, axis)


def maximum_filter1d(x: np.ndarray, size: int, axis: int = -1, origin: int = 0, cval: float | None = None) -> np.ndarray:
    """Running maximum over ``size`` samples along ``axis`` (``scipy.ndimage.maximum_filter1d``;
    ``cval`` None mirrors the border, a number extends it with that constant).

    Output sample ``i`` is the maximum of input samples ``i - size // 2 - origin`` up to
    ``i - size // 2 - origin + size - 1``; same shape and dtype as ``x``.
    """
    return _running(x, size, axis % np.ndim(x), origin, cval, np.maximum)


def minimum_filter1d(x: np.ndarray, size: int, axis: int = -1, origin: int = 0, cval: float | None = None) -> np.ndarray:
    """Running minimum, as :func:`maximum_filter1d`."""
    return _running(x, size, axis % np.ndim(x), origin, cval, np.minimum)


def grey_closing(x: np.ndarray, size: int) -> np.ndarray:
    """Grey closing by a flat ``size`` x ``size`` square: its maximum, then the minimum of that
    (``scipy.ndimage.grey_closing(x, size=(size, size))``; borders mirrored).

    (H, W) -> (H, W), the dtype of ``x``. Dark details narrower than the square are filled
    with the brightness around them.
    """
    # scipy's dilation mirrors its window, which moves an even window by one sample
    origin = -1 if size % 2 == 0 else 0
    dilated = x
    for axis in (0, 1):
        dilated = maximum_filter1d(dilated, size, axis=axis, origin=origin)
    for axis in (0, 1):
        dilated = minimum_filter1d(dilated, size, axis=axis)
    return dilated


def uniform_filter1d(x: np.ndarray, size: int, axis: int = -1) -> np.ndarray:
    """Running mean over ``size`` samples along ``axis`` (borders mirrored), summed in float64
    (``scipy.ndimage.uniform_filter1d``). Float input keeps its dtype; other input -> float64."""
    x = np.asarray(x)
    axis %= x.ndim
    n = x.shape[axis]
    before, after = _windows(size, 0)
    padded = _extended(np.moveaxis(x, axis, 0), before, after, None)
    sums = np.cumsum(padded, axis=0, dtype=np.float64)
    sums = np.concatenate([np.zeros((1,) + sums.shape[1:]), sums])
    out = np.moveaxis((sums[size : size + n] - sums[:n]) / size, 0, axis)
    return out.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)


def uniform_filter(x: np.ndarray, size: int) -> np.ndarray:
    """Mean over a ``size`` x ``size`` square around each pixel (borders mirrored)."""
    return uniform_filter1d(uniform_filter1d(x, size, axis=0), size, axis=1)


#: Lines of an image :func:`gaussian_filter` blurs at a time.
_GAUSSIAN_BAND = 64


def gaussian_filter(x: np.ndarray, sigma: float, truncate: float = 4.0) -> np.ndarray:
    """Gaussian blur of standard deviation ``sigma`` pixels (``scipy.ndimage.gaussian_filter``).

    Separable: a normalised kernel of radius ``int(truncate * sigma + 0.5)`` along rows, then
    columns, each summed in float64 and stored in the dtype of ``x`` (float input) between
    passes, borders mirrored. (H, W) -> (H, W).
    """
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    radius = int(truncate * float(sigma) + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 / float(sigma) ** 2 * offsets**2)
    kernel /= kernel.sum()
    out = x
    for axis in (0, 1):
        along = np.moveaxis(out, axis, 0)
        n = along.shape[0]
        padded = _extended(along, radius, radius, None)
        blurred = np.empty(along.shape, dtype)
        # a band of _GAUSSIAN_BAND lines at a time: its float64 sums stay in the CPU's cache
        # (2.5 times as fast on a photo as whole-image passes, the same sums)
        for first in range(0, along.shape[1], _GAUSSIAN_BAND):
            band = padded[:, first : first + _GAUSSIAN_BAND].astype(np.float64)
            total = kernel[radius] * band[radius : radius + n]
            # symmetric kernel: each pair of samples at +-k shares its weight
            for k in range(1, radius + 1):
                total += kernel[radius + k] * (band[radius + k : radius + k + n] + band[radius - k : radius - k + n])
            blurred[:, first : first + _GAUSSIAN_BAND] = total
        out = np.moveaxis(blurred, 0, axis)
    return out


def neighbour_count(mask: np.ndarray) -> np.ndarray:
    """(H, W) int: how many of each pixel's 8 neighbours are set (pixels beyond the border are
    not)."""
    padded = _padded_2d(np.asarray(mask, bool), False).view(np.uint8)
    h, w = mask.shape
    total = np.zeros((h, w), np.uint8)
    for dy in range(3):
        for dx in range(3):
            if (dy, dx) != (1, 1):
                total += padded[dy : dy + h, dx : dx + w]
    return total


def _cross_step(mask: np.ndarray, border: bool, grow: bool) -> np.ndarray:
    """One step of dilation (``grow``) or erosion by the 3x3 cross, ``border`` beyond the edge."""
    padded = _padded_2d(mask, border)
    combine = np.logical_or if grow else np.logical_and
    out = combine(padded[1:-1, 1:-1], padded[:-2, 1:-1])
    for view in (padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]):
        combine(out, view, out=out)
    return out


def binary_dilation(mask: np.ndarray, iterations: int = 1, diagonal: bool = False) -> np.ndarray:
    """Each set pixel grown ``iterations`` steps to its 4 neighbours, or with ``diagonal`` to
    all 8 (a square of side ``2 iterations + 1``). (H, W) bool -> (H, W) bool."""
    mask = np.asarray(mask, bool)
    if diagonal:
        size = 2 * iterations + 1
        return maximum_filter1d(maximum_filter1d(mask, size, axis=0, cval=False), size, axis=1, cval=False)
    for _ in range(iterations):
        mask = _cross_step(mask, False, grow=True)
    return mask


def binary_erosion(mask: np.ndarray, iterations: int = 1, border_value: bool = False) -> np.ndarray:
    """Set pixels kept where their 4 neighbours are set, ``iterations`` times; pixels beyond
    the edge count as ``border_value`` (``scipy.ndimage.binary_erosion``)."""
    mask = np.asarray(mask, bool)
    for _ in range(iterations):
        mask = _cross_step(mask, border_value, grow=False)
    return mask


def binary_fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` with every background region that does not reach the edge (4-connected) set."""
    mask = np.asarray(mask, bool)
    if mask.size == 0:
        return mask.copy()
    background, _ = label(~mask, connectivity=4)
    edge = np.concatenate([background[0], background[-1], background[:, 0], background[:, -1]])
    open_to_edge = np.zeros(background.max() + 1, bool)
    open_to_edge[edge] = True
    open_to_edge[0] = False  # the mask's own pixels
    return ~open_to_edge[background]


def disk_dilation(mask: np.ndarray, radius: float) -> np.ndarray:
    """Pixels within Euclidean distance ``radius`` of a set pixel of ``mask``: the same as
    ``scipy.ndimage.distance_transform_edt(~mask) <= radius`` where ``mask`` has a set pixel.

    The disk is taken row by row: for each row offset ``dy``, the row dilated by the disk's
    half-width there, shifted by ``dy``. (H, W) bool -> (H, W) bool.
    """
    mask = np.asarray(mask, bool)
    reach = math.floor(radius)
    if reach < 0:
        return np.zeros_like(mask)
    h, w = mask.shape
    padded = np.zeros((h + 2 * reach, w + 2 * reach), bool)
    padded[reach : reach + h, reach : reach + w] = mask
    widened = padded.copy()  # each row dilated by ``half`` columns either side
    half = 0
    out = np.zeros((h, w), bool)
    for dy in sorted(range(-reach, reach + 1), key=abs, reverse=True):  # half-widths grow
        need = math.isqrt(math.floor(radius * radius - dy * dy))
        while half < need:
            half += 1
            widened[:, half:] |= padded[:, :-half]
            widened[:, :-half] |= padded[:, half:]
        out |= widened[reach + dy : reach + dy + h, reach : reach + w]
    return out
