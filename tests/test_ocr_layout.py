"""Segmentation and layout on synthetic pages of real NIST letters with known text and boxes."""

from __future__ import annotations

import numpy as np
import pytest

from nnrecog.ocr.config import PhotoConfig
from nnrecog.ocr.lines import layout, resegment
from nnrecog.ocr.finding.segmentation import segment
from nnrecog.data.pages import compose_page, uneven_light

TEXT = "HELLO WORLD\nTHE QUICK BROWN FOX\nJUMPS OVER A LAZY DOG"


def _iou(a, b) -> float:
    inter = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def _read_structure(image: np.ndarray):
    """Segment and lay out a page: boxes per line per word, in reading order."""
    seg = segment(image)
    lines = [[seg.glyphs[i] for i in line] for line in layout.group_lines([g.box for g in seg.glyphs])]
    gap = layout.page_typical_gap([[g.box for g in line] for line in lines])
    out = []
    for line in lines:
        boxes = [seg.to_photo(g.box) for g in line]
        out.append([[boxes[i] for i in word] for word in layout.split_words([g.box for g in line], gap)])
    return out


def _assert_same_structure(found, truth) -> None:
    assert [len(line) for line in found] == [len(line) for line in truth]
    for found_line, true_line in zip(found, truth):
        assert [len(w) for w in found_line] == [len(w) for w in true_line]
        for found_word, true_word in zip(found_line, true_line):
            for box, true_box in zip(found_word, true_word):
                assert _iou(box, true_box) > 0.6, (box, true_box)


@pytest.mark.parametrize("slant", [0.0, 0.06, -0.06])
def test_lines_and_words_follow_slanted_lines(nist_images, slant):
    page = compose_page(TEXT, nist_images, np.random.default_rng(1), slant=slant)
    _assert_same_structure(_read_structure(page.image), page.boxes)


@pytest.mark.parametrize("word_slant", [-0.1, 0.1])
def test_words_that_each_climb_or_fall_stay_on_their_line(nist_images, word_slant):
    # each word climbs or falls by 6 degrees and the next starts back at the line's height,
    # where the slanted word's course does not go (a five-letter word ends 0.6 heights off)
    page = compose_page(TEXT, nist_images, np.random.default_rng(11), word_slant=word_slant)
    _assert_same_structure(_read_structure(page.image), page.boxes)


def test_a_page_whose_first_words_climb_past_its_top_is_lowered_onto_it(nist_images):
    page = compose_page("CLIMBING STEEPLY", nist_images, np.random.default_rng(12), word_slant=-0.4)
    h, w = page.image.shape
    for word in page.boxes[0]:
        for y1, x1, y2, x2 in word:
            assert 0 <= y1 < y2 <= h and 0 <= x1 < x2 <= w
            assert page.image[y1:y2, x1:x2].min() < 0.5  # the letter's ink is inside its box


def test_uneven_light_and_shadow_keep_every_character(nist_images):
    page = compose_page(TEXT, nist_images, np.random.default_rng(2), slant=0.03)
    _assert_same_structure(_read_structure(uneven_light(page.image, darkest=0.4)), page.boxes)


def test_lines_of_different_heights(nist_images):
    rng = np.random.default_rng(3)
    big = compose_page("BIG WORDS", nist_images, rng, char_height=90)
    small = compose_page("SMALL TEXT HERE", nist_images, rng, char_height=36)
    h = big.image.shape[0] + small.image.shape[0]
    w = max(big.image.shape[1], small.image.shape[1])
    image = np.ones((h, w), np.float32)
    image[: big.image.shape[0], : big.image.shape[1]] = big.image
    image[big.image.shape[0] :, : small.image.shape[1]] = small.image
    shift = big.image.shape[0]
    small_boxes = [[[(y1 + shift, x1, y2 + shift, x2) for y1, x1, y2, x2 in w] for w in line] for line in small.boxes]
    _assert_same_structure(_read_structure(image), big.boxes + small_boxes)


