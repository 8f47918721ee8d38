"""Scene classification on the HW1 SUN subset (8 classes): a CNN from scratch, or
EfficientNet-Lite0 features with a linear head.

Data layout (``sun_subset/``): ``train_files.txt`` / ``train_labels.txt`` and
``test_files.txt`` / ``test_labels.txt``, one relative image path or label (0..7) per line,
CRLF line endings; a few ".jpg" files are PNG, BMP or GIF inside, so images are opened by
content.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from nnrecog.errors import InputError
from nnrecog.fileio import atomic_path
from nnrecog.paths import cache_dir
from nnrecog.paths import data_dir as data_dir_path
from nnrecog.pytorch import context, pretrained, train
from nnrecog.pytorch.arrays import ArrayDataset, stratified_split
from nnrecog.pytorch.models import scene_cnn
from nnrecog.pytorch.report import write_run
from nnrecog.pytorch.train import TrainConfig, configure
from nnrecog.pytorch.vision import VALID_FRACTION, fit_images

SCENE_CLASSES = ("aquarium", "desert", "highway", "kitchen", "laundromat", "park", "waterfall", "windmill")
# The course write-up's numbers on the same split, for the README table.
COURSE_REFERENCE = {"bag_of_words": 0.5925, "course_cnn_from_scratch": 0.74}


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError(
            f"{path}: missing; a scenes folder holds train_files.txt, train_labels.txt, "
            "test_files.txt, test_labels.txt and the class folders they list"
        )
    # splitlines() drops "\r\n" and "\n" alike: the lists ship with CRLF endings.
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_split(folder: str | os.PathLike, split: str) -> list[tuple[Path, int]]:
    """The ``(image path, label)`` pairs of one split, checked.

    Raises
    ------
    InputError
        A list file is missing, the two lists differ in length, a label is not in 0..7, or a
        listed image does not exist.
    """
    folder = Path(folder)
    files = _read_lines(folder / f"{split}_files.txt")
    labels = _read_lines(folder / f"{split}_labels.txt")
    if len(files) != len(labels):
        raise InputError(f"{folder}: {split}_files.txt lists {len(files)} images but {split}_labels.txt {len(labels)} labels")
    pairs = []
    for line_no, (name, label) in enumerate(zip(files, labels), start=1):
        if not label.isdigit() or int(label) >= len(SCENE_CLASSES):
            raise InputError(f"{folder / f'{split}_labels.txt'}: line {line_no}: {label!r} is not a label 0..7")
        path = folder / name
        if not path.is_file():
            raise InputError(f"{path}: listed in {split}_files.txt line {line_no} but missing")
        pairs.append((path, int(label)))
    return pairs


def load_image(path: str | os.PathLike, size: int) -> np.ndarray:
    """One scene photo, opened by content, as ``(size, size, 3)`` uint8 RGB (whole image, resized)."""
    return np.asarray(pretrained.open_rgb(path).resize((size, size), Image.BICUBIC), dtype=np.uint8)


@lru_cache(maxsize=4)
def load_split_images(folder: str, split: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """All images of a split decoded once per process.

    Returns
    -------
    X : (n, size, size, 3) uint8
    y : (n,) int64
    """
    from tqdm import tqdm

    pairs = read_split(folder, split)
    images = [load_image(path, size) for path, _ in tqdm(pairs, desc=f"decode {split}", unit="img", leave=False)]
    return np.stack(images), np.array([label for _, label in pairs], dtype=np.int64)


def _lite0_features(folder: Path, split: str) -> dict[str, np.ndarray]:
    """EfficientNet-Lite0 features of a split, plain and mirrored, cached on disk.

    The cache file (under the user cache dir) is keyed by the listed paths and labels, so a
    changed list recomputes. Returns ``{"plain": (n, 1280), "flipped": (n, 1280), "y": (n,)}``.
    """
    from tqdm import tqdm

    pairs = read_split(folder, split)
    digest = hashlib.sha256("\n".join(f"{p.resolve()} {y}" for p, y in pairs).encode()).hexdigest()[:16]
    cache = cache_dir() / "scene_features" / f"lite0_{split}_{digest}.npz"
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as stored:
            return {key: stored[key] for key in ("plain", "flipped", "y")}
    model = pretrained.load_lite0()
    plain, flipped = [], []
    for start in tqdm(range(0, len(pairs), 32), desc=f"features {split}", unit="batch", leave=False):
        images = [pretrained.open_rgb(path) for path, _ in pairs[start : start + 32]]
        x = pretrained.preprocess(images)
        plain.append(pretrained.lite0_features(model, x).numpy())
        # Mirroring commutes with the per-channel normalisation: resize and crop only once.
        flipped.append(pretrained.lite0_features(model, x.flip(-1)).numpy())
    features = {"plain": np.concatenate(plain), "flipped": np.concatenate(flipped), "y": np.array([y for _, y in pairs])}
    with atomic_path(cache) as tmp:
        np.savez(tmp, **features)
    return features


def _fit_scratch(
    folder: Path, config: train.TrainConfig, ctx: context.Context, out: Path, size: int, resume: bool
) -> tuple[np.ndarray, np.ndarray, dict[str, list[float]]]:
    X, y = load_split_images(str(folder), "train", size)
    X_test, y_test = load_split_images(str(folder), "test", size)
    y_pred, history = fit_images(scene_cnn(len(SCENE_CLASSES)), X, y, X_test, config, ctx, out, resume, "scenes")
    return y_pred, y_test, history


def _fit_pretrained(
    folder: Path, config: train.TrainConfig, ctx: context.Context, out: Path, resume: bool
) -> tuple[np.ndarray, np.ndarray, dict[str, list[float]]]:
    features = _lite0_features(folder, "train")
    test = _lite0_features(folder, "test")
    # Building the feature network draws its (then overwritten) initial weights from torch's
    # generator: seed again, so the head starts the same whether or not the features were cached.
    torch.manual_seed(config.seed)
    keep, held = stratified_split(features["y"], VALID_FRACTION, config.seed)
    # Mirrored copies of the training images double the head's training set.
    X_train = np.concatenate([features["plain"][keep], features["flipped"][keep]])
    y_train = np.concatenate([features["y"][keep], features["y"][keep]])
    head = nn.Sequential(nn.Dropout(0.2), nn.Linear(pretrained.FEATURE_DIM, len(SCENE_CLASSES)))
    history = train.fit(
        head, ArrayDataset(X_train, y_train), ArrayDataset(features["plain"][held], features["y"][held]),
        config, ctx, out, resume=resume, desc="scenes head",
    )
    # Test-time augmentation: average the logits of the photo and its mirror image.
    logits = sum(
        train.predict_logits(head, ArrayDataset(test[view], test["y"]), device=ctx.device)
        for view in ("plain", "flipped")
    )
    return logits.argmax(1), test["y"], history


SCRATCH_DEFAULTS = TrainConfig(epochs=30, batch_size=32, lr=2e-3, weight_decay=5e-4)
PRETRAINED_DEFAULTS = TrainConfig(epochs=30, batch_size=64, lr=3e-3, weight_decay=1e-2)


def train_scenes(
    folder: str | os.PathLike | None = None,
    out_dir: str | os.PathLike = "runs/torch-scenes",
    pretrained_features: bool = False,
    size: int = 64,
    resume: bool = False,
    data_dir: str | os.PathLike | None = None,
    **options: object,
) -> dict[str, Any]:
    """Train a scene classifier and score it on the test split.

    From scratch: :func:`nnrecog.pytorch.models.scene_cnn` on ``size x size`` images with
    random crop (padding size/8) and flip. Pretrained: frozen EfficientNet-Lite0 features
    (224 px, cached) and a linear softmax head. Either way 10 % of each training class is held
    out to pick the best epoch; the test split is only scored once, at the end.

    Parameters
    ----------
    folder : path, optional
        The ``sun_subset`` folder (default: ``sun_subset`` in the shared data directory).
    **options
        :class:`TrainConfig` fields (``epochs``, ``batch_size``, ``lr``, ``seed``, ...);
        None keeps the default of the mode (``SCRATCH_DEFAULTS`` / ``PRETRAINED_DEFAULTS``).

    Returns
    -------
    dict
        As written to ``out_dir/results.json``: ``test_accuracy``, ``valid_accuracy``,
        ``history``, per-class accuracy, top confusions, the course's reference numbers.
    """
    folder = Path(folder) if folder is not None else data_dir_path(data_dir) / "sun_subset"
    out = Path(out_dir)
    config = configure(PRETRAINED_DEFAULTS if pretrained_features else SCRATCH_DEFAULTS, **options)
    read_split(folder, "train")  # fail fast, before any heavy work, on a bad folder
    ctx = context.start(config.seed)
    try:
        if pretrained_features:
            y_pred, y_test, history = _fit_pretrained(folder, config, ctx, out, resume)
        else:
            y_pred, y_test, history = _fit_scratch(folder, config, ctx, out, size, resume)
        results: dict[str, Any] = {
            "mode": "pretrained EfficientNet-Lite0 + linear head" if pretrained_features else "CNN from scratch",
            "image_size": pretrained.IMAGE_SIZE if pretrained_features else size,
            "test_accuracy": float(np.mean(y_pred == y_test)),
            "valid_accuracy": max(history["valid_acc"]),
            "course_reference": COURSE_REFERENCE,
            "config": asdict(config),
        }
        if ctx.is_main:
            results = write_run(out, results, history, y_test, y_pred, SCENE_CLASSES, title=f"scenes: {results['mode']}")
        return results
    finally:
        context.finish(ctx)
