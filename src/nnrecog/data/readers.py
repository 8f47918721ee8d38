"""Readers for NIST36-format data: the course's ``.mat`` files and folders written by the builder.

In memory every image is float32 (32, 32) in [0, 1], upright, ink dark (~0) on white (~1), and
every label an int64 index into :data:`CLASSES`.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import scipy.io

from nnrecog.errors import InputError
from nnrecog.paths import data_dir as _data_dir

#: The 36 classes in the course's order: A..Z are 0..25, '0'..'9' are 26..35.
CLASSES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SPLITS = ("train", "valid", "test")
#: Name of the arrays file inside a folder written by the builder.
BUILT_ARRAYS = "nist36_open.npz"
MANIFEST = "manifest.json"
NIST26_VALID = Path("nist26") / "nist26_valid.mat"

Split = tuple[np.ndarray, np.ndarray]
# Course files hold resampling overshoot (nist26_valid spans -0.14..1.12); anything outside
# this band is not a NIST-style image.
_COURSE_RANGE = (-0.5, 1.5)


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
        Unreadable file, missing key, wrong shape, label width, non one-hot labels, or values
        outside [-0.5, 1.5]; the message names the file and what was expected.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found (expected a course-format .mat file)")
    try:
        contents = scipy.io.loadmat(path)
    except (ValueError, TypeError, OSError, NotImplementedError, scipy.io.matlab.MatReadError) as exc:
        raise InputError(f"{path}: not a readable MATLAB .mat file ({exc})") from None
    data_key, labels_key = f"{split}_data", f"{split}_labels"
    missing = [k for k in (data_key, labels_key) if k not in contents]
    if missing:
        found = sorted(k for k in contents if not k.startswith("__"))
        raise InputError(f"{path}: expected keys {data_key!r} and {labels_key!r}, found {found}")
    data = np.asarray(contents[data_key])
    labels = np.asarray(contents[labels_key])
    if data.ndim != 2 or data.shape[1] != 1024 or not np.issubdtype(data.dtype, np.number):
        raise InputError(f"{path}: {data_key} must be a numeric (n, 1024) array, got {data.shape} {data.dtype}")
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
    X = np.clip(data.reshape(-1, 32, 32).transpose(0, 2, 1), 0.0, 1.0).astype(np.float32)
    return np.ascontiguousarray(X), labels.argmax(axis=1).astype(np.int64)


def write_course_mat(path: str | os.PathLike, split: str, X: np.ndarray, y: np.ndarray) -> None:
    """Write ``X`` (n, 32, 32) in [0, 1] and ``y`` (n,) as a course-format ``nist36_*.mat``.

    Rows are column-major (``X[i].T.reshape(1024)``), labels one-hot over the 36 classes.
    """
    from nnrecog.fileio import atomic_path

    data = np.asarray(X, np.float64).transpose(0, 2, 1).reshape(len(X), 1024)
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


def _read_built(folder: Path) -> dict[str, Split]:
    """Read a folder written by the builder (uint8 arrays + manifest)."""
    path = folder / BUILT_ARRAYS
    if not zipfile.is_zipfile(path):  # np.load would also take a .npy array or a pickle
        raise InputError(f"{path}: not a readable dataset file written by `nnrecog data build` (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            out = {}
            for split in SPLITS:
                X, y = arrays[f"{split}_x"], arrays[f"{split}_y"]
                if X.dtype != np.uint8 or X.ndim != 3 or X.shape[1:] != (32, 32) or y.shape != (len(X),):
                    raise InputError(
                        f"{path}: {split}_x must be uint8 (n, 32, 32) with {split}_y (n,), "
                        f"got {X.dtype} {X.shape} and {y.shape}"
                    )
                if y.size and (y.min() < 0 or y.max() >= len(CLASSES)):
                    raise InputError(f"{path}: {split}_y must hold class indices 0..35")
                out[split] = (X.astype(np.float32) / 255.0, y.astype(np.int64))
            return out
    except KeyError as exc:
        raise InputError(f"{path}: missing array {exc} (expected train_x, train_y, valid_x, ...)") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path}: not a readable dataset file written by `nnrecog data build` ({exc})") from None


def _read_course_folder(folder: Path) -> dict[str, Split]:
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


def load(source: str | os.PathLike = "default", data_dir: str | os.PathLike | None = None) -> dict[str, Split]:
    """Load a NIST36-format dataset.

    Parameters
    ----------
    source : ``"default"`` (the open set built from the shared data, cached under
        :func:`nnrecog.paths.cache_dir` and built on demand, with progress, the first time), a
        folder written by ``nnrecog data build``, or a folder holding the course's
        ``nist36_{train,valid,test}.mat`` (or ``nist26_*.mat``).
    data_dir : shared data directory for ``"default"`` (see :func:`nnrecog.paths.data_dir`).

    Returns
    -------
    ``{"train": (X, y), "valid": (X, y), "test": (X, y)}`` with X (n, 32, 32) float32 in [0, 1],
    upright, ink dark (~0) on white (~1), and y (n,) int64 indices into :data:`CLASSES`.
    """
    if str(source) == "default":
        from nnrecog.data.builder import default_dataset_dir

        return _read_built(default_dataset_dir(data_dir))
    folder = Path(source)
    if folder.is_file():
        raise InputError(f"{folder}: is a file; expected 'default' or the folder holding the dataset files")
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (expected 'default', a built dataset or a folder of nist36_*.mat)")
    if (folder / BUILT_ARRAYS).exists():
        return _read_built(folder)
    return _read_course_folder(folder)
