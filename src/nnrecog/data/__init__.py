"""The NIST36-format data: the course's files, the open set built from real handwriting, augmentation.

Images are float32 (32, 32) in [0, 1], upright, ink dark (~0) on white (~1); labels are int64
indices into :data:`CLASSES` (A..Z = 0..25, '0'..'9' = 26..35). See docs/data.md.

Importing this package is cheap: only the constants of :mod:`nnrecog.data.nist36` are loaded;
the readers, the builder (tqdm, every source reader) and augmentation (scipy.ndimage) load on
first use of the names below, so ``nnrecog read`` pays for none of them.
"""

from __future__ import annotations

import importlib
from typing import Any

from nnrecog.data.nist36 import CLASSES, SPLITS

#: Public name -> the module that defines it, imported on first access.
_LAZY = {
    "augment_batch": "nnrecog.data.augment",
    "build_dataset": "nnrecog.data.builder",
    "load": "nnrecog.data.datasets",
    "load_nist26": "nnrecog.data.readers",
    "normalize_glyph": "nnrecog.data.normalize",
    "read_course_mat": "nnrecog.data.readers",
    "write_course_mat": "nnrecog.data.readers",
}

__all__ = ["CLASSES", "SPLITS", "augment", *_LAZY]


def __getattr__(name: str) -> Any:
    if name == "augment":  # the submodule, as ``from nnrecog.data import augment`` expects
        return importlib.import_module(f"{__name__}.augment")
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value
