"""Stage 3: the sheet of paper, where the photo shows it on a clearly darker surround (a desk).

Only ink on the sheet is read; a desk, bedspread or keyboard around it gives nothing.
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
    side of an Otsu threshold is taken, its largest connected part kept and its holes (the writing) filled. It is the
    paper when it covers a fraction of the photo within ``coverage``, is at least
    ``contrast`` brighter than the rest, and its border is a sharp edge: at least
    ``edge_sharpness`` of that contrast is crossed within ``edge_band_px`` pixels of the
    border (the median brightness of a band just inside minus that of a band just outside).
    A shadow or a light gradient on the paper itself changes slowly and is never cut away.

    Returns
    -------
    (H, W) bool mask of the paper (eroded by ``erosion_px``, so its edge's shading stays
    outside), or ``None`` when the photo is all paper as far as can be told.
    """
    h, w = grey.shape
    step = max(1.0, max(h, w) / config.long_side_px)
    small = imaging.gaussian_filter(resize_to(grey, h / step, w / step), config.smoothing_px)
    if min(small.shape) < config.min_side_px:
        return None
    small = imaging.grey_closing(small, config.writing_px)
    bright = regions(small > otsu_threshold(small, bins=otsu_bins, pad=0.0), connectivity=4)
    if bright.count == 0:
        return None
    paper = imaging.binary_fill_holes(bright.labels == 1 + int(np.argmax(bright.areas)))
    low, high = config.coverage
    if not low < paper.mean() < high:
        return None
    contrast = float(np.median(small[paper]) - np.median(small[~paper]))
    band = config.edge_band_px
    # the photo's own edge is not the sheet's: erode as if the sheet went on beyond it
    inside = imaging.binary_erosion(paper, border_value=True) & ~imaging.binary_erosion(paper, band, border_value=True)
    outside = imaging.binary_dilation(paper, band) & ~imaging.binary_dilation(paper)
    if not (inside.any() and outside.any()) or contrast < config.contrast:
        return None
    if np.median(small[inside]) - np.median(small[outside]) < config.edge_sharpness * contrast:
        return None
    paper = imaging.binary_erosion(paper, config.erosion_px)
    return np.asarray(Image.fromarray(paper.astype(np.uint8)).resize((w, h), Image.NEAREST)) > 0
