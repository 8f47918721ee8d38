"""Sheets photographed sideways, upside down or askew: the page read turned (a quarter turn of
the photo) or straightened (its ink turned by the lines' angle), and the reading's boxes brought
back to the photo as displayed.

A reading's strength is the confidence its characters hold (:func:`strength`): text read in the
right orientation is read confidently and completely, text read sideways or upside down gives
fewer characters, each doubtful. :class:`~nnrecog.ocr.config.OrientationConfig` says when the
other turns are tried and how much stronger one must be to win.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from nnrecog.ocr.config import ComponentsConfig, OrientationConfig
from nnrecog.ocr.document.elements import Box, Page
from nnrecog.ocr.finding.components import Glyph, PageInk, Segmentation, glyphs_of
from nnrecog.ocr.recognition.recognize import Classifier, GlyphNetwork, GlyphReader

#: Quarter turns tried, counter-clockwise as ``numpy.rot90`` turns: sideways both ways, then
#: upside down.
TURNS = (1, 3, 2)


def strength(page: Page) -> float:
    """The confidence the page's characters hold: the sum of their confidences."""
    return sum(c.confidence for c in page.chars)


def stronger(page: Page, other: Page, margin: float = 1.0) -> Page:
    """``other`` where its characters hold more confidence than ``page``'s, ``margin`` times
    as much (a second reading of the same photo, boxes on it), else ``page``."""
    return other if strength(other) > margin * strength(page) else page


def reads_as_writing(turned: Page, upright: Page, config: OrientationConfig) -> bool:
    """Whether a turned reading may replace the upright one: its characters are confident on
    average (``min_turned_confidence``), and where the upright reading found nothing at all,
    its lines hold ``min_turned_line_chars`` of them on average too (a scene turned reads as a
    stack of lone characters; a column of digits turned reads as lone digits too, but
    upright, sideways, it still reads as something)."""
    if turned.confidence < config.min_turned_confidence:
        return False
    return bool(upright.chars) or len(turned.chars) >= config.min_turned_line_chars * len(turned.lines)


