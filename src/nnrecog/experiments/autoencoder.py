"""The course's question 5: a fully connected autoencoder for 32x32 glyphs.

Network, exactly the course's: ``1024 -> 32 ReLU -> 32 ReLU -> 32 ReLU -> 1024 sigmoid``, loss
the total squared error ``L = sum_i ||f(x_i) - x_i||^2`` over the batch, the course's momentum
(``M <- 0.9 M - lr g; W <- W + M``) and the learning rate multiplied by 0.9 every ``k`` epochs.

Quality is the mean PSNR over the validation images, ``10 log10(1 / MSE_i)`` with MAX_I = 1.

Beyond the course (measured on the default data set, 100 epochs, validation PSNR; see README):

- the input is fed ink-bright (``1 - x``: strokes ~1 on a 0 background, so most inputs and
  targets are zero and the sigmoid only has to light the strokes; about +1 dB over ink-dark);
- the default initialisation is :func:`pca_init`: the network starts as the training images'
  32-component PCA code (encoder) with a sigmoid decoder fitted to it, and training ends at
  17.6 dB. From a random start (``init="he"``: He-normal ReLU layers, Xavier output, lr 3e-5)
  training flattens out at 16.6 dB (300 epochs: 16.8 dB), and no learning rate, batch size
  or schedule we tried took a random start past that;
- the learning rate is 3e-6 with batches of 16 (the course: 36). Starting from the PCA
  solution, larger steps undo part of it: 1e-5 also ends at 17.6 dB, 3e-5 at 17.1 dB.

The course's momentum and x0.9-every-10-epochs schedule are kept.
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
from nnrecog.experiments.options import AUTOENCODER_INITS, AUTOENCODER_LR, AutoencoderOptions, ReconstructOptions
from nnrecog.experiments.training import MODEL_FILE, RECONSTRUCTION, TrainSettings, evaluate, fit
from nnrecog.fileio import write_json

CODE_SIZE = 32
#: Classes whose validation images are shown next to their reconstructions.
SHOWN_CLASSES = "AGM28"
PAIRS_PER_CLASS = 2
#: :func:`pca_init` shifts the standardised codes this many standard deviations above zero.
PCA_CODE_OFFSET = 6.0
#: :func:`pca_init` fits the decoder to ``logit(clip(x, c, 1 - c))`` with this ``c``.
PCA_LOGIT_CLIP = 0.3


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


def pca_init(net: nn.Sequential, rows: np.ndarray) -> None:
    """Set the autoencoder's weights, in place, to a linear code of ``rows`` (PCA).

    With ``X : (n, 1024)`` the training inputs, ``mu`` their mean, ``P : (32, 1024)`` their top
    32 principal directions and ``s : (32,)`` the standard deviations of the scores
    ``Z = (X - mu) P^T``:

    - layer 1: ``W1 = P^T / s``, ``b1 = -mu P^T / s + 6``, so ``h1 = Z / s + 6``: standardised
      scores shifted far enough above zero that the ReLU passes them on for (nearly) every image;
    - layers 2 and 3: ``W = I``, ``b = 0`` (a ReLU of a positive code is the code);
    - layer 4: ``(W4, b4)`` is the least-squares fit of ``h3 W4 + b4`` to
      ``logit(clip(X, 0.3, 0.7))`` over the training rows: the PCA reconstruction's layout at
      reduced contrast (outputs within 0.3..0.7, about 10 dB), where the sigmoid's slope, and so
      the squared error's gradient, is largest. Training restores the contrast within a few
      epochs. Measured (default data, 100 epochs): a clip of 0.05 starts at 16.1 dB but ends
      at 17.5 dB; 0.3 ends at 17.6 dB.

    Parameters
    ----------
    net : the network from :func:`build_autoencoder`
    rows : (n, 1024) training inputs, n > 32 (the inputs the network is trained on)

    Raises
    ------
    InputError
        If there are no more than 32 rows: 32 principal directions need at least 33 images.
    """
    rows = np.asarray(rows, dtype=np.float64)
    if len(rows) <= CODE_SIZE:
        raise InputError(
            f"the PCA initialisation needs more than {CODE_SIZE} training images, got {len(rows)} "
            "(use --init he)"
        )
    mean = rows.mean(axis=0)
    directions = np.linalg.svd(rows - mean, full_matrices=False)[2][:CODE_SIZE]  # (32, 1024)
    scale = ((rows - mean) @ directions.T).std(axis=0)
    # rows spanning fewer than 32 dimensions: the empty directions give constant codes
    empty = scale <= 1e-6 * scale.max(initial=0.0)
    directions[empty], scale[empty] = 0.0, 1.0
    encoder, middle, decoder = net.layers[0], net.layers[1:3], net.layers[3]
    encoder.params["W"][...] = directions.T / scale
    encoder.params["b"][...] = -(mean @ directions.T) / scale + PCA_CODE_OFFSET
    for layer in middle:
        layer.params["W"][...] = np.eye(CODE_SIZE)
        layer.params["b"][...] = 0.0
    codes = np.maximum(rows @ encoder.params["W"].astype(np.float64) + encoder.params["b"], 0.0)
    clipped = np.clip(rows, PCA_LOGIT_CLIP, 1.0 - PCA_LOGIT_CLIP)
    logits = np.log(clipped / (1.0 - clipped))
    design = np.hstack([codes, np.ones((len(codes), 1))])
    solution = np.linalg.lstsq(design, logits, rcond=None)[0]  # (33, 1024)
    decoder.params["W"][...] = solution[:-1]
    decoder.params["b"][...] = solution[-1]


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


def _saved_init(out_dir: Path) -> str | None:
    """The initialisation recorded in the model file of the run in ``out_dir``, if readable."""
    try:
        return nn.load(out_dir / MODEL_FILE).meta.get("init")
    except (nn.ModelFileError, OSError):
        return None


def run_autoencoder(out_dir: str | os.PathLike, **options: Any) -> dict[str, Any]:
    """``nnrecog train autoencoder``: train, measure PSNR, write the model and the figures.

    ``options`` are the other fields of :class:`~nnrecog.experiments.options.AutoencoderOptions`.
    ``init`` is ``"pca"`` (:func:`pca_init` on the training images; the default) or ``"he"``
    (random He-normal start from ``seed``); resuming, it defaults to the saved run's and must
    match it. ``lr`` defaults to :data:`~nnrecog.experiments.options.AUTOENCODER_LR` of the
    ``init``.

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

    opts = AutoencoderOptions(out_dir=out_dir, **options)
    out_dir = Path(out_dir)
    saved_init = _saved_init(out_dir) if opts.resume else None
    if saved_init is not None and saved_init not in AUTOENCODER_INITS:
        raise InputError(f"{out_dir}: the run to resume has an unknown --init {saved_init!r}")
    init = opts.init or saved_init or AUTOENCODER_INITS[0]
    if saved_init is not None and init != saved_init:
        raise InputError(f"{out_dir}: the run to resume started with --init {saved_init}, not {init}")
    lr = AUTOENCODER_LR[init] if opts.lr is None else opts.lr
    splits = load_splits(opts.source, opts.data_dir, opts.limit, opts.seed)
    settings = TrainSettings.of(opts, lr=lr, augment=False)
    net = build_autoencoder(np.random.default_rng(opts.seed))
    if init == "pca" and not opts.resume:
        pca_init(net, ink_bright_rows(splits["train"][0]))
    meta = {"model": "autoencoder 1024-32-32-32-1024", "init": init, **input_meta(ink_bright_rows)}
    fitted = fit(
        net, splits["train"], splits["valid"], RECONSTRUCTION, settings, out_dir,
        to_input=ink_bright_rows, meta=meta, resume=opts.resume, progress=opts.progress, desc="train autoencoder",
    )
    if not fitted.best_epoch:
        raise KeyboardInterrupt
    best, history = fitted.net, fitted.history
    images = {split: splits[split][0] for split in ("valid", "test")}
    try:
        images["nist26"] = load_nist26(opts.data_dir)[0]
    except InputError:
        images["nist26"] = None
    quality = {
        name: None if X is None else metrics.psnr(X, reconstruct_images(best, X))
        for name, X in images.items()
    }

    title = f"autoencoder, {init} init, lr {lr:g}, batch {opts.batch_size}, momentum {opts.momentum:g}"
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
        "data": str(opts.source),
        "n_samples": {name: len(split[1]) for name, split in splits.items()},
        "settings": {**dataclasses.asdict(settings), "init": init},
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


