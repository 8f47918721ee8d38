"""Readers for NIST36-format data: the course's ``.mat`` files and folders written by the builder.

In memory every image is float32 (32, 32) in [0, 1], upright, ink dark (~0) on white (~1), and
every label an int64 index into :data:`CLASSES`. Neither kind of file is trusted: the sizes they
declare are checked before anything is allocated (``.mat`` files are parsed by
:mod:`nnrecog.data.matfile`, not by ``scipy.io.loadmat``, which a crafted file can crash).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nnrecog.data.matfile import read_numeric_mat
from nnrecog.data.nist36 import BUILT_ARRAYS, CLASSES, NIST26_VALID, SIDE, SPLITS
from nnrecog.errors import InputError
from nnrecog.fileio import ArraySpec, BadFileError, atomic_path, open_npz
from nnrecog.paths import data_dir as _data_dir

Split = tuple[np.ndarray, np.ndarray]
# Course files hold resampling overshoot (nist26_valid spans -0.14..1.12); anything outside
# this band is not a NIST-style image.
_COURSE_RANGE = (-0.5, 1.5)
_BUILT = "a readable dataset file written by `nnrecog data build`"


def read_course_mat(path: str | os.PathLike, split: str) -> Split:
    """Read one course-format ``.mat`` file (``nist36_*.mat`` or ``nist26_*.mat``).

    Layout (MATLAB): ``{split}_data`` (n, 1024), each row a column-major 32x32 image
    (``row.reshape(32, 32).T`` is upright), ink ~0 on white ~1; ``{split}_labels`` (n, 36) or
    (n, 26) one-hot, columns in :data:`CLASSES` order.

    Returns
    -------
    X : (n, 32, 32) float32 in [0, 1] (resampling overshoot clipped), upright.
    y : (n,) int64 class indices.

    Raises
    ------
    InputError
        Unreadable or crafted file (:func:`~nnrecog.data.matfile.read_numeric_mat`), missing
        key, wrong shape, label width, non one-hot labels, or values outside [-0.5, 1.5]; the
        message names the file and what was expected.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found (expected a course-format .mat file)")
    contents = read_numeric_mat(path)
    data_key, labels_key = f"{split}_data", f"{split}_labels"
    missing = [k for k in (data_key, labels_key) if k not in contents]
    if missing:
        found = sorted(k for k in contents if not k.startswith("__"))
        raise InputError(f"{path}: expected keys {data_key!r} and {labels_key!r}, found {found}")
    data = np.asarray(contents[data_key])
    labels = np.asarray(contents[labels_key])
    pixels = SIDE * SIDE
    if data.ndim != 2 or data.shape[1] != pixels or not np.issubdtype(data.dtype, np.number):
        raise InputError(f"{path}: {data_key} must be a numeric (n, {pixels}) array, got {data.shape} {data.dtype}")
    if labels.ndim != 2 or labels.shape[1] not in (26, 36) or labels.shape[0] != data.shape[0]:
        raise InputError(
            f"{path}: {labels_key} must be one-hot ({data.shape[0]}, 36) or ({data.shape[0]}, 26), got {labels.shape}"
        )
    if not (np.isin(labels, (0, 1)).all() and (labels.sum(axis=1) == 1).all()):
        raise InputError(f"{path}: {labels_key} must be one-hot (0/1 with exactly one 1 per row)")
    lo, hi = _COURSE_RANGE
    if data.size and (not np.isfinite(data).all() or data.min() < lo or data.max() > hi):
        raise InputError(
            f"{path}: {data_key} values must lie in [{lo}, {hi}] (ink ~0 on white ~1), "
            f"got [{np.nanmin(data):.3g}, {np.nanmax(data):.3g}]"
        )
    X = np.clip(data.reshape(-1, SIDE, SIDE).transpose(0, 2, 1), 0.0, 1.0).astype(np.float32)
    return np.ascontiguousarray(X), labels.argmax(axis=1).astype(np.int64)


