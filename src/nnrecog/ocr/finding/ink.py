"""Stage 2: which pixels are ink.

1. A dithered page (a 1-bit scan or print whose tones are dot patterns) is first smoothed
   back into grey tones (:func:`undithered`).
2. *Background division* (:func:`ink_darkness`): the paper's brightness is estimated by a grey
   closing much wider than a pen stroke (strokes vanish, shadows and light gradients stay), and
   every pixel is divided by it. ``darkness = 1 - grey / background`` is ~0 on paper
   everywhere, in the shadow as in the light, so one threshold fits the whole page (Otsu alone
   fails on gradients).
3. *Hysteresis threshold* (:func:`binarize`): a weak threshold just above the paper's noise
   finds the full extent of strokes, a strong one (Otsu over the candidate ink) decides which
   of those regions are real ink; faint pencil stays connected, paper texture and
   show-through are dropped.
4. *Blur* (:func:`edge_blur`): how blurred the ink's edges are, which decides whether the
   reader reads the page again :func:`sharpened`.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from nnrecog import imaging
from nnrecog.connectivity import label
from nnrecog.data.normalize import otsu_threshold
from nnrecog.ocr.config import DitherConfig, InkConfig
from nnrecog.ocr.finding.photo import resize_to

def undithered(grey: np.ndarray, config: DitherConfig = DitherConfig()) -> np.ndarray:
    """The page, with dot patterns (dithering, halftone) smoothed back into grey tones.

    On a dithered page a light-grey paper is a sprinkle of isolated black dots, which the ink
    threshold would take for writing. Such a page is recognised, in the central
    ``probe_side_px`` square (the pattern covers the whole page; this bounds the cost), by
    two signs: many dark pixels have at most ``max_neighbours`` dark 8-neighbours (strokes
    have more, unless 1 px thin), and dark pixels are near almost every pixel (writing leaves
    most of the paper bare). It is then blurred with a Gaussian of ``sigma_px``.

    Parameters
    ----------
    grey : (H, W) float32 in [0, 1], ink dark.

    Returns
    -------
    (H, W) float32: the blurred page, or ``grey`` itself when it is not dithered.
    """
    h, w = grey.shape
    side = config.probe_side_px
    top, left = max(0, (h - side) // 2), max(0, (w - side) // 2)
    dark = grey[top : top + side, left : left + side] < config.dark_level
    n_dark = int(dark.sum())
    if n_dark == 0:
        return grey
    neighbours = imaging.neighbour_count(dark)
    isolated = int((dark & (neighbours <= config.max_neighbours)).sum())
    if isolated < config.isolated_fraction * n_dark:
        return grey
    if imaging.binary_dilation(dark, config.reach_px, diagonal=True).mean() < config.coverage:
        return grey
    return imaging.gaussian_filter(grey, config.sigma_px)


def ink_darkness(grey: np.ndarray, config: InkConfig = InkConfig()) -> np.ndarray:
    """Background-divided darkness: ~0 on paper whatever the lighting, towards 1 on ink.

    The background ``B`` is a grey closing (dilation then erosion of brightness) of a
    downscaled copy, over a window of ``background_fraction`` of the long side, smoothed (at
    most the closing, with ``follow_light_edges``) and upscaled; ``darkness = clip(1 - g / B,
    0, 1)``.

    Parameters
    ----------
    grey : (H, W) float32 in [0, 1], ink dark.

    Returns
    -------
    (H, W) float32 in [0, 1].
    """
    h, w = grey.shape
    smooth = imaging.gaussian_filter(grey, config.denoise_sigma_px)
    step = max(1, round(max(h, w) / config.background_long_side_px))
    small = resize_to(smooth, h / step, w / step)
    window = max(3, round(config.background_fraction * max(h, w) / step)) | 1
    closed = imaging.grey_closing(small, window)
    background = imaging.uniform_filter(closed, window)
    if config.follow_light_edges:
        background = np.minimum(background, closed)
    if background.shape != (h, w):
        background = np.asarray(Image.fromarray(background, mode="F").resize((w, h), Image.BILINEAR))
    darkness = 1.0 - smooth / np.maximum(background, 1e-3)  # 1e-3: no division by a black background
    return np.clip(darkness, 0.0, 1.0).astype(np.float32)


def binarize(darkness: np.ndarray, paper: np.ndarray | None = None, config: InkConfig = InkConfig()) -> np.ndarray:
    """Hysteresis threshold of a darkness map: regions above the weak threshold that reach
    the strong one.

    Weak: ``median + max(weak_sigmas sigma, weak_min)`` with ``sigma = 1.4826 MAD`` (the
    paper's noise); on a sheet, the regions reaching its edge out (``drop_sheet_edge``);
    strong: ``max(Otsu of the pixels above weak, weak + strong_margin, strong_min)``; then
    every kept pixel at least ``relative_floor`` times the kept ink's median darkness.

    Parameters
    ----------
    darkness : (H, W) float32, from :func:`ink_darkness`.
    paper : (H, W) bool, optional; only ink on the paper counts
        (:func:`~nnrecog.ocr.finding.sheet.paper_region`).

    Returns
    -------
    (H, W) bool ink mask.
    """
    step = config.noise_sample_step
    if paper is not None:
        darkness = np.where(paper, darkness, 0.0)
        sample = darkness[paper][::step]
    else:
        rows_step = max(1, round(step**0.5))
        sample = darkness[::rows_step, ::rows_step]
    median = float(np.median(sample))
    sigma = 1.4826 * float(np.median(np.abs(sample - median)))
    weak = median + max(config.weak_sigmas * sigma, config.weak_min)
    candidate = darkness > weak
    if not candidate.any():
        return candidate
    regions, _ = label(candidate)
    if paper is not None and config.drop_sheet_edge:
        # ink reaching the sheet's edge is the edge's (a spiral binding, a shadow, the desk
        # beyond), not writing; left in, its dark mass would set the strong threshold above
        # small, thin writing (the photo's frame is not the sheet's edge)
        rim = paper & ~imaging.binary_erosion(paper, border_value=True)
        candidate &= ~_reaching(regions, rim)[regions]
        if not candidate.any():
            return candidate
    strong = max(
        otsu_threshold(darkness[candidate], bins=config.otsu_bins, pad=0.0),
        weak + config.strong_margin,
        config.strong_min,
    )
    mask = _reaching(regions, candidate & (darkness > strong))[regions]
    if config.relative_floor > 0 and mask.any():
        mask &= darkness > config.relative_floor * float(np.median(darkness[mask]))
    return mask


def _reaching(regions: np.ndarray, where: np.ndarray) -> np.ndarray:
    """(count + 1,) bool over the labels of ``regions``: which have a pixel where ``where`` is
    true (label 0, the background, never)."""
    reaching = np.zeros(regions.max() + 1, dtype=bool)
    reaching[regions[where]] = True
    reaching[0] = False
    return reaching


def without_faint_layer(mask: np.ndarray, darkness: np.ndarray, config: InkConfig = InkConfig()) -> np.ndarray:
    """The ink less a fainter layer behind it: pixels fainter than ``layer_floor`` times the
    page's stroke cores (the 75th percentile of the ink's darkness) are kept only within
    ``rim_px`` of ink that is not, as the soft rim of a stroke.

    Writing showing through from the back of the sheet, or a pencil draft under ink, is a
    layer of its own a fraction as dark as the writing; where its strokes cross the writing's,
    the threshold's hysteresis joins them to it. A pencil page has no darker layer: its cores
    are the pencil's own.

    Parameters
    ----------
    mask : (H, W) bool ink, as from :func:`binarize` (its ruled lines out).
    darkness : (H, W) float32, from :func:`ink_darkness`.
    """
    if config.layer_floor <= 0 or not mask.any():
        return mask
    typical = float(np.percentile(darkness[mask], 75))
    strokes = mask & (darkness > config.layer_floor * typical)
    near = imaging.binary_dilation(strokes, config.rim_px, diagonal=True)
    return mask & near


def edge_blur(darkness: np.ndarray, labels: np.ndarray, min_area: int = 20) -> float:
    """The blur the ink's edges show: the sigma (px) of a Gaussian that would blur a sharp
    stroke so; 0 on a page without ink.

    A step of height ``C`` blurred by a Gaussian of sigma ``s`` is at most ``C / (s sqrt(2 pi))``
    steep, so each component's darkest pixel over its steepest gradient, over ``sqrt(2 pi)``,
    estimates ``s``; the median over the components of at least ``min_area`` pixels (specks
    are all edge). A stroke thinner than the blur is fainter as well as softer, and reads alike.

    Parameters
    ----------
    darkness : (H, W) float32, from :func:`ink_darkness`.
    labels : (H, W) int, the ink's components (0: paper).
    """
    ys, xs = np.nonzero(labels)
    if not len(ys):
        return 0.0
    # central differences at the ink's pixels only (a few per cent of the page)
    h, w = darkness.shape
    down = darkness[np.minimum(ys + 1, h - 1), xs] - darkness[np.maximum(ys - 1, 0), xs]
    across = darkness[ys, np.minimum(xs + 1, w - 1)] - darkness[ys, np.maximum(xs - 1, 0)]
    own = labels[ys, xs]
    order = np.argsort(own, kind="stable")
    own = own[order]
    starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
    sized = np.diff(np.r_[starts, len(own)]) >= min_area
    if not sized.any():
        return 0.0
    core = np.maximum.reduceat(darkness[ys, xs][order], starts)[sized]
    steepest = np.maximum.reduceat(0.5 * np.hypot(down, across)[order], starts)[sized]
    return float(np.median(core / np.maximum(steepest, 1e-6))) / math.sqrt(2.0 * math.pi)


def sharpened(grey: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    """Unsharp masking: ``grey + amount (grey - G_sigma * grey)``, clipped to [0, 1]."""
    detail = grey - imaging.gaussian_filter(grey, sigma)
    return np.clip(grey + amount * detail, 0.0, 1.0).astype(np.float32)
