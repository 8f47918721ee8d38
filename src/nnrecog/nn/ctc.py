"""Connectionist temporal classification (Graves et al., 2006): a loss for sequences without
alignments.

A network emits, for each of ``T`` frames (columns of a line image), log-probabilities over
``C`` classes, one of them the *blank* (no character). A label sequence ``l`` of length ``L``
is read off a frame path by merging repeated classes and dropping blanks, so ``"AAB"`` needs a
blank between the two A's. With ``l'`` the label sequence with blanks around and between its
labels (length ``S = 2L + 1``), the forward variables

    alpha_t(s) = y_t(l'_s) * (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [l'_s != blank and l'_s != l'_{s-2}] alpha_{t-1}(s-2))

sum the probability of every path prefix ending in ``l'_s`` at frame ``t``; ``P(l | x) =
alpha_T(S) + alpha_T(S-1)``, and the loss is ``-log P(l | x)``. The backward variables
``beta`` mirror them from the end, and the gradient with respect to the *unnormalised* scores
``a_t(k)`` (the network's outputs before a log-softmax over classes) is

    d loss / d a_t(k) = y_t(k) - (1 / P(l | x)) sum_{s : l'_s = k} alpha_t(s) beta_t(s) / y_t(k),

computed here in log space (``logaddexp``), so long lines do not underflow.
"""

from __future__ import annotations

import numpy as np

from nnrecog.nn.functional import log_softmax


def _extended(labels: np.ndarray, blank: int) -> np.ndarray:
    """``l'``: blank, l_1, blank, l_2, ..., l_L, blank (for ``(..., L)`` labels, ``(..., 2L + 1)``)."""
    out = np.full((*labels.shape[:-1], 2 * labels.shape[-1] + 1), blank, dtype=np.int64)
    out[..., 1::2] = labels
    return out


def _skip_allowed(ext: np.ndarray, blank: int) -> np.ndarray:
    """(..., S) bool: may a path jump from ``s - 2`` to ``s`` (a label different from the previous)."""
    allowed = np.zeros(ext.shape, dtype=bool)
    allowed[..., 2:] = (ext[..., 2:] != blank) & (ext[..., 2:] != ext[..., :-2])
    return allowed


