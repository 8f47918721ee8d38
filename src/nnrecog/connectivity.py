"""Which things belong together: connected groups of a graph, connected regions of a binary
image (:func:`label`, with their boxes), and the 8-connected pixel neighbourhood. Shared by the
data set builder (duplicate groups) and the OCR (stacked pieces, ink components); imports
nothing of ours.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def label(mask: np.ndarray, connectivity: int = 8) -> tuple[np.ndarray, int]:
    """Number the connected regions of a binary image, ``1 .. count`` in the order a raster scan
    meets them (``scipy.ndimage.label``; ``connectivity`` 8: diagonal neighbours touch, 4: not).

    Works on runs (maximal horizontal stretches of set pixels): a run touches the runs of the
    next row whose columns overlap its own (or only meet diagonally, at 8), found for all runs at
    once by sorted search; the runs are then joined by union-find in whole-array steps (each
    root hooked to the smallest root it touches, then pointers jumped until they settle).

    Parameters
    ----------
    mask : (H, W), set where nonzero.

    Returns
    -------
    labels : (H, W) int32, 0 off the mask
    count : the number of regions
    """
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    mask = np.asarray(mask, bool)
    h, w = mask.shape
    labels = np.zeros((h, w), np.int32)
    framed = np.zeros((h, w + 2), np.int8)  # paper either side, so every run starts and ends
    framed[:, 1:-1] = mask
    edges = framed[:, 1:] - framed[:, :-1]
    run_rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]  # one past each run's last column, in the same order
    n = run_rows.size
    if n == 0:
        return labels, 0
    # keys that sort runs by row, then column, across the whole image
    stride = w + 2
    start_keys, end_keys = run_rows * stride + starts, run_rows * stride + ends
    # diagonal contact lets the next row's run end one column before this one starts
    touch = 0 if connectivity == 8 else 1
    below = (run_rows + 1) * stride
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
    region = np.cumsum(is_root, dtype=np.int32)[parent]
    labels.ravel()[np.flatnonzero(mask)] = np.repeat(region, ends - starts)
    return labels, int(np.count_nonzero(is_root))


def label_boxes(labels: np.ndarray, count: int) -> np.ndarray:
    """(count, 4) int64 boxes ``[y1, x1, y2, x2]`` (ends exclusive) of labels ``1 .. count``;
    a label with no pixel gets ``[0, 0, 0, 0]``."""
    rows, columns = np.nonzero(labels)
    which = labels[rows, columns].astype(np.intp) - 1
    big = np.iinfo(np.int64).max
    boxes = np.empty((count, 4), np.int64)
    boxes[:, :2], boxes[:, 2:] = big, -1
    np.minimum.at(boxes[:, 0], which, rows)
    np.minimum.at(boxes[:, 1], which, columns)
    np.maximum.at(boxes[:, 2], which, rows)
    np.maximum.at(boxes[:, 3], which, columns)
    empty = boxes[:, 2] < 0
    boxes[:, 2:] += 1
    boxes[empty] = 0
    return boxes