def is_weak(page: Page, config: OrientationConfig) -> bool:
    """Whether the other turns should be tried: no characters, doubtful ones on average, or
    lines of one or two characters each (the letters of a sideways line, read across it, stack
    into lines of their own)."""
    if not page.chars or page.confidence < config.weak_confidence:
        return True
    lengths = sorted(len(line.chars) for line in page.lines)
    return len(lengths) >= config.stacked_lines and lengths[len(lengths) // 2] <= config.stacked_line_chars


def turns_to_try(glyphs: GlyphReader, page: Page, config: OrientationConfig) -> list[int]:
    """The quarter turns (``numpy.rot90``'s ``k``) worth reading the page in besides its own,
    likeliest first (none: it stands upright). ``glyphs``: the page's glyphs as its reading
    (``page``) normalised and classified them. With the classifier's orientation model, the
    turns it finds (:func:`page_turns`) on every page; without the model, :func:`best_turn`
    when the page's reading is weak. (The classifier cannot vouch for the model's turns: a
    sideways page's glyphs are often whole words, its letters stacked, which no turn makes one
    character.)"""
    classifier = glyphs.classifier
    if classifier.orientation is None:
        largest = sorted(glyphs.seg.glyphs, key=lambda g: -g.height * g.width)[: config.sample_glyphs]
        turns = best_turn(glyphs.images(largest), classifier, config) if largest and is_weak(page, config) else 0
        return [turns] if turns else []
    sample = character_sized(glyphs.seg.glyphs, config)
    # upside down, many capitals keep their shape (H, I, N, O, S, X, Z) and the model is less
    # sure: a doubtful reading is worth reading any way up the model prefers at all
    needed = config.weak_turn_evidence if page.chars and is_weak(page, config) else config.turn_evidence
    return page_turns(glyphs.images(sample), classifier.orientation, config, needed) if sample else []


def character_sized(glyphs: list[Glyph], config: OrientationConfig) -> list[Glyph]:
    """The page's largest glyphs of about one character's size: the ``sample_glyphs`` longest
    whose long side is within ``character_size`` of the median long side. A long side does not
    change with a quarter turn, and the glyphs it leaves out are touching letters and rules,
    which stand no way up."""
    if not glyphs:
        return []
    longs = np.array([max(g.height, g.width) for g in glyphs], np.float64)
    low, high = (f * float(np.median(longs)) for f in config.character_size)
    kept = [i for i in np.argsort(-longs, kind="stable") if low <= longs[i] <= high]
    return [glyphs[i] for i in kept[: config.sample_glyphs]]


def page_turns(images: np.ndarray, model: GlyphNetwork, config: OrientationConfig, needed: float | None = None) -> list[int]:
    """The quarter turns that may set the page upright, by the orientation model: each glyph's
    log probability of each turn, summed over the page's glyphs (one crop is often ambiguous,
    an O, an H, an 8; together they are not). The turns that beat upright by ``needed`` nats
    (default ``turn_evidence``) and come within ``turn_doubt`` nats of the likeliest,
    likeliest first: a stack of letters (a sideways word) says clearly that it lies on its
    side, less clearly which side, and reading both tells.

    Parameters
    ----------
    images : (n, 32, 32) the page's glyphs of a character's size, normalised.
    """
    needed = config.turn_evidence if needed is None else needed
    evidence = np.log(model.outputs(images) + 1e-6).sum(axis=0)
    best = float(evidence.max())
    return [int(k) for k in np.argsort(-evidence, kind="stable")
            if k != 0 and evidence[k] - evidence[0] >= needed and evidence[k] >= best - config.turn_doubt]


def _held(images: np.ndarray, turns: int, classifier: Classifier) -> float:
    """The probability the classifier's most probable characters hold, summed over ``images``
    turned ``turns`` quarter turns. (The normalised images are turned, not the crops:
    normalising centres the ink in a square and scales its longer side, so it commutes with
    quarter turns, up to a pixel of rounding.)"""
    turned = np.ascontiguousarray(np.rot90(images, turns, axes=(1, 2)))
    return float(classifier.probabilities(turned)[:, :-1].max(axis=1).sum())


def best_turn(images: np.ndarray, classifier: Classifier, config: OrientationConfig) -> int:
    """The quarter turns (``numpy.rot90``'s ``k``) that set the page's glyphs upright, judged by
    the character classifier: the page's largest glyphs (``images``, (n, 32, 32) normalised),
    each turned and classified, and the turn whose most probable characters hold the most
    probability wins, if by ``margin`` over no turn and with ``min_turned_confidence`` a glyph
    on average (else 0: ink that reads as no character in any turn is not turned). A quick
    look: no lines, no cutting and joining, no words."""
    best, best_held = 0, max(_held(images, 0, classifier) * config.margin, config.min_turned_confidence * len(images))
    for turns in TURNS:
        candidate = _held(images, turns, classifier)
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
    return page.moved(lambda box: unturned_box(box, turns, size), size)


def tilt_degrees(seg: Segmentation, config: OrientationConfig) -> float:
    """The angle (degrees, counter-clockwise as ``PIL.Image.rotate`` turns) that levels the
    page's lines, from the directions to each glyph's nearest neighbours.

    Letters of a word stand nearer to each other than to the lines above and below, so the
    direction from a glyph to its ``tilt_neighbours`` nearest (centre to centre, within
    ``tilt_reach_heights`` character heights), where within ``max_tilt_deg`` of level, is
    the direction of its line: their median is the page's angle (the "docstrum" of O'Gorman,
    1993). A page of a few scattered words gives their angle, which a projection of the whole
    page does not; a grid of spaced letters gives its rows'. 0 with fewer than
    ``tilt_min_pairs`` such directions.
    """
    glyphs = seg.glyphs
    if len(glyphs) < 2:
        return 0.0
    b = np.asarray([g.box for g in glyphs], np.float64)
    if len(b) > config.tilt_max_glyphs:  # the page's tallest glyphs: its letters, not specks
        b = b[np.argsort(-(b[:, 2] - b[:, 0]), kind="stable")[: config.tilt_max_glyphs]]
    ys, xs = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    dy, dx = ys[None, :] - ys[:, None], xs[None, :] - xs[:, None]
    distance = np.hypot(dy, dx)
    np.fill_diagonal(distance, np.inf)
    k = min(config.tilt_neighbours, len(b) - 1)
    nearest = np.argpartition(distance, k - 1, axis=1)[:, :k]
    rows = np.arange(len(b))[:, None]
    dy, dx, distance = dy[rows, nearest], dx[rows, nearest], distance[rows, nearest]
    # a direction and its opposite are one line's
    dy, dx = np.where(dx < 0, -dy, dy), np.abs(dx)
    angles = np.degrees(np.arctan2(dy, dx))
    kept = (np.abs(angles) <= config.max_tilt_deg) & (distance <= config.tilt_reach_heights * max(seg.char_height, 1.0))
    if np.count_nonzero(kept) < config.tilt_min_pairs:
        return 0.0
    return float(np.median(angles[kept]))


def _turned_map(values: np.ndarray, degrees: float) -> np.ndarray:
    """A (H, W) map turned ``degrees`` counter-clockwise about its centre, on a canvas grown to
    hold all of it, zero where it was not (bilinear)."""
    turned = Image.fromarray(values.astype(np.float32), "F").rotate(degrees, Image.BILINEAR, expand=True, fillcolor=0.0)
    return np.asarray(turned)


def straightened(seg: Segmentation, degrees: float, config: ComponentsConfig = ComponentsConfig()) -> Segmentation:
    """The page's ink turned ``degrees`` counter-clockwise (:func:`tilt_degrees` levels its
    lines), its character candidates found again.

    Only the ink of the page's glyphs is turned into character candidates: what the finding
    stages dropped (the desk, the rulings, specks, what the frame cut through) stays dropped,
    and the new canvas's corners are paper. The boxes refer to the straightened photo
    (:func:`straightened_size`), which :func:`untilted_page` turns back."""
    ink = np.isin(seg.labels, [label for glyph in seg.glyphs for label in glyph.labels])
    faint = seg.faint if seg.faint is not None else seg.labels > 0
    darkness = np.clip(_turned_map(seg.darkness, degrees), 0.0, 1.0)
    page_ink = PageInk.of(darkness, _turned_map(ink, degrees) > 0.5, _turned_map(faint, degrees) > 0.5)
    size = straightened_size(seg.photo_size, degrees)
    scale = (darkness.shape[0] / size[0], darkness.shape[1] / size[1])
    char_height = page_ink.char_height(config)
    return Segmentation(page_ink.darkness, page_ink.labels, glyphs_of(page_ink, char_height, config), char_height,
                        scale, size, seg.crop_reach_px, page_ink.faint)


def straightened_size(size: tuple[int, int], degrees: float) -> tuple[int, int]:
    """``(height, width)`` of a photo of ``size`` turned ``degrees``, its canvas grown to hold it
    as ``PIL.Image.rotate(expand=True)`` grows it (the turned corners' extent about the centre,
    each end rounded outwards)."""
    cos, sin = abs(math.cos(math.radians(degrees))), abs(math.sin(math.radians(degrees)))
    height, width = size
    half_height, half_width = (height * cos + width * sin) / 2, (width * cos + height * sin) / 2
    return (math.ceil(height / 2 + half_height) - math.floor(height / 2 - half_height),
            math.ceil(width / 2 + half_width) - math.floor(width / 2 - half_width))


def untilted_box(box: Box, degrees: float, size: tuple[int, int]) -> Box:
    """A box of the photo of ``size`` turned ``degrees`` counter-clockwise (on its grown canvas,
    :func:`straightened_size`) as a box of the photo: the box of its four corners turned back,
    clipped to the photo."""
    height, width = size
    turned_height, turned_width = straightened_size(size, degrees)
    y1, x1, y2, x2 = box
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    ys = np.array([y1, y1, y2, y2], np.float64) - turned_height / 2
    xs = np.array([x1, x2, x1, x2], np.float64) - turned_width / 2
    back_x, back_y = xs * cos - ys * sin + width / 2, xs * sin + ys * cos + height / 2
    return (max(0, math.floor(back_y.min())), max(0, math.floor(back_x.min())),
            min(height, math.ceil(back_y.max())), min(width, math.ceil(back_x.max())))


def untilted_page(page: Page, degrees: float, size: tuple[int, int]) -> Page:
    """``page``, read on the photo of ``size`` straightened by ``degrees``, with every box on the photo."""
    return page.moved(lambda box: untilted_box(box, degrees, size), size)
