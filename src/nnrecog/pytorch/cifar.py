"""CIFAR-10 from the official "python version" files, read without trusting pickle.

The folder ``cifar-10-batches-py`` holds ``data_batch_1`` .. ``data_batch_5``, ``test_batch``
and ``batches.meta``: pickled dicts, ``data`` (10000, 3072) uint8 (1024 red, 1024 green,
1024 blue values, each a row-major 32x32 plane) and ``labels`` (10000 ints 0..9). Pickle can
run arbitrary code while loading, so the files are read by :func:`nnrecog.pytorch.pickles.load_pickle`,
which only lets a file build dicts, lists, strings, bytes, numbers and plain numeric numpy arrays.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog.errors import InputError
from nnrecog.pytorch.pickles import META_FILE, load_pickle

TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
IMAGE_SIDE = 32


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = load_pickle(path)
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * IMAGE_SIDE**2:
        raise InputError(f"{path}: 'data' must be a (n, 3072) uint8 array")
    y = np.asarray(labels, dtype=np.int64) if isinstance(labels, list | np.ndarray) else None
    if y is None or y.shape != (len(data),) or (len(y) and (y.min() < 0 or y.max() > 9)):
        raise InputError(f"{path}: 'labels' must list one class 0..9 per image")
    images = data.reshape(-1, 3, IMAGE_SIDE, IMAGE_SIDE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), y


def load_cifar10(folder: str | os.PathLike) -> dict[str, Any]:
    """The CIFAR-10 python-version folder as arrays.

    Returns
    -------
    dict
        ``train``: (X (50000, 32, 32, 3) uint8, y (50000,) int64), ``test``: (X, y) of the
        test batch, ``classes``: the 10 label names from ``batches.meta``.
    """
    folder = Path(folder)
    expected = (*TRAIN_FILES, TEST_FILE, META_FILE)
    missing = [name for name in expected if not (folder / name).is_file()]
    if missing:
        raise InputError(
            f"{folder}: not a CIFAR-10 python-version folder (missing {', '.join(missing)}); expected "
            f"{', '.join(expected)} as unpacked from cifar-10-python.tar.gz (nnrecog does not download it)"
        )
    meta = load_pickle(folder / META_FILE)
    names = meta.get("label_names")
    if not isinstance(names, list) or len(names) != 10:
        raise InputError(f"{folder / META_FILE}: 'label_names' must list the 10 class names")
    classes = [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in names]
    parts = [_read_batch(folder / name) for name in TRAIN_FILES]
    train_split = (np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts]))
    return {"train": train_split, "test": _read_batch(folder / TEST_FILE), "classes": classes}


def read_cifar10(folder: str | os.PathLike) -> dict[str, Any]:
    """CIFAR-10 (or a set like it) from either layout, checked, as arrays.

    ``folder`` is the official python-version folder (``data_batch_1`` .. ``test_batch``,
    ``batches.meta``) or an image-folder tree ``train/<class>/*`` + ``test/<class>/*`` of
    32x32 images (:mod:`nnrecog.pytorch.imagefolder`; decoded once, then cached).

    Returns
    -------
    dict
        As :func:`load_cifar10`: ``train`` and ``test`` (X (n, 32, 32, 3) uint8, y (n,) int64),
        ``classes``.
    """
    from nnrecog.pytorch.imagefolder import is_image_folder, load_image_folder

    folder = Path(folder)
    if is_image_folder(folder):
        return load_image_folder(folder, IMAGE_SIDE)
    if folder.is_dir() and any((folder / name).exists() for name in (*TRAIN_FILES, TEST_FILE, META_FILE)):
        return load_cifar10(folder)
    raise InputError(
        f"{folder}: {'no such folder' if not folder.is_dir() else 'not a CIFAR-10 folder'}; expected the official "
        f"cifar-10-batches-py folder ({', '.join((TRAIN_FILES[0], '..', TEST_FILE, META_FILE))}) or an image "
        "folder with train/<class>/ and test/<class>/"
    )


def default_folder(data_dir: str | os.PathLike | None = None) -> Path:
    """``cifar10_jpg`` in the shared data directory (see :func:`nnrecog.paths.data_dir`)."""
    from nnrecog.paths import data_dir as data_dir_path

    return data_dir_path(data_dir) / "cifar10_jpg"


def train_cifar10(
    folder: str | os.PathLike | None = None,
    out_dir: str | os.PathLike = "runs/torch-cifar10",
    resume: bool = False,
    quick: bool = False,
    data_dir: str | os.PathLike | None = None,
    **options: object,
) -> dict[str, Any]:
    """Train the recipe's network (:mod:`nnrecog.pytorch.cifar_recipes`) and score the test set.

    5 % of every training class is held out to watch (and pick) the epoch; the test set is
    scored once at the end, with the recipe's test-time augmentation.

    Parameters
    ----------
    folder : either layout :func:`read_cifar10` takes (default: :func:`default_folder`)
    quick : the short recipe (``QUICK``) instead of ``FULL``
    **options
        :class:`nnrecog.pytorch.train.TrainConfig` fields (``epochs``, ``batch_size``, ``lr``,
        ``seed``, ``precision`` ...); None keeps the recipe's value.

    Returns
    -------
    dict
        As written to ``out_dir/results.json`` (rank 0 under ``torchrun``): ``test_accuracy``,
        ``valid_accuracy``, ``history``, per-class accuracy, top confusions, timings.
    """
    import time

    # torch is imported here only: the readers above work without the torch extra.
    import torch

    from nnrecog.pytorch import context, train
    from nnrecog.pytorch.cifar_recipes import FULL, QUICK, fit_whitening, resolve_precision
    from nnrecog.pytorch.models import parameter_count
    from nnrecog.pytorch.report import write_run
    from nnrecog.pytorch.vision import fit_images

    started, cpu_started = time.perf_counter(), time.process_time()
    recipe = QUICK if quick else FULL
    folder = Path(folder) if folder is not None else default_folder(data_dir)
    config = train.configure(recipe.train, **options)
    data = read_cifar10(folder)  # all checks happen here, before any training starts
    loaded = time.perf_counter()
    (X, y), (X_test, y_test) = data["train"], data["test"]
    ctx = context.start(config.seed)
    config = train.configure(config, precision=resolve_precision(config.precision, ctx.device))
    try:
        model = recipe.build(len(data["classes"]))
        y_pred, history = fit_images(
            model, X, y, X_test, config, ctx, Path(out_dir), resume, f"cifar10 {recipe.name}",
            recipe.images, prepare=fit_whitening,
        )
        results: dict[str, Any] = {
            "test_accuracy": float(np.mean(y_pred == y_test)),
            "valid_accuracy": max(history["valid_acc"]),
            "recipe": recipe.name,
            "network": f"fast_cifar_net widths {list(recipe.widths)}, {parameter_count(model)} parameters",
            "data": str(folder),
            "train_images": int(len(X)),
            "test_images": int(len(y_test)),
            "world_size": ctx.world_size,
            "threads_per_process": torch.get_num_threads(),
            "images": asdict(recipe.images),
            "train_seconds": float(sum(history["seconds"])),
            "load_seconds": loaded - started,
            "wall_seconds": time.perf_counter() - started,
            # CPU time of this process: close to the wall time a quiet machine would take (one
            # thread), whatever else shared the cores during the run.
            "cpu_seconds": time.process_time() - cpu_started,
            "config": asdict(config),
        }
        if ctx.is_main:
            results = write_run(out_dir, results, history, y_test, y_pred, data["classes"], title=f"CIFAR-10 ({recipe.name})")
        return results
    finally:
        context.finish(ctx)