def test_widely_spaced_single_word_stays_one_word(nist_images):
    page = compose_page("ABCDEFG\nHIJKLMN", nist_images, np.random.default_rng(4), letter_gap=0.9)
    assert [len(line) for line in _read_structure(page.image)] == [1, 1]


def test_specks_are_dropped_and_broken_letters_joined(nist_images):
    page = compose_page("TEST", nist_images, np.random.default_rng(5), char_height=60)
    image = page.image.copy()
    y1, x1, y2, x2 = page.boxes[0][0][0]
    image[y1 - 12 : y1 - 8, x1 : x2] = 0.0  # a detached bar above the first T: one character
    image[y2 - 3 : y2, x2 + 8 : x2 + 11] = 0.0  # a full stop-sized speck after it: no character
    seg = segment(image)
    assert len(seg.glyphs) == 4


def test_touching_letters_are_offered_as_cuts(nist_images):
    touching = compose_page("MO", nist_images, np.random.default_rng(6), letter_gap=-0.05, char_height=60)
    spaced = compose_page("ABCD", nist_images, np.random.default_rng(7), char_height=60)
    height = max(touching.image.shape[0], spaced.image.shape[0])
    image = np.ones((height, touching.image.shape[1] + spaced.image.shape[1]), np.float32)
    image[: touching.image.shape[0], : touching.image.shape[1]] = touching.image
    image[: spaced.image.shape[0], touching.image.shape[1] :] = spaced.image
    seg = segment(image)
    line = sorted(seg.glyphs, key=lambda g: g.box[1])
    assert len(line) == 5  # MO is one component
    assert resegment.touching_candidates(line) == [0]
    assert resegment.touching_candidates(line[:1]) == [0]  # a line that is one piece of ink
    mo = line[0]
    columns = resegment.cut_columns(seg, mo, spacing=0.15 * mo.height)
    assert 1 <= len(columns) <= 4  # a few ink minima, not every column
    # one of them parts M from O
    def parts_m_from_o(column: int) -> bool:
        pieces = resegment.cut_between(seg, mo, [(0, column), (column, mo.width)])
        return all(
            piece is not None and _iou(seg.to_photo(piece.box), true_box) > 0.6
            for piece, true_box in zip(pieces, touching.boxes[0][0])
        )

    assert any(parts_m_from_o(column) for column in columns)


def test_blank_and_tiny_pages_have_no_glyphs():
    rng = np.random.default_rng(0)
    paper = np.clip(0.8 + 0.01 * rng.standard_normal((300, 400)), 0, 1).astype(np.float32)
    assert segment(paper).glyphs == []
    assert segment(np.ones((1, 1), np.float32)).glyphs == []


def test_working_resolution_is_bounded(nist_images):
    page = compose_page("HUGE", nist_images, np.random.default_rng(8), char_height=600, margin=300)
    seg = segment(page.image)
    assert seg.darkness.size <= PhotoConfig().max_pixels
    assert len(seg.glyphs) == 4
    for glyph, true_box in zip(sorted(seg.glyphs, key=lambda g: g.box[1]), page.boxes[0][0]):
        assert _iou(seg.to_photo(glyph.box), true_box) > 0.8


def test_ruled_paper_lines_are_not_characters(nist_images):
    page = compose_page(TEXT, nist_images, np.random.default_rng(9), slant=0.02)
    image = page.image.copy()
    h, w = image.shape
    columns = np.arange(20, w - 20)
    for line in page.boxes:
        first = line[0][0]
        # a 2-pixel rule along each line's slant, touching the bottoms of its letters
        rows = np.round(first[2] - 1 + 0.02 * (columns - first[1])).astype(int)
        inside = (rows >= 0) & (rows < h - 1)
        for dy in (0, 1):
            image[rows[inside] + dy, columns[inside]] = np.minimum(image[rows[inside] + dy, columns[inside]], 0.3)
    image[:, 25:27] = np.minimum(image[:, 25:27], 0.35)  # a margin rule crossing them all
    _assert_same_structure(_read_structure(image), page.boxes)


