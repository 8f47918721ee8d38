"""A small convolutional network trained with ``nnrecog.nn``: the default OCR model candidate.

Network (input ``(n, 1, 32, 32)``, ink bright on a zero background so zero padding looks like
paper), for ``channels = (c1, ..., ck)``::

    Conv 5x5, 1 -> c1, pad 2, ReLU -> MaxPool 2       (c1, 16, 16)
    Conv 3x3, c(i-1) -> ci, pad 1, ReLU -> MaxPool 2  (ci, 32 / 2^i, 32 / 2^i)   for i = 2..k
    Flatten -> Dense -> hidden, ReLU -> Dropout -> Dense hidden -> 36 (logits)

Trained with the course's momentum and a step-decayed learning rate; the rest (data, figures,
``results.json``) is shared with the MLP through ``train_classifier``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog import nn
from nnrecog.experiments.classifier import ClassifierSpec, load_splits, train_classifier
from nnrecog.experiments.inputs import ink_bright_planes
from nnrecog.experiments.training import TrainSettings

DEFAULT_CHANNELS = (16, 32)
DEFAULT_HIDDEN = 128
DEFAULT_DROPOUT = 0.3
DEFAULT_EPOCHS = 30
DEFAULT_BATCH_SIZE = 64
DEFAULT_LR = 0.001
DEFAULT_MOMENTUM = 0.9
DEFAULT_DECAY_EVERY = 10
DEFAULT_DECAY_FACTOR = 0.5


def build_cnn(
    rng: np.random.Generator,
    channels: tuple[int, ...] = DEFAULT_CHANNELS,
    hidden: int = DEFAULT_HIDDEN,
    dropout: float = DEFAULT_DROPOUT,
) -> nn.Sequential:
    """The network above, freshly initialised (Xavier-uniform weights, zero biases)."""
    layers: list[nn.Layer] = []
    for i, (c_in, c_out) in enumerate(zip((1, *channels), channels)):
        kernel = 5 if i == 0 else 3
        layers += [
            nn.Conv2D(c_in, c_out, kernel, padding=kernel // 2, activation="relu", rng=rng),
            nn.MaxPool2D(2),
        ]
    side = 32 >> len(channels)
    return nn.Sequential(
        *layers,
        nn.Flatten(),
        nn.Dense(channels[-1] * side * side, hidden, activation="relu", rng=rng),
        nn.Dropout(dropout, rng=rng),
        nn.Dense(hidden, 36, rng=rng),
    )


def draw_conv_filters(net: nn.Sequential, path: Path, title: str) -> None:
    """The first convolution's filters (out, 1, kh, kw) as kh x kw tiles."""
    from nnrecog.viz import plots

    W = net.layers[0].params["W"]
    plots.plot_weight_tiles(W.reshape(len(W), -1).T, path, title=title, tile_shape=W.shape[2:])


def cnn_spec(channels: tuple[int, ...], hidden: int, dropout: float) -> ClassifierSpec:
    """How ``train_classifier`` builds, feeds (ink-bright planes) and pictures the CNN above."""
    return ClassifierSpec(
        name="cnn " + "-".join(f"c{c}" for c in channels) + f"-d{hidden}",
        build=lambda rng: build_cnn(rng, channels, hidden, dropout),
        to_input=ink_bright_planes,
        draw_weights=draw_conv_filters,
    )


def run_cnn(
    out_dir: str | os.PathLike,
    *,
    source: str = "default",
    data_dir: str | os.PathLike | None = None,
    channels: tuple[int, ...] = DEFAULT_CHANNELS,
    hidden: int = DEFAULT_HIDDEN,
    dropout: float = DEFAULT_DROPOUT,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lr: float = DEFAULT_LR,
    momentum: float = DEFAULT_MOMENTUM,
    decay_every: int = DEFAULT_DECAY_EVERY,
    decay_factor: float = DEFAULT_DECAY_FACTOR,
    seed: int = 0,
    augment: bool = False,
    resume: bool = False,
    limit: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """``nnrecog train cnn``: train the CNN; same outputs as ``run_mlp`` (``train_classifier``),
    with the first convolution's filters as the weight pictures."""
    from nnrecog.data.augment import augment_batch

    settings = TrainSettings(
        epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, momentum=momentum,
        lr_decay_every=decay_every, lr_decay_factor=decay_factor, augment=augment,
    )
    return train_classifier(
        cnn_spec(tuple(channels), hidden, dropout), settings, out_dir,
        splits=load_splits(source, data_dir, limit, seed), augment=augment_batch,
        data_dir=data_dir, resume=resume, progress=progress, extra={"data": str(source)},
    )
