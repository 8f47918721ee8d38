"""Losses and accuracy. Every loss is *summed* over the batch (as the course computes it) and
returns its gradient with respect to its first argument.

Targets ``Y`` may be one-hot ``(n, k)`` or integer class indices ``(n,)``.
"""

from __future__ import annotations

import numpy as np

from nnrecog.nn.functional import log_softmax


def _total(terms: np.ndarray) -> float:
    """Sum to a Python float; extended-precision inputs keep their precision (gradcheck
    differences two nearly equal losses, where float64 rounding of the total would dominate)."""
    return terms.sum() if terms.dtype == np.longdouble else float(terms.sum())


def _one_hot_like(Y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    Y = np.asarray(Y)
    if Y.ndim == 1:
        onehot = np.zeros_like(scores)
        onehot[np.arange(len(Y)), Y.astype(np.int64)] = 1
        return onehot
    if Y.shape != scores.shape:
        raise ValueError(f"targets of shape {Y.shape} do not match scores of shape {scores.shape}")
    return Y.astype(scores.dtype, copy=False)


def softmax_cross_entropy(logits: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """Fused softmax + cross-entropy on logits.

    ``L = -sum_i sum_k Y_ik log softmax(z_i)_k`` and ``dL/dz = softmax(z) - Y``.

    Parameters
    ----------
    logits : (n, k)
    Y : (n, k) one-hot, or (n,) class indices

    Returns
    -------
    loss : float, summed over the batch
    dlogits : (n, k)
    """
    Y = _one_hot_like(Y, logits)
    log_probs = log_softmax(logits)
    loss = -_total(Y * log_probs)
    # softmax = exp(log_softmax): one exp instead of a second max/exp/sum pass.
    dlogits = np.exp(log_probs, out=log_probs)
    dlogits -= Y
    return loss, dlogits


def cross_entropy(probs: np.ndarray, Y: np.ndarray, eps: float = 1e-12) -> tuple[float, np.ndarray]:
    """Cross-entropy of probabilities (e.g. a softmax layer's output).

    ``L = -sum_i sum_k Y_ik log p_ik`` and ``dL/dp = -Y / p``. ``p`` is clipped below at
    ``eps`` so a zero probability gives a large finite loss instead of ``inf``.

    Parameters
    ----------
    probs : (n, k), rows summing to 1
    Y : (n, k) one-hot, or (n,) class indices

    Returns
    -------
    loss : float
    dprobs : (n, k)
    """
    Y = _one_hot_like(Y, probs)
    clipped = np.maximum(probs, eps)
    return -_total(Y * np.log(clipped)), -Y / clipped


def squared_error(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Total squared error ``L = sum (pred - target)^2`` and ``dL/dpred = 2 (pred - target)``.

    Parameters
    ----------
    pred, target : arrays of the same shape, e.g. (n, 1024)
    """
    diff = pred - np.asarray(target, dtype=pred.dtype)
    return _total(diff * diff), 2 * diff


def accuracy(scores: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of rows whose arg-max of ``scores`` (logits or probabilities) equals the target.

    Parameters
    ----------
    scores : (n, k)
    Y : (n, k) one-hot, or (n,) class indices
    """
    Y = np.asarray(Y)
    labels = Y.argmax(axis=1) if Y.ndim == 2 else Y
    return float((scores.argmax(axis=1) == labels).mean()) if len(labels) else 0.0
