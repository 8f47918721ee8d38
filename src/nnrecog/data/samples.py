"""The builder's working set: normalised samples pooled over sources, with their provenance,
and the seeded draws every build step shares."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from nnrecog.data.nist36 import NIST_STROKE_WIDTH, SIDE
from nnrecog.data.normalize import NIST_LONG_SIDE_MEAN, NIST_LONG_SIDE_RANGE, NIST_LONG_SIDE_STD

#: Per-image stroke width of nist26_valid: 2.5 +- 0.45 px (5-95 %: 1.9-3.3).
NIST_STROKE_STD = 0.45
NIST_STROKE_RANGE = (1.7, 3.5)


@dataclass
class Samples:
    """Normalised samples pooled over sources: uint8 images with label and provenance."""

    images: np.ndarray  # (n, 32, 32) uint8
    labels: np.ndarray  # (n,) int64
    sources: np.ndarray  # (n,) int64 index into SOURCE_NAMES
    origins: list[str]
    digests: np.ndarray  # (n,) uint64 hash of the raw image before normalisation

    def take(self, keep: np.ndarray) -> Samples:
        """The samples at the indices ``keep``, in that order."""
        keep = np.asarray(keep, np.int64)
        return Samples(
            self.images[keep], self.labels[keep], self.sources[keep], [self.origins[i] for i in keep], self.digests[keep]
        )

    @staticmethod
    def concat(parts: list[Samples]) -> Samples:
        """All samples of ``parts``, in order (an empty set for no parts)."""
        return Samples(
            np.concatenate([p.images for p in parts]) if parts else np.zeros((0, SIDE, SIDE), np.uint8),
            np.concatenate([p.labels for p in parts]) if parts else np.zeros(0, np.int64),
            np.concatenate([p.sources for p in parts]) if parts else np.zeros(0, np.int64),
            [o for p in parts for o in p.origins],
            np.concatenate([p.digests for p in parts]) if parts else np.zeros(0, np.uint64),
        )


def seeded_rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator that depends only on the seed and the names given (stable across runs)."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)])


def nist_like_sizes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Long side and stroke width per sample, drawn from nist26_valid's measured distribution."""
    long_side = np.clip(rng.normal(NIST_LONG_SIDE_MEAN, NIST_LONG_SIDE_STD, n), *NIST_LONG_SIDE_RANGE)
    stroke = np.clip(rng.normal(NIST_STROKE_WIDTH, NIST_STROKE_STD, n), *NIST_STROKE_RANGE)
    return long_side, stroke


def to_uint8(X: np.ndarray) -> np.ndarray:
    """Images in [0, 1] as the uint8 0..255 the built set stores."""
    return np.round(np.clip(X, 0, 1) * 255).astype(np.uint8)
