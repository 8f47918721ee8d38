"""The three engines on pages of real NIST letters (never trained on): ``chars`` glyph by glyph,
``lines`` whole lines with the shipped CTC line recogniser, ``auto`` each line as its letters
call for. Accuracy bounds on many pages live in tests/test_ocr_photos.py."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnrecog.data import CLASSES
from nnrecog.ocr.config import ReaderConfig
from nnrecog.ocr.evaluate import NIST_PAGE_TEXTS, score_text
from nnrecog.ocr.finding.segmentation import segment
from nnrecog.ocr.lines.page_lines import glyph_lines
from nnrecog.ocr.lines.resegment import has_touching_letters
from nnrecog.ocr.reader import read
from nnrecog.ocr.recognition.linereader import KIND, default_line_model_path, load_line_recognizer
from nnrecog.ocr.recognition.recognize import GlyphReader, load_classifier
from nnrecog.data.pages import compose_page

TEXT = "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG"


@pytest.fixture(scope="module")
def models():
    return load_classifier(), load_line_recognizer()


def test_the_line_recogniser_is_shipped_small():
    path = default_line_model_path()
    assert path is not None and path.stat().st_size <= 5 * 2**20
    recognizer = load_line_recognizer()
    assert recognizer.classes == CLASSES + " " and recognizer.space is not None  # the space between words is learned
    assert 0 <= recognizer.blank <= len(CLASSES)
    assert recognizer.net.meta["kind"] == KIND


@pytest.mark.parametrize("letter_gap", [0.0, 0.3])
def test_auto_reads_touching_lines_whole_and_the_others_glyph_by_glyph(nist_images, models, letter_gap):
    classifier, recognizer = models
    image = compose_page(TEXT, nist_images, np.random.default_rng(3), char_height=40, letter_gap=letter_gap).image
    seg = segment(image)
    touching = [has_touching_letters(line) for line in glyph_lines(seg, GlyphReader(seg, classifier).top_log_probability)]
    readings = {
        engine: read(image, classifier, config=ReaderConfig(engine=engine), line_model=recognizer)
        for engine in ("chars", "lines", "auto")
    }
    assert len(touching) == 2 and all(len(page.lines) == 2 for page in readings.values())
    assert all(touching) if letter_gap == 0.0 else not any(touching)
    for k, whole in enumerate(touching):
        expected = readings["lines" if whole else "chars"].lines[k].text
        assert readings["auto"].lines[k].text == expected


def test_the_recogniser_averages_its_frames_over_the_line_moved_a_row_up_and_down(models):
    _, recognizer = models
    image = np.ones((recognizer.line_format.height, 96), np.float32)
    image[6:26, 10:13] = image[6:9, 10:30] = image[15:18, 10:24] = 0.0  # an F
    image[6:26, 50:53] = image[23:26, 50:66] = 0.0  # an L
    up, down = np.ones_like(image), np.ones_like(image)
    up[:-1], down[1:] = image[1:], image[:-1]
    each = np.stack([recognizer.log_probs(moved) for moved in (up, image, down)])
    averaged = recognizer.log_probs(image, (-1, 0, 1))
    assert averaged.shape == each.shape[1:]
    np.testing.assert_allclose(np.exp(averaged), np.exp(each).mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(recognizer.log_probs(image, (0,)), each[1])


def test_touching_letters_read_better_with_the_rows_averaged(nist_images, models):
    """Eleven pages of touching NIST letters (seed 100, no setting was chosen on it): 13 errors
    without spaces read once, 7 with each line read a row up and down as well."""
    errors = {shifts: _seed_100_errors(nist_images, models, 0.0, row_shifts=shifts) for shifts in ((0,), (-1, 0, 1))}
    assert errors[(-1, 0, 1)] < errors[(0,)]


def _seed_100_errors(nist_images, models, letter_gap: float, lexicon: bool = True, **decoding) -> int:
    """Errors without spaces over the eleven NIST pages of seed 100 (no setting was chosen on
    it), read with the decoding settings ``decoding`` changed."""
    classifier, recognizer = models
    config = ReaderConfig(decode=dataclasses.replace(ReaderConfig().decode, **decoding))
    pages = [compose_page(text, nist_images, np.random.default_rng(100), letter_gap=letter_gap) for text in NIST_PAGE_TEXTS]
    return sum(score_text("", read(page.image, classifier, lexicon=lexicon, config=config, line_model=recognizer).text,
                          page.text, 0.0).errors_no_spaces for page in pages)


def test_the_line_engine_boxes_every_character_it_reads(nist_images, models):
    classifier, recognizer = models
    page = compose_page(TEXT, nist_images, np.random.default_rng(4), char_height=40, letter_gap=0.0)
    read_page = read(page.image, classifier, config=ReaderConfig(engine="lines"), line_model=recognizer)
    height, width = page.image.shape
    for line in read_page.lines:
        for char in (c for word in line.words for c in word.chars):
            y1, x1, y2, x2 = char.box
            assert 0 <= y1 < y2 <= height and 0 <= x1 < x2 <= width
            assert 0.0 <= char.confidence <= 1.0 and char.alternatives
    assert read_page.text.replace("\n", " ").count(" ") >= 6  # the words are kept apart


def test_known_characters_counts_the_characters_of_words_and_digit_runs():
    from nnrecog.ocr.document.elements import Char, Line, Word
    from nnrecog.ocr.recognition.words import known_characters
    from nnrecog.ocr.recognition.lexicon import Lexicon

    def line(*words: str) -> Line:
        return Line([Word([Char(c, (0, 0, 1, 1), 1.0) for c in word]) for word in words])

    lexicon = Lexicon.from_words(["missed", "them", "k", "mn"])
    assert known_characters(line("I", "NSSD", "THEM"), lexicon) == 5
    assert known_characters(line("I", "MISSED", "THEM"), lexicon) == 11
    assert known_characters(line("12X"), lexicon) == 0 and known_characters(line("1234"), lexicon) == 4
    # the word list holds every letter; a line broken into single letters is no line of words
    assert known_characters(line("H", "IJ", "K", "L", "MN"), lexicon) == 2
    assert known_characters(line("A", "7"), lexicon) == 2


@pytest.mark.parametrize("photo, glyph_by_glyph, expected", [
    ("testcats.jpg", "I NSSD THEM", "I MISSED THEM"),
    ("ust_1234.jpeg", "12X", "1234"),
])
def test_auto_keeps_the_whole_reading_where_it_makes_known_words(shared_data, photo, glyph_by_glyph, expected):
    """Real dev photos whose letters stand apart but were misread one by one: read whole too,
    the line that makes dictionary words (or a run of digits) is kept."""
    import dataclasses

    from nnrecog.ocr.reader import Reader

    path = shared_data / "ocr_dev" / photo
    default = ReaderConfig()
    alone = dataclasses.replace(default, resegment=dataclasses.replace(default.resegment, compare_known_words=False))
    assert glyph_by_glyph in Reader(alone).read(path).text.splitlines()
    assert expected in Reader(default).read(path).text.splitlines()


def test_disagreement_is_how_much_less_likely_the_recogniser_finds_a_reading_than_its_own(models):
    from nnrecog.ocr.recognition.ctc import sequences_log_likelihood

    _, recognizer = models
    characters, _ = recognizer.without_space(np.zeros((1, len(recognizer.classes) + 1)))
    # eight frames: blank, A, A, blank, B, blank, C, blank, each 0.9 sure (the rest spread evenly)
    peaks = [characters.blank, *(characters.output(c) for c in "AA"), characters.blank,
             characters.output("B"), characters.blank, characters.output("C"), characters.blank]
    probs = np.full((len(peaks), len(recognizer.classes) + 1), 0.1 / len(recognizer.classes))
    probs[np.arange(len(peaks)), [p + (p >= recognizer.space) for p in peaks]] = 0.9
    probs[:, recognizer.space] = 1e-6  # spaces aside: no space in these frames
    log_probs = np.log(probs / probs.sum(axis=1, keepdims=True))
    assert recognizer.disagreement("ABC", log_probs) == pytest.approx(0.0, abs=1e-9)
    assert recognizer.disagreement("A BC", log_probs) == pytest.approx(0.0, abs=1e-9)  # spaces aside

    _, frames = recognizer.without_space(log_probs)

    def likelihood(text: str) -> float:
        return float(sequences_log_likelihood(frames, np.array([[characters.output(c) for c in text]]), characters.blank)[0])

    assert recognizer.disagreement("ABD", log_probs) == pytest.approx(likelihood("ABC") - likelihood("ABD"))
    assert recognizer.disagreement("ABD", log_probs) > 4.0  # a letter the frames do not hold
    assert recognizer.disagreement("AB?", log_probs) == np.inf


def test_auto_reads_a_line_whole_where_the_recogniser_disagrees_with_its_glyphs(shared_data):
    """star.jpg shrunk until its letters are 25 px tall: 'BO' of BODY touch and the classifier
    reads the pair as one N ('NOY', a word of the list). The line recogniser finds that reading
    far less likely than its own, so the line is read whole too, and BODY is kept."""
    from PIL import Image, ImageOps

    from nnrecog.ocr.finding.photo import upright_grey
    from nnrecog.ocr.reader import Reader

    with Image.open(shared_data / "ocr_dev" / "star.jpg") as photo:
        upright = ImageOps.exif_transpose(photo)
        measured = segment(upright_grey(upright))
        factor = measured.char_height / measured.scale[0] / 25.0
        small = np.asarray(upright.resize((round(upright.width / factor), round(upright.height / factor)), Image.LANCZOS))
    default = ReaderConfig()
    asked_by_words = dataclasses.replace(default, resegment=dataclasses.replace(default.resegment, disagreement_nats=None))
    assert "EVERY NOY WANT" in Reader(asked_by_words).read(small).text.splitlines()
    assert "EVERY BODY WANT" in Reader(default).read(small).text.splitlines()


def test_blended_weighs_the_recogniser_s_reading_of_a_glyph_into_the_classifier_s():
    from nnrecog.ocr.recognition.blend import blended

    # classes S, 5, then no character: a doubtful S, and a sure one the recogniser did not read
    probs = np.array([[0.5, 0.3, 0.2], [0.9, 0.05, 0.05]])
    line_reading = [np.array([0.02, 0.98]), None]
    out = blended(probs, line_reading, 0.3)
    np.testing.assert_allclose(blended(probs, line_reading, 0.0), probs)
    np.testing.assert_allclose(out[1], probs[1])
    # p(c) ∝ p_glyph(c)^0.7 p_line(c)^0.3 given a character: 5 at 0.69, S at 0.31 ...
    mixed = probs[0, :2] ** 0.7 * line_reading[0] ** 0.3
    np.testing.assert_allclose(out[0, :2] / out[0, :2].sum(), mixed / mixed.sum())
    # ... the 5 exactly as sure as the classifier was of its S
    assert out[0, 1] == pytest.approx(0.5) and out[0, 0] < out[0, 1]
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_the_recogniser_s_reading_of_each_glyph_mends_letters_read_alone(nist_images, models):
    """Eleven pages of spaced NIST letters (seed 100, no setting chosen on it), read glyph by
    glyph without the word list, where nothing but the glyph's own shape speaks: 23 errors
    without spaces by the classifier alone, 16 with the line recogniser's reading of each glyph
    blended in (``DecodeConfig.line_recogniser_weight`` 0.3)."""
    errors = {weight: _seed_100_errors(nist_images, models, 0.3, lexicon=False, line_recogniser_weight=weight)
              for weight in (0.0, ReaderConfig().decode.line_recogniser_weight)}
    assert errors[ReaderConfig().decode.line_recogniser_weight] <= errors[0.0] - 5, errors


@pytest.mark.parametrize("photo, alone, blended_in", [
    ("simon_marker.jpg", "TOUCH FOUR NOSE", "TOUCH YOUR NOSE"),
    ("num_row_b.jpeg", "3946785512", "3446785512"),
])
def test_real_glyphs_misread_alone_are_read_with_the_recogniser(shared_data, photo, alone, blended_in):
    """Two dev photos of separate letters, each with one glyph the classifier misreads with
    the word list's help too (a Y as F, making FOUR; a 4 as 9) and the line recogniser, reading
    it among its neighbours, reads right."""
    from nnrecog.ocr.reader import Reader

    default = ReaderConfig()
    classifier_alone = dataclasses.replace(default, decode=dataclasses.replace(default.decode, line_recogniser_weight=0.0))
    path = shared_data / "ocr_dev" / photo
    assert alone in Reader(classifier_alone).read(path).text.splitlines()
    assert blended_in in Reader(default).read(path).text.splitlines()
