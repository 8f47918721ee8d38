"""Stage 9: reading one word from its glyphs' class probabilities, with the context a glyph
alone lacks.

A glyph alone cannot tell 0 from O, 1 from I, 5 from S or 2 from Z; its word usually can.

- *Letters or digits*: words are usually all letters or all digits, so each glyph's kind is
  pulled towards what the other glyphs of its word show, in proportion to their evidence
  (:func:`letters_or_digits_prior`); a word of one glyph takes its kind from its line, weakly.
- *Lexicon*: an all-letter word then becomes the most probable dictionary word of its length
  when that is probable enough (:meth:`~nnrecog.ocr.recognition.lexicon.Lexicon.best`).
"""

from __future__ import annotations

import string

import numpy as np

from nnrecog.ocr.config import DecodeConfig
from nnrecog.ocr.document.elements import Line
from nnrecog.ocr.recognition.lexicon import Lexicon


def _kind_masks(classes: str) -> tuple[np.ndarray, np.ndarray]:
    labels = np.array(list(classes))
    return np.char.isalpha(labels), np.char.isdigit(labels)


def kind_evidence(probs: np.ndarray, classes: str) -> np.ndarray:
    """``e_j = log(L_j / D_j)`` for each glyph: its letter-over-digit evidence, (n,) (zeros
    without both kinds among ``classes``)."""
    letters, digits = _kind_masks(classes)
    if not letters.any() or not digits.any():
        return np.zeros(len(probs))
    tiny = 1e-12
    return np.log(probs[:, letters].sum(1) + tiny) - np.log(probs[:, digits].sum(1) + tiny)


def weighted_by_kind(probs: np.ndarray, classes: str, others: np.ndarray, minority_prior: float) -> np.ndarray:
    """Multiply each glyph's digit probabilities by ``max(exp(-E), minority_prior)`` when the
    evidence ``E`` of its context (``others``, (n,)) is for letters (``E > 0``), its letter
    probabilities likewise when it is for digits; renormalised."""
    letters, digits = _kind_masks(classes)
    factor = np.maximum(np.exp(-np.abs(others)), minority_prior)[:, None]
    weights = np.ones_like(probs)
    weights[:, digits] = np.where(others[:, None] > 0, factor, 1.0)
    weights[:, letters] = np.where(others[:, None] < 0, factor, 1.0)
    adjusted = probs * weights
    return adjusted / adjusted.sum(axis=1, keepdims=True)


def letters_or_digits_prior(probs: np.ndarray, classes: str, minority_prior: float = DecodeConfig.minority_prior) -> np.ndarray:
    """Re-weight each glyph of a word by what the word's *other* glyphs say about its kind.

    With ``e_j`` the letter-over-digit evidence of glyph ``j`` (:func:`kind_evidence`) and
    ``E_i = sum_{j != i} e_j``, glyph ``i``'s digit probabilities are multiplied by
    ``max(exp(-E_i), minority_prior)`` when ``E_i > 0`` (its neighbours are letters), its
    letter probabilities by ``max(exp(E_i), minority_prior)`` when ``E_i < 0``. Nine clear
    digits make a tenth glyph read '5' rather than 'S'; one letter beside one digit shifts
    little; a single-glyph word is left alone.

    Parameters
    ----------
    probs : (n, k) class probabilities of the word's glyphs.

    Returns
    -------
    (n, k) renormalised probabilities (unchanged without both kinds among ``classes``).
    """
    letters, digits = _kind_masks(classes)
    if len(probs) < 2 or not letters.any() or not digits.any():
        return probs
    evidence = kind_evidence(probs, classes)
    return weighted_by_kind(probs, classes, evidence.sum() - evidence, minority_prior)


def decode_word(
    probs: np.ndarray,
    classes: str,
    lexicon: Lexicon | None,
    config: DecodeConfig = DecodeConfig(),
    line_evidence: float = 0.0,
) -> str:
    """Read one word from its glyphs' probabilities, using the context described above.

    Parameters
    ----------
    probs : (n, k) class probabilities, ``classes[j]`` the label of column ``j``.
    lexicon : ``None`` reads glyph by glyph (after the letters/digits prior).
    line_evidence : the letter-over-digit evidence of the rest of the line
        (:func:`kind_evidence`, summed). A word of one glyph has no word to take its kind
        from, so it takes it from the line, weakly (``config.line_minority_prior``): in a row
        of single letters an ambiguous '0' reads 'O', yet a clear '1' before a word stays '1'.

    Returns
    -------
    The word, ``n`` labels long.
    """
    if len(probs) == 0:
        return ""
    if len(probs) == 1:
        adjusted = weighted_by_kind(probs, classes, np.array([line_evidence]), config.line_minority_prior)
    else:
        adjusted = letters_or_digits_prior(probs, classes, config.minority_prior)
    greedy = "".join(classes[j] for j in adjusted.argmax(axis=1))
    if lexicon is None or len(probs) < 2 or not greedy.isalpha():
        return greedy
    log_adjusted = np.log(adjusted + 1e-12)
    columns = [classes.find(c) for c in string.ascii_uppercase]
    letter_log_probs = np.stack(
        [log_adjusted[:, j] if j >= 0 else np.full(len(probs), -np.inf) for j in columns], axis=1
    )
    # letters are the greedy reading's argmax, so the lexicon's shortfall is measured from it
    found = lexicon.best(letter_log_probs, config)
    return found[0] if found is not None else greedy


#: The one-letter words of English. The word list holds every letter (each has its entry), so
#: a reading that breaks a line into single letters would otherwise count as all known words.
ONE_LETTER_WORDS = frozenset("AI")


def is_known_word(word: str, lexicon: Lexicon) -> bool:
    """A run of digits, one of the one-letter words 'A' and 'I', or a word of the lexicon of two
    letters or more."""
    return word.isdigit() or (word in ONE_LETTER_WORDS if len(word) == 1 else word in lexicon)


def known_characters(line: Line, lexicon: Lexicon) -> int:
    """How many of a line's characters are in known words (:func:`is_known_word`)."""
    return sum(len(word.text) for word in line.words if is_known_word(word.text, lexicon))
