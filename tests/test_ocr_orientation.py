"""Sheets photographed sideways or upside down, with no EXIF orientation to say so: the reader
finds the turn that sets the writing upright (by the character classifier's confidence) and
gives the boxes on the photo as it is; upright pages are not turned."""

from __future__ import annotations

import numpy as np
import pytest

from nnrecog.ocr.config import OrientationConfig, ReaderConfig
from nnrecog.ocr.document.elements import Char, Line, Page, Word
from nnrecog.ocr.evaluate import score_text
from nnrecog.ocr.reader import Reader
from nnrecog.ocr.recognition.orientation import unturned_box, unturned_page
from nnrecog.data.pages import compose_page, ruled

TEXT = "SEND THE BOX\nTO JIM QUAY"


@pytest.fixture(scope="module")
def ruled_page(nist_images) -> np.ndarray:
    """A page of NIST letters on ruled paper, upright."""
    page = compose_page(TEXT, nist_images, np.random.default_rng(4), margin=100, line_spacing=2.5)
    return ruled(page.image * 0.93, np.random.default_rng(5), "solid", spacing=60, darkness=0.45, width=2)


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(lexicon=False)


@pytest.mark.parametrize("turns", [1, 3, 2], ids=["sideways left", "sideways right", "upside down"])
def test_a_turned_sheet_with_its_rulings_reads_upright(ruled_page, reader, turns):
    upright = reader.read(ruled_page)
    assert score_text("upright", upright.text, TEXT, 0.0).cer <= 0.1, upright.text
    photo = np.rot90(ruled_page, turns)  # the rulings now run down the photo when sideways
    page = reader.read(photo)
    assert page.text == upright.text
    assert page.size == photo.shape
    # each box lies on the photo as given: the upright page is the photo turned back, so its
    # boxes land where unturned_box puts them
    expected = [unturned_box(c.box, (4 - turns) % 4, photo.shape) for c in upright.chars]
    assert [c.box for c in page.chars] == expected


def test_without_turning_a_sideways_sheet_does_not_read(ruled_page):
    still = Reader(ReaderConfig(orientation=OrientationConfig(enabled=False)), lexicon=False)
    assert score_text("sideways", still.read(np.rot90(ruled_page)).text, TEXT, 0.0).cer > 0.5


def test_boxes_come_back_exactly_through_every_turn():
    rng = np.random.default_rng(0)
    size = (37, 53)
    for _ in range(50):
        y1, x1 = int(rng.integers(0, 30)), int(rng.integers(0, 40))
        box = (y1, x1, y1 + int(rng.integers(1, 7)), x1 + int(rng.integers(1, 13)))
        image = np.zeros(size)
        image[box[0]:box[2], box[1]:box[3]] = 1
        for turns in range(4):
            turned = np.rot90(image, turns)
            rows, cols = np.nonzero(turned)
            turned_box = (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1)
            assert unturned_box(turned_box, turns, size) == box
    page = Page([Line([Word([Char("A", (1, 2, 5, 4), 0.9)])])], (5, 7))
    assert unturned_page(page, 2, (10, 20)).chars[0].box == (5, 16, 9, 18)
