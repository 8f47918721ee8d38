"""A shadow across the page (a phone's, a hand's): its hard edge looks like the sheet's edge on a
darker desk, and taken for it, the writing in the shadow was cut away. Writing that goes on past
the edge found says it is a shadow's, and the page is read again with no sheet, the stronger
reading kept; a sheet on a desk, its writing well inside, is read as before."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageOps

from nnrecog.data.pages import compose_page
from nnrecog.ocr.config import InkConfig
from nnrecog.ocr.evaluate import score_text
from nnrecog.ocr.finding.ink import ink_darkness
from nnrecog.ocr.finding.segmentation import segment
from nnrecog.ocr.finding.sheet import paper_region
from nnrecog.ocr.reader import Reader

TEXT = "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG"


def _on_a_desk(page: np.ndarray) -> np.ndarray:
    """The sheet ``page`` on a dark desk, 100 px of desk around it."""
    desk = np.full((page.shape[0] + 200, page.shape[1] + 200), 0.25, np.float32)
    desk[100:-100, 100:-100] = page
    return desk


def _shadowed(photo: np.ndarray, depth: float = 0.55) -> np.ndarray:
    """A hard shadow over the photo's left part, its edge running diagonally from 45 % of the
    width at the top to 20 % at the bottom, the light inside it ``depth`` of the rest."""
    h, w = photo.shape
    rows, columns = np.mgrid[0:h, 0:w]
    inside = 1.0 / (1.0 + np.exp((columns / w + 0.25 * rows / h - 0.45) / 0.005))
    return (photo * (1.0 - (1.0 - depth) * inside)).astype(np.float32)


def test_the_paper_in_a_hard_shadow_reads_as_paper_when_the_background_follows_the_edge():
    """Blank paper, its left half in a shadow at 55 % of the light: smoothed, the estimate of
    the paper's brightness carries the lit side over the edge, and a band of the shaded paper
    reads as dark as ink (0.06 is the weak threshold's floor); following the edge, none does."""
    paper = np.full((600, 800), 0.9, np.float32)
    paper[:, :400] *= 0.55
    smoothed = ink_darkness(paper, InkConfig())
    followed = ink_darkness(paper, InkConfig(follow_light_edges=True))
    assert smoothed[:, 380:400].max() > 0.2
    assert followed.max() < InkConfig().weak_min


def test_writing_in_a_shadow_across_the_sheet_is_read(nist_images):
    page = compose_page(TEXT, nist_images, np.random.default_rng(7), margin=80, line_spacing=2.5).image
    photo = _shadowed(_on_a_desk(page))
    reader = Reader(lexicon=False)
    # nothing is character-sized: the page is never read again with no sheet
    nothing_beyond = dataclasses.replace(reader.config.sheet, beyond_size=(np.inf, np.inf))
    with_sheet = Reader(dataclasses.replace(reader.config, sheet=nothing_beyond), lexicon=False)
    paper = paper_region(photo)
    assert paper is not None and not paper[photo.shape[0] // 2, 150]  # the shadow's edge taken for the sheet's
    assert segment(photo, None, reader.config).writing_beyond_sheet
    assert score_text("the sheet's part", with_sheet.read(photo).text, TEXT, 0.0).cer > 0.3
    assert score_text("all of it", reader.read(photo).text, TEXT, 0.0).cer <= 0.05


def test_a_sheet_on_a_desk_keeps_its_edge(nist_images):
    """The writing stays well inside the sheet: nothing goes on past its edge, and the desk
    around it is never read."""
    page = compose_page(TEXT, nist_images, np.random.default_rng(7), margin=80, line_spacing=2.5).image
    photo = _on_a_desk(page)
    reader = Reader(lexicon=False)
    assert paper_region(photo) is not None
    assert not segment(photo, None, reader.config).writing_beyond_sheet
    assert score_text("on a desk", reader.read(photo).text, TEXT, 0.0).cer <= 0.05


@pytest.mark.parametrize("name", ["ocr_samples/03_haiku.jpg", "ocr_dev/pangram.jpg", "ocr_dev/simon_pen.jpg"])
def test_real_photos_with_a_hard_shadow_across_their_writing_read_as_they_do_without(shared_data, name):
    """The photo, a shadow's hard edge running across its writing: the sheet found (03_haiku
    and pangram have none without the shadow) ended at the shadow, and 30 / 13 / 24 of their
    54 / 35 / 47 characters were lost; read again with no sheet and the light's edge followed,
    0 / 0 / 2, where the photos without the shadow read with none."""
    path = shared_data / name
    truth = path.with_name(path.stem + ".gt.txt").read_text()
    with Image.open(path) as photo:
        upright = np.asarray(ImageOps.exif_transpose(photo).convert("L"), np.float32) / 255
    reader = Reader()
    whole = score_text(name, reader.read(upright).text, truth, 0.0)
    shadowed = score_text(name, reader.read(_shadowed(upright)).text, truth, 0.0)
    assert shadowed.errors_no_spaces <= whole.errors_no_spaces + 2, shadowed.text
