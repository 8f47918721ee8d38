"""Evaluation metrics shared by the experiments, the OCR and the PyTorch counterparts.

Everything here is plain NumPy on class indices or images; nothing trains or plots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true, y_pred : (n,) int
        Class indices in ``0 .. n_classes-1``.
    n_classes : int
        k, the number of classes.

    Returns
    -------
    cm : (k, k) int64
        ``cm[t, p]`` = number of samples of true class t predicted as p; rows sum to the
        class counts, the trace is the number of correct predictions.
    """
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"{name} holds indices outside 0..{n_classes - 1}")
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def top_confused_pairs(
    cm: np.ndarray, class_names: Sequence[str], k: int = 5
) -> list[tuple[str, str, int]]:
    """The ``k`` most frequent off-diagonal cells of a confusion matrix.

    Parameters
    ----------
    cm : (c, c) int
        Confusion matrix, rows true class, columns predicted class.
    class_names : sequence of c str
    k : int
        How many pairs to return at most; pairs with a zero count are never returned.

    Returns
    -------
    list of (true_name, predicted_name, count)
        Sorted by count descending; ties broken by (true, predicted) index so the order is
        deterministic.
    """
    cm = np.asarray(cm)
    off_diagonal = cm.copy()
    np.fill_diagonal(off_diagonal, 0)
    flat = off_diagonal.ravel()
    # A stable sort on -count keeps row-major index order among ties.
    order = np.argsort(-flat, kind="stable")[:k]
    n = cm.shape[1]
    return [
        (class_names[i // n], class_names[i % n], int(flat[i])) for i in order if flat[i] > 0
    ]


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Recall of each class, ``cm[c, c] / sum_p cm[c, p]``.

    Parameters
    ----------
    cm : (c, c) int

    Returns
    -------
    (c,) float64
        NaN for a class without any sample.
    """
    cm = np.asarray(cm, dtype=np.float64)
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(cm) / support, np.nan)


def per_class_report(cm: np.ndarray, class_names: Sequence[str]) -> dict[str, float | None]:
    """``per_class_accuracy`` keyed by class name, ready for JSON: ``None`` (not NaN, which JSON
    cannot hold) for a class without any sample."""
    return {
        name: None if np.isnan(acc) else float(acc)
        for name, acc in zip(class_names, per_class_accuracy(cm))
    }


def subset_accuracy(cm: np.ndarray, classes: Sequence[int]) -> float:
    """Accuracy over the samples whose true class is in ``classes``.

    Parameters
    ----------
    cm : (c, c) int
    classes : sequence of int
        True-class indices to pool (e.g. the vowels).

    Returns
    -------
    float
        ``sum_{t in classes} cm[t, t] / sum_{t in classes} sum_p cm[t, p]``; NaN if none.
    """
    rows = np.asarray(classes, dtype=np.int64)
    cm = np.asarray(cm)
    total = cm[rows].sum()
    return float(cm[rows, rows].sum() / total) if total else float("nan")


def psnr(reference: np.ndarray, reconstruction: np.ndarray, data_range: float = 1.0) -> float:
    """Mean peak signal-to-noise ratio over a batch of images.

    For each image i with N pixels,
    ``MSE_i = (1/N) sum_j (x_ij - xhat_ij)^2`` and ``PSNR_i = 10 log10(MAX_I^2 / MSE_i)``;
    the result is ``mean_i PSNR_i`` (the course's definition, and per image exactly
    ``skimage.metrics.peak_signal_noise_ratio(x_i, xhat_i, data_range=MAX_I)``).

    Parameters
    ----------
    reference, reconstruction : (n, ...) float
        n images of any shape (e.g. (n, 1024) or (n, 32, 32)).
    data_range : float
        MAX_I, the largest possible pixel value (1 for images in [0, 1]).

    Returns
    -------
    float
        Mean PSNR in dB; ``inf`` if some reconstruction is perfect.
    """
    reference = np.asarray(reference, dtype=np.float64)
    reconstruction = np.asarray(reconstruction, dtype=np.float64)
    if reference.shape != reconstruction.shape:
        raise ValueError(
            f"reference {reference.shape} and reconstruction {reconstruction.shape} differ in shape"
        )
    n = reference.shape[0]
    mse = ((reference - reconstruction) ** 2).reshape(n, -1).mean(axis=1)
    with np.errstate(divide="ignore"):
        per_image = 10.0 * np.log10(data_range**2 / mse)
    return float(per_image.mean())


VOWELS = "AEIOU"


def nist26_scores(scores: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Accuracy on the real NIST letters (nist26_valid) from 36-way scores.

    The decision is the full 36-way arg-max, so answering a digit for a letter is an error;
    ``nist26_accuracy_letters_only`` restricts the answer to the 26 letters.

    Parameters
    ----------
    scores : (n, 36) logits or probabilities, classes in ``nnrecog.data.CLASSES`` order
    y : (n,) letter indices 0..25

    Returns
    -------
    dict with ``nist26_accuracy``, ``nist26_accuracy_letters_only``, ``nist26_vowels_accuracy``,
    ``nist26_consonants_accuracy`` and ``nist26_per_class`` (letter -> accuracy or None)
    """
    from nnrecog.data import CLASSES

    cm = confusion_matrix(y, scores.argmax(axis=1), len(CLASSES))[:26]
    letters = np.arange(26)
    vowels = [CLASSES.index(c) for c in VOWELS]
    return {
        "nist26_accuracy": float(np.trace(cm) / cm.sum()),
        "nist26_accuracy_letters_only": float((scores[:, :26].argmax(axis=1) == y).mean()),
        "nist26_vowels_accuracy": subset_accuracy(cm, vowels),
        "nist26_consonants_accuracy": subset_accuracy(cm, np.setdiff1d(letters, vowels)),
        "nist26_per_class": per_class_report(cm, CLASSES[:26]),
    }
