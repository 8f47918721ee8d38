"""Stage 4: ruled lines (notebook rules, margins, table borders, grids) removed from the ink.

Rules are found per direction (horizontal, then vertical):

1. the ink is bridged along the direction over gaps of up to ``dot_gap_px`` pixels, so the
   dots of a dotted rule and the dashes of a dashed one join into one line;
2. only components of that bridged ink spanning at least ``span`` of the page and elongated,
   sparse or large are searched (a rule, or a grid of them, with whatever letters touch it);
   ordinary components, letters, are never touched;
3. within them, rule ink lies in straight runs at least ``run`` of the page's long side long
   (:func:`straight_runs`), and a stretch of it, connected across gaps of up to ``dot_gap_px``,
   is a rule when it is at least ``min_length_heights`` typical letter heights long, so a long
   stroke of a big letter stays;
4. of a rule, only the pixels where the ink across it is no thicker than the rule itself are
   removed (:func:`run_lengths`): where a letter's stroke crosses the rule, the ink is thicker
   there, and the letter keeps its stroke whole instead of being cut in two.
"""

from __future__ import annotations

import numpy as np

from nnrecog import imaging
from nnrecog.connectivity import regions
from nnrecog.ocr.config import RulesConfig
from nnrecog.ocr.finding.components import typical_height


def without_rules(mask: np.ndarray, config: RulesConfig = RulesConfig()) -> np.ndarray:
    """Remove ruled lines from an ink mask (see the module docstring).

    Parameters
    ----------
    mask : (H, W) bool ink mask.

    Returns
    -------
    (H, W) bool.
    """
    found = [_rules_along(mask, axis, config) for axis in (1, 0)]
    if not (found[0].any() or found[1].any()):
        return mask
    rest = regions(mask & ~(found[0] | found[1]))
    letters = typical_height(rest.boxes[:, 2] - rest.boxes[:, 0], rest.areas)
    removed = np.zeros(mask.shape, dtype=bool)
    rules = [np.zeros(mask.shape, dtype=bool), np.zeros(mask.shape, dtype=bool)]
    for axis, rule_ink, along in zip((1, 0), found, rules):
        # a dotted or dashed rule is one stretch across its gaps, as it was when it was found
        pieces = regions(_closed_along(rule_ink, config.dot_gap_px + 1, axis) | rule_ink)
        if pieces.count == 0:
            continue
        extent = pieces.boxes[:, 2 + axis] - pieces.boxes[:, axis]
        along |= np.concatenate([[False], extent >= config.min_length_heights * letters])[pieces.labels] & rule_ink
        if not along.any():
            continue
        across = run_lengths(mask, 1 - axis)
        thickness = float(np.median(across[along]))
        removed |= along & (across <= config.thickness_ratio * thickness + config.thickness_slack_px)
    # where two rules cross, each is thick across the other, and the crossing stays as a speck:
    # it goes with them (a grid left its crossings as 540 specks on a blank page)
    return mask & ~(removed | (rules[0] & rules[1]))


def _rules_along(mask: np.ndarray, axis: int, config: RulesConfig) -> np.ndarray:
    """Ink of candidate rules along ``axis`` (1: horizontal, 0: vertical), steps 1-3 short of
    the length test: straight runs in spanning, elongated components of the bridged ink."""
    bridged = regions(_closed_along(mask, config.dot_gap_px + 1, axis) | mask)
    if bridged.count == 0:
        return np.zeros(mask.shape, dtype=bool)
    boxes, areas = bridged.boxes, bridged.areas
    heights, widths = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    box_areas = heights * widths
    spanning = (widths >= config.span * mask.shape[1]) | (heights >= config.span * mask.shape[0])
    spanning &= (
        (np.maximum(widths, heights) >= config.elongation * np.minimum(widths, heights))
        | (areas < config.fill * box_areas)
        | (box_areas >= config.area * mask.size)
    )
    if not spanning.any():
        return np.zeros(mask.shape, dtype=bool)
    searched = np.concatenate([[False], spanning])[bridged.labels]
    runs = straight_runs(searched, config.run * max(mask.shape), axis, config)
    return runs & mask


def _closed_along(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """The binary closing of ``mask`` by a straight line ``length`` pixels long along ``axis``
    (``scipy.ndimage.binary_closing`` with that structure, paper beyond the border), as running maximum
    and minimum filters: the same pixels, in a third of the time (tests/test_ocr_finding.py)."""
    dilated = imaging.maximum_filter1d(mask, length, axis=axis, cval=False, origin=-1 if length % 2 == 0 else 0)
    return imaging.minimum_filter1d(dilated, length, axis=axis, cval=False)


def straight_runs(ink: np.ndarray, length: float, axis: int, config: RulesConfig = RulesConfig()) -> np.ndarray:
    """Ink in straight runs along ``axis`` (1: horizontal, 0: vertical) at least ``length`` long.

    A morphological opening along the axis, computed with running means (cost independent
    of the run length), of the ink widened by ``bridge_px`` pixels across it, so the steps of
    a slightly slanted rule do not break its runs; intersected with the ink.
    """
    run = round(length) | 1
    if run < config.min_run_px or run > ink.shape[axis]:
        return np.zeros(ink.shape, dtype=bool)
    widened = imaging.maximum_filter1d(ink, config.bridge_px, axis=1 - axis)
    full = imaging.uniform_filter1d(widened.astype(np.float32), run, axis=axis) > 1 - 0.5 / run
    return (imaging.uniform_filter1d(full.astype(np.float32), run, axis=axis) > 0.5 / run) & ink


def run_lengths(mask: np.ndarray, axis: int) -> np.ndarray:
    """For each ink pixel, the length of the unbroken run of ink through it along ``axis``
    (0: down the column, 1: along the row); 0 off the ink. (H, W) int."""
    ink = np.moveaxis(mask, axis, 0).astype(np.int64)

    def run_so_far(values: np.ndarray) -> np.ndarray:
        # ink pixels counted since the last paper pixel, itself included
        count = np.cumsum(values, axis=0)
        return count - np.maximum.accumulate(np.where(values == 0, count, 0), axis=0)

    total = run_so_far(ink) + run_so_far(ink[::-1])[::-1] - 1
    return np.moveaxis(np.where(ink > 0, total, 0), 0, axis)
