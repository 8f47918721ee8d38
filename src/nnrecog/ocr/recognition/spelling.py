"""Stage 9's spelling model: how probable each next letter of a word is given the letters before
it, learned from the word list, so that a line read frame by frame prefers readings spelt like
English ('STRUGGLE' over 'SORWGBLE') before any dictionary lookup.

A character n-gram model of words (order ``n``: the ``n - 1`` letters before predict the
next), with interpolated absolute discounting (Ney, Essen and Kneser 1994):

    P(c | h) = max(N(h c) - D, 0) / N(h) + D T(h) / N(h) * P(c | h'),

``N`` the (weighted) counts, ``T(h)`` the number of different letters seen after ``h``, ``h'``
the context one letter shorter, down to a uniform distribution; a context never seen is its
shorter context. Symbols: 0 the word's edge (before its first letter, after its last), 1-26
A-Z. Each form of the word list counts ``1 + c`` times, ``c`` its count in running text (the
lexicon's word counts): once for its spelling, and as often as it is written. Counted by form
alone, short words would be improbable (few forms are two letters long, yet 'MY' and 'NO' are
written all the time); counted by running text alone, a rare word's spelling would be unknown.

The model is built from the lexicon once (some seconds; :meth:`Lexicon.spelling
<nnrecog.ocr.recognition.lexicon.Lexicon.spelling>`), the shipped list's cached on disk beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from nnrecog.errors import InputError
from nnrecog.fileio import ArraySpec, atomic_path, open_npz

#: Words (or their counts) by length, as a lexicon holds them: ``{n: (m, n) codes 0..25}``.
WordsByLength = dict[int, np.ndarray]

#: Symbols: the word's edge and the 26 letters.
EDGE = 0
SYMBOLS = 27
#: Contexts whose next-letter distribution is kept (27 floats each).
_MAX_CACHED_CONTEXTS = 200_000


class SpellingModel:
    """A character n-gram model of words (see the module's docstring).

    Parameters
    ----------
    tables : for each order ``k = 1..order``, ``(keys, counts)``: ``keys`` (m_k,) int64 sorted,
        the k-gram ``s_1..s_k`` as ``sum s_i 27^(k - i)``, ``counts`` (m_k,) float64 its weight.
    discount : ``D``.
    """

    def __init__(self, tables: list[tuple[np.ndarray, np.ndarray]], discount: float = 0.75):
        self.order = len(tables)
        self.discount = discount
        self._keys = [keys for keys, _ in tables]
        self._counts = [counts for _, counts in tables]
        self._next: dict[tuple[int, ...], np.ndarray] = {}
        self._histories: dict[tuple[int, ...], np.ndarray] = {}
        self._prefixes: dict[tuple[int, ...], float] = {}

    @classmethod
    def from_words(cls, by_length: WordsByLength, counts_by_length: WordsByLength | None, order: int = 5) -> SpellingModel:
        """Count the k-grams (edges padded), ``k = 1..order``, of the words of a
        :class:`~nnrecog.ocr.recognition.lexicon.Lexicon` (its ``by_length`` and
        ``counts_by_length``)."""
        keys, weights = [], []
        for n, codes in by_length.items():
            counts = counts_by_length[n] if counts_by_length is not None else np.zeros(len(codes))
            padded = np.zeros((len(codes), n + order), np.int64)
            padded[:, order - 1 : order - 1 + n] = codes.astype(np.int64) + 1
            weight = 1.0 + counts.astype(np.float64)
            # the order-grams ending at each letter and at the edge after the last one
            for end in range(order - 1, order + n):
                key = np.zeros(len(codes), np.int64)
                for i in range(end - order + 1, end + 1):
                    key = key * SYMBOLS + padded[:, i]
                keys.append(key)
                weights.append(weight)
        unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
        longest = (unique, np.bincount(inverse, weights=np.concatenate(weights)))
        # a k-gram ending at a place is the last k symbols of the order-gram ending there (the
        # edge pads every word's start): each shorter table is counted from the longest one's
        tables = []
        for k in range(1, order):
            unique, inverse = np.unique(longest[0] % SYMBOLS**k, return_inverse=True)
            tables.append((unique, np.bincount(inverse, weights=longest[1])))
        tables.append(longest)
        return cls(tables)

    def _range(self, k: int, context: int) -> tuple[int, int]:
        keys = self._keys[k - 1]
        lo = int(np.searchsorted(keys, context * SYMBOLS))
        return lo, int(np.searchsorted(keys, context * SYMBOLS + SYMBOLS, side="left"))

    def next_log_probs(self, context: tuple[int, ...]) -> np.ndarray:
        """``log P(c | context)`` for each symbol ``c`` (27,); ``context``: the symbols before,
        oldest first, the edge for the start of a word (only the last ``order - 1`` count)."""
        context = tuple(context[-(self.order - 1):]) if self.order > 1 else ()
        if len(context) < self.order - 1:
            context = (EDGE,) * (self.order - 1 - len(context)) + context
        found = self._next.get(context)
        if found is None:
            if len(self._next) >= _MAX_CACHED_CONTEXTS:
                self._next.clear()  # a long batch of pages must not grow without bound
            found = np.log(self._probs(context))
            self._next[context] = found
        return found

    def _probs(self, history: tuple[int, ...]) -> np.ndarray:
        """``P(c | history)`` for each symbol (27,), from the distribution given the history one
        symbol shorter, which many histories share: each shorter one is computed once (kept)."""
        found = self._histories.get(history)
        if found is not None:
            return found
        shorter = self._probs(history[1:]) if history else np.full(SYMBOLS, 1.0 / SYMBOLS)
        k, code = len(history) + 1, 0
        for s in history:
            code = code * SYMBOLS + s
        lo, hi = self._range(k, code)
        if hi == lo:
            probs = shorter  # never seen: nor is any longer history that ends in it
        else:
            counts = np.zeros(SYMBOLS)
            counts[self._keys[k - 1][lo:hi] - code * SYMBOLS] = self._counts[k - 1][lo:hi]
            probs = (np.maximum(counts - self.discount, 0.0) + self.discount * (hi - lo) * shorter) / counts.sum()
        if len(history) < self.order - 1:  # a whole context's is kept by next_log_probs, as its log
            if len(self._histories) >= _MAX_CACHED_CONTEXTS:
                self._histories.clear()
            self._histories[history] = probs
        return probs

    def log_prob(self, symbols: list[int], complete: bool = True) -> float:
        """``log P`` of a word's letters (symbols 1-26), each given those before, and with
        ``complete`` the edge after the last: the word ends there."""
        total = self._prefix_log_prob(tuple(symbols))
        return total + float(self.next_log_probs(tuple(symbols))[EDGE]) if complete else total

    def _prefix_log_prob(self, symbols: tuple[int, ...]) -> float:
        # a beam search asks for every prefix of the words it grows: each is its parent plus one letter
        if not symbols:
            return 0.0
        found = self._prefixes.get(symbols)
        if found is None:
            if len(self._prefixes) >= _MAX_CACHED_CONTEXTS:
                self._prefixes.clear()
            found = self._prefix_log_prob(symbols[:-1]) + float(self.next_log_probs(symbols[:-1])[symbols[-1]])
            self._prefixes[symbols] = found
        return found


class SpellingScorer:
    """The spelling model's score of a word being read (a
    :class:`~nnrecog.ocr.recognition.ctc.PrefixScorer`), in nats, for sequences of output indices
    whose characters ``label(k)`` gives:

    - a word of letters: ``weight * log P(word)`` (:class:`SpellingModel`), its end counted only
      when it is complete;
    - a run of digits: ``weight * (ln digit_share + n ln(1/10))``, every digit equally likely;
    - letters and digits mixed: ``weight * (ln mixed_share + n ln(1/36))``, every character
      equally likely: tokens such as 'B52' are rare beside words and numbers (``digit_share``
      and ``mixed_share``: the shares of numbers and of mixed tokens among what is written);
    - one character alone, complete: ``weight * ln(1/36)``, letter or digit alike (an initial,
      a list mark, a digit: whether 'O' or '0' is left to the letters/digits prior);

    plus ``bonus`` nats per character, which offsets a language model's preference for short
    readings. ``weight`` 0 and ``bonus`` 0 score nothing.
    """

    def __init__(self, model: SpellingModel, label: Callable[[int], str], weight: float, bonus: float = 0.0,
                 digit_share: float = 0.1, mixed_share: float = 0.01):
        self.model = model
        self.label = label
        self.weight = weight
        self.bonus = bonus
        self.digit_share = digit_share
        self.mixed_share = mixed_share
        self._scores: dict[tuple[tuple[int, ...], bool], float] = {}

    def prefix(self, labels: tuple[int, ...]) -> float:
        return self._score(labels, False)

    def complete(self, labels: tuple[int, ...]) -> float:
        return self._score(labels, True)

    def word(self, text: str) -> float:
        """The score of a whole word given as text (letters and digits)."""
        return self._text_score(text, True)

    def _score(self, labels: tuple[int, ...], complete: bool) -> float:
        key = (labels, complete)
        found = self._scores.get(key)
        if found is None:
            found = self._text_score("".join(self.label(k) for k in labels), complete)
            self._scores[key] = found
        return found

    def _text_score(self, text: str, complete: bool) -> float:
        if not text:
            return 0.0
        if len(text) == 1 and complete:  # a character alone is a mark, an initial or a digit, not spelt
            return self.weight * np.log(1.0 / 36.0) + self.bonus
        if text.isalpha():
            total = self.model.log_prob([ord(c) - ord("A") + 1 for c in text], complete)
        elif text.isdigit():
            total = np.log(self.digit_share) + len(text) * np.log(0.1)
        else:
            total = np.log(self.mixed_share) + len(text) * np.log(1.0 / 36.0)
        return self.weight * total + self.bonus * len(text)


def load_or_build(by_length: WordsByLength, counts_by_length: WordsByLength | None, cache: Path | None,
                  order: int = 5) -> SpellingModel:
    """The spelling model of a lexicon's words (:meth:`SpellingModel.from_words`): read from
    ``cache`` when that holds one, else built (some seconds) and written there (``None``: built
    in memory only)."""
    specs = {f"keys_{k}": ArraySpec(shape=(None,), dtype="int64") for k in range(1, order + 1)}
    specs |= {f"counts_{k}": ArraySpec(shape=(None,), dtype="float64") for k in range(1, order + 1)}
    if cache is not None and cache.is_file():
        try:
            with open_npz(cache, "a spelling-model cache") as archive:
                archive.expect(specs)
                tables = [(archive.read(f"keys_{k}"), archive.read(f"counts_{k}")) for k in range(1, order + 1)]
            if all(len(keys) == len(counts) for keys, counts in tables):
                return SpellingModel(tables)
        except (InputError, OSError, ValueError):
            pass
        cache.unlink(missing_ok=True)  # a damaged cache is rebuilt below
    model = SpellingModel.from_words(by_length, counts_by_length, order)
    if cache is not None:
        try:
            with atomic_path(cache) as tmp:
                np.savez(tmp, **{f"keys_{k + 1}": keys for k, keys in enumerate(model._keys)},
                         **{f"counts_{k + 1}": counts for k, counts in enumerate(model._counts)})
        except OSError:
            pass  # an unwritable cache only costs rebuilding next time
    return model
