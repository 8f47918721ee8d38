"""Sheets photographed sideways or upside down: the page read turned, and the reading's boxes
brought back to the photo as displayed.

A reading's strength is the confidence its characters hold (:func:`strength`): text read in the
right orientation is read confidently and completely, text read sideways or upside down gives
fewer characters, each doubtful. :class:`~nnrecog.ocr.config.OrientationConfig` says when the
other turns are tried and how much stronger one must be to win.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nnrecog.data.normalize import normalize_glyph
from nnrecog.ocr.config import OrientationConfig
from nnrecog.ocr.document.elements import Box, Char, Line, Page, Rejected, Word
from nnrecog.ocr.finding.components import Segmentation
from nnrecog.ocr.recognition.recognize import Classifier

#: Quarter turns tried, counter-clockwise as ``numpy.rot90`` turns: sideways both ways, then
#: upside down.
TURNS = (1, 3, 2)


def strength(page: Page) -> float:
    """The confidence the page's characters hold: the sum of their confidences."""
    return sum(c.confidence for c in page.chars)


def is_weak(page: Page, config: OrientationConfig) -> bool:
    """Whether the other turns should be tried: no characters, doubtful ones on average, or
    lines of one or two characters each (the letters of a sideways line, read across it, stack
    into lines of their own)."""
    chars = page.chars
    if not chars or strength(page) / len(chars) < config.weak_confidence:
        return True
    lengths = sorted(len(line.chars) for line in page.lines)
    return len(lengths) >= config.stacked_lines and lengths[len(lengths) // 2] <= config.stacked_line_chars


def best_turn(seg: Segmentation, classifier: Classifier, config: OrientationConfig) -> int:
    """The quarter turns (``numpy.rot90``'s ``k``) that set the page's glyphs upright, judged by
    the character classifier: the page's largest glyphs, each crop turned and classified, and the
    turn whose most probable characters hold the most probability wins, if by ``margin`` over
    no turn and with ``min_turned_confidence`` a glyph on average (else 0: ink that reads as no
    character in any turn is not turned). A quick look: no lines, no cutting and joining, no words."""
    glyphs = sorted(seg.glyphs, key=lambda g: -g.height * g.width)[: config.sample_glyphs]
    if not glyphs:
        return 0
    # normalised once and turned as 32x32 images: normalising centres the ink in a square and
    # scales its longer side, so it commutes with quarter turns (up to a pixel of rounding)
    images = np.stack([normalize_glyph(seg.crop(g)) for g in glyphs])

    def held(turns: int) -> float:
        turned = np.ascontiguousarray(np.rot90(images, turns, axes=(1, 2)))
        return float(classifier.probabilities(turned)[:, :-1].max(axis=1).sum())

    upright = held(0)
    best, best_held = 0, max(upright * config.margin, config.min_turned_confidence * len(glyphs))
    for turns in TURNS:
        candidate = held(turns)
        if candidate > best_held:
            best, best_held = turns, candidate
    return best


def unturned_box(box: Box, turns: int, size: tuple[int, int]) -> Box:
    """A box of the image ``numpy.rot90(photo, turns)`` as a box of ``photo`` (``size``: its
    ``(height, width)``); boxes are ``[y1, x1, y2, x2]``, ends exclusive."""
    y1, x1, y2, x2 = box
    height, width = size
    turns %= 4
    if turns == 1:
        return x1, width - y2, x2, width - y1
    if turns == 2:
        return height - y2, width - x2, height - y1, width - x1
    if turns == 3:
        return height - x2, y1, height - x1, y2
    return box


def unturned_page(page: Page, turns: int, size: tuple[int, int]) -> Page:
    """``page``, read on the photo turned ``turns`` quarter turns, with every box on ``photo``."""
    def char(c: Char) -> Char:
        return replace(c, box=unturned_box(c.box, turns, size))

    lines = [Line([Word([char(c) for c in word.chars]) for word in line.words]) for line in page.lines]
    rejected = [Rejected(unturned_box(r.box, turns, size), r.reason, r.confidence) for r in page.rejected]
    return Page(lines, size, rejected)
