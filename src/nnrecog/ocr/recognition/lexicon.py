"""Stage 9 (with :mod:`nnrecog.ocr.recognition.decode` and :mod:`~nnrecog.ocr.recognition.words`):
the lexicon, dictionary words by length with a prior from their counts in running English text.

- *Lexicon*: an all-letter word of ``n >= 2`` glyphs is scored against every dictionary word
  of length ``n`` with ``log P(w) = sum_i log p_i(w_i)`` (every alternative of every glyph is
  considered, vectorised over the dictionary, :meth:`Lexicon.best`). The best dictionary word
  replaces the glyph-by-glyph reading when it is at most ``lexicon_margin`` nats less
  probable, i.e. the prior odds of a dictionary word over a non-word are
  ``exp(lexicon_margin)`` (50:1 by default, :class:`~nnrecog.ocr.config.DecodeConfig`)...
- *Word prior*: ...for a rare word. A common word's odds are higher, by its count in running
  text (:meth:`Lexicon.prior`), so that of two words that read alike the common one wins: the
  list's 1.3 million forms hold 'SENGE' and 'THS' (GCIDE's rare words, and inflections
  generated blindly) beside 'SENSE' and 'THIS'.
- *Near words* (:meth:`Lexicon.near`): the dictionary words an edit or two from a reading,
  which the line recogniser's frames then score.

The word list is GCIDE's (from the ``english-words`` package, read at run time) plus regular
inflections (-s, -es, -ed, -d, -ing, -er, -est, -ly, y -> -ies/-ied) and common contractions
without their apostrophe (DONT, ISNT, ...), with the shipped word counts
(:mod:`~nnrecog.ocr.recognition.wordcounts`), cached as one ``.npz`` under the user cache
directory after the first use.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nnrecog.errors import InputError
from nnrecog.fileio import ArraySpec, atomic_path, open_npz
from nnrecog.ocr.config import DecodeConfig
from nnrecog.ocr.recognition.wordcounts import count_words, read_word_counts, write_word_counts
from nnrecog.paths import cache_dir

if TYPE_CHECKING:
    from nnrecog.ocr.recognition.spelling import SpellingModel

_CACHE_NAME = "lexicon-gcide-v3.npz"
_SPELLING_CACHE_NAME = "spelling-gcide-v3-tokens-order5.npz"
#: Contractions as they read without the apostrophe (the classifier has no apostrophe).
_CONTRACTIONS = (
    "dont doesnt didnt cant couldnt wont wouldnt shouldnt isnt arent wasnt werent hasnt havent "
    "hadnt im ive id ill youre youve youll youd hes shes its were weve well wed theyre theyve "
    "theyll theyd thats theres whats lets"
).split()
_SUFFIXES = ("s", "es", "ed", "d", "ing", "er", "est", "ly", "r", "st")
_MAX_LENGTH = 24
_LETTERS = string.ascii_uppercase


class Lexicon:
    """Dictionary words grouped by length, as letter codes for vectorised scoring, with how
    often each occurs in running English text (its word prior, :meth:`prior`).

    Parameters
    ----------
    by_length : ``{n: (m, n) uint8}`` with codes 0..25 for A..Z.
    counts_by_length : ``{n: (m,) uint32}``, each word's count in the corpus (0: not seen), in
        the order of ``by_length``; ``None``: no counts, every word equally likely.
    """

    def __init__(self, by_length: dict[int, np.ndarray], counts_by_length: dict[int, np.ndarray] | None = None):
        self.by_length = by_length
        self.counts_by_length = counts_by_length
        self._counted: dict[str, int] | None = None
        self._priors: dict[tuple[int, float, float, float], np.ndarray] = {}
        self._sorted: dict[int, np.ndarray] = {}
        #: Where :meth:`spelling` keeps its model between runs (the shipped list's: the user cache).
        self.spelling_cache: Path | None = None
        self._spelling: SpellingModel | None = None

    @classmethod
    def from_words(cls, words: set[str] | list[str], counts: Mapping[str, int] | None = None) -> Lexicon:
        """Build from words of letters A-Z (other words are ignored; case is ignored), with
        their corpus counts (upper-case keys; a word not among them counts 0)."""
        groups: dict[int, list[bytes]] = {}
        for word in {w.upper() for w in words}:
            if 1 <= len(word) <= _MAX_LENGTH and word.isascii() and word.isalpha():
                groups.setdefault(len(word), []).append(word.encode())
        for group in groups.values():
            group.sort()
        by_length = {n: (np.frombuffer(b"".join(ws), np.uint8).reshape(-1, n) - ord("A")).astype(np.uint8)
                     for n, ws in groups.items()}
        if counts is None:
            return cls(by_length)
        return cls(by_length, {n: np.array([counts.get(w.decode(), 0) for w in ws], np.uint32) for n, ws in groups.items()})

    def prior(self, n: int, config: DecodeConfig = DecodeConfig()) -> np.ndarray:
        """``(m,)`` the log prior odds (nats) of each word of length ``n`` over a word seen
        ``word_prior_reference`` times or less: ``clip(w (ln(1 + c) - ln(1 + r)), 0, cap)`` with
        ``c`` its count, ``w = word_prior_weight``, ``cap = word_prior_cap``. Counts only raise
        a word's odds: a word the corpus never shows is no less a word (47 million words of
        technical English hold no MOUNTAINS, SEIZED or NEURAL). Zeros without counts:
        then every dictionary word has the same odds, ``lexicon_margin``, over a non-word; and
        zeros for single letters, which the list holds each as a word of its own but which in
        text are initials, symbols and list marks, not words: their counts would turn a '0'
        read alone into an 'O'."""
        codes = self.by_length.get(n)
        if codes is None:
            return np.zeros(0)
        if self.counts_by_length is None:
            return np.zeros(len(codes))
        key = (n, config.word_prior_weight, config.word_prior_reference, config.word_prior_cap)
        if key not in self._priors:  # a log per word of the length: 1 ms for the 130,000 of 8
            self._priors[key] = _prior(self.counts_by_length[n], np.full(len(codes), n), config)
        return self._priors[key]

    def priors_of(self, words: list[str], config: DecodeConfig = DecodeConfig()) -> np.ndarray:
        """:meth:`prior` of each of ``words`` (dictionary words, any length)."""
        if self.counts_by_length is None:
            return np.zeros(len(words))
        if self._counted is None:  # only the words seen: a small fraction of the list
            self._counted = {}
            for n, codes in self.by_length.items():
                seen = np.flatnonzero(self.counts_by_length[n])
                text = (codes[seen] + ord("A")).astype(np.uint8).tobytes().decode("ascii")
                self._counted.update(zip((text[i : i + n] for i in range(0, len(text), n)),
                                         self.counts_by_length[n][seen].tolist()))
        counts = np.array([self._counted.get(w, 0) for w in words], np.float64)
        return _prior(counts, np.array([len(w) for w in words]), config)

    def spelling(self) -> SpellingModel:
        """The spelling model learned from these words (:mod:`~nnrecog.ocr.recognition.spelling`),
        built at first use (some seconds) or read from :attr:`spelling_cache`."""
        if self._spelling is None:
            from nnrecog.ocr.recognition.spelling import load_or_build

            self._spelling = load_or_build(self.by_length, self.counts_by_length, self.spelling_cache)
        return self._spelling

    def __len__(self) -> int:
        return sum(len(codes) for codes in self.by_length.values())

    def __contains__(self, word: str) -> bool:
        if not word.isascii() or not word.isalpha():
            return False
        target = np.frombuffer(word.upper().encode(), np.uint8) - ord("A")
        return bool(self._known(target[None])[0])

    def _known(self, candidates: np.ndarray) -> np.ndarray:
        """(k,) bool: which rows of ``candidates`` (k, n) are dictionary words: a binary search
        among the words of length n as sorted byte strings (sorted once, when that length is
        first asked for; a few ms for the longest lists)."""
        n = candidates.shape[1]
        if n not in self.by_length:
            return np.zeros(len(candidates), bool)
        if n not in self._sorted:
            self._sorted[n] = np.sort(_as_bytes(self.by_length[n]))
        known, words = self._sorted[n], _as_bytes(candidates)
        return known[np.minimum(np.searchsorted(known, words), known.size - 1)] == words

    def near(self, word: str, substitutions: int = 1) -> list[str]:
        """The dictionary words one edit from ``word`` (a letter replaced, one left out, one
        too many), and those with up to ``substitutions`` letters replaced; ``word`` itself
        too if it is one. Empty for a word that is not all letters A-Z."""
        if not word or not word.isascii() or not word.isalpha():
            return []
        target = np.frombuffer(word.upper().encode(), np.uint8) - ord("A")
        n = len(target)
        found = []
        if (same := self.by_length.get(n)) is not None:
            found.append(same[(same != target).sum(axis=1) <= max(1, substitutions)])
        # a letter of the word left out: each of the 26 letters put in at each place, looked up
        put_in = _letter_put_in(target)
        found.append(np.unique(put_in[self._known(put_in)], axis=0))
        if n > 1:  # a letter too many: each letter left out in turn, looked up
            left_out = _letter_left_out(target)
            found.append(np.unique(left_out[self._known(left_out)], axis=0))
        return ["".join(_LETTERS[c] for c in codes) for group in found for codes in group]

    def best(self, letter_log_probs: np.ndarray, config: DecodeConfig = DecodeConfig()) -> tuple[str, float] | None:
        """The most probable dictionary word for a sequence of glyphs, if it is probable enough.

        Each word ``w`` is scored by its shortfall against the best letter at each position,
        ``s(w) = sum_i (max_c l_i(c) - l_i(w_i))``, less its :meth:`prior` ``p(w)``; the word
        of least ``s(w) - p(w)`` is taken when that is at most ``config.lexicon_margin``. Words
        are scored position by position and one whose running shortfall already exceeds the
        margin plus its prior is dropped early (most words go after the first letter).

        Parameters
        ----------
        letter_log_probs : (n, 26) log-probabilities of A..Z for each glyph.

        Returns
        -------
        ``(word, log P(word))``, or ``None`` when no word of length ``n`` is within the margin.
        """
        n = len(letter_log_probs)
        codes = self.by_length.get(n)
        if codes is None or len(codes) == 0:
            return None
        prior = self.prior(n, config)
        shortfall_per_letter = letter_log_probs.max(axis=1, keepdims=True) - letter_log_probs
        alive = np.arange(len(codes))
        shortfall = np.zeros(len(codes))
        for i in range(n):
            shortfall = shortfall + shortfall_per_letter[i, codes[alive, i]]
            keep = shortfall <= config.lexicon_margin + prior[alive]
            alive, shortfall = alive[keep], shortfall[keep]
            if alive.size == 0:
                return None
        j = int(np.argmin(shortfall - prior[alive]))
        word = codes[alive[j]]
        return "".join(_LETTERS[c] for c in word), float(letter_log_probs[np.arange(n), word].sum())


def _prior(counts: np.ndarray, lengths: np.ndarray, config: DecodeConfig) -> np.ndarray:
    """:meth:`Lexicon.prior` of words counted ``counts`` times, ``lengths`` letters long."""
    odds = config.word_prior_weight * (np.log1p(counts.astype(np.float64)) - np.log1p(config.word_prior_reference))
    return np.where(lengths > 1, np.clip(odds, 0.0, config.word_prior_cap), 0.0)


def _as_bytes(codes: np.ndarray) -> np.ndarray:
    """(m,) byte strings ``b"ABC..."`` of (m, n) letter codes 0..25: sortable and searchable."""
    n = codes.shape[1]
    return np.ascontiguousarray(codes + ord("A"), dtype=np.uint8).view(f"S{n}").reshape(len(codes))


def _letter_put_in(codes: np.ndarray) -> np.ndarray:
    """(26 (n + 1), n + 1): the word ``codes`` (n,) with each letter put in at each place."""
    n = len(codes)
    place, column = np.arange(n + 1)[:, None], np.arange(n + 1)[None, :]
    # column k of the word with a letter put in at j holds the word's letter k (k < j) or k - 1
    shifted = codes[np.clip(np.where(column < place, column, column - 1), 0, max(n - 1, 0))]
    words = np.repeat(shifted[:, None, :], 26, axis=1)
    words[np.arange(n + 1), :, np.arange(n + 1)] = np.arange(26, dtype=codes.dtype)
    return words.reshape(-1, n + 1)


def _letter_left_out(codes: np.ndarray) -> np.ndarray:
    """(n, n - 1): the word ``codes`` (n,) with each of its letters left out in turn."""
    n = len(codes)
    place, column = np.arange(n)[:, None], np.arange(n - 1)[None, :]
    return codes[column + (column >= place)]


def inflections(word: str) -> list[str]:
    """The word and its regular inflections (over-generating is harmless for decoding)."""
    forms = [word] + [word + s for s in _SUFFIXES]
    if word.endswith("y") and len(word) > 2:
        forms += [word[:-1] + "ies", word[:-1] + "ied"]
    if word.endswith("e"):
        forms += [word[:-1] + "ing"]
    return forms


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The GCIDE word list with inflections and the shipped word counts
    (:func:`~nnrecog.ocr.recognition.wordcounts.read_word_counts`), built once and cached on
    disk, as is its spelling model.

    Raises
    ------
    InputError : the ``english-words`` package is not installed (use ``--no-lexicon``).
    """
    lexicon = _shipped_lexicon()
    lexicon.spelling_cache = cache_dir() / _SPELLING_CACHE_NAME
    return lexicon


