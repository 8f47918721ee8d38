"""Which things belong together: connected groups of a graph, and the 8-connected pixel
neighbourhood. Shared by the data set builder (duplicate groups) and the OCR (stacked pieces,
ink components); imports nothing of ours.
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
