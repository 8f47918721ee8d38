"""Augmentation used by the training commands (wraps ``nnrecog.data.augment``)."""

from __future__ import annotations

import numpy as np

from nnrecog.errors import InputError


def augment_glyphs(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Augment a batch of (n, 32, 32) glyphs in [0, 1], ink dark."""
    try:
        from nnrecog.data import augment
    except ImportError:
        raise InputError("--augment needs nnrecog.data.augment, which is not installed yet") from None
    return augment.augment(images, rng)