def _shipped_lexicon() -> Lexicon:
    """:func:`default_lexicon`'s words and counts, from the cache or built (and cached)."""
    path = cache_dir() / _CACHE_NAME
    if path.is_file():
        try:
            with open_npz(path, "a lexicon cache") as archive:
                lengths = [int(key[4:]) for key in archive.headers if key.startswith("len_")]
                specs = {f"len_{n}": ArraySpec(shape=(None, n), dtype="uint8") for n in lengths}
                specs |= {f"count_{n}": ArraySpec(shape=(None,), dtype="uint32") for n in lengths}
                archive.expect(specs)
                by_length = {n: archive.read(f"len_{n}") for n in lengths}
                counts = {n: archive.read(f"count_{n}") for n in lengths}
            if all(len(counts[n]) == len(by_length[n]) for n in lengths):
                return Lexicon(by_length, counts)
        except (InputError, OSError, ValueError):
            pass
        path.unlink(missing_ok=True)  # a damaged cache is rebuilt below
    lexicon = Lexicon.from_words(_word_list(), read_word_counts())
    _save(path, lexicon)
    return lexicon


def lexicon_with_counts(word_counts: str | os.PathLike) -> Lexicon:
    """The shipped word list with other word counts (a file of ``nnrecog data word-counts``):
    common words of the user's own texts weigh more. Built afresh, not cached (some seconds).

    Raises
    ------
    InputError : the counts file is unusable, or ``english-words`` is not installed.
    """
    counts = read_word_counts(word_counts)
    return Lexicon.from_words(_word_list(), counts)


