"""Stage 3: the sheet of paper, where the photo shows it on a clearly darker surround (a desk).

Only ink on the sheet is read; a desk, bedspread or keyboard around it gives nothing. A
shadow's hard edge across the page (a phone's, a hand's) looks like a sheet's edge too; where
writing goes on past the edge found (:func:`writing_beyond`), the reader reads the page again
with no sheet and keeps the stronger reading.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from nnrecog import imaging
from nnrecog.connectivity import regions
from nnrecog.data.normalize import otsu_threshold
from nnrecog.ocr.config import InkConfig, SheetConfig
from nnrecog.ocr.finding.photo import resize_to


def paper_region(grey: np.ndarray, config: SheetConfig = SheetConfig(), otsu_bins: int = InkConfig.otsu_bins) -> np.ndarray | None:
    """The sheet of paper, when the photo shows it on a clearly darker surround (a desk).

    On a copy whose long side is ``long_side_px`` pixels, with the writing closed over (a grey
    closing ``writing_px`` wide: only the sheet and what lies around it remain), the bright
    side of an Otsu threshold is taken, and of its ``candidates`` largest connected parts, their
    holes (the writing) filled, those that look like a sheet (:func:`_is_sheet`) are weighed:
    the sheet is the one holding the most writing (the darkness the closing took away, summed
    over it). A sheet photographed from afar is a small part of the photo, and a blank wall, a
    window or a second sheet beside it may be larger and as sharply edged; of regions holding
    no writing, the largest is taken.

    Returns
    -------
    (H, W) bool mask of the paper (eroded by ``erosion_px``, so its edge's shading stays
    outside), or ``None`` when the photo is all paper as far as can be told (or the sheet is
    not looked for, ``config.enabled``).
    """
    if not config.enabled:
        return None
    h, w = grey.shape
    step = max(1.0, max(h, w) / config.long_side_px)
    small = imaging.gaussian_filter(resize_to(grey, h / step, w / step), config.smoothing_px)
    if min(small.shape) < config.min_side_px:
        return None
    closed = imaging.grey_closing(small, config.writing_px)
    writing = closed - small
    bright = regions(closed > otsu_threshold(closed, bins=otsu_bins, pad=0.0), connectivity=4)
    paper, most_writing = None, -1.0
    for label in 1 + np.argsort(bright.areas)[::-1][:config.candidates]:
        candidate = imaging.binary_fill_holes(bright.labels == label)
        if _is_sheet(closed, candidate, config):
            held = float(writing[candidate].sum())
            if held > most_writing:
                paper, most_writing = candidate, held
    if paper is None:
        return None
    paper = imaging.binary_erosion(paper, config.erosion_px)
    return np.asarray(Image.fromarray(paper.astype(np.uint8)).resize((w, h), Image.NEAREST)) > 0


def _is_sheet(closed: np.ndarray, paper: np.ndarray, config: SheetConfig) -> bool:
    """Whether the region ``paper`` of the small copy ``closed`` looks like a sheet: it covers a
    fraction of the photo within ``coverage``, is at least ``contrast`` brighter than the rest,
    and its border is a sharp edge: at least ``edge_sharpness`` of that contrast is crossed
    within ``edge_band_px`` pixels of it (the median brightness of a band just inside minus that
    of a band just outside). A shadow or a light gradient on the paper itself changes slowly
    and is never cut away."""
    low, high = config.coverage
    if not low < paper.mean() < high:
        return False
    contrast = float(np.median(closed[paper]) - np.median(closed[~paper]))
    band = config.edge_band_px
    # the photo's own edge is not the sheet's: erode as if the sheet went on beyond it
    inside = imaging.binary_erosion(paper, border_value=True) & ~imaging.binary_erosion(paper, band, border_value=True)
    outside = imaging.binary_dilation(paper, band) & ~imaging.binary_dilation(paper)
    if not (inside.any() and outside.any()) or contrast < config.contrast:
        return False
    return bool(np.median(closed[inside]) - np.median(closed[outside]) >= config.edge_sharpness * contrast)


def writing_beyond(paper: np.ndarray, ink: np.ndarray, char_height: float, config: SheetConfig = SheetConfig()) -> bool:
    """Whether writing goes on past the edge of the sheet found, which is then more likely a
    shadow's edge (a phone's or a hand's, across the page) than the sheet's.

    Of the ink components found with no sheet (``ink``), those shaped like characters (their
    height within ``beyond_size`` times ``char_height``, their width at most the larger
    factor times it) are counted on the sheet (in part or whole) and wholly off it. Writing
    goes on past the edge when one off it continues a line on it (a character on the sheet
    within ``beyond_reach_heights`` character heights along the row, their middles within half
    a height), or when those off it number at least ``beyond_share`` of those on it (and at
    least ``beyond_min``): a desk, a bedspread or a keyboard beside the sheet shows few things
    of a character's size, and fewer in line with the writing.

    Parameters
    ----------
    paper : (H, W) bool, the sheet (:func:`paper_region`); ink : (H, W) bool, the ink of the
        whole photo; char_height : the writing's character height on the sheet (pixels).
    """
    if char_height <= 0:
        return False
    found = regions(ink)
    if found.count == 0:
        return False
    on_sheet = np.zeros(found.count + 1, bool)
    on_sheet[found.labels[paper]] = True
    off_sheet = np.zeros(found.count + 1, bool)
    off_sheet[found.labels[~paper]] = True
    boxes = found.boxes
    heights, widths = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    low, high = config.beyond_size
    shaped = (heights >= low * char_height) & (heights <= high * char_height) & (widths <= high * char_height)
    inside = boxes[shaped & on_sheet[1:]]
    outside = boxes[shaped & off_sheet[1:] & ~on_sheet[1:]]
    if len(outside) >= max(config.beyond_min, config.beyond_share * len(inside)):
        return True
    if len(inside) == 0 or len(outside) == 0:
        return False
    middles_in, middles_out = (inside[:, 0] + inside[:, 2]) / 2, (outside[:, 0] + outside[:, 2]) / 2
    in_row = np.abs(middles_out[:, None] - middles_in[None, :]) <= char_height / 2
    gap = np.maximum(inside[None, :, 1] - outside[:, None, 3], outside[:, None, 1] - inside[None, :, 3])
    return bool((in_row & (gap <= config.beyond_reach_heights * char_height)).any())
