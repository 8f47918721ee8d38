"""Exact and near duplicates among the pooled samples: found by a size-free signature, removed
group by group."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from PIL import Image

from nnrecog.connectivity import connected_groups
from nnrecog.data.normalize import ink_bounds
from nnrecog.data.samples import Samples


def size_free_signature(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image: its ink box stretched to 16x16 (a mean-free unit vector) and the box's log aspect.

    Samples get random NIST-like sizes and stroke widths, so the same glyph built twice differs
    pixel by pixel; its ink box resampled to a fixed size does not. The stretch hides the aspect
    ratio, which is returned apart so that a short and a tall 'L' are not taken for one another.

    Returns
    -------
    vectors : (n, 256) float32, unit norm (zero for blank images).
    log_aspect : (n,) log(height / width) of the ink box.
    """
    signatures = np.zeros((len(images), 16, 16), np.float32)
    log_aspect = np.zeros(len(images))
    for i, image in enumerate(images):
        bounds = ink_bounds(image < 128)
        if bounds is not None:
            box = image[bounds]
            signatures[i] = np.asarray(Image.fromarray(box).resize((16, 16), Image.BILINEAR))
            log_aspect[i] = np.log(box.shape[0] / box.shape[1])
    flat = signatures.reshape(len(images), -1)
    flat -= flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    return flat / np.where(norms > 0, norms, 1), log_aspect


def _duplicate_pairs(samples: Samples, threshold: float) -> Iterator[tuple[int, int]]:
    """Pairs of samples that are exact or near duplicates of each other.

    Exact: the same raw image digest. Near: correlation of the :func:`size_free_signature`
    vectors above ``threshold`` and ink-box aspect ratios within 10 %. Correlations are
    computed in blocks, so n x n never sits in memory.
    """
    first_with_digest: dict[int, int] = {}
    for i, digest in enumerate(samples.digests.tolist()):
        yield first_with_digest.setdefault(digest, i), i
    flat, log_aspect = size_free_signature(samples.images)
    block = 1024
    for start in range(0, len(flat), block):
        sims = flat[start : start + block] @ flat.T
        similar_shape = np.abs(log_aspect[start : start + block, None] - log_aspect[None, :]) < 0.1
        rows, cols = np.nonzero((sims > threshold) & similar_shape)
        for a, b in zip(rows + start, cols):
            if a < b:
                yield int(a), int(b)


def deduplicate(samples: Samples, threshold: float) -> tuple[Samples, dict[str, int]]:
    """Keep the first sample of each duplicate group; drop whole groups whose labels disagree.

    Groups are the connected components of both duplicate relations (see ``_duplicate_pairs``).

    Returns the samples kept, in their order, and how many were removed as exact copies, as near
    duplicates and for conflicting labels (e.g. Binary Alphadigits' '0' images are copies of its
    'O' images).
    """
    keep = []
    removed = {"conflicting_labels": 0, "exact_duplicates": 0, "near_duplicates": 0}
    for members in connected_groups(len(samples.labels), _duplicate_pairs(samples, threshold)):
        if len(set(samples.labels[members].tolist())) > 1:
            removed["conflicting_labels"] += len(members)
            continue
        keep.append(members[0])
        exact = len(members) - len(np.unique(samples.digests[members]))
        removed["exact_duplicates"] += exact
        removed["near_duplicates"] += len(members) - 1 - exact
    return samples.take(np.sort(np.asarray(keep, np.int64))), removed
