"""The course's question 5: a fully connected autoencoder for 32x32 glyphs.

Network, exactly the course's: ``1024 -> 32 ReLU -> 32 ReLU -> 32 ReLU -> 1024 sigmoid``, loss
the total squared error ``L = sum_i ||f(x_i) - x_i||^2`` over the batch, the course's momentum
(``M <- 0.9 M - lr g; W <- W + M``) and the learning rate multiplied by 0.9 every ``k`` epochs.

Quality is the mean PSNR over the validation images, ``10 log10(1 / MSE_i)`` with MAX_I = 1.

Beyond the course (measured on the default data set, 100 epochs, see README): the input is fed
ink-bright (``1 - x``: strokes ~1 on a 0 background, so most inputs and targets are zero and
the sigmoid only has to light the strokes; about +1 dB), the ReLU layers start He-normal
(``N(0, 2 / fan_in)``, keeps the activations' scale through three ReLUs; about +0.2 dB), and
batches hold 16 images instead of the course's 36. The course's learning rate, momentum and
x0.9-every-10-epochs schedule are kept.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog import metrics, nn
from nnrecog.data import CLASSES, load_nist26
from nnrecog.errors import InputError
from nnrecog.experiments.classifier import RESULTS_FILE, load_splits
from nnrecog.experiments.inputs import ink_bright_rows, input_meta
from nnrecog.experiments.training import RECONSTRUCTION, TrainSettings, evaluate, fit
from nnrecog.fileio import write_json

CODE_SIZE = 32
DEFAULT_EPOCHS = 100
DEFAULT_BATCH_SIZE = 16
DEFAULT_LR = 3e-5
DEFAULT_MOMENTUM = 0.9
DEFAULT_DECAY_EVERY = 10
DECAY_FACTOR = 0.9
#: Classes whose validation images are shown next to their reconstructions.
SHOWN_CLASSES = "AGM28"
PAIRS_PER_CLASS = 2


def build_autoencoder(rng: np.random.Generator) -> nn.Sequential:
    """The course's 1024-32-32-32-1024 autoencoder (ReLU hidden layers, sigmoid output).

    The ReLU layers' weights are He-normal, ``W ~ N(0, 2 / fan_in)``; the sigmoid output layer
    keeps Xavier-uniform; biases are zero.
    """
    net = nn.Sequential(
        nn.Dense(1024, CODE_SIZE, activation="relu", rng=rng),
        nn.Dense(CODE_SIZE, CODE_SIZE, activation="relu", rng=rng),
        nn.Dense(CODE_SIZE, CODE_SIZE, activation="relu", rng=rng),
        nn.Dense(CODE_SIZE, 1024, activation="sigmoid", rng=rng),
    )
    for layer in net.layers[:-1]:
        W = layer.params["W"]
        W[...] = rng.normal(0.0, np.sqrt(2.0 / W.shape[0]), W.shape)
    return net


def reconstruct_images(net: nn.Sequential, images: np.ndarray) -> np.ndarray:
    """Run the autoencoder on (n, 32, 32) ink-dark images in [0, 1].

    Returns
    -------
    (n, 32, 32) float32 reconstructions, ink dark like the input.
    """
    rows = ink_bright_rows(images)
    _, _, outputs = evaluate(net, rows, rows, RECONSTRUCTION)
    return (1.0 - outputs).reshape(images.shape).astype(np.float32)


def _shown_examples(X: np.ndarray, y: np.ndarray, classes: str) -> tuple[np.ndarray, list[str]]:
    """The first ``PAIRS_PER_CLASS`` validation images of each class in ``classes`` present."""
    picks, labels = [], []
    for name in classes:
        index = np.flatnonzero(y == CLASSES.index(name))[:PAIRS_PER_CLASS]
        picks.extend(index)
        labels.extend(name for _ in index)
    return X[np.asarray(picks, dtype=np.int64)], labels


def run_autoencoder(
    out_dir: str | os.PathLike,
    *,
    source: str = "default",
    data_dir: str | os.PathLike | None = None,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lr: float = DEFAULT_LR,
    momentum: float = DEFAULT_MOMENTUM,
    decay_every: int = DEFAULT_DECAY_EVERY,
    seed: int = 0,
    resume: bool = False,
    limit: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """``nnrecog train autoencoder``: train, measure PSNR, write the model and the figures.

    Writes ``model.npz`` (lowest validation loss), ``train_state.npz``, ``results.json``,
    ``loss.png`` (average training and validation loss per epoch) and ``reconstructions.png``
    (two validation images of each of five classes next to their reconstructions).

    Returns
    -------
    dict
        ``results.json``: ``psnr_valid`` (mean over all validation images, MAX_I = 1),
        ``psnr_test``, ``psnr_nist26`` (the real NIST letters, None without the file),
        ``valid_loss`` (average total squared error per image), ``epochs``,
        ``best_epoch``, ``seconds_per_epoch``, ``interrupted``, ``settings``, ``history``
        (``train_loss``, ``valid_loss``, ``lr``), ``epoch_seconds``.
    """
    from nnrecog.viz import plots

    out_dir = Path(out_dir)
    splits = load_splits(source, data_dir, limit, seed)
    settings = TrainSettings(
        epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, momentum=momentum,
        lr_decay_every=decay_every, lr_decay_factor=DECAY_FACTOR,
    )
    net = build_autoencoder(np.random.default_rng(seed))
    meta = {"model": "autoencoder 1024-32-32-32-1024", **input_meta(ink_bright_rows)}
    fitted = fit(
        net, splits["train"], splits["valid"], RECONSTRUCTION, settings, out_dir,
        to_input=ink_bright_rows, meta=meta, resume=resume, progress=progress, desc="train autoencoder",
    )
    if not fitted.best_epoch:
        raise KeyboardInterrupt
    best, history = fitted.net, fitted.history
    images = {split: splits[split][0] for split in ("valid", "test")}
    try:
        images["nist26"] = load_nist26(data_dir)[0]
    except InputError:
        images["nist26"] = None
    quality = {
        name: None if X is None else metrics.psnr(X, reconstruct_images(best, X))
        for name, X in images.items()
    }

    title = f"autoencoder, lr {lr:g}, batch {batch_size}, momentum {momentum:g}"
    plots.plot_loss(history, out_dir / "loss.png", title=title)
    shown, labels = _shown_examples(*splits["valid"], SHOWN_CLASSES)
    plots.plot_image_pairs(
        shown, reconstruct_images(best, shown), out_dir / "reconstructions.png",
        title=f"validation PSNR {quality['valid']:.2f} dB", labels=labels,
    )
    results = {
        "psnr_valid": quality["valid"],
        "psnr_test": quality["test"],
        "psnr_nist26": quality["nist26"],
        "valid_loss": float(history["valid_loss"][fitted.best_epoch - 1]),
        "epochs": len(history["train_loss"]),
        "best_epoch": fitted.best_epoch,
        "seconds_per_epoch": float(np.mean(fitted.seconds)),
        "epoch_seconds": fitted.seconds,
        "interrupted": fitted.interrupted,
        "data": str(source),
        "n_samples": {name: len(split[1]) for name, split in splits.items()},
        "settings": dataclasses.asdict(settings),
        "history": history,
    }
    write_json(out_dir / RESULTS_FILE, results)
    return results


def read_glyph(path: str | os.PathLike) -> np.ndarray:
    """Read any image file as a normalised NIST-style glyph (32, 32) float32, ink dark.

    Raises
    ------
    InputError
        If the file is missing or not a readable image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    from nnrecog.data import normalize_glyph
    from nnrecog.data.normalize import grey_image

    path = Path(path)
    try:
        with Image.open(path) as image:
            # not convert("L"): that blackens transparent paper and clips 16-bit greys
            grey = grey_image(ImageOps.exif_transpose(image))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found (expected an image of one character)") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable image ({exc})") from None
    return normalize_glyph(grey)


def reconstruct_files(
    paths: Sequence[str | os.PathLike], model: str | os.PathLike, out_dir: str | os.PathLike
) -> list[tuple[str, float]]:
    """``nnrecog reconstruct``: normalise each image, run the autoencoder, picture the pairs.

    Writes ``out_dir/reconstructions.png`` (each normalised input next to its reconstruction).

    Returns
    -------
    list of (path, PSNR in dB of the reconstruction against the normalised input)
    """
    from nnrecog.viz import plots

    net = nn.load(model)
    first = net.layers[0]
    if getattr(first, "in_features", None) != 1024 or net.layers[-1].params["W"].shape[1] != 1024:
        raise InputError(f"{model}: not an autoencoder (expected 1024 inputs and 1024 outputs)")
    glyphs = np.stack([read_glyph(path) for path in paths])
    outputs = reconstruct_images(net, glyphs)
    scores = [metrics.psnr(g[None], o[None]) for g, o in zip(glyphs, outputs)]
    plots.plot_image_pairs(
        glyphs, outputs, Path(out_dir) / "reconstructions.png",
        labels=[Path(p).stem[:8] for p in paths],
    )
    return [(str(p), s) for p, s in zip(paths, scores)]
