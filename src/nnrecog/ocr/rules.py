"""Stage 4: ruled lines (notebook rules, margins, table borders) removed from the ink."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from nnrecog.ocr.components import component_boxes, typical_height
from nnrecog.ocr.config import RulesConfig
from nnrecog.ocr.ink import EIGHT_CONNECTED


def without_rules(mask: np.ndarray, config: RulesConfig = RulesConfig()) -> np.ndarray:
    """Remove ruled lines from an ink mask.

    Only components spanning at least ``span`` of the page's width or height and elongated,
    sparse or large (``elongation``, ``fill``, ``area``) are searched: a rule or a grid of
    them, with whatever letters touch it. Ordinary components, letters, are never touched.
    Within them, rule ink lies in straight horizontal or vertical runs at least ``run`` of the
    page's long side long (:func:`straight_runs`), and a connected stretch of it counts as a
    rule when it is at least ``min_length_heights`` typical letter heights long (measured on
    what is left without it), so a long stroke of a big letter stays.

    Parameters
    ----------
    mask : (H, W) bool ink mask.

    Returns
    -------
    (H, W) bool.
    """
    labels, count = ndi.label(mask, structure=EIGHT_CONNECTED)
    if count == 0:
        return mask
    boxes = component_boxes(labels, count)
    heights, widths = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    box_areas = heights * widths
    spanning = (widths >= config.span * mask.shape[1]) | (heights >= config.span * mask.shape[0])
    spanning &= (
        (np.maximum(widths, heights) >= config.elongation * np.minimum(widths, heights))
        | (areas < config.fill * box_areas)
        | (box_areas >= config.area * mask.size)
    )
    if not spanning.any():
        return mask
    searched = np.concatenate([[False], spanning])[labels]
    runs = [straight_runs(searched, config.run * max(mask.shape), axis, config) for axis in (1, 0)]
    candidate = runs[0] | runs[1]
    if not candidate.any():
        return mask
    rest, rest_count = ndi.label(mask & ~candidate, structure=EIGHT_CONNECTED)
    rest_boxes = component_boxes(rest, rest_count)
    letters = typical_height(rest_boxes[:, 2] - rest_boxes[:, 0], np.bincount(rest.ravel())[1:])
    rules = np.zeros(mask.shape, dtype=bool)
    for axis, found in zip((1, 0), runs):
        pieces, piece_count = ndi.label(found, structure=EIGHT_CONNECTED)
        piece_boxes = component_boxes(pieces, piece_count)
        extent = piece_boxes[:, 2 + axis] - piece_boxes[:, axis]
        rules |= np.concatenate([[False], extent >= config.min_length_heights * letters])[pieces]
    return mask & ~rules


def straight_runs(ink: np.ndarray, length: float, axis: int, config: RulesConfig = RulesConfig()) -> np.ndarray:
    """Ink in straight runs along ``axis`` (1: horizontal, 0: vertical) at least ``length`` long.

    A morphological opening along the axis, computed with running means (cost independent
    of the run length), of the ink widened by ``bridge_px`` pixels across it, so the steps of
    a slightly slanted rule do not break its runs; intersected with the ink.
    """
    run = round(length) | 1
    if run < config.min_run_px or run > ink.shape[axis]:
        return np.zeros(ink.shape, dtype=bool)
    widened = ndi.maximum_filter1d(ink, config.bridge_px, axis=1 - axis)
    full = ndi.uniform_filter1d(widened.astype(np.float32), run, axis=axis) > 1 - 0.5 / run
    return (ndi.uniform_filter1d(full.astype(np.float32), run, axis=axis) > 0.5 / run) & ink
