"""Activations and their derivatives, side by side.

Every derivative is written from the activation's *output* ``y`` (as the course derives them),
so a layer only needs to cache its output for the backward pass:

============  ==============================  ===================================
name          y = f(x)                        dy/dx written from y
============  ==============================  ===================================
``linear``    x                               1
``sigmoid``   1 / (1 + exp(-x))               y (1 - y)
``tanh``      (e^x - e^-x) / (e^x + e^-x)     1 - y^2
``relu``      max(0, x)                       1 if y > 0 else 0
``softmax``   exp(x_i) / sum_j exp(x_j)       Jacobian diag(y) - y y^T (applied as a
                                              vector product, see ``softmax_backward``)
============  ==============================  ===================================

All functions are stable for inputs up to |x| = 1e4: no overflow warnings and no NaN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def linear(x: np.ndarray) -> np.ndarray:
    """Identity: ``y = x``."""
    return x


def linear_deriv(y: np.ndarray) -> np.ndarray:
    """``dy/dx = 1``."""
    return np.ones_like(y)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function ``y = 1 / (1 + exp(-x))``.

    Computed as ``0.5 + 0.5 tanh(x / 2)`` (the same function): ``tanh`` never overflows, so
    this is stable for any finite ``x``, and it runs as a few in-place passes over one buffer.
    """
    y = np.multiply(x, 0.5, dtype=np.result_type(x, np.float32))
    np.tanh(y, out=y)
    y *= 0.5
    y += 0.5
    return y


def sigmoid_deriv(y: np.ndarray) -> np.ndarray:
    """``dy/dx = y (1 - y)``."""
    return y * (1.0 - y)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent (NumPy's is stable for any finite x)."""
    return np.tanh(x)


def tanh_deriv(y: np.ndarray) -> np.ndarray:
    """``dy/dx = 1 - y^2``."""
    return 1.0 - y * y


def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit ``y = max(0, x)``."""
    return np.maximum(x, 0)


def relu_deriv(y: np.ndarray) -> np.ndarray:
    """``dy/dx = 1[y > 0]`` (the subgradient at 0 is taken as 0, as PyTorch does)."""
    return (y > 0).astype(y.dtype)


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax ``y_ij = exp(x_ij - m_i) / sum_k exp(x_ik - m_i)``, ``m_i = max_k x_ik``.

    Subtracting the row maximum leaves the result unchanged (softmax(x) == softmax(x + c)) and
    keeps every exponent <= 0, so nothing overflows.

    Parameters
    ----------
    x : (n, k) scores

    Returns
    -------
    y : (n, k) rows summing to 1
    """
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise ``log softmax(x)``, computed as ``x - m - log sum exp(x - m)`` (stable)."""
    shifted = x - x.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return shifted


def softmax_backward(y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Vector-Jacobian product of softmax, from its output.

    ``dx_i = sum_j dy_j * dy_j/dx_i = y_i (dy_i - sum_j dy_j y_j)``.

    Parameters
    ----------
    y : (n, k) softmax output
    dy : (n, k) gradient of the loss with respect to ``y``

    Returns
    -------
    dx : (n, k)
    """
    return y * (dy - (dy * y).sum(axis=-1, keepdims=True))


Activation = Callable[[np.ndarray], np.ndarray]

#: name -> (activation, derivative from the output). ``softmax`` is absent on purpose: its
#: derivative is a full Jacobian, handled by ``softmax_backward``.
ELEMENTWISE: dict[str, tuple[Activation, Activation]] = {
    "linear": (linear, linear_deriv),
    "sigmoid": (sigmoid, sigmoid_deriv),
    "tanh": (tanh, tanh_deriv),
    "relu": (relu, relu_deriv),
}

ACTIVATIONS: tuple[str, ...] = (*ELEMENTWISE, "softmax")


def activate(name: str, x: np.ndarray) -> np.ndarray:
    """Apply the activation called ``name`` to ``x``."""
    if name == "softmax":
        return softmax(x)
    return ELEMENTWISE[name][0](x)


def activation_backward(name: str, y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Gradient with respect to the activation's input, given its output ``y`` and ``dL/dy``."""
    if name == "softmax":
        return softmax_backward(y, dy)
    if name == "linear":
        return dy
    if name == "relu":
        return np.where(y > 0, dy, 0).astype(dy.dtype, copy=False)
    return dy * ELEMENTWISE[name][1](y)


def check_activation(name: str) -> str:
    """Return ``name`` if it is a known activation, else raise ``ValueError`` listing them."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return name
