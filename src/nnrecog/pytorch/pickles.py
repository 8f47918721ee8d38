"""Reading pickled CIFAR-style files without trusting pickle.

Pickle can run arbitrary code while loading; :func:`load_pickle` only lets a file build dicts,
lists, strings, bytes, numbers and plain numeric numpy arrays, which is all the official
CIFAR-10 batches and their ``batches.meta`` hold.
"""

from __future__ import annotations

import codecs
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog.errors import InputError

#: The class names of a CIFAR-style set (``label_names``), beside its batches or image folders.
META_FILE = "batches.meta"


def _allowed_globals() -> dict[tuple[str, str], Any]:
    # ndarray pickles name the reconstructor under numpy.core (NumPy 1, the official files)
    # or numpy._core (NumPy 2); both map to the one function, nothing is imported by name.
    reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]
    allowed: dict[tuple[str, str], Any] = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(module, "_reconstruct")] = reconstruct
    # Python 3 writes bytes at pickle protocol <= 2 as _codecs.encode(text, "latin1").
    allowed[("_codecs", "encode")] = codecs.encode
    return allowed


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler whose only reachable globals are the numpy array builders."""

    def __init__(self, file, path: Path) -> None:
        super().__init__(file, encoding="bytes")
        self.path = path
        self.allowed = _allowed_globals()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise InputError(
                f"{self.path}: refused to load: the pickle asks for {module}.{name}, which a "
                "CIFAR-10 batch never needs (the file may be malicious)"
            ) from None


def load_pickle(path: str | os.PathLike) -> dict[str, Any]:
    """Read one CIFAR-10 pickle with the restricted unpickler; dict keys become ``str``.

    Raises
    ------
    InputError
        Missing file, corrupt pickle, a forbidden global, or not a dict.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            obj = _RestrictedUnpickler(handle, path).load()
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError(f"{path}: missing CIFAR-10 file") from None
    except Exception as exc:  # a corrupt pickle raises many different types
        raise InputError(f"{path}: not a CIFAR-10 pickle ({type(exc).__name__}: {exc})") from exc
    if not isinstance(obj, dict):
        raise InputError(f"{path}: expected a pickled dict, found {type(obj).__name__}")
    return {key.decode("latin1") if isinstance(key, bytes) else str(key): value for key, value in obj.items()}
