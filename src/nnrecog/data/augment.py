"""Batched, vectorised, seeded augmentation of NIST36-style images (ink dark ~0 on white ~1).

Every transform takes a batch ``X`` (n, 32, 32) and a ``numpy.random.Generator`` and returns a
new float32 batch of the same shape in [0, 1]; labels are never changed (rotations stay small
enough that no class turns into another). :func:`augment_batch` chains them all, with one
interpolation for the geometric part, and accepts flat (n, 1024) or (n, 1, 32, 32) batches too.
It is built to run every epoch: about 0.05 ms per image.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from nnrecog.data.nist36 import SIDE

_CENTRE = (SIDE - 1) / 2


def _as_images(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X)
    if X.shape[-2:] == (SIDE, SIDE):
        return X.reshape(-1, SIDE, SIDE)
    if X.ndim == 2 and X.shape[1] == SIDE * SIDE:
        return X.reshape(-1, SIDE, SIDE)
    raise ValueError(f"expected a batch of 32x32 images, (n, 32, 32), (n, 1, 32, 32) or (n, 1024); got {X.shape}")


def affine_grids(
    n: int,
    rng: np.random.Generator,
    rotation: float = 10.0,
    scale: tuple[float, float] = (0.8, 1.1),
    aspect: float = 0.15,
    shear: float = 0.25,
    shift: float = 2.0,
) -> np.ndarray:
    """Sampling coordinates of random affine maps about the image centre.

    Output pixel ``p`` samples the input at ``A (p - c - t) + c`` with
    ``A = (R(theta) S(shear) diag(s_y, s_x))^{-1}``, ``theta ~ U(-rotation, rotation)`` degrees,
    ``s ~ U(scale)``, ``s_x = s exp(U(-aspect, aspect))`` (wider or narrower glyphs), ``shear ~
    U(-shear, shear)`` (slant) and ``t ~ U(-shift, shift)`` px per axis.

    Returns
    -------
    (2, n, 32, 32) float32 row and column coordinates into each input image.
    """
    theta = np.deg2rad(rng.uniform(-rotation, rotation, n))
    s = rng.uniform(*scale, n)
    sx = s * np.exp(rng.uniform(-aspect, aspect, n))
    k = rng.uniform(-shear, shear, n)
    t = rng.uniform(-shift, shift, (2, n))
    cos, sin = np.cos(theta), np.sin(theta)
    # forward map on (row, col): rotation @ shear(col += k * row) @ diag(s, sx)
    forward = np.empty((n, 2, 2))
    forward[:, 0, 0] = cos * s - sin * k * s
    forward[:, 0, 1] = -sin * sx
    forward[:, 1, 0] = sin * s + cos * k * s
    forward[:, 1, 1] = cos * sx
    inverse = np.linalg.inv(forward)
    grid = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64) - _CENTRE  # (2, 32, 32)
    shifted = grid[:, None] - t[:, :, None, None]  # (2, n, 32, 32)
    coords = np.einsum("nij,jnhw->inhw", inverse, shifted)
    return (coords + _CENTRE).astype(np.float32)


def elastic_displacements(n: int, rng: np.random.Generator, amplitude: float = 1.0, smoothness: float = 4.0) -> np.ndarray:
    """Smooth random displacement fields (Simard et al. 2003).

    Uniform noise in [-1, 1] is Gaussian-filtered with ``sigma = smoothness`` px, then scaled
    so its standard deviation is ``amplitude`` px times a per-image factor ``U(0, 1)``.

    Returns
    -------
    (2, n, 32, 32) float32 row and column displacements.
    """
    field = ndi.gaussian_filter(rng.uniform(-1, 1, (2, n, SIDE, SIDE)), sigma=(0, 0, smoothness, smoothness))
    std = field.std(axis=(0, 2, 3), keepdims=True)
    per_image = rng.uniform(0, 1, (1, n, 1, 1))
    return (field / np.where(std > 0, std, 1) * amplitude * per_image).astype(np.float32)


def warp(X: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Resample every image at its own coordinates (bilinear, white outside the frame).

    Parameters
    ----------
    X : (n, 32, 32).
    coords : (2, n, 32, 32) row and column coordinates, as from :func:`affine_grids`.
    """
    n = len(X)
    index = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], (n, SIDE, SIDE))
    full = np.stack([index, coords[0], coords[1]])
    return ndi.map_coordinates(np.asarray(X, np.float32), full, order=1, mode="constant", cval=1.0)


def random_affine(X: np.ndarray, rng: np.random.Generator, **ranges: float) -> np.ndarray:
    """Random rotation, scale, aspect, shear and shift per image (see :func:`affine_grids`)."""
    X = _as_images(X)
    return warp(X, affine_grids(len(X), rng, **ranges))


