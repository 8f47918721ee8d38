"""The course's question 3: a multi-layer perceptron on flattened 32x32 glyphs.

Default network (the course's): ``1024 -> 64 sigmoid -> 36 softmax``, Xavier-uniform weights,
zero biases, softmax cross-entropy summed over the batch, plain mini-batch SGD.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog import nn
from nnrecog.experiments.classifier import ClassifierSpec, load_splits, lr_sweep, train_classifier
from nnrecog.experiments.inputs import ink_bright_rows, ink_dark_rows
from nnrecog.experiments.training import STATE_FILE, TrainSettings

#: Defaults chosen on the default data set (see README): batch 32, lr 0.01 over a summed loss.
DEFAULT_HIDDEN = (64,)
DEFAULT_EPOCHS = 50
DEFAULT_BATCH_SIZE = 32
DEFAULT_LR = 0.01


def build_mlp(
    rng: np.random.Generator, hidden: Sequence[int] = DEFAULT_HIDDEN, activation: str = "sigmoid"
) -> nn.Sequential:
    """``1024 -> hidden[0] -> ... -> hidden[-1] -> 36`` with ``activation`` on hidden layers.

    The last layer is linear (logits); the softmax lives in the loss and in ``predict_proba``.
    """
    sizes = [1024, *hidden]
    layers = [nn.Dense(a, b, activation=activation, rng=rng) for a, b in zip(sizes, sizes[1:])]
    return nn.Sequential(*layers, nn.Dense(sizes[-1], 36, rng=rng))


def draw_first_layer(net: nn.Sequential, path: Path, title: str) -> None:
    """The first layer's weights as one 32x32 tile per hidden unit (at most 64 tiles)."""
    from nnrecog.viz import plots

    plots.plot_weight_tiles(net.layers[0].params["W"][:, :64], path, title=title)


def mlp_spec(hidden: Sequence[int], activation: str, ink_bright: bool) -> ClassifierSpec:
    """How ``train_classifier`` builds, feeds (ink-dark or ink-bright rows) and pictures an MLP."""
    shape = "-".join(str(h) for h in hidden)
    return ClassifierSpec(
        name=f"mlp 1024-{shape}-36 {activation}" + (" ink-bright" if ink_bright else ""),
        build=lambda rng: build_mlp(rng, hidden, activation),
        to_input=ink_bright_rows if ink_bright else ink_dark_rows,
        draw_weights=draw_first_layer,
    )


def run_mlp(
    out_dir: str | os.PathLike,
    *,
    source: str = "default",
    data_dir: str | os.PathLike | None = None,
    hidden: Sequence[int] = DEFAULT_HIDDEN,
    activation: str = "sigmoid",
    ink_bright: bool = False,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lr: float = DEFAULT_LR,
    momentum: float = 0.0,
    decay_every: int = 0,
    seed: int = 0,
    augment: bool = False,
    sweep: bool = False,
    resume: bool = False,
    limit: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """``nnrecog train mlp``: train (or sweep the learning rate of) an MLP; see ``train_classifier``.

    Returns
    -------
    dict
        The ``results.json`` of the run; with ``sweep`` the summary of ``lr_sweep``.
    """
    from nnrecog.data.augment import augment_batch

    splits = load_splits(source, data_dir, limit, seed)
    spec = mlp_spec(tuple(hidden), activation, ink_bright)

    def run(rate: float, folder: Path) -> dict[str, Any]:
        settings = TrainSettings(
            epochs=epochs, batch_size=batch_size, lr=rate, seed=seed, momentum=momentum,
            lr_decay_every=decay_every, lr_decay_factor=0.5, augment=augment,
        )
        # In a sweep, --resume continues the runs that had started and starts the others.
        resume_run = resume and (not sweep or (folder / STATE_FILE).is_file())
        return train_classifier(
            spec, settings, folder, splits=splits, augment=augment_batch, data_dir=data_dir,
            resume=resume_run, progress=progress, extra={"data": str(source)},
        )

    if not sweep:
        return run(lr, Path(out_dir))
    return lr_sweep(run, lr, Path(out_dir))
