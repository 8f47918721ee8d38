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
from nnrecog.experiments.options import MlpOptions
from nnrecog.experiments.training import STATE_FILE, TrainSettings


def build_mlp(
    rng: np.random.Generator, hidden: Sequence[int] = MlpOptions.hidden, activation: str = MlpOptions.activation
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


def run_mlp(out_dir: str | os.PathLike, **options: Any) -> dict[str, Any]:
    """``nnrecog train mlp``: train (or sweep the learning rate of) an MLP; see ``train_classifier``.

    ``options`` are the other fields of :class:`~nnrecog.experiments.options.MlpOptions` (their
    defaults and checks are there).

    Returns
    -------
    dict
        The ``results.json`` of the run; with ``sweep`` the summary of ``lr_sweep``.

    Raises
    ------
    InputError
        For an option value out of range, before any data is loaded or any file written.
    """
    from nnrecog.data.augment import augment_batch

    opts = MlpOptions(out_dir=out_dir, **options)
    splits = load_splits(opts.source, opts.data_dir, opts.limit, opts.seed)
    spec = mlp_spec(tuple(opts.hidden), opts.activation, opts.ink_bright)

    def run(rate: float, folder: Path) -> dict[str, Any]:
        settings = TrainSettings.of(opts, lr=rate)
        # In a sweep, --resume continues the runs that had started and starts the others.
        resume_run = opts.resume and (not opts.sweep or (folder / STATE_FILE).is_file())
        return train_classifier(
            spec, settings, folder, splits=splits, augment=augment_batch, data_dir=opts.data_dir,
            resume=resume_run, progress=opts.progress, extra={"data": str(opts.source)},
        )

    if not opts.sweep:
        return run(opts.lr, Path(out_dir))
    return lr_sweep(run, opts.lr, Path(out_dir))