def _word_list() -> set[str]:
    """The word list's words, upper case (needs the ``english-words`` package)."""
    try:
        from english_words import get_english_words_set
    except ImportError:
        raise InputError(
            "the lexicon needs the 'english-words' package (pip install english-words), or pass --no-lexicon"
        ) from None
    base = get_english_words_set(["gcide"], alpha=True, lower=True)
    return {form.upper() for word in base for form in inflections(word)} | {w.upper() for w in _CONTRACTIONS}


def count_lexicon_words(roots: Sequence[str | os.PathLike], out: str | os.PathLike, min_count: int = 2,
                        progress: bool = True) -> int:
    """Count the word list's words in the text files under ``roots`` and write those seen at
    least ``min_count`` times to ``out`` (:mod:`~nnrecog.ocr.recognition.wordcounts`; a bar of
    the files read with ``progress``); return how many were written."""
    words = _word_list()
    return write_word_counts(count_words(roots, words.__contains__, progress), out, min_count)


def _save(path: Path, lexicon: Lexicon) -> None:
    assert lexicon.counts_by_length is not None
    try:
        with atomic_path(path) as tmp:
            np.savez(tmp, **{f"len_{n}": codes for n, codes in lexicon.by_length.items()},
                     **{f"count_{n}": counts for n, counts in lexicon.counts_by_length.items()})
    except OSError:
        pass  # an unwritable cache only costs rebuilding next time
