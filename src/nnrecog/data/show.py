"""A picture of a dataset: one row of samples per class, to look at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from nnrecog.data.augment import augment_batch
from nnrecog.data.datasets import load
from nnrecog.data.nist36 import CLASSES
from nnrecog.data.options import ShowOptions
from nnrecog.data.readers import load_nist26
from nnrecog.errors import InputError
from nnrecog.fileio import atomic_path

_LABEL_WIDTH = 14
_ZOOM = 2


def sample_grid(
    X: np.ndarray,
    y: np.ndarray,
    per_class: int = 16,
    rng: np.random.Generator | None = None,
    classes: str = CLASSES,
) -> Image.Image:
    """Tile up to ``per_class`` images of every class present into one grey picture.

    Parameters
    ----------
    X : (n, 32, 32) in [0, 1], ink dark.
    y : (n,) class indices into :data:`CLASSES`.
    per_class : columns; samples are drawn at random when ``rng`` is given, else the first ones.
    classes : the classes to show, in this order (those without samples are left out).

    Returns
    -------
    PIL image, one row per class with its character at the left, zoomed 2x.
    """
    present = [CLASSES.index(ch) for ch in classes if ch in CLASSES and (y == CLASSES.index(ch)).any()]
    tile = 32 + 2
    grid = np.ones((len(present) * tile, _LABEL_WIDTH + per_class * tile), np.float32)
    for row, c in enumerate(present):
        members = np.flatnonzero(y == c)
        if rng is not None:
            members = rng.permutation(members)
        for col, i in enumerate(members[:per_class]):
            top, left = row * tile + 1, _LABEL_WIDTH + col * tile + 1
            grid[top : top + 32, left : left + 32] = np.clip(X[i], 0, 1)
    image = Image.fromarray(np.round(grid * 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for row, c in enumerate(present):
        draw.text((3, row * tile + 11), CLASSES[c], fill=0)
    return image.resize((image.width * _ZOOM, image.height * _ZOOM), Image.NEAREST)


def save_sample_grid(source: str, out: str | os.PathLike, **options: Any) -> Path:
    """Write a grid of random samples per class of ``source`` (as :func:`load` takes, or
    ``"nist26"`` for the held-out real NIST letters) to the PNG ``out``.

    ``options`` are the other fields of :class:`~nnrecog.data.options.ShowOptions`: ``split``,
    ``per_class``, ``classes`` (case-insensitive), ``augmented`` (each sample followed by two
    :func:`augment_batch` versions of it), ``seed``, ``data_dir``.

    Raises
    ------
    InputError
        For ``per_class < 1``, characters outside :data:`CLASSES`, or no sample to show.
    """
    opts = ShowOptions(source=source, out=out, **options)
    classes, per_class, split, augmented = opts.classes.upper(), opts.per_class, opts.split, opts.augmented
    if source == "nist26":
        X, y = load_nist26(opts.data_dir)
    else:
        X, y = load(source, opts.data_dir)[split]
    if len(y) == 0:
        raise InputError(f"{source}: the {split} split is empty")
    rng = np.random.default_rng(opts.seed)
    wanted = [CLASSES.index(ch) for ch in classes if ch in CLASSES]
    copies = 3 if augmented else 1
    originals = max(1, per_class // copies)  # at least one sample with its augmented versions
    chosen = np.concatenate(
        [rng.permutation(np.flatnonzero(y == c))[:originals] for c in wanted] or [np.zeros(0, int)]
    )
    if len(chosen) == 0:
        raise InputError(f"{source}: no samples of the classes {classes!r}")
    X, y = np.repeat(X[chosen], copies, axis=0), np.repeat(y[chosen], copies)
    if augmented:  # each original is followed by two augmented versions of it
        X[1::3] = augment_batch(X[1::3], rng)
        X[2::3] = augment_batch(X[2::3], rng)
    image = sample_grid(X, y, originals * copies, classes=classes)
    out = Path(out)
    with atomic_path(out, suffix=".png") as tmp:
        image.save(tmp, format="PNG")
    return out