def test_page_on_a_dark_textured_desk(nist_images):
    page = compose_page(TEXT, nist_images, np.random.default_rng(10), slant=0.02)
    h, w = page.image.shape
    rng = np.random.default_rng(0)
    desk = np.clip(rng.normal(0.25, 0.06, (h + 200, w + 200)), 0, 1).astype(np.float32)
    desk[100 : 100 + h, 100 : 100 + w] = uneven_light(page.image, darkest=0.6)
    shifted = [[[(y1 + 100, x1 + 100, y2 + 100, x2 + 100) for y1, x1, y2, x2 in word] for word in line]
               for line in page.boxes]
    _assert_same_structure(_read_structure(desk), shifted)


@pytest.mark.parametrize("char_height", [12, 15])
def test_tiny_letters_in_a_small_photo_read_as_large_ones_do(nist_images, char_height):
    """Letters 12-15 px tall in a photo under 0.1 megapixels (below 12 px letters start to go:
    11 px adds two errors here, 9 px a third of them) read as large ones do."""
    from nnrecog.ocr.evaluate import score_text
    from nnrecog.ocr.reader import Reader

    reader = Reader(lexicon=False)
    text = "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG"
    large = compose_page(text, nist_images, np.random.default_rng(5), margin=160)
    small = compose_page(text, nist_images, np.random.default_rng(5), char_height=char_height, margin=4 * char_height)
    assert small.image.size < 100_000
    large_cer = score_text("large", reader.read(large.image).text, text, 0.0).cer
    small_cer = score_text("small", reader.read(small.image).text, text, 0.0).cer
    assert large_cer <= 0.07 and small_cer <= large_cer + 0.03, (large_cer, small_cer)


def test_working_resolution_follows_the_writing_size():
    from nnrecog.ocr.finding.photo import working_pixels

    # characters 20 px tall on a 0.5 MP probe: 4x the pixels makes them 40 px tall
    assert working_pixels(20.0, 500_000, PhotoConfig(max_pixels=3_000_000)) == 2_000_000
    assert working_pixels(80.0, 500_000, PhotoConfig(max_pixels=3_000_000)) == 500_000  # never below the floor
    assert working_pixels(5.0, 500_000, PhotoConfig(max_pixels=3_000_000)) == 3_000_000  # never above the cap
    assert working_pixels(0.0, 500_000, PhotoConfig(max_pixels=3_000_000)) == 3_000_000  # nothing seen: look finely


def test_only_dithered_pages_are_smoothed():
    from PIL import Image

    from nnrecog.ocr.finding.ink import undithered

    grey_paper = np.full((200, 300), 0.8, np.float32)
    grey_paper[80:120, 50:250] = 0.1  # a thick dark bar: ink
    dithered = np.asarray(Image.fromarray((grey_paper * 255).astype(np.uint8)).convert("1"), np.float32)
    smoothed = undithered(dithered)
    assert smoothed is not dithered
    assert abs(float(smoothed[10:60, 20:280].mean()) - 0.8) < 0.05  # the dots became paper grey
    assert float(smoothed[90:110, 60:240].max()) < 0.3  # the ink stayed dark
    clean = np.where(grey_paper < 0.5, 0.0, 1.0).astype(np.float32)  # a thresholded 1-bit page
    assert undithered(clean) is clean
    # 1-px strokes have many pixels with only 2 dark neighbours, but leave the paper bare
    from PIL import ImageDraw

    thin = Image.new("L", (400, 60), 255)
    ImageDraw.Draw(thin).text((5, 20), "THIN 1 PX STROKES ARE WRITING, NOT DOTS", fill=0)
    thin_page = np.asarray(thin, np.float32) / 255
    assert undithered(thin_page) is thin_page
