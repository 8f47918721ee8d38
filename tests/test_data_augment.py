"""Augmentation keeps shape, range and label, and is reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from nnrecog.data import augment, load_nist26
from nnrecog.paths import data_dir

HAVE_NIST = (data_dir() / "nist26" / "nist26_valid.mat").is_file()


def _glyphs(n: int = 64) -> np.ndarray:
    """Synthetic glyph-like images: a dark ring or bar on white."""
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:32, 0:32]
    X = np.ones((n, 32, 32), np.float32)
    for i in range(n):
        r = rng.uniform(6, 11)
        ring = np.abs(np.hypot(rows - 15.5, cols - 15.5) - r) < 1.5
        X[i][ring if i % 2 else (np.abs(cols - 15.5) < 1.5) & (np.abs(rows - 15.5) < 12)] = 0
    return X


TRANSFORMS = [
    augment.random_affine,
    augment.elastic,
    augment.stroke_thickness,
    augment.contrast,
    augment.blur,
    augment.noise,
    augment.augment_batch,
]


@pytest.mark.parametrize("transform", TRANSFORMS, ids=lambda f: f.__name__)
def test_shape_range_and_reproducible(transform):
    X = _glyphs()
    out = transform(X, np.random.default_rng(7))
    again = transform(X, np.random.default_rng(7))
    assert out.shape == X.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, again)
    assert not np.array_equal(out, transform(X, np.random.default_rng(8)))
    if transform is not augment.noise:  # additive noise is clipped only by augment_batch
        assert -1e-6 <= out.min() and out.max() <= 1 + 1e-6
    assert not np.array_equal(out, X)


def test_augment_batch_layouts_and_strength():
    X = _glyphs(8)
    flat = augment.augment_batch(X.reshape(8, 1024), np.random.default_rng(0))
    channels = augment.augment_batch(X.reshape(8, 1, 32, 32), np.random.default_rng(0))
    assert flat.shape == (8, 1024) and channels.shape == (8, 1, 32, 32)
    np.testing.assert_array_equal(flat.reshape(8, 32, 32), channels.reshape(8, 32, 32))
    np.testing.assert_array_equal(augment.augment_batch(X, np.random.default_rng(0), strength=0), X)
    mild = augment.augment_batch(X, np.random.default_rng(0), strength=0.3)
    strong = augment.augment_batch(X, np.random.default_rng(0), strength=1.0)
    assert np.abs(mild - X).mean() < np.abs(strong - X).mean()
    with pytest.raises(ValueError, match="32x32"):
        augment.augment_batch(np.ones((4, 28, 28)), np.random.default_rng(0))


def test_thickening_adds_ink():
    X = _glyphs(16)
    thick = augment.stroke_thickness(X, np.random.default_rng(0), amount=1.0)
    ink_before, ink_after = (1 - X).sum(axis=(1, 2)), (1 - thick).sum(axis=(1, 2))
    assert (ink_after > ink_before).any() and (ink_after < ink_before).any()


@pytest.mark.skipif(not HAVE_NIST, reason="shared data (nist26/nist26_valid.mat) not found")
def test_augmented_letters_keep_their_class():
    """A nearest-class-mean classifier still reads augmented NIST letters far above chance (1/26).

    Template matching is very sensitive to shifts and scale, so its accuracy drops under any
    geometric augmentation; a label-destroying transform would bring it to ~4 %.
    """
    X, y = load_nist26()
    means = np.stack([X[y == c].mean(axis=0).ravel() for c in range(26)])

    def accuracy(images: np.ndarray) -> float:
        flat = images.reshape(len(images), -1)
        distances = ((flat[:, None, :] - means[None]) ** 2).sum(axis=2)
        return float((distances.argmin(axis=1) == y).mean())

    clean = accuracy(X)
    assert clean > 0.5
    assert accuracy(augment.augment_batch(X, np.random.default_rng(0))) > 0.5 * clean
    assert accuracy(augment.augment_batch(X, np.random.default_rng(0), strength=0.5)) > 0.8 * clean
