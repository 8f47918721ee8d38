"""Synthetic pages with known text and boxes, composed from dataset glyphs.

Pages whose truth is known exactly: the reader is measured on them (pages of real NIST letters,
``benchmarks/ocr_nist_pages.py``), the detector learns from their bare papers what is not
writing (:mod:`nnrecog.experiments.negatives`), and the tests make a page for each kind of
photo that reads badly. Glyphs (e.g. the real NIST letters of ``nnrecog.data.load_nist26``)
are scaled, pasted along gently slanted lines with chosen letter and word gaps; the page can be
lit unevenly (a gradient and a shadow), as in a phone photo, ruled, or laid on a desk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage as ndi

from nnrecog.connectivity import EIGHT_CONNECTED
from nnrecog.data.normalize import ink_bounds

#: An ink box ``(y1, x1, y2, x2)``, as the reader's boxes are.
Box = tuple[int, int, int, int]


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
    word_slant: float = 0.0,
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
    word_slant : rise of every word per pixel to the right from its first letter, on top of
        the line's: a hand whose words each climb (negative) or fall, each word starting again
        at its line's height.

    Returns
    -------
    SyntheticPage, white paper (1.0) with the glyphs multiplied in.
    """
    placed: list[list[list[tuple[int, int, np.ndarray]]]] = []
    width = 0
    for row, line in enumerate(text.split("\n")):
        x, words = float(margin), []
        for word in line.split():
            chars, word_start = [], x
            for label in word:
                glyph = images[label][int(rng.integers(len(images[label])))]
                y1, x1, y2, x2 = _ink_box(glyph)
                scale = char_height / (y2 - y1)
                ink = Image.fromarray(np.ascontiguousarray(glyph[y1:y2, x1:x2]), mode="F")
                scaled = np.asarray(
                    ink.resize((max(1, round((x2 - x1) * scale)), char_height), Image.BILINEAR), np.float32
                )
                rise = slant * (x - margin) + word_slant * (x - word_start)
                top = margin + round(row * line_spacing * char_height + rise)
                chars.append((top, round(x), scaled))
                x += scaled.shape[1] + letter_gap * char_height
            words.append(chars)
            x += (word_gap - letter_gap) * char_height
        placed.append(words)
        width = max(width, round(x))
    # a line climbing from the page's top edge is lowered onto the page
    lift = max([0] + [-top for words in placed for chars in words for top, _, _ in chars])
    bottoms = [lift + top + g.shape[0] for words in placed for chars in words for top, _, g in chars] or [margin]
    page = np.ones((max(bottoms) + margin, width + margin), np.float32)
    boxes = []
    for words in placed:
        line_boxes = []
        for chars in words:
            word_boxes = []
            for top, left, g in chars:
                top += lift
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


#: Kinds of ruling :func:`ruled` draws.
RULINGS = ("solid", "dotted", "dashed", "grid")


def paper_and_darkness(image: Image.Image) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A photo's grey, its paper's brightness (a grey closing of a quarter-size copy, 60 px
    wide, smoothed and brought back to full size) and the darkness of everything over that
    paper, each ``(H, W)`` float32 in grey levels (0-255): what a synthetic change of the
    writing (pencil, show-through) changes.

    Returns
    -------
    grey, paper, darkness (``max(paper - grey, 0)``).
    """
    from nnrecog import imaging

    grey = np.asarray(image.convert("L"), np.float32)
    paper = imaging.uniform_filter(imaging.grey_closing(grey[::4, ::4], 15), 9)
    paper = np.asarray(Image.fromarray(paper, mode="F").resize(grey.shape[::-1], Image.BILINEAR))
    return grey, paper, np.clip(paper - grey, 0.0, None)


def as_pencil(image: Image.Image, contrast: float = 0.45, grain: float = 0.8) -> Image.Image:
    """A photo's writing as if in pencil: its darkness over the paper
    (:func:`paper_and_darkness`) lightened to ``contrast`` and grained, pixel by pixel, by a
    factor of ``1 + grain * n`` (``n`` unit noise smoothed over 0.7 px, within 0.15-1.5):
    graphite leaves grey, uneven strokes that the paper's tooth shows through. The noise's seed
    is the photo's size, so every run grains a photo alike.

    Returns
    -------
    A grey ("L") image of the photo's size.
    """
    from nnrecog import imaging

    grey, paper, darkness = paper_and_darkness(image)
    noise = np.random.default_rng(grey.shape).normal(0.0, 1.0, grey.shape).astype(np.float32)
    noise = imaging.gaussian_filter(noise, 0.7) / 0.4  # unit deviation again once smoothed
    factor = np.clip(1.0 + grain * noise, 0.15, 1.5)
    return Image.fromarray((paper - darkness * contrast * factor).clip(0, 255).astype(np.uint8))


def askew(photo: Image.Image, degrees: float) -> Image.Image:
    """The photo as a camera turned ``-degrees`` would have taken it: turned ``degrees``
    counter-clockwise on a canvas grown to hold it, the corners the turn leaves filled with the
    median colour of the photo's edges (paper beside paper, desk beside desk)."""
    pixels = np.asarray(photo)
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    fill = np.median(edges, axis=0)
    return photo.rotate(degrees, Image.BICUBIC, expand=True,
                        fillcolor=tuple(int(v) for v in fill) if fill.ndim else int(fill))


