"""Synthetic pages with known text and boxes, composed from dataset glyphs.

Used to test segmentation and layout where the truth is known exactly: glyphs (e.g. the real
NIST letters of ``nnrecog.data.load_nist26``) are scaled, pasted along gently slanted lines
with chosen letter and word gaps, and the page can be lit unevenly (a gradient and a shadow),
as in a phone photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage as ndi

from nnrecog.data.normalize import ink_bounds
from nnrecog.ocr.elements import Box
from nnrecog.ocr.ink import EIGHT_CONNECTED


@dataclass
class SyntheticPage:
    """A composed page and its truth.

    Attributes
    ----------
    image : (H, W) float32 in [0, 1], ink dark on light paper.
    text : the lines joined by newlines, words by single spaces.
    boxes : ``boxes[line][word][char]``, the ink box ``[y1, x1, y2, x2]`` of every glyph.
    """

    image: np.ndarray
    text: str
    boxes: list[list[list[Box]]]


def images_by_label(images: np.ndarray, labels: np.ndarray, classes: str) -> dict[str, list[np.ndarray]]:
    """Group dataset glyph images by label, keeping only those written in one piece.

    A letter drawn in two detached strokes would rightly get two boxes, which a test of
    segmentation against one box per character should not count against it.

    Parameters
    ----------
    images : (n, 32, 32) ink dark on white; labels : (n,) indices into ``classes``.
    """
    by_label: dict[str, list[np.ndarray]] = {}
    for image, label in zip(images, labels):
        if ndi.label(image < 0.5, structure=EIGHT_CONNECTED)[1] == 1:
            by_label.setdefault(classes[int(label)], []).append(image)
    return by_label


def _ink_box(glyph: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of a glyph's ink (glyphs here always have some)."""
    rows, cols = ink_bounds(glyph < 0.5)
    return rows.start, cols.start, rows.stop, cols.stop


def compose_page(
    text: str,
    images: dict[str, list[np.ndarray]],
    rng: np.random.Generator,
    char_height: int = 48,
    letter_gap: float = 0.3,
    word_gap: float = 1.4,
    line_spacing: float = 2.2,
    slant: float = 0.0,
    margin: int = 40,
) -> SyntheticPage:
    """Paste glyphs into a page reading ``text``.

    Parameters
    ----------
    text : upper-case words, lines separated by newlines; every character must be a key of
        ``images``.
    images : label -> list of (32, 32) glyph images (ink dark on white), as from
        :func:`images_by_label`; one is drawn at random for each character.
    char_height : height of every glyph's ink box in pixels (width keeps the aspect ratio).
    letter_gap, word_gap : gaps between ink boxes, in character heights.
    line_spacing : distance between the tops of successive lines, in character heights.
    slant : rise of every line per pixel to the right (``dy/dx``, positive goes down).
    margin : empty border in pixels.

    Returns
    -------
    SyntheticPage, white paper (1.0) with the glyphs multiplied in.
    """
    placed: list[list[list[tuple[int, int, np.ndarray]]]] = []
    width = 0
    for row, line in enumerate(text.split("\n")):
        x, words = float(margin), []
        for word in line.split():
            chars = []
            for label in word:
                glyph = images[label][int(rng.integers(len(images[label])))]
                y1, x1, y2, x2 = _ink_box(glyph)
                scale = char_height / (y2 - y1)
                ink = Image.fromarray(np.ascontiguousarray(glyph[y1:y2, x1:x2]), mode="F")
                scaled = np.asarray(
                    ink.resize((max(1, round((x2 - x1) * scale)), char_height), Image.BILINEAR), np.float32
                )
                top = margin + round(row * line_spacing * char_height + slant * (x - margin))
                chars.append((top, round(x), scaled))
                x += scaled.shape[1] + letter_gap * char_height
            words.append(chars)
            x += (word_gap - letter_gap) * char_height
        placed.append(words)
        width = max(width, round(x))
    tops = [top + g.shape[0] for words in placed for chars in words for top, _, g in chars] or [margin]
    page = np.ones((max(tops) + margin, width + margin), np.float32)
    boxes = []
    for words in placed:
        line_boxes = []
        for chars in words:
            word_boxes = []
            for top, left, g in chars:
                region = page[top : top + g.shape[0], left : left + g.shape[1]]
                np.minimum(region, np.clip(g, 0, 1), out=region)
                y1, x1, y2, x2 = _ink_box(g)
                word_boxes.append((top + y1, left + x1, top + y2, left + x2))
            line_boxes.append(word_boxes)
        boxes.append(line_boxes)
    return SyntheticPage(page, "\n".join(" ".join(line.split()) for line in text.split("\n")), boxes)


def uneven_light(page: np.ndarray, darkest: float = 0.45) -> np.ndarray:
    """Light a page like a phone photo: a diagonal gradient down to ``darkest`` and a soft
    round shadow, multiplied in (paper and ink darken together).

    Returns
    -------
    (H, W) float32 in [0, 1].
    """
    h, w = page.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gradient = 1.0 - (1.0 - darkest) * (xx / max(w - 1, 1) + yy / max(h - 1, 1)) / 2
    shadow = 1.0 - 0.3 * np.exp(-(((xx - 0.3 * w) / (0.2 * w)) ** 2 + ((yy - 0.6 * h) / (0.3 * h)) ** 2))
    return (page * gradient * shadow).astype(np.float32)
