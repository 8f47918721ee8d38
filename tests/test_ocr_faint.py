"""Faint writing: pencil and thin pale ink, as light as 30 % of black, reads as dark ink does (the
ink threshold follows the paper's noise and the page's own ink, not a fixed darkness); writing
showing through from the back of the sheet, a fainter layer behind the page's own, is not read."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnrecog.ocr.config import ReaderConfig
from nnrecog.ocr.evaluate import score_text
from nnrecog.ocr.reader import Reader
from nnrecog.data.pages import compose_page

TEXT = "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG"


@pytest.mark.parametrize("lightness", [0.45, 0.7], ids=["pencil", "pale pencil"])
def test_pencil_reads_as_ink_does(nist_images, lightness):
    page = compose_page(TEXT, nist_images, np.random.default_rng(7), margin=80, line_spacing=2.5).image
    faint = 1 - (1 - page) * (1 - lightness)  # strokes at 55 % and 30 % of black
    reader = Reader(lexicon=False)
    assert score_text("pencil", reader.read(faint).text, TEXT, 0.0).cer <= 0.03


@pytest.mark.parametrize("darkness", [0.08, 0.10], ids=["under the floors", "at the floors"])
def test_pencil_barely_darker_than_grey_paper_reads(nist_images, darkness):
    """Light pencil on grey paper (0.75), strokes 8 % and 10 % darker than it, the paper's noise
    0.006: under the usual ink floors the page reads as nothing, or as a few letters; read
    again with the floors for faint ink, whole. The same paper without writing reads empty."""
    page = compose_page(TEXT, nist_images, np.random.default_rng(7), margin=80, line_spacing=2.5).image
    rng = np.random.default_rng(3)
    pencil = (0.75 * (1 - darkness * (1 - page)) + rng.normal(0, 0.006, page.shape)).clip(0, 1).astype(np.float32)
    reader = Reader(lexicon=False)
    usual = Reader(dataclasses.replace(reader.config, ink=dataclasses.replace(reader.config.ink, faint_floors=None)),
                   lexicon=False)
    assert score_text("usual", usual.read(pencil).text, TEXT, 0.0).cer > 0.5
    assert score_text("pencil", reader.read(pencil).text, TEXT, 0.0).cer <= 0.03
    paper = (0.75 + rng.normal(0, 0.006, page.shape)).clip(0, 1).astype(np.float32)
    assert reader.read(paper).text == ""


def test_grainy_pencil_in_small_letters_reads(nist_images):
    """Pencil's graphite is grainy: letters 24 px tall at 45 % of black, each pixel's darkness
    scaled by 1 + n (n unit noise smoothed over 0.7 px, within 0.15-1.5). Their strokes' grain
    is not taken for a stroke's rim (``InkConfig.rim_px``): the page reads whole."""
    from nnrecog import imaging

    page = compose_page(TEXT, nist_images, np.random.default_rng(7), char_height=24, letter_gap=0.3, margin=80,
                        line_spacing=2.5).image
    noise = imaging.gaussian_filter(np.random.default_rng(1).normal(0, 1, page.shape).astype(np.float32), 0.7) / 0.4
    pencil = (0.9 - 0.9 * 0.45 * (1 - page) * np.clip(1 + noise, 0.15, 1.5)).clip(0, 1).astype(np.float32)
    assert score_text("grainy", Reader().read(pencil).text, TEXT, 0.0).errors_no_spaces <= 3


