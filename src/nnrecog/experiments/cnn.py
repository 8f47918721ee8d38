"""A small convolutional network trained with ``nnrecog.nn``: the default OCR model candidate.

Network (input ``(n, 1, 32, 32)``, ink bright on a zero background so zero padding looks like
paper), for ``channels = (c1, ..., ck)``::

    Conv 5x5, 1 -> c1, pad 2, ReLU -> MaxPool 2       (c1, 16, 16)
    Conv 3x3, c(i-1) -> ci, pad 1, ReLU -> MaxPool 2  (ci, 32 / 2^i, 32 / 2^i)   for i = 2..k
    Flatten -> Dense -> hidden, ReLU -> Dropout -> Dense hidden -> 36 (logits)

``outputs`` is 36 for the character classifier, 2 for the character detector
(:mod:`nnrecog.experiments.detector`).

Trained with the course's momentum and a step-decayed learning rate; the rest (data, figures,
``results.json``) is shared with the MLP through ``train_classifier``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog import metrics, nn
from nnrecog.data.nist36 import CLASSES
from nnrecog.experiments.classifier import ClassifierSpec, load_splits, train_classifier
from nnrecog.experiments.inputs import ink_bright_planes
from nnrecog.experiments.options import CnnOptions
from nnrecog.experiments.training import TrainSettings


def build_cnn(
    rng: np.random.Generator,
    channels: tuple[int, ...] = CnnOptions.channels,
    hidden: int = CnnOptions.hidden,
    dropout: float = CnnOptions.dropout,
    outputs: int = len(CLASSES),
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
        nn.Dense(hidden, outputs, rng=rng),
    )


def draw_conv_filters(net: nn.Sequential, path: Path, title: str) -> None:
    """The first convolution's filters (out, 1, kh, kw) as kh x kw tiles."""
    from nnrecog.viz import plots

    W = net.layers[0].params["W"]
    plots.plot_weight_tiles(W.reshape(len(W), -1).T, path, title=title, tile_shape=W.shape[2:])


def cnn_spec(channels: tuple[int, ...], hidden: int, dropout: float, kind: str = "cnn", labels: str = CLASSES,
             meta: dict[str, Any] | None = None,
             nist26: Callable[[np.ndarray, np.ndarray], dict[str, Any]] | None = None) -> ClassifierSpec:
    """How ``train_classifier`` builds, feeds (ink-bright planes) and pictures the CNN above,
    with one output per label of ``labels`` (the 36 characters, or a helper network's
    answers: ``kind``, ``meta`` and ``nist26`` as :class:`ClassifierSpec` takes them)."""
    return ClassifierSpec(
        name=f"{kind} " + "-".join(f"c{c}" for c in channels) + f"-d{hidden}",
        build=lambda rng: build_cnn(rng, channels, hidden, dropout, outputs=len(labels)),
        to_input=ink_bright_planes,
        draw_weights=draw_conv_filters,
        labels=labels,
        meta=meta if meta is not None else {"classes": labels},
        nist26=nist26 if nist26 is not None else metrics.nist26_scores,
    )


def run_cnn(out_dir: str | os.PathLike, **options: Any) -> dict[str, Any]:
    """``nnrecog train cnn``: train the CNN; same outputs as ``run_mlp`` (``train_classifier``),
    with the first convolution's filters as the weight pictures.

    ``options`` are the other fields of :class:`~nnrecog.experiments.options.CnnOptions`.

    Raises
    ------
    InputError
        For an option value out of range, before any data is loaded or any file written.
    """
    from nnrecog.data.augment import augment_batch

    opts = CnnOptions(out_dir=out_dir, **options)
    settings = TrainSettings.of(opts)
    return train_classifier(
        cnn_spec(tuple(opts.channels), opts.hidden, opts.dropout), settings, out_dir,
        splits=load_splits(opts.source, opts.data_dir, opts.limit, opts.seed), augment=augment_batch,
        data_dir=opts.data_dir, resume=opts.resume, progress=opts.progress, extra={"data": str(opts.source)},
    )