def elastic(X: np.ndarray, rng: np.random.Generator, amplitude: float = 1.0, smoothness: float = 4.0) -> np.ndarray:
    """Elastic deformation by :func:`elastic_displacements`."""
    X = _as_images(X)
    grid = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)[:, None]
    return warp(X, grid + elastic_displacements(len(X), rng, amplitude, smoothness))


def stroke_thickness(X: np.ndarray, rng: np.random.Generator, amount: float = 1.0) -> np.ndarray:
    """Thicken or thin the strokes by a random fraction of one pixel per side.

    ``X' = (1 - |t|) X + |t| F(X)`` with ``t ~ U(-amount / 2, amount)`` per image, ``F`` the
    3x3 minimum filter (ink spreads: thicker) for ``t > 0`` and the 3x3 maximum filter
    (thinner) for ``t < 0``; ``|t|`` is capped at 1. Thinning goes half as far: NIST's 2.5 px
    strokes thinned by a full pixel per side would fade to grey hairlines.
    """
    X = _as_images(X).astype(np.float32)
    t = np.clip(rng.uniform(-amount / 2, amount, (len(X), 1, 1)), -1, 1).astype(np.float32)
    thicker = ndi.minimum_filter(X, size=(1, 3, 3))
    thinner = ndi.maximum_filter(X, size=(1, 3, 3))
    target = np.where(t > 0, thicker, thinner)
    return (1 - np.abs(t)) * X + np.abs(t) * target


def contrast(X: np.ndarray, rng: np.random.Generator, ink: float = 0.2, paper: float = 0.1) -> np.ndarray:
    """Random ink and paper levels: ``X' = k + (p - k) X``, ``k ~ U(0, ink)``, ``p ~ U(1 - paper, 1)``."""
    X = _as_images(X).astype(np.float32)
    k = rng.uniform(0, ink, (len(X), 1, 1)).astype(np.float32)
    p = rng.uniform(1 - paper, 1, (len(X), 1, 1)).astype(np.float32)
    return k + (p - k) * X


def blur(X: np.ndarray, rng: np.random.Generator, sigma: float = 0.8) -> np.ndarray:
    """Random defocus: ``X' = (1 - t) X + t G_sigma(X)`` with ``t ~ U(0, 1)`` per image."""
    X = _as_images(X).astype(np.float32)
    blurred = ndi.gaussian_filter(X, sigma=(0, sigma, sigma), mode="nearest")
    t = rng.uniform(0, 1, (len(X), 1, 1)).astype(np.float32)
    return (1 - t) * X + t * blurred


def noise(X: np.ndarray, rng: np.random.Generator, sigma: float = 0.03) -> np.ndarray:
    """Additive Gaussian pixel noise with a per-image standard deviation ``U(0, sigma)``."""
    X = _as_images(X).astype(np.float32)
    s = rng.uniform(0, sigma, (len(X), 1, 1)).astype(np.float32)
    return X + s * rng.standard_normal(X.shape, dtype=np.float32)


def augment_batch(X: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Augment a batch: affine + elastic (one interpolation), stroke thickness, contrast, blur, noise.

    Parameters
    ----------
    X : (n, 32, 32), (n, 1, 32, 32) or flat row-major (n, 1024), in [0, 1], ink dark.
    rng : random generator; the same generator state gives the same output.
    strength : scales every range (0 returns the images unchanged, as float32); 1 is tuned so
        that augmented glyphs stay readable and NIST-like (rotation +-10 deg, scale 0.8-1.1,
        shear +-0.25, shift +-2 px, elastic 1 px, stroke -0.5..+1 px per side, ink up to 0.2,
        paper down to 0.9, blur sigma 0.8, noise up to 0.03). Contrast stays mild because
        every real input passes :func:`normalize_glyph`, which restores full contrast.

    Returns
    -------
    float32 array of X's shape, in [0, 1]. Labels are unchanged by construction.
    """
    shape = np.shape(X)
    images = _as_images(X).astype(np.float32)
    if strength <= 0 or len(images) == 0:
        return images.reshape(shape)
    n = len(images)
    coords = affine_grids(
        n,
        rng,
        rotation=10.0 * strength,
        scale=(1 - 0.2 * strength, 1 + 0.1 * strength),
        aspect=0.15 * strength,
        shear=0.25 * strength,
        shift=2.0 * strength,
    )
    coords += elastic_displacements(n, rng, amplitude=1.0 * strength)
    out = warp(images, coords)
    out = stroke_thickness(out, rng, amount=1.0 * strength)
    out = contrast(out, rng, ink=0.2 * strength, paper=0.1 * strength)
    out = blur(out, rng, sigma=0.8 * strength)
    out = noise(out, rng, sigma=0.03 * strength)
    return np.clip(out, 0, 1).reshape(shape)
