"""Weight initialisation.

Xavier/Glorot uniform (Glorot & Bengio 2010, eq. 16): for a layer with ``fan_in`` inputs and
``fan_out`` outputs, draw ``W ~ U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``, so that
``Var[W] = a**2 / 3 = 2 / (fan_in + fan_out)``, which keeps activation and gradient variances
roughly constant from layer to layer. Biases start at zero.
"""

from __future__ import annotations

import numpy as np


def xavier_uniform(
    fan_in: int,
    fan_out: int,
    rng: np.random.Generator,
    shape: tuple[int, ...] | None = None,
    dtype: np.dtype | type = np.float32,
) -> np.ndarray:
    """Draw a weight tensor from ``U(-sqrt(6/(fan_in+fan_out)), +sqrt(6/(fan_in+fan_out)))``.

    Parameters
    ----------
    fan_in, fan_out : int
        Number of inputs feeding one output unit, and outputs fed by one input unit. For a
        convolution these are ``in_channels * kh * kw`` and ``out_channels * kh * kw``.
    rng : numpy.random.Generator
        Source of randomness (pass a seeded generator for reproducible runs).
    shape : tuple of int, optional
        Shape of the returned tensor; defaults to ``(fan_in, fan_out)``.
    dtype : dtype, default float32

    Returns
    -------
    W : ndarray of ``shape``
    """
    if fan_in <= 0 or fan_out <= 0:
        raise ValueError(f"fan_in and fan_out must be positive, got {fan_in} and {fan_out}")
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=shape or (fan_in, fan_out)).astype(dtype)


def zeros(size: int | tuple[int, ...], dtype: np.dtype | type = np.float32) -> np.ndarray:
    """Bias initialisation: all zeros."""
    return np.zeros(size, dtype=dtype)
