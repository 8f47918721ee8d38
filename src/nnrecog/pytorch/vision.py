"""Training a CNN from scratch on uint8 RGB image arrays (shared by CIFAR-10 and scenes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from nnrecog.pytorch import train
from nnrecog.pytorch.transforms import normalize, random_crop, random_flip, uint8_to_float

VALID_FRACTION = 0.1


def image_transforms(X_train: np.ndarray, padding: int, seed: int) -> tuple[train.BatchTransform, train.BatchTransform]:
    """Batch transforms for ``(n, h, w, 3)`` uint8 images.

    Evaluation: ``x -> (x / 255 - mean_c) / std_c`` with the per-channel mean and standard
    deviation of ``X_train``. Training: the same, then a random crop after reflection padding
    by ``padding`` pixels and a random left-right flip.
    """
    pixels = X_train.reshape(-1, 3)
    mean = tuple((pixels.mean(0) / 255.0).tolist())
    std = tuple((pixels.std(0) / 255.0 + 1e-6).tolist())
    generator = torch.Generator().manual_seed(seed)

    def eval_transform(xb: torch.Tensor) -> torch.Tensor:
        return normalize(uint8_to_float(xb), mean, std)

    def train_transform(xb: torch.Tensor) -> torch.Tensor:
        return random_flip(random_crop(eval_transform(xb), padding, generator), generator)

    return train_transform, eval_transform


def fit_images(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray,
    config: train.TrainConfig,
    ctx: train.Context,
    out: Path,
    resume: bool,
    desc: str,
) -> tuple[np.ndarray, dict[str, list[float]]]:
    """Train ``model`` on uint8 images with crop + flip augmentation; predict the test images.

    ``VALID_FRACTION`` of every class of ``(X, y)`` is held out to pick the best epoch.
    The crop padding is 1/8 of the image side (4 px at 32 px).

    Returns
    -------
    y_pred : (n_test,) int64
    history : dict, as :func:`nnrecog.pytorch.train.fit` returns it
    """
    keep, held = train.stratified_split(y, VALID_FRACTION, config.seed)
    train_tf, eval_tf = image_transforms(X[keep], X.shape[1] // 8, config.seed + ctx.rank)
    history = train.fit(
        model,
        train.ArrayDataset(X[keep], y[keep]),
        train.ArrayDataset(X[held], y[held]),
        config,
        ctx,
        out,
        train_transform=train_tf,
        eval_transform=eval_tf,
        resume=resume,
        desc=desc,
    )
    dummy_labels = np.zeros(len(X_test), dtype=np.int64)
    logits = train.predict_logits(model, train.ArrayDataset(X_test, dummy_labels), transform=eval_tf, device=ctx.device)
    return logits.argmax(1), history
