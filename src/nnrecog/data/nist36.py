"""What every part of :mod:`nnrecog.data` agrees on: the NIST36 classes, splits, image side and
the names of the files a built data set is made of.

It imports nothing, so every module (readers, builder, sources, the OCR) can import it without
pulling in any other.
"""

from __future__ import annotations

from pathlib import Path

#: The 36 classes in the course's order: A..Z are 0..25, '0'..'9' are 26..35.
CLASSES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SPLITS = ("train", "valid", "test")
#: Images are SIDE x SIDE pixels.
SIDE = 32
#: The arrays file and the manifest inside a folder written by the builder; the manifest is
#: written last, so a folder holding it is a complete build.
BUILT_ARRAYS = "nist36_open.npz"
MANIFEST = "manifest.json"
#: The held-out real NIST letters, relative to the shared data directory.
NIST26_VALID = Path("nist26") / "nist26_valid.mat"

#: Mean stroke width (px, 2 * ink area / ink perimeter at threshold 0.5) of nist26_valid.
NIST_STROKE_WIDTH = 2.5
