"""The one union-find (``nnrecog.connectivity.connected_groups``) that the builder and the OCR share."""

from __future__ import annotations

import numpy as np

from nnrecog.connectivity import EIGHT_CONNECTED, connected_groups


def test_groups_ordered_by_smallest_member_with_members_ascending():
    assert connected_groups(5, [(3, 1), (4, 3)]) == [[0], [1, 3, 4], [2]]
    assert connected_groups(6, [(5, 0), (2, 2), (4, 2), (2, 4)]) == [[0, 5], [1], [2, 4], [3]]


def test_no_items_and_no_pairs():
    assert connected_groups(0, []) == []
    assert connected_groups(3, iter(())) == [[0], [1], [2]]


def test_matches_scipy_components_on_a_random_graph():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(0)
    n = 300
    pairs = rng.integers(0, n, (200, 2))  # numpy integers, repeats and self-pairs included
    groups = connected_groups(n, pairs)
    _, labels = connected_components(coo_matrix((np.ones(len(pairs)), pairs.T), shape=(n, n)), directed=False)
    expected = {}
    for i, label in enumerate(labels):
        expected.setdefault(label, []).append(i)
    assert groups == sorted(expected.values())
    assert sorted(i for group in groups for i in group) == list(range(n))


def test_eight_connected_touches_diagonals():
    from scipy import ndimage as ndi

    diagonal = np.eye(4, dtype=bool)
    assert ndi.label(diagonal, structure=EIGHT_CONNECTED)[1] == 1
    assert ndi.label(diagonal)[1] == 4  # scipy's default is 4-connected
