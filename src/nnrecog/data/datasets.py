"""Load a NIST36-format data set by name or folder: the cached default build, a built folder
or the course's ``.mat`` files."""

from __future__ import annotations

import os
from pathlib import Path

from nnrecog.data.nist36 import BUILT_ARRAYS
from nnrecog.data.readers import Split, read_built, read_course_folder
from nnrecog.errors import InputError


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
        # the builder (tqdm, every source reader) loads only when the default set is asked for
        from nnrecog.data.builder import default_dataset_dir

        return read_built(default_dataset_dir(data_dir))
    folder = Path(source)
    if folder.is_file():
        raise InputError(f"{folder}: is a file; expected 'default' or the folder holding the dataset files")
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (expected 'default', a built dataset or a folder of nist36_*.mat)")
    if (folder / BUILT_ARRAYS).exists():
        return read_built(folder)
    return read_course_folder(folder)
