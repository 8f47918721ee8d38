"""Training a CNN from scratch on uint8 RGB image arrays (shared by CIFAR-10 and scenes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nnrecog.pytorch import context, train
from nnrecog.pytorch.arrays import ArrayDataset, stratified_split
from nnrecog.pytorch.transforms import normalize, random_crop, random_flip, uint8_to_float

VALID_FRACTION = 0.1


def image_transforms(
    X_train: np.ndarray, padding: int, seed: int, channels_last: bool = False
) -> tuple[train.BatchTransform, train.BatchTransform]:
    """Batch transforms for ``(n, h, w, 3)`` uint8 images.

    Evaluation: ``x -> (x / 255 - mean_c) / std_c`` with the per-channel mean and standard
    deviation of ``X_train``. Training: the same, then a random crop after reflection padding
    by ``padding`` pixels and a random left-right flip. ``channels_last`` returns the batches
    in the NHWC memory layout (same shape), which oneDNN's CPU convolutions run faster on.
    """
    pixels = X_train.reshape(-1, 3)
    mean = tuple((pixels.mean(0) / 255.0).tolist())
    std = tuple((pixels.std(0) / 255.0 + 1e-6).tolist())
    generator = torch.Generator().manual_seed(seed)

    def laid_out(x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if channels_last else x

    def eval_transform(xb: torch.Tensor) -> torch.Tensor:
        return laid_out(normalize(uint8_to_float(xb), mean, std))

    def train_transform(xb: torch.Tensor) -> torch.Tensor:
        x = normalize(uint8_to_float(xb), mean, std)
        return laid_out(random_flip(random_crop(x, padding, generator), generator))

    return train_transform, eval_transform


@dataclass(frozen=True)
class ImageOptions:
    """How :func:`fit_images` holds out, augments, lays out and scores the images.

    ``valid_fraction`` of every class is held out to watch (and pick) the epoch; ``padding``
    is the random-translation range in pixels (None: 1/8 of the image side, 4 px at 32 px);
    ``tta`` is the test-time augmentation (see :func:`tta_views`); ``channels_last`` runs
    model and batches in the NHWC memory layout.
    """

    valid_fraction: float = VALID_FRACTION
    padding: int | None = None
    tta: int = 0
    channels_last: bool = False


def tta_views(X: np.ndarray, level: int) -> list[tuple[float, np.ndarray]]:
    """Weighted views of ``(n, h, w, 3)`` images whose logits are averaged at test time.

    Level 0: the images. Level 1: the images and their mirror images, half each. Level 2 (as
    airbench): half on level 1, half on level 1 of the images shifted one pixel up-left and
    one pixel down-right (reflection at the border), a quarter each.
    """
    def mirrored(images: np.ndarray, weight: float) -> list[tuple[float, np.ndarray]]:
        return [(weight / 2, images), (weight / 2, images[:, :, ::-1])]

    if level == 0:
        return [(1.0, X)]
    if level == 1:
        return mirrored(X, 1.0)
    if level == 2:
        h, w = X.shape[1:3]
        padded = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
        shifted = [padded[:, :h, :w], padded[:, 2 : h + 2, 2 : w + 2]]
        return mirrored(X, 0.5) + [view for image in shifted for view in mirrored(image, 0.25)]
    raise ValueError(f"unknown test-time augmentation level {level}; expected 0, 1 or 2")


def fit_images(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    X_test: np.ndarray,
    config: train.TrainConfig,
    ctx: context.Context,
    out: Path,
    resume: bool,
    desc: str,
    options: ImageOptions = ImageOptions(),
    prepare: Callable[[nn.Module, train.BatchTransform, np.ndarray], None] | None = None,
) -> tuple[np.ndarray, dict[str, list[float]]]:
    """Train ``model`` on uint8 images with crop + flip augmentation; predict the test images.

    Parameters
    ----------
    options : hold-out, augmentation, layout and test-time augmentation (:class:`ImageOptions`)
    prepare : called as ``prepare(model, eval_transform, X_train)`` before training, with the
        training images (held-out ones excluded), e.g. for a data-dependent initialisation

    Returns
    -------
    y_pred : (n_test,) int64
    history : dict, as :func:`nnrecog.pytorch.train.fit` returns it
    """
    keep, held = stratified_split(y, options.valid_fraction, config.seed)
    padding = X.shape[1] // 8 if options.padding is None else options.padding
    train_tf, eval_tf = image_transforms(X[keep], padding, config.seed + ctx.rank, options.channels_last)
    if prepare is not None:
        prepare(model, eval_tf, X[keep])
    if options.channels_last:
        model = model.to(memory_format=torch.channels_last)
    history = train.fit(
        model,
        ArrayDataset(X[keep], y[keep]),
        ArrayDataset(X[held], y[held]),
        config,
        ctx,
        out,
        train_transform=train_tf,
        eval_transform=eval_tf,
        resume=resume,
        desc=desc,
    )
    dummy_labels = np.zeros(len(X_test), dtype=np.int64)
    logits = sum(
        weight * train.predict_logits(model, ArrayDataset(view, dummy_labels), transform=eval_tf,
                                      device=ctx.device, precision=config.precision)
        for weight, view in tta_views(X_test, options.tta)
    )
    return logits.argmax(1), history
