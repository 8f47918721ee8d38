"""Stage 9: the words of each line, read from their glyphs' probabilities, as the result tree.

Words break where a gap is large for its line (:func:`~nnrecog.ocr.layout.split_words`); with
a lexicon, a gap just short of a break splits a word that reads as two dictionary words but not
as one (:func:`split_by_lexicon`); each word is decoded with the letters/digits prior and the
lexicon (:func:`~nnrecog.ocr.lexicon.decode_word`).
"""

from __future__ import annotations

import numpy as np

from nnrecog.ocr.components import Glyph, Segmentation
from nnrecog.ocr.config import DecodeConfig, LayoutConfig
from nnrecog.ocr.elements import Char, Line, Word
from nnrecog.ocr.layout import near_breaks, split_words
from nnrecog.ocr.lexicon import Lexicon, decode_word, kind_evidence
from nnrecog.ocr.recognize import top_alternatives


def split_by_lexicon(
    words: list[list[int]],
    near: list[int],
    probs: np.ndarray,
    classes: str,
    lexicon: Lexicon,
    config: DecodeConfig = DecodeConfig(),
) -> list[list[int]]:
    """Split a word at a gap just short of a word break when that reads as two words.

    For each word, its widest :func:`~nnrecog.ocr.layout.near_breaks` gap splits it when the
    word as a whole does not decode to a dictionary word but both sides (two or more glyphs
    each) do: 'TO DO' written a little tight reads as TO + DO, not TODO.
    """

    def decoded(indices: list[int]) -> str:
        return decode_word(probs[indices], classes, lexicon, config)

    out = []
    for word in words:
        inside = [i for i in near if word[0] <= i < word[-1]]
        left = [j for j in word if j <= inside[0]] if inside else word
        right = word[len(left) :]
        if (
            len(left) >= 2
            and len(right) >= 2
            and decoded(word) not in lexicon
            and decoded(left) in lexicon
            and decoded(right) in lexicon
        ):
            out.extend([left, right])
        else:
            out.append(word)
    return out


def read_line(
    seg: Segmentation,
    line: list[Glyph],
    probs: np.ndarray,
    classes: str,
    lexicon: Lexicon | None,
    typical_gap: float | None,
    layout: LayoutConfig = LayoutConfig(),
    config: DecodeConfig = DecodeConfig(),
) -> Line:
    """One line of the result tree from its glyphs (left to right) and their probabilities.

    Parameters
    ----------
    probs : (len(line), len(classes) + 1) probabilities of the glyphs: each character class,
        then no character (:meth:`~nnrecog.ocr.recognize.Classifier.probabilities`). Words are
        decoded from the character probabilities given that the glyph is one; a character's
        confidence and alternatives are the probabilities themselves.
    typical_gap : the page's typical gap (:func:`~nnrecog.ocr.layout.page_typical_gap`), for
        lines too short to have their own.
    """
    characters = probs[:, :-1]
    given_character = np.where(
        probs[:, -1:] > 0, characters / np.maximum(characters.sum(axis=1, keepdims=True), 1e-12), characters
    )
    boxes = [g.box for g in line]
    groups = split_words(boxes, typical_gap, layout)
    if lexicon is not None:
        near = near_breaks(boxes, typical_gap, layout)
        groups = split_by_lexicon(groups, near, given_character, classes, lexicon, config)
    evidence = kind_evidence(given_character, classes)
    words = []
    for group in groups:
        rest_of_line = float(evidence.sum() - evidence[group].sum())
        text = decode_word(given_character[group], classes, lexicon, config, rest_of_line)
        chars = [
            Char(label, seg.to_photo(line[i].box), float(characters[i, classes.index(label)]),
                 top_alternatives(characters[i], classes, config.top_k))
            for label, i in zip(text, group)
        ]
        words.append(Word(chars))
    return Line(words)