def reconstruct_files(images: Sequence[str | os.PathLike], **options: Any) -> list[tuple[str, float]]:
    """``nnrecog reconstruct``: normalise each image, run the autoencoder, picture the pairs.

    ``options`` are the other fields of :class:`~nnrecog.experiments.options.ReconstructOptions`
    (``model``, ``out_dir``). Writes ``out_dir/reconstructions.png`` (each normalised input next
    to its reconstruction).

    Returns
    -------
    list of (path, PSNR in dB of the reconstruction against the normalised input)
    """
    from nnrecog.viz import plots

    opts = ReconstructOptions(images=images, **options)
    net = nn.load(opts.model)
    first = net.layers[0]
    if getattr(first, "in_features", None) != 1024 or net.layers[-1].params["W"].shape[1] != 1024:
        raise InputError(f"{opts.model}: not an autoencoder (expected 1024 inputs and 1024 outputs)")
    glyphs = np.stack([read_glyph(path) for path in images])
    outputs = reconstruct_images(net, glyphs)
    scores = [metrics.psnr(g[None], o[None]) for g, o in zip(glyphs, outputs)]
    plots.plot_image_pairs(
        glyphs, outputs, Path(opts.out_dir) / "reconstructions.png",
        labels=[Path(p).stem[:8] for p in images],
    )
    return [(str(p), s) for p, s in zip(images, scores)]
