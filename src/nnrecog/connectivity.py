"""Which things belong together: connected groups of a graph, connected regions of a binary
image (:func:`label`, with their boxes), and the 8-connected pixel neighbourhood. Shared by the
data set builder (duplicate groups) and the OCR (stacked pieces, ink components); imports
nothing of ours.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import numpy as np

#: ``scipy.ndimage`` structure in which a pixel touches all eight neighbours (diagonals too).
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def connected_groups(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The connected components of the graph on ``0 .. n-1`` whose edges are ``pairs``.

    Union-find with path halving; each union keeps the smaller root, so a group's root is its
    smallest member.

    Parameters
    ----------
    n : number of items
    pairs : ``(a, b)`` index pairs meaning "a and b belong together" (any order, repeats and
        ``a == b`` allowed; numpy integers are fine)

    Returns
    -------
    Every item in exactly one group (items in no pair are groups of one). Groups are sorted by
    their smallest member and members ascend, so ``group[0]`` is the group's first item:
    ``connected_groups(5, [(3, 1), (4, 3)]) == [[0], [1, 3, 4], [2]]``.
    """
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(n):  # ascending, so groups appear in the order of their smallest member
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


class Regions:
    """The connected regions of a binary image (:func:`regions`), with their boxes and areas,
    which are taken from the image's runs of set pixels when first asked for.

    Attributes
    ----------
    labels : (H, W) int32, 0 off the mask, ``1 .. count`` in the order a raster scan meets them
    count : the number of regions
    """

    def __init__(self, labels: np.ndarray, count: int, runs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.labels, self.count = labels, count
        self._runs = runs  # (row, first column, column past the last, region - 1) of each run

    @cached_property
    def boxes(self) -> np.ndarray:
        """(count, 4) int64 boxes ``[y1, x1, y2, x2]`` (ends exclusive), as ``scipy.ndimage.find_objects``."""
        rows, starts, ends, region = self._runs
        boxes = np.empty((self.count, 4), np.int64)
        boxes[:, :2] = np.iinfo(np.int64).max
        boxes[:, 2:] = 0
        np.minimum.at(boxes[:, 0], region, rows)
        np.minimum.at(boxes[:, 1], region, starts)
        np.maximum.at(boxes[:, 2], region, rows + 1)
        np.maximum.at(boxes[:, 3], region, ends)
        return boxes

    @cached_property
    def areas(self) -> np.ndarray:
        """(count,) int64: the pixels of each region."""
        rows, starts, ends, region = self._runs
        return np.bincount(region, weights=ends - starts, minlength=self.count).astype(np.int64)


def regions(mask: np.ndarray, connectivity: int = 8) -> Regions:
    """The connected regions of a binary image (``connectivity`` 8: diagonal neighbours touch,
    4: not), numbered as ``scipy.ndimage.label`` numbers them.

    Works on runs (maximal horizontal stretches of set pixels): a run touches the runs of the
    next row whose columns overlap its own (or only meet diagonally, at 8), found for all runs at
    once by sorted search; the runs are then joined by union-find in whole-array steps (each
    root hooked to the smallest root it touches, then pointers jumped until they settle).

    Parameters
    ----------
    mask : (H, W), set where nonzero.
    """
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    mask = np.asarray(mask, bool)
    h, w = mask.shape
    labels = np.zeros((h, w), np.int32)
    framed = np.zeros((h, w + 2), np.int8)  # paper either side, so every run starts and ends
    framed[:, 1:-1] = mask
    # a run starts where a row steps up and ends where it steps down, alternately in raster order
    steps = np.flatnonzero(framed[:, 1:] - framed[:, :-1])
    start_keys, end_keys = steps[0::2], steps[1::2]  # as row * (w + 1) + column
    n = start_keys.size
    empty = np.zeros(0, np.intp)
    if n == 0:
        return Regions(labels, 0, (empty, empty, empty, empty))
    run_rows, starts = np.divmod(start_keys, w + 1)
    ends = end_keys - run_rows * (w + 1)
    # diagonal contact lets the next row's run end one column before this one starts
    touch = 0 if connectivity == 8 else 1
    below = (run_rows + 1) * (w + 1)
    first = np.searchsorted(end_keys, below + starts + touch, side="left")
    last = np.searchsorted(start_keys, below + ends - touch, side="right")
    counts = np.maximum(last - first, 0)
    upper = np.repeat(np.arange(n), counts)
    lower = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    parent = np.arange(n)
    while True:
        roots_upper, roots_lower = parent[upper], parent[lower]
        apart = roots_upper != roots_lower
        if not apart.any():
            break
        roots_upper, roots_lower = roots_upper[apart], roots_lower[apart]
        np.minimum.at(parent, np.maximum(roots_upper, roots_lower), np.minimum(roots_upper, roots_lower))
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    # hooking keeps the smaller root, so a region's root is its first run in raster order,
    # where the scan meets it: regions are numbered in the order of their roots
    is_root = parent == np.arange(n)
    region = (np.cumsum(is_root) - 1)[parent]
    lengths = ends - starts
    pixels = np.repeat(run_rows * w + starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    labels.ravel()[pixels] = np.repeat(region + 1, lengths)
    return Regions(labels, int(np.count_nonzero(is_root)), (run_rows, starts, ends, region))


def label(mask: np.ndarray, connectivity: int = 8) -> tuple[np.ndarray, int]:
    """``(labels, count)`` of :func:`regions`: ``scipy.ndimage.label``'s numbering of the
    connected regions (``labels`` (H, W) int32, 0 off the mask)."""
    found = regions(mask, connectivity)
    return found.labels, found.count
