"""Reading a line recogniser's frames: CTC decoding, and where each character lies.

A line recogniser gives, for each frame (a few columns of the line image), probabilities over
the character classes and the blank. Reading them:

- :func:`best_path`: the most probable frame of each frame, repeats merged, blanks dropped
  (greedy decoding), with the frames each character was read on;
- :func:`prefix_beam_search`: the most probable *label sequences*, each summed over all the
  frame paths that give it (a few prefixes kept per frame, classes below ``floor`` skipped);
- :func:`alignment`: for a chosen sequence, its most probable frame path (Viterbi), which
  places every character on the frames it was read from;
- :func:`posteriors`: for each character of an alignment, its class distribution over its
  frames, the input of the word-level decoder (the letters/digits prior and the lexicon);
- :func:`sequences_log_likelihood`: how probable given label sequences are (the dictionary
  words a word might be), each summed over all its frame paths.
"""

from __future__ import annotations

import heapq
import math
from typing import Protocol

import numpy as np

from nnrecog.nn.ctc import ctc_log_likelihoods

Span = tuple[int, int]


def best_path(log_probs: np.ndarray, blank: int) -> tuple[list[int], list[Span]]:
    """Greedy decoding: the labels of the best frame path and each label's frames.

    Parameters
    ----------
    log_probs : (T, C) per-frame log-probabilities.

    Returns
    -------
    labels : class indices (no blank); spans : ``(first, last)`` frame of each label's run.
    """
    best = log_probs.argmax(axis=1)
    labels, spans = [], []
    for t, k in enumerate(best):
        if k == blank:
            continue
        if labels and spans[-1][1] == t - 1 and labels[-1] == k:
            spans[-1] = (spans[-1][0], t)
        else:
            labels.append(int(k))
            spans.append((t, t))
    return labels, spans


class PrefixScorer(Protocol):
    """What a beam search adds to a label sequence's frame log-probability when it ranks it:
    a language model's view of the sequence (``prefix``: class indices, no blank)."""

    def prefix(self, labels: tuple[int, ...]) -> float:
        """The score of ``labels`` as the start of a word."""

    def complete(self, labels: tuple[int, ...]) -> float:
        """The score of ``labels`` as a whole word (its end included)."""


def prefix_beam_search(
    log_probs: np.ndarray,
    blank: int,
    beam: int = 8,
    floor: float = np.log(1e-4),
    scorer: PrefixScorer | None = None,
) -> list[tuple[tuple[int, ...], float]]:
    """The ``beam`` most probable label sequences, best first, with their log-probabilities.

    Each prefix keeps two log-probabilities, of its paths ending in a blank and in its last
    label, so that a repeated label is told from a doubled one ("AA" needs a blank between).
    With a ``scorer``, prefixes are ranked by their log-probability plus ``scorer.prefix``
    (shallow fusion of a language model) and the sequences returned by it plus
    ``scorer.complete``, which is the score given with each.
    """
    def language(prefix: tuple[int, ...], complete: bool) -> float:
        if scorer is None:
            return 0.0
        return scorer.complete(prefix) if complete else scorer.prefix(prefix)

    # plain floats and math, not NumPy scalars: this loop runs per frame, prefix and class
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, -math.inf)}
    for frame in log_probs:
        candidates = [int(k) for k in np.flatnonzero(frame > floor) if k != blank]
        scores = frame.tolist()
        p_end_blank = scores[blank]
        nxt: dict[tuple[int, ...], list[float]] = {}

        def add(prefix: tuple[int, ...], which: int, value: float) -> None:
            entry = nxt.get(prefix)
            if entry is None:
                entry = nxt[prefix] = [-math.inf, -math.inf]
            entry[which] = _logaddexp(entry[which], value)

        for prefix, (p_blank, p_label) in beams.items():
            p_total = _logaddexp(p_blank, p_label)
            add(prefix, 0, p_total + p_end_blank)
            for k in candidates:
                if prefix and prefix[-1] == k:
                    add(prefix + (k,), 1, p_blank + scores[k])  # a new 'k' after a blank
                    add(prefix, 1, p_label + scores[k])  # the same 'k' held on
                else:
                    add(prefix + (k,), 1, p_total + scores[k])
        ranked = heapq.nlargest(beam, nxt.items(), key=lambda item: _logaddexp(*item[1]) + language(item[0], False))
        beams = {prefix: (values[0], values[1]) for prefix, values in ranked}
    found = [(prefix, _logaddexp(*values) + language(prefix, True)) for prefix, values in beams.items()]
    return sorted(found, key=lambda item: -item[1])


def _logaddexp(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` of two floats (either may be ``-inf``)."""
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


def alignment(log_probs: np.ndarray, labels: list[int], blank: int) -> list[Span]:
    """The frames of each label on the most probable frame path that reads ``labels``.

    Returns
    -------
    ``(first, last)`` frames per label; ``[]`` for no labels. Raises ``ValueError`` when the
    frames are too few for the labels.
    """
    if not labels:
        return []
    ext = np.full(2 * len(labels) + 1, blank)
    ext[1::2] = labels
    T, S = len(log_probs), len(ext)
    skip = np.zeros(S, dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    score = np.full((T, S), -np.inf)
    came = np.zeros((T, S), dtype=np.int64)  # how far back the best predecessor is: 0, 1 or 2
    score[0, :2] = log_probs[0, ext[:2]]
    for t in range(1, T):
        options = np.full((3, S), -np.inf)
        options[0] = score[t - 1]
        options[1, 1:] = score[t - 1, :-1]
        options[2, 2:] = np.where(skip[2:], score[t - 1, :-2], -np.inf)
        came[t] = options.argmax(axis=0)
        score[t] = options.max(axis=0) + log_probs[t, ext]
    s = S - 1 if score[-1, S - 1] >= score[-1, S - 2] else S - 2
    if not np.isfinite(score[-1, s]):
        raise ValueError(f"{T} frames are too few for {len(labels)} labels")
    state = np.zeros(T, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        state[t] = s
        s -= came[t, s]
    spans: list[Span] = []
    for i in range(len(labels)):
        frames = np.flatnonzero(state == 2 * i + 1)
        spans.append((int(frames[0]), int(frames[-1])))
    return spans


def posteriors(probs: np.ndarray, spans: list[Span], blank: int) -> np.ndarray:
    """Each aligned character's class distribution: the non-blank probabilities of its frames,
    at the frame most sure of a character, renormalised. (L, C - 1), blank's column removed."""
    keep = [k for k in range(probs.shape[1]) if k != blank]
    out = np.zeros((len(spans), len(keep)), np.float64)
    for i, (first, last) in enumerate(spans):
        frames = probs[first : last + 1][:, keep]
        best = frames[frames.sum(axis=1).argmax()]
        out[i] = best / max(best.sum(), 1e-12)
    return out


def sequences_log_likelihood(log_probs: np.ndarray, labels: np.ndarray, blank: int) -> np.ndarray:
    """``log P(labels_i | frames)`` of ``m`` label sequences ``(m, L)`` of one length at once,
    each summed over every frame path that reads it (the dictionary words a word might be):
    :func:`nnrecog.nn.ctc.ctc_log_likelihoods`, the training loss's own forward recursion."""
    return ctc_log_likelihoods(log_probs, labels, blank)
