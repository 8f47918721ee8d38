"""Random mini-batches (the course's ``get_random_batches``)."""

from __future__ import annotations

import numpy as np


def random_batches(
    X: np.ndarray, Y: np.ndarray, batch_size: int, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split ``(X, Y)`` into mini-batches of a fresh random permutation.

    Every sample appears in exactly one batch; the last batch holds the remainder when
    ``batch_size`` does not divide ``n``.

    Parameters
    ----------
    X : (n, ...) inputs
    Y : (n, ...) targets
    batch_size : int
    rng : numpy.random.Generator

    Returns
    -------
    list of (xb, yb) with ``xb : (<= batch_size, ...)``
    """
    if len(X) != len(Y):
        raise ValueError(f"X has {len(X)} samples but Y has {len(Y)}")
    if batch_size <= 0:
        raise ValueError(f"batch size must be positive, got {batch_size}")
    order = rng.permutation(len(X))
    return [(X[idx], Y[idx]) for idx in np.array_split(order, range(batch_size, len(X), batch_size))]