def write_course_mat(path: str | os.PathLike, split: str, X: np.ndarray, y: np.ndarray) -> None:
    """Write ``X`` (n, 32, 32) in [0, 1] and ``y`` (n,) as a course-format ``nist36_*.mat``.

    Rows are column-major (``X[i].T.reshape(1024)``), labels one-hot over the 36 classes.
    """
    import scipy.io

    data = np.asarray(X, np.float64).transpose(0, 2, 1).reshape(len(X), SIDE * SIDE)
    labels = np.zeros((len(y), len(CLASSES)), np.uint8)
    labels[np.arange(len(y)), y] = 1
    with atomic_path(path) as tmp:
        scipy.io.savemat(tmp, {f"{split}_data": data, f"{split}_labels": labels}, do_compression=True)


def load_nist26(data_dir: str | os.PathLike | None = None) -> Split:
    """The held-out real NIST letters: ``nist26/nist26_valid.mat`` (1300 images, 50 per letter).

    Never used for training: it is the independent test of everything built here.

    Returns
    -------
    X : (1300, 32, 32) float32 in [0, 1], upright, ink dark.
    y : (1300,) int64 in 0..25 (indices into :data:`CLASSES`).
    """
    return read_course_mat(_data_dir(data_dir) / NIST26_VALID, "valid")


def read_built(folder: str | os.PathLike) -> dict[str, Split]:
    """Read a folder written by the builder: ``nist36_open.npz`` (uint8 ``{split}_x`` (n, 32,
    32), integer ``{split}_y`` (n,) and ``{split}_source`` (n,)).

    Returns
    -------
    ``{split: (X, y)}`` as :func:`nnrecog.data.load` gives them.

    Raises
    ------
    InputError
        The arrays file is missing, not one the builder writes, damaged, or declares arrays of
        other names, shapes or dtypes (checked before any is read); labels outside 0..35.
    """
    path = Path(folder) / BUILT_ARRAYS
    specs = {}
    for split in SPLITS:
        specs[f"{split}_x"] = ArraySpec((None, SIDE, SIDE), dtype="uint8")
        specs[f"{split}_y"] = ArraySpec((None,), kinds="iu")
        specs[f"{split}_source"] = ArraySpec((None,), kinds="iu", required=False)
    out = {}
    with open_npz(path, _BUILT) as archive:
        archive.expect(specs)
        for split in SPLITS:
            n, labels = archive.headers[f"{split}_x"].shape[0], archive.headers[f"{split}_y"]
            if labels.shape != (n,):
                raise BadFileError(f"{path}: {split}_y must have one label per image ({n},), got {labels.shape}")
            X, y = archive.read(f"{split}_x"), archive.read(f"{split}_y")
            if y.size and (y.min() < 0 or y.max() >= len(CLASSES)):
                raise BadFileError(f"{path}: {split}_y must hold class indices 0..{len(CLASSES) - 1}")
            out[split] = (X.astype(np.float32) / 255.0, y.astype(np.int64))
    return out


def read_course_folder(folder: str | os.PathLike) -> dict[str, Split]:
    """Read the course's ``nist36_{train,valid,test}.mat`` (or ``nist26_*``) in ``folder``."""
    folder = Path(folder)
    for prefix in ("nist36", "nist26"):
        if any((folder / f"{prefix}_{s}.mat").exists() for s in SPLITS):
            missing = [f"{prefix}_{s}.mat" for s in SPLITS if not (folder / f"{prefix}_{s}.mat").exists()]
            if missing:
                raise InputError(f"{folder}: missing {', '.join(missing)} (expected all three splits)")
            return {s: read_course_mat(folder / f"{prefix}_{s}.mat", s) for s in SPLITS}
    raise InputError(
        f"{folder}: expected a folder from `nnrecog data build` ({BUILT_ARRAYS}) "
        "or the course's nist36_{train,valid,test}.mat"
    )
