"""Which bright region is the sheet: a sheet photographed from afar is a small part of the photo,
and a blank wall, a window or a second sheet beside it may be larger and as sharply edged. The
sheet is the one holding the writing, however small (down to ``SheetConfig.coverage``'s 2 %)."""

from __future__ import annotations

import dataclasses

import numpy as np

from nnrecog.data.pages import compose_page
from nnrecog.ocr.config import DEFAULT_CONFIG, SheetConfig
from nnrecog.ocr.evaluate import score_text
from nnrecog.ocr.finding.sheet import paper_region
from nnrecog.ocr.reader import Reader

TEXT = "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG"


def _desk_wall_and_sheet(sheet: np.ndarray, shape: tuple[int, int] = (3000, 4000)) -> np.ndarray:
    """A dark desk (0.25), a blank light wall (0.75) over its top-left 40 % by 60 % (a quarter
    of the photo), and ``sheet`` below the middle."""
    photo = np.full(shape, 0.25, np.float32)
    height, width = shape
    photo[: int(0.4 * height), : int(0.6 * width)] = 0.75
    top, left = int(0.55 * height), (width - sheet.shape[1]) // 2
    photo[top:top + sheet.shape[0], left:left + sheet.shape[1]] = sheet
    return photo


def _sheet_middle(photo_shape: tuple[int, int], sheet_shape: tuple[int, int]) -> tuple[int, int]:
    return int(0.55 * photo_shape[0]) + sheet_shape[0] // 2, photo_shape[1] // 2


def test_the_sheet_is_the_bright_region_holding_the_writing_not_the_largest(nist_images):
    sheet = 0.92 * compose_page(TEXT, nist_images, np.random.default_rng(3), char_height=20, margin=60).image
    photo = _desk_wall_and_sheet(sheet, (750, 1000))
    paper = paper_region(photo)
    assert paper is not None
    assert paper[_sheet_middle(photo.shape, sheet.shape)] and not paper[100, 100]
    assert 0.02 < paper.mean() < 0.2  # smaller than the wall
    # a blank sheet holds no writing: the larger region is taken, as before
    blank = _desk_wall_and_sheet(np.full_like(sheet, 0.92), (750, 1000))
    taken = paper_region(blank)
    assert taken is not None and taken[100, 100] and not taken[_sheet_middle(blank.shape, sheet.shape)]


def test_a_small_sheet_beside_a_larger_blank_wall_on_a_12_megapixel_photo_is_read(nist_images):
    """Letters 25 px tall on a sheet covering 3 % of a 4000 x 3000 photo, a blank wall eight times
    its size beside it: taken for the paper, the wall left nothing to read."""
    sheet = 0.92 * compose_page(TEXT, nist_images, np.random.default_rng(5), char_height=25, margin=150).image
    photo = _desk_wall_and_sheet(sheet)
    assert 0.02 < sheet.size / photo.size < 0.05
    page = Reader().read(photo)
    assert score_text("small sheet", page.text, TEXT, 0.0).cer <= 0.05, page.text
    wall_taken = Reader(dataclasses.replace(DEFAULT_CONFIG, sheet=SheetConfig(coverage=(0.1, 0.95))))
    assert wall_taken.read(photo).text == ""