def ruled(
    page: np.ndarray,
    rng: np.random.Generator,
    kind: str = "solid",
    spacing: float = 40.0,
    darkness: float = 0.5,
    width: int = 2,
    offset: float | None = None,
) -> np.ndarray:
    """Draw a ruling across a page, as printed notebook paper has it, under the writing.

    Parameters
    ----------
    page : (H, W) float32 in [0, 1], ink dark.
    kind : one of :data:`RULINGS`: solid lines, dotted (round dots ``2 * width`` apart),
        dashed (dashes of ``4 * width``, gaps of ``3 * width``), or a square grid.
    spacing : distance between rules in pixels; darkness : how dark a rule is (0: none, 1:
        black); width : rule thickness in pixels; offset : row of the first rule (random
        within the spacing when ``None``).

    Returns
    -------
    (H, W) float32: the page multiplied by the ruling (ink over a rule stays as dark).
    """
    if kind not in RULINGS:
        raise ValueError(f"kind must be one of {RULINGS}, got {kind!r}")
    h, w = page.shape
    start = float(rng.uniform(0, spacing)) if offset is None else offset
    along = np.arange(w)
    if kind == "dotted":
        on = (along % (2 * width)) < max(1, width // 2 + 1)
    elif kind == "dashed":
        on = (along % (7 * width)) < 4 * width
    else:
        on = np.ones(w, dtype=bool)
    rules = np.zeros((h, w), dtype=bool)
    for row in np.arange(start, h, spacing).astype(int):
        rules[row : row + width, on] = True
    if kind == "grid":
        for column in np.arange(start, w, spacing).astype(int):
            rules[:, column : column + width] = True
    return np.where(rules, page * (1.0 - darkness), page).astype(np.float32)


def on_desk(
    page: np.ndarray, desk: np.ndarray, rng: np.random.Generator, angle: float = 0.0, fill: float = 0.6
) -> tuple[np.ndarray, np.ndarray]:
    """Lay a page on a desk, as a phone photo of a sheet on a table shows it.

    The page is rotated by ``angle`` degrees, scaled so it covers about ``fill`` of the
    photo (less where it would not fit), placed at a random spot, and lit by a gentle gradient with a soft shadow along one
    edge; the desk (any texture: a scene photo, wood, cloth) is resized to fill the frame.

    Parameters
    ----------
    page : (h, w) float32 in [0, 1], the sheet (paper ~1, ink dark).
    desk : (H, W) float32 in [0, 1], the surface; its shape is the photo's.

    Returns
    -------
    photo : (H, W) float32 in [0, 1].
    sheet : (H, W) bool, where the sheet is.
    """
    height, width = desk.shape
    cos, sin = abs(np.cos(np.radians(angle))), abs(np.sin(np.radians(angle)))
    h, w = page.shape
    fits = 0.95 * min(height / (h * cos + w * sin), width / (w * cos + h * sin))
    scale = min(np.sqrt(fill * height * width / page.size), fits)
    size = (max(1, round(page.shape[1] * scale)), max(1, round(page.shape[0] * scale)))
    paper = Image.fromarray(page, mode="F").resize(size, Image.BILINEAR).rotate(angle, Image.BILINEAR, expand=True)
    mask = Image.fromarray(np.ones(page.shape, np.float32), mode="F").resize(size, Image.BILINEAR)
    mask = mask.rotate(angle, Image.BILINEAR, expand=True)
    sheet_image, sheet_mask = np.asarray(paper, np.float32), np.asarray(mask, np.float32) > 0.5
    sh, sw = sheet_image.shape
    top, left = int(rng.integers(0, height - sh + 1)), int(rng.integers(0, width - sw + 1))
    photo = desk.copy()
    region = photo[top : top + sh, left : left + sw]
    region[sheet_mask] = sheet_image[sheet_mask]
    sheet = np.zeros(desk.shape, dtype=bool)
    sheet[top : top + sh, left : left + sw] = sheet_mask
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    light = 1.0 - 0.15 * (np.cos(direction) * xx / width + np.sin(direction) * yy / height + 1) / 2
    shadow = ndi.gaussian_filter(sheet.astype(np.float32), 0.01 * max(height, width))
    shadow = np.roll(shadow, (round(0.01 * height), round(0.01 * width)), axis=(0, 1))
    photo = np.where(sheet, photo, photo * (1.0 - 0.4 * shadow))
    return np.clip(photo * light, 0.0, 1.0).astype(np.float32), sheet
