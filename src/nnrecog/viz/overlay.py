"""The OCR overlay: the photo with every character box and its label drawn on it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from nnrecog.fileio import atomic_path

if TYPE_CHECKING:  # viz sits beside ocr, so the page is only duck-typed at run time
    from nnrecog.ocr.elements import Page

#: Overlays are drawn at most this many pixels on the long side (a 12 MP photo gives a
#: readable, quick-to-write picture; boxes are scaled with the photo).
MAX_OVERLAY_SIDE = 2000


def _colour(confidence: float) -> tuple[int, int, int]:
    """Green for confident characters, orange for doubtful, red for guesses."""
    if confidence >= 0.8:
        return (0, 170, 0)
    if confidence >= 0.5:
        return (230, 140, 0)
    return (220, 0, 0)


def draw_overlay(photo: Image.Image, page: Page) -> Image.Image:
    """Draw ``page``'s boxes and labels on a copy of ``photo``.

    Character boxes are coloured by confidence (green >= 0.8, orange >= 0.5, red below) with
    the label above each box; word boxes are thin blue frames. The copy is scaled down so its
    long side is at most :data:`MAX_OVERLAY_SIDE` pixels.

    Parameters
    ----------
    photo : the photo that was read (EXIF rotation already applied), any mode.
    page : the result of reading it; boxes in ``photo``'s pixels.

    Returns
    -------
    RGB image.
    """
    canvas = photo.convert("RGB")
    factor = min(1.0, MAX_OVERLAY_SIDE / max(canvas.size))
    if factor < 1.0:
        canvas = canvas.resize((round(canvas.width * factor), round(canvas.height * factor)), Image.BILINEAR)
    draw = ImageDraw.Draw(canvas)
    line_width = max(1, round(max(canvas.size) / 700))

    def scaled(box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        y1, x1, y2, x2 = box
        return (x1 * factor, y1 * factor, x2 * factor - 1, y2 * factor - 1)

    for line in page.lines:
        for word in line.words:
            x1, y1, x2, y2 = scaled(word.box)
            pad = 2 * line_width
            draw.rectangle((x1 - pad, y1 - pad, x2 + pad, y2 + pad), outline=(40, 90, 230), width=1)
            for char in word.chars:
                x1, y1, x2, y2 = scaled(char.box)
                colour = _colour(char.confidence)
                draw.rectangle((x1, y1, x2, y2), outline=colour, width=line_width)
                font = ImageFont.load_default(size=max(10, round(0.45 * (y2 - y1))))
                draw.text((x1, y1 - pad), char.text, fill=colour, font=font, anchor="lb")
    return canvas


def save_overlay(photo: Image.Image, page: Page, path: str | os.PathLike) -> None:
    """Draw the overlay (:func:`draw_overlay`) and write it atomically (format from the suffix)."""
    with atomic_path(path) as tmp:
        draw_overlay(photo, page).save(tmp)