def test_a_photo_in_grainy_pencil_reads_better_smoothed(shared_data):
    """ust_life, written in a thin pen, as if in pencil (``data.pages.as_pencil``): its thin
    strokes break into pieces at the threshold and the page reads weakly (46 errors); read
    again smoothed (``InkConfig.grainy_denoise_sigma_px``), the stronger reading keeps more of
    it (31). (Its writer's ust_pen, 38 errors and 30 before the line recogniser's reading was
    blended into the glyphs', reads at 38 either way: its smoothed reading loses a line.)"""
    from PIL import Image, ImageOps

    from nnrecog.data.pages import as_pencil

    with Image.open(shared_data / "ocr_dev" / "ust_life.jpg") as photo:
        pencil = np.asarray(as_pencil(ImageOps.exif_transpose(photo)))
    truth = (shared_data / "ocr_dev" / "ust_life.gt.txt").read_text(encoding="utf-8")
    reader = Reader()
    unsmoothed = Reader(dataclasses.replace(
        reader.config, ink=dataclasses.replace(reader.config.ink, grainy_denoise_sigma_px=0.0)))
    before = score_text("grainy", unsmoothed.read(pencil).text, truth, 0.0).errors_no_spaces
    after = score_text("smoothed", reader.read(pencil).text, truth, 0.0).errors_no_spaces
    assert after <= before - 5, (before, after)


def _through(front: np.ndarray, back: np.ndarray, strength: float) -> np.ndarray:
    """``front`` with ``back`` showing through the sheet: mirrored, ``strength`` as dark."""
    h, w = max(front.shape[0], back.shape[0]), max(front.shape[1], back.shape[1])
    sheet, behind = np.ones((h, w), np.float32), np.ones((h, w), np.float32)
    sheet[: front.shape[0], : front.shape[1]] = front
    behind[: back.shape[0], : back.shape[1]] = back
    behind = np.roll(behind[:, ::-1], 37, axis=0)  # mirrored, and its lines between the front's
    return sheet * (1 - strength * (1 - behind))


@pytest.mark.parametrize("strength", [0.15, 0.3], ids=["faint", "strong"])
def test_writing_showing_through_from_the_back_is_not_read(nist_images, strength):
    rng = np.random.default_rng(11)
    front = compose_page(TEXT, nist_images, rng, margin=120, line_spacing=2.5).image
    back = compose_page("PACK MY BOX WITH FIVE\nDOZEN LIQUOR JUGS NOW", nist_images, rng, margin=120,
                        line_spacing=2.5).image
    # glyph by glyph, the classifier alone: what the back's strokes do to the front's glyphs
    # (the line recogniser, blended in by default, reads the strong case's O of DOG, whose
    # mask a crossing stroke's rim has changed, as a D)
    config = ReaderConfig(decode=dataclasses.replace(ReaderConfig().decode, line_recogniser_weight=0.0))
    reader = Reader(config, lexicon=False)
    clean = reader.read(front).text
    assert score_text("front", clean, TEXT, 0.0).cer <= 0.05, clean
    # the back's strokes cross the front's; without the faint-layer rule they join them
    assert reader.read(_through(front, back, strength)).text == clean




def test_a_filled_object_or_a_dotted_ruling_does_not_set_the_character_height():
    """Twenty thin letters 15 px tall beside a filled blob 266 px tall (a pen's clip lying on a
    page of pencil writing): the blob holds twice the letters' ink, but its outline is shorter
    than theirs, so the page's character height is the letters'. The dots of a dotted ruling,
    all outline, are no strokes and do not count."""
    from nnrecog.ocr.finding.components import PageInk

    mask = np.zeros((400, 900), bool)
    for k in range(20):  # an 'O' of 1 px strokes, 15 px tall and 11 wide
        top, left = 40 + 30 * (k // 10), 20 + 25 * (k % 10)
        mask[top : top + 15, left : left + 11] = True
        mask[top + 1 : top + 14, left + 1 : left + 10] = False
    mask[100:366, 600:700] = True
    ink = PageInk.of(mask.astype(np.float32), mask, mask)
    assert ink.areas.max() > 2 * ink.areas[ink.areas < 1000].sum()
    assert ink.char_height() == 15
    for left in range(0, 897, 3):  # two rows of 299 dots of 2 x 2 px: more outline than the rest
        mask[388:390, left : left + 2] = mask[392:394, left : left + 2] = True
    dotted = PageInk.of(mask.astype(np.float32), mask, mask)
    assert dotted.outlines()[dotted.areas == 4].sum() > dotted.outlines()[dotted.areas > 4].sum()
    assert dotted.char_height() == 15
