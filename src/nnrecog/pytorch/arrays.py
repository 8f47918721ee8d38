"""Arrays as torch data: a ``Dataset`` over arrays, and a stratified split of labels."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset


class ArrayDataset(Dataset):
    """Samples ``(x[i], y[i])`` from two arrays held in memory (any dtype, any sample shape).

    Parameters
    ----------
    x : (n, ...) array
    y : (n,) int class indices
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        if len(x) != len(y):
            raise ValueError(f"{len(x)} samples but {len(y)} labels")
        self.x = torch.from_numpy(np.ascontiguousarray(x))
        self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[index], self.y[index]


def stratified_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices into (keep, held_out), holding out ``fraction`` of every class.

    Returns
    -------
    keep, held_out : (n - m,) and (m,) int64, each sorted
    """
    rng = np.random.default_rng(seed)
    held_out = []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        held_out.append(members[: max(1, round(fraction * len(members)))])
    held = np.sort(np.concatenate(held_out))
    return np.setdiff1d(np.arange(len(y)), held), held