def _log_alpha(emit: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """Log forward variables of ``m`` sequences of one extended length ``S`` at once.

    Parameters
    ----------
    emit : (T, m, S) log-probability of each sequence's ``l'_s`` at each frame.
    skip : (m, S) bool, :func:`_skip_allowed` of each sequence.

    Returns
    -------
    (T, m, S); ``-inf`` where no path reaches.
    """
    log_alpha = np.full(emit.shape, -np.inf)
    log_alpha[0, :, :2] = emit[0, :, :2]
    for t in range(1, len(emit)):
        prev = log_alpha[t - 1]
        total = prev.copy()
        total[:, 1:] = np.logaddexp(total[:, 1:], prev[:, :-1])
        total[:, 2:] = np.where(skip[:, 2:], np.logaddexp(total[:, 2:], prev[:, :-2]), total[:, 2:])
        log_alpha[t] = total + emit[t]
    return log_alpha


def ctc_forward_backward(log_probs: np.ndarray, labels: np.ndarray, blank: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Log forward and backward variables of one sequence.

    Parameters
    ----------
    log_probs : (T, C) log-probabilities per frame (rows log-sum-exp to 0).
    labels : (L,) int class indices, none of them ``blank``.

    Returns
    -------
    log_alpha, log_beta : (T, 2L + 1) each; ``-inf`` where no path reaches.
    """
    T = len(log_probs)
    ext = _extended(np.asarray(labels, np.int64), blank)
    S = len(ext)
    skip = _skip_allowed(ext, blank)
    emit = log_probs[:, ext]  # (T, S)
    log_alpha = _log_alpha(emit[:, None], skip[None])[:, 0]
    log_beta = np.full((T, S), -np.inf)
    log_beta[-1, -1] = emit[-1, -1]
    if S > 1:
        log_beta[-1, -2] = emit[-1, -2]
    # a path may jump from s to s + 2 when s + 2 may be jumped to
    skip_from = np.zeros(S, dtype=bool)
    skip_from[:-2] = skip[2:]
    for t in range(T - 2, -1, -1):
        nxt = log_beta[t + 1]
        total = nxt.copy()
        total[:-1] = np.logaddexp(total[:-1], nxt[1:])
        total[:-2] = np.where(skip_from[:-2], np.logaddexp(total[:-2], nxt[2:]), total[:-2])
        log_beta[t] = total + emit[t]
    return log_alpha, log_beta


def ctc_log_likelihoods(log_probs: np.ndarray, labels: np.ndarray, blank: int = 0) -> np.ndarray:
    """``log P(labels_i | x)`` of ``m`` label sequences of one length, each summed over every
    alignment, by one forward recursion for all of them.

    Parameters
    ----------
    log_probs : (T, C) log-probabilities per frame.
    labels : (m, L) int class indices, none of them ``blank``.

    Returns
    -------
    (m,); ``-inf`` for a sequence the frames are too few for.
    """
    labels = np.asarray(labels, np.int64)
    m, length = labels.shape
    if len(log_probs) == 0:
        return np.full(m, 0.0 if length == 0 else -np.inf)
    ext = _extended(labels, blank)
    last = _log_alpha(log_probs[:, ext], _skip_allowed(ext, blank))[-1]
    return np.logaddexp(last[:, -1], last[:, -2]) if length else last[:, -1]


def ctc_log_likelihood(log_probs: np.ndarray, labels: np.ndarray, blank: int = 0) -> float:
    """``log P(labels | x)`` summed over every alignment; ``-inf`` when the frames are too few."""
    return float(ctc_log_likelihoods(log_probs, np.asarray(labels, np.int64)[None], blank)[0])


def ctc_loss(
    logits: np.ndarray, lengths: np.ndarray, targets: list[np.ndarray], blank: int = 0
) -> tuple[float, np.ndarray]:
    """Summed CTC loss of a batch and its gradient with respect to the logits.

    Parameters
    ----------
    logits : (n, T, C) unnormalised scores per frame (a log-softmax over ``C`` is applied here).
    lengths : (n,) int, the frames each sequence really has (``<= T``; the rest is padding).
    targets : n arrays of class indices (no blank), the label sequences.

    Returns
    -------
    loss : ``sum_i -log P(targets_i | x_i)`` (a sequence that cannot be aligned, with fewer
        frames than it needs, contributes 0 and no gradient, as ``zero_infinity`` in PyTorch).
    dlogits : (n, T, C), zero on padded frames.
    """
    log_probs = log_softmax(np.asarray(logits, np.float64))
    dlogits = np.zeros_like(logits, dtype=np.float64)
    total = 0.0
    for i, (target, length) in enumerate(zip(targets, lengths)):
        length = int(length)
        lp = log_probs[i, :length].astype(np.float64)
        target = np.asarray(target, np.int64)
        log_alpha, log_beta = ctc_forward_backward(lp, target, blank)
        log_likelihood = np.logaddexp(log_alpha[-1, -1], log_alpha[-1, -2]) if len(target) else log_alpha[-1, -1]
        if not np.isfinite(log_likelihood):
            continue
        total -= log_likelihood
        ext = _extended(target, blank)
        # log sum over s with l'_s = k of alpha beta / y  (alpha and beta both include y_t(l'_s))
        occupancy = log_alpha + log_beta - lp[:, ext]
        per_class = np.full(lp.shape, -np.inf)
        for s, k in enumerate(ext):
            per_class[:, k] = np.logaddexp(per_class[:, k], occupancy[:, s])
        dlogits[i, :length] = np.exp(lp) - np.exp(per_class - log_likelihood)
    return float(total), dlogits.astype(logits.dtype)
