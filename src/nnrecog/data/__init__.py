"""The NIST36-format data: the course's files, the open set built from real handwriting, augmentation.

Images are float32 (32, 32) in [0, 1], upright, ink dark (~0) on white (~1); labels are int64
indices into :data:`CLASSES` (A..Z = 0..25, '0'..'9' = 26..35). See docs/data.md.
"""

from nnrecog.data import augment
from nnrecog.data.augment import augment_batch
from nnrecog.data.builder import build_dataset
from nnrecog.data.normalize import normalize_glyph
from nnrecog.data.readers import CLASSES, load, load_nist26, read_course_mat, write_course_mat

__all__ = [
    "CLASSES",
    "augment",
    "augment_batch",
    "build_dataset",
    "load",
    "load_nist26",
    "normalize_glyph",
    "read_course_mat",
    "write_course_mat",
]
