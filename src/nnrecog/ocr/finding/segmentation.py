"""Stages 1-5 chained: a grey page's character candidates, looked at twice (once to measure
its characters, once at the resolution that suits them)."""

from __future__ import annotations

import dataclasses

import numpy as np

from nnrecog.ocr.config import DEFAULT_CONFIG, ReaderConfig
from nnrecog.ocr.finding import components, ink, photo, rules, sheet
from nnrecog.ocr.finding.components import PageInk, Segmentation


def find_ink(grey: np.ndarray, config: ReaderConfig = DEFAULT_CONFIG) -> PageInk:
    """Stages 2-4 on a working-resolution grey page: darkness, the sheet, the threshold, no
    rules, no fainter layer behind the writing."""
    if min(grey.shape) < 2:
        return PageInk.blank(grey.shape)
    darkness = ink.ink_darkness(grey, config.ink)
    paper = sheet.paper_region(grey, config.sheet, config.ink.otsu_bins)
    mask = ink.binarize(darkness, paper, config.ink)
    kept = rules.without_rules(mask, config.rules) if config.rules.remove else mask
    ruled = mask & ~kept
    faint = darkness > config.writing.faint_darkness
    faint &= ~ruled if paper is None else paper & ~ruled
    return PageInk.of(darkness, ink.without_faint_layer(kept, darkness, config.ink), faint, bool(ruled.any()), paper)


def segment(grey: np.ndarray, photo_size: tuple[int, int] | None = None, config: ReaderConfig = DEFAULT_CONFIG) -> Segmentation:
    """Stages 1-5: the character candidates of a grey page.

    The page is first looked at with ``config.photo.probe_pixels`` pixels to measure its
    characters, then segmented at the resolution that makes them about
    ``config.photo.target_char_height`` pixels tall (:func:`~nnrecog.ocr.finding.photo.working_pixels`):
    large writing costs little, small writing gets the pixels it needs, and writing smaller
    than ``config.photo.min_char_height`` in the photo itself is enlarged
    (:func:`~nnrecog.ocr.finding.photo.enlarged`).

    Parameters
    ----------
    grey : (H, W) float32 in [0, 1], ink dark; any size.
    photo_size : ``(height, width)`` of the photo the boxes should refer to, when ``grey`` is
        already a downscaled copy (as from :func:`~nnrecog.ocr.finding.photo.open_photo`); default
        ``grey.shape``.

    Returns
    -------
    Segmentation, with one :class:`~nnrecog.ocr.finding.components.Glyph` per character candidate
    (empty on a blank page).
    """
    photo_size = tuple(photo_size or grey.shape)
    reach = config.components.crop_reach_px
    if grey.size == 0:
        blank = PageInk.blank(grey.shape)
        return Segmentation(blank.darkness, blank.labels, [], 0.0, (1.0, 1.0), photo_size, reach, blank.faint)
    grey = ink.undithered(grey, config.ink.dither)
    probe = photo.working_grey(grey, min(config.photo.probe_pixels, config.photo.max_pixels))
    page_ink = find_ink(probe, config)
    blur_px = ink.edge_blur(page_ink.darkness, page_ink.labels)
    if config.ink.sharpen > 0 and blur_px > 0:
        grey = ink.sharpened(grey, blur_px * grey.shape[0] / probe.shape[0], config.ink.sharpen)
        probe = photo.working_grey(grey, min(config.photo.probe_pixels, config.photo.max_pixels))
        page_ink = find_ink(probe, config)
    char_height = probe_height = page_ink.char_height(config.components)
    beyond = page_ink.paper is not None and sheet.writing_beyond(
        page_ink.paper, ink.binarize(page_ink.darkness, None, config.ink), probe_height, config.sheet)
    work = photo.working_grey(grey, photo.working_pixels(probe_height, probe.size, config.photo))
    shrunk_rows = work.shape[0]
    work = photo.enlarged(work, probe_height * work.shape[0] / probe.shape[0], config.photo)
    if work.shape != probe.shape:
        ink_config = config
        if work.shape[0] > shrunk_rows:
            # enlarging softens every edge, as smoothing does: a stroke's soft rim is wider
            rim_px = max(config.ink.rim_px, config.ink.soft_rim_px)
            ink_config = dataclasses.replace(config, ink=dataclasses.replace(config.ink, rim_px=rim_px))
        page_ink = find_ink(work, ink_config)
        char_height = page_ink.char_height(config.components)
    scale = (work.shape[0] / photo_size[0], work.shape[1] / photo_size[1])
    glyphs = components.glyphs_of(page_ink, char_height, config.components)
    return Segmentation(
        page_ink.darkness, page_ink.labels, glyphs, char_height, scale, photo_size, reach, page_ink.faint, page_ink.ruled,
        blur_px, beyond,
    )
