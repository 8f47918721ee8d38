"""Unit tests of single stages on pages drawn for them: the rules (ruled lines removed, the
letters that cross them kept whole), the sheet (paper on a desk, not a shadow), the line image
(a slanted line levelled, its columns mapped back to the page) and the overlay."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage as ndi

from nnrecog.ocr.document.elements import Char, Line, Page, Rejected, Word
from nnrecog.ocr.document.overlay import MAX_OVERLAY_SIDE, REJECTED_COLOUR, draw_overlay, save_overlay
from nnrecog.ocr.finding.components import Glyph, Segmentation
from nnrecog.ocr.finding.rules import _closed_along, without_rules
from nnrecog.ocr.finding.sheet import paper_region
from nnrecog.ocr.lines.lineimage import course, line_image


# --- rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [2, 3, 6, 7, 10])
def test_the_fast_closing_is_scipys_binary_closing(length):
    rng = np.random.default_rng(length)
    for _ in range(20):
        mask = rng.random((50, 61)) < rng.uniform(0.05, 0.6)
        for axis in (0, 1):
            structure = np.ones((1, length) if axis == 1 else (length, 1), bool)
            assert np.array_equal(_closed_along(mask, length, axis), ndi.binary_closing(mask, structure=structure))


def _letters_on_rules(dotted: bool) -> tuple[np.ndarray, np.ndarray]:
    """A 300 x 400 page: three rules 2 px thick (dotted: 3 px dashes 4 px apart), and on the
    middle one five 'I's 24 px tall, 3 px wide, crossing it. Returns (page, the letters alone)."""
    page = np.zeros((300, 400), bool)
    for row in (80, 150, 220):
        page[row : row + 2, 10:390] = True
    if dotted:
        for col in range(10, 390, 7):
            page[[80, 81, 150, 151, 220, 221], col + 3 : col + 7] = False
    letters = np.zeros_like(page)
    for col in range(60, 360, 60):
        letters[138:162, col : col + 3] = True
    return page | letters, letters


@pytest.mark.parametrize("dotted", [False, True])
def test_rules_go_and_the_letters_crossing_them_stay_whole(dotted):
    page, letters = _letters_on_rules(dotted)
    kept = without_rules(page)
    assert not (kept & ~letters).any()  # every pixel of every rule removed...
    assert np.array_equal(kept & letters, letters)  # ...and every letter whole, where it crosses too
    assert ndi.label(kept)[1] == 5


def test_a_page_of_letters_alone_is_left_as_it_is():
    _, letters = _letters_on_rules(False)
    assert np.array_equal(without_rules(letters), letters)


def test_a_grid_goes_whole_its_crossings_too():
    """Where two rules cross, each is thick across the other: the crossings stayed as specks, 540
    of them on a blank page of 30 px squares, each read as a glyph (4.6 s for nothing)."""
    grid = np.zeros((300, 400), bool)
    for k in range(10, 300, 30):
        grid[k : k + 2, 5:395] = True
    for k in range(10, 400, 30):
        grid[5:295, k : k + 2] = True
    assert not without_rules(grid).any()  # letters written on a grid: test_ocr_writing.py


# --- sheet ---------------------------------------------------------------------------------------


def test_the_sheet_on_a_dark_desk_is_found_and_a_shadow_on_paper_is_not_a_sheet():
    desk = np.full((400, 600), 0.3, np.float32)
    desk[60:340, 100:500] = 0.9  # the sheet
    desk[150:160, 200:400] = 0.1  # a line of writing on it
    paper = paper_region(desk)
    assert paper is not None and paper.shape == desk.shape
    assert paper[200, 300] and paper[155, 300]  # on the sheet, the writing included
    assert not paper[20, 20] and not paper[200, 50]  # the desk
    shadow = np.tile(np.linspace(0.5, 0.95, 600, dtype=np.float32), (400, 1))  # light falling off slowly
    assert paper_region(shadow) is None
    assert paper_region(np.full((400, 600), 0.9, np.float32)) is None  # all paper


# --- line image ------------------------------------------------------------------------------------


def _slanted_line(slope: float) -> tuple[Segmentation, list[Glyph]]:
    """Six 20 x 10 px blocks in a row, each 30 px right of the one before, their rows falling
    by ``slope`` per column."""
    labels = np.zeros((200, 300), np.int32)
    glyphs = []
    for i in range(6):
        x = 20 + 40 * i
        y = int(round(60 + slope * x))
        labels[y : y + 20, x : x + 10] = i + 1
        glyphs.append(Glyph((y, x, y + 20, x + 10), (i + 1,)))
    seg = Segmentation((labels > 0).astype(np.float32), labels, glyphs, 20.0, (1.0, 1.0), (200, 300))
    return seg, glyphs


def test_a_slanted_line_is_levelled_and_its_columns_map_back_to_the_page():
    seg, glyphs = _slanted_line(0.15)
    y0, slope = course(glyphs)
    assert slope == pytest.approx(0.15, abs=0.01)
    line = line_image(seg, glyphs)
    ink = line.image < 0.5
    rows = np.flatnonzero(ink.any(axis=1))
    heights = [np.ptp(np.flatnonzero(ink[:, c])) + 1 for c in np.flatnonzero(ink.any(axis=0))]
    # levelled: the six blocks share their rows, so the line is no taller than one block
    assert np.ptp(rows) + 1 <= max(heights) + 2
    # each block's ink, found through the column map, is the block's own box on the page
    columns = np.flatnonzero(ink.any(axis=0))
    runs = np.split(columns, np.flatnonzero(np.diff(columns) > 1) + 1)
    assert len(runs) == 6
    for run, glyph in zip(runs, glyphs):
        box = line.ink_box(line.page_column(run[0]), line.page_column(run[-1] + 1))
        assert box is not None and abs(box[1] - glyph.box[1]) <= 2 and abs(box[3] - glyph.box[3]) <= 2
    assert line.ink_box(0, 5) is None  # no ink left of the line


# --- overlay ---------------------------------------------------------------------------------------


def _page(size: tuple[int, int]) -> Page:
    sure = Char("A", (100, 100, 160, 140), 0.95)
    unsure = Char("B", (100, 160, 160, 200), 0.3)
    return Page([Line([Word([sure, unsure])])], size=size, rejected=[Rejected((300, 300, 400, 500), "not characters")])


def test_the_overlay_marks_each_character_by_its_confidence_and_the_rejected_regions_faintly(tmp_path):
    photo = Image.new("L", (800, 600), 255)
    drawn = np.asarray(draw_overlay(photo, _page((600, 800))))
    assert drawn.shape == (600, 800, 3)
    assert tuple(drawn[130, 100]) == (0, 170, 0)  # the sure A's left edge, green
    assert tuple(drawn[130, 160]) == (220, 0, 0)  # the unsure B's, red
    faint = drawn[350, 300].astype(int)  # the rejected region's edge, blended into white
    expected = 0.35 * np.array(REJECTED_COLOUR) + 0.65 * 255
    assert np.abs(faint - expected).max() <= 2 and tuple(drawn[350, 310]) == (255, 255, 255)
    big = Image.new("RGB", (4000, 3000), "white")
    shrunk = draw_overlay(big, _page((3000, 4000)))
    assert max(shrunk.size) == MAX_OVERLAY_SIDE
    path = tmp_path / "overlay.png"
    save_overlay(photo, _page((600, 800)), path)
    assert Image.open(path).size == (800, 600) and [p.name for p in tmp_path.iterdir()] == ["overlay.png"]
