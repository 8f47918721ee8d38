"""Mixed tokens (a postcode, a phone number, a date among words), written with real NIST letters
and MNIST digits that no model saw (those the data set build leaves out): digit runs stay digits
and words stay letters, read glyph by glyph with the letters-or-digits prior and the lexicon."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nnrecog.data import CLASSES
from nnrecog.ocr.evaluate import pooled_total, score_text
from nnrecog.ocr.reader import Reader
from nnrecog.data.pages import compose_page

TEXT = "MD 21250\nCALL 812 345 6789\nROOM 4B ON 12 MAY 2026"


@pytest.fixture(scope="module")
def glyphs(nist_images, shared_data) -> dict[str, list[np.ndarray]]:
    from nnrecog.data.builder import left_out

    images = {label: list(group) for label, group in nist_images.items()}
    for item in left_out("mnist", shared_data):
        images.setdefault(CLASSES[item.label], []).append(np.asarray(item.load(), np.float32) / 255)
    return images


def test_digit_runs_stay_digits_among_words(glyphs):
    reader = Reader()
    scores, digit_words, read_as_digits = [], 0, 0
    for seed in range(5):
        page = compose_page(TEXT, glyphs, np.random.default_rng(seed), margin=80, line_spacing=2.5)
        text = reader.read(page.image).text
        scores.append(score_text(str(seed), text, TEXT, 0.0))
        for true_word, word in zip(TEXT.split(), text.split()):
            if true_word.isdigit():
                digit_words += 1
                read_as_digits += bool(re.fullmatch(r"\d+", word))
    assert pooled_total(scores)["cer"] <= 0.07, [s.text for s in scores]
    assert read_as_digits >= 0.85 * digit_words, [s.text for s in scores]


def test_left_out_is_the_source_less_the_build_s_capped_selection(shared_data):
    from nnrecog.data.builder import left_out
    from nnrecog.data.sources import MNIST_CAP

    unused = left_out("mnist", shared_data)
    assert len(unused) == 10_000 - 10 * MNIST_CAP
    assert len({item.origin for item in unused}) == len(unused)


@pytest.mark.parametrize("word_gap", [1.0, 0.5])
def test_touching_letters_keep_their_word_spaces(glyphs, word_gap):
    """Letters whose ink touches leave no gap between glyphs to measure within a word, so where
    the words break is read by the line recogniser (its learned space), and at the gaps that
    are wide for the line however tight its letters (``LayoutConfig.word_gap_margin_heights``):
    a word gap of one character height is about the narrowest real block capitals leave (the
    5th percentile, benchmarks/line_gaps.py); half of that, which the recogniser alone missed
    on every page ('PHONENUMBER8I234S'), is a writer in a hurry."""
    reader = Reader()
    text = "PHONE NUMBER 812345\nMEET ME AT HOME"
    scores, kept_apart = [], 0
    for seed in range(6):
        page = compose_page(text, glyphs, np.random.default_rng(seed), letter_gap=0.0, word_gap=word_gap, margin=80,
                            line_spacing=2.5)
        read = reader.read(page.image).text
        scores.append(score_text(str(seed), read, text, 0.0))
        kept_apart += [len(line.split()) for line in read.splitlines()] == [3, 4]
    assert kept_apart >= 5, [s.text for s in scores]
    assert pooled_total(scores)["cer"] <= 0.06, [s.text for s in scores]


def test_an_apostrophe_in_a_wide_gap_joins_the_letters_beside_it(glyphs):
    """The gap before the S of "EVERYONE'S" is as wide as a word gap once the apostrophe is left
    out as punctuation; the apostrophe, a mark in the upper half of the line, keeps the word
    whole (the lexicon knows EVERYONES). Without it, the same gap breaks the word."""
    reader = Reader()
    broken, joined = 0, 0
    for seed in range(6):
        page = compose_page("DONT STOP\nEVERYONE S PEN", glyphs, np.random.default_rng(seed), letter_gap=0.0,
                            word_gap=0.6, margin=80, line_spacing=2.5)
        left, right = page.boxes[1][0][-1], page.boxes[1][1][0]  # the E and the S beside the gap
        marked = page.image.copy()
        column = (left[3] + right[1]) // 2
        marked[left[0] : left[0] + int(0.35 * (left[2] - left[0])), column - 2 : column + 2] = 0.05
        broken += "EVERYONE S" in reader.read(page.image).text
        joined += "EVERYONES" in reader.read(marked).text.split()
    assert broken >= 3 and joined >= 4, (broken, joined)
