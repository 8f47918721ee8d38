"""``nnrecog torch train fc|cnn``: the course MLP and a CNN on NIST36-format glyphs in PyTorch.

Same outputs as ``nnrecog train mlp``: results.json (valid, test and nist26 accuracies, seconds
per epoch, history), accuracy and loss curves, the test confusion matrix, and the best
checkpoint ``model.pt``. Runs unchanged under ``torchrun`` (DistributedDataParallel).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from nnrecog import metrics
from nnrecog.data import CLASSES, load, load_nist26
from nnrecog.data.augment import augment_batch
from nnrecog.errors import InputError
from nnrecog.pytorch import context, train
from nnrecog.pytorch.arrays import ArrayDataset
from nnrecog.pytorch.models import fc_net, glyph_cnn
from nnrecog.pytorch.report import write_run


@dataclass(frozen=True)
class GlyphModel:
    """One kind of glyph network: how it is built, what its input is, how it trains by default.

    ``input`` is the model-file convention: ``ink_dark`` feeds the images as they are (ink ~0
    on white ~1), ``ink_bright`` feeds ``1 - x`` (so zero padding is blank paper).
    """

    build: Any
    input_shape: tuple[int, ...]
    input: str
    defaults: train.TrainConfig

    def meta(self) -> dict[str, Any]:
        """The ``nnrecog.nn`` model-file meta (classes, input shape, input convention)."""
        return {"classes": CLASSES, "input_shape": list(self.input_shape), "input": self.input}


GLYPH_MODELS = {
    "fc": GlyphModel(fc_net, (1024,), "ink_bright", train.TrainConfig(epochs=60, batch_size=64, lr=3e-3)),
    "cnn": GlyphModel(
        glyph_cnn,
        (1, 32, 32),
        "ink_bright",
        train.TrainConfig(epochs=30, batch_size=64, lr=2e-3, weight_decay=5e-4, label_smoothing=0.1),
    ),
}


def to_model_input(images: np.ndarray, kind: str) -> np.ndarray:
    """Images ``(n, 32, 32)`` (ink dark) -> ``(n, 1, 32, 32)`` float32 in the model's convention.

    Both networks take the 4-D array: the MLP's first layer flattens it row-major, which is
    exactly ``X.reshape(n, 1024)``.
    """
    x = images.astype(np.float32)[:, None]
    return 1.0 - x if GLYPH_MODELS[kind].input == "ink_bright" else x


def glyph_augmenter(kind: str, seed: int) -> train.BatchTransform:
    """The NumPy side's augmentation (:func:`nnrecog.data.augment.augment_batch`: affine +
    elastic warp, stroke thickness, contrast, blur, noise) on each training batch, so both
    trainers see the same distortions. Works in the ink-dark convention, as the data does."""
    rng = np.random.default_rng(seed)
    bright = GLYPH_MODELS[kind].input == "ink_bright"

    def augment(xb: torch.Tensor) -> torch.Tensor:
        images = xb.cpu().numpy()
        augmented = augment_batch(1.0 - images if bright else images, rng)
        return torch.from_numpy(1.0 - augmented if bright else augmented).to(xb.device)

    return augment


def _limit(splits: dict[str, tuple[np.ndarray, np.ndarray]], limit: int | None, seed: int) -> dict:
    """At most ``limit`` random samples of each split (the same ones for the same seed)."""
    if limit is None:
        return splits
    if limit <= 0:
        raise InputError(f"--limit must be positive, got {limit}")
    rng = np.random.default_rng(seed)
    cut = {}
    for name, (X, y) in splits.items():
        keep = np.sort(rng.permutation(len(y))[:limit])
        cut[name] = (X[keep], y[keep])
    return cut


def _predict(model: nn.Module, images: np.ndarray, kind: str, device: torch.device) -> np.ndarray:
    dataset = ArrayDataset(to_model_input(images, kind), np.zeros(len(images), np.int64))
    return train.predict_logits(model, dataset, device=device)


def train_glyphs(
    kind: str,
    source: str | os.PathLike = "default",
    out_dir: str | os.PathLike = "runs/torch-cnn",
    augment: bool = False,
    resume: bool = False,
    limit: int | None = None,
    data_dir: str | os.PathLike | None = None,
    **options: object,
) -> dict[str, Any]:
    """Train ``fc`` or ``cnn`` on ``nnrecog.data.load(source)``; score valid, test and nist26.

    Parameters
    ----------
    kind : "fc" or "cnn"
    source : dataset source for :func:`nnrecog.data.load`
    augment : distort every training batch (see :func:`glyph_augmenter`)
    limit : use a random ``limit`` samples of each split (quick runs and tests)
    **options
        :class:`~nnrecog.pytorch.train.TrainConfig` fields; None keeps the kind's default.

    Returns
    -------
    dict
        As written to ``out_dir/results.json`` (rank 0 under ``torchrun``; other ranks return
        the training figures only).
    """
    if kind not in GLYPH_MODELS:
        raise InputError(f"unknown model {kind!r}; expected one of {', '.join(GLYPH_MODELS)}")
    spec = GLYPH_MODELS[kind]
    config = train.configure(spec.defaults, **options)
    splits = _limit(load(source, data_dir), limit, config.seed)
    out = Path(out_dir)
    ctx = context.start(config.seed)
    try:
        model = spec.build()
        (X_train, y_train), (X_valid, y_valid) = splits["train"], splits["valid"]
        history = train.fit(
            model,
            ArrayDataset(to_model_input(X_train, kind), y_train),
            ArrayDataset(to_model_input(X_valid, kind), y_valid),
            config,
            ctx,
            out,
            train_transform=glyph_augmenter(kind, config.seed + ctx.rank) if augment else None,
            resume=resume,
            desc=f"torch {kind}",
        )
        results: dict[str, Any] = {
            "model": f"torch-{kind}",
            "valid_accuracy": max(history["valid_acc"]),
            "best_epoch": int(np.argmax(history["valid_acc"])) + 1,
            "world_size": ctx.world_size,
            "augment": augment,
            "config": asdict(config),
        }
        if not ctx.is_main:
            return results
        X_test, y_test = splits["test"]
        y_pred = _predict(model, X_test, kind, ctx.device).argmax(axis=1)
        results["test_accuracy"] = float(np.mean(y_pred == y_test))
        try:
            X26, y26 = load_nist26(data_dir)
        except InputError as exc:
            results.update(nist26_accuracy=None, nist26_error=str(exc))
        else:
            results.update(metrics.nist26_scores(_predict(model, X26, kind, ctx.device), y26))
        return write_run(out, results, history, y_test, y_pred, CLASSES, title=f"torch {kind}")
    finally:
        context.finish(ctx)
