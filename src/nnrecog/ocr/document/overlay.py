"""The OCR overlay: the photo with every character box and its label drawn on it, and the
regions judged not to be writing in a faint colour, so a user can see what was passed over."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont, ImageOps

from nnrecog.fileio import atomic_path

if TYPE_CHECKING:
    from nnrecog.ocr.document.elements import Page

#: Overlays are drawn at most this many pixels on the long side (a 12 MP photo gives a
#: readable, quick-to-write picture; boxes are scaled with the photo).
MAX_OVERLAY_SIDE = 2000
#: Rejected regions are drawn in this colour at this opacity: visible, never mistaken for a reading.
REJECTED_COLOUR = (255, 0, 255)
REJECTED_OPACITY = 0.35


def _colour(confidence: float) -> tuple[int, int, int]:
    """Green for confident characters, orange for doubtful, red for guesses."""
    if confidence >= 0.8:
        return (0, 170, 0)
    if confidence >= 0.5:
        return (230, 140, 0)
    return (220, 0, 0)


def open_for_overlay(path: str | os.PathLike) -> Image.Image:
    """Open a photo for drawing on: EXIF rotation applied, JPEGs decoded at reduced scale."""
    with Image.open(path) as image:
        scale = MAX_OVERLAY_SIDE / max(image.size)
        if image.format == "JPEG" and scale < 1:
            # draft() keeps both sides at least the size asked for, so ask in the photo's own
            # shape: a square request would make a 4:3 photo decode at full size.
            image.draft("RGB", tuple(math.ceil(side * scale) for side in image.size))
        image.load()
        return ImageOps.exif_transpose(image)


def draw_overlay(photo: Image.Image, page: Page) -> Image.Image:
    """Draw ``page``'s boxes and labels on a copy of ``photo``.

    Character boxes are coloured by confidence (green >= 0.8, orange >= 0.5, red below) with
    the label above each box (below it at the top edge); word boxes are thin blue frames;
    rejected regions (``page.rejected``) are pale dashed-looking frames, blended into the
    photo. The copy is scaled so its long side is at most :data:`MAX_OVERLAY_SIDE` pixels.

    Parameters
    ----------
    photo : the photo that was read (EXIF rotation applied), any mode and any scale: boxes,
        given in the full photo's pixels (``page.size``), are scaled to it.
    page : the result of reading it.

    Returns
    -------
    RGB image.
    """
    canvas = photo.convert("RGB")
    if max(canvas.size) > MAX_OVERLAY_SIDE:
        shrink = MAX_OVERLAY_SIDE / max(canvas.size)
        canvas = canvas.resize((round(canvas.width * shrink), round(canvas.height * shrink)), Image.BILINEAR)
    photo_height, photo_width = page.size if min(page.size) > 0 else (canvas.height, canvas.width)
    fy, fx = canvas.height / photo_height, canvas.width / photo_width
    draw = ImageDraw.Draw(canvas)
    line_width = max(1, round(max(canvas.size) / 700))
    pad = 2 * line_width

    def scaled(box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        y1, x1, y2, x2 = box
        return (x1 * fx, y1 * fy, max(x1 * fx, x2 * fx - 1), max(y1 * fy, y2 * fy - 1))

    if page.rejected:
        faint = canvas.copy()
        faint_draw = ImageDraw.Draw(faint)
        for region in page.rejected:
            faint_draw.rectangle(scaled(region.box), outline=REJECTED_COLOUR, width=line_width)
        canvas = Image.blend(canvas, faint, REJECTED_OPACITY)
        draw = ImageDraw.Draw(canvas)
    for line in page.lines:
        for word in line.words:
            x1, y1, x2, y2 = scaled(word.box)
            draw.rectangle((x1 - pad, y1 - pad, x2 + pad, y2 + pad), outline=(40, 90, 230), width=1)
            for char in word.chars:
                x1, y1, x2, y2 = scaled(char.box)
                colour = _colour(char.confidence)
                draw.rectangle((x1, y1, x2, y2), outline=colour, width=line_width)
                size = max(10, round(0.45 * (y2 - y1)))
                font = ImageFont.load_default(size=size)
                above = y1 - pad - size >= 0
                draw.text((x1, y1 - pad if above else y2 + pad), char.text, fill=colour, font=font,
                          anchor="lb" if above else "lt")
    return canvas


def save_overlay(photo: Image.Image, page: Page, path: str | os.PathLike) -> None:
    """Draw the overlay (:func:`draw_overlay`) and write it atomically (format from the suffix)."""
    with atomic_path(path) as tmp:
        draw_overlay(photo, page).save(tmp)
