"""Synthetic train-only samples: perturbed re-renderings of the Chars74K pen trajectories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from nnrecog.data.nist36 import CLASSES, SIDE
from nnrecog.data.normalize import normalize_glyph
from nnrecog.data.samples import Samples, nist_like_sizes, seeded_rng, to_uint8
from nnrecog.data.sources import SOURCE_NAMES, SYNTHETIC_SOURCE, read_chars74k, render_strokes


def perturb_strokes(strokes: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """A new plausible letterform from pen trajectories: slant, aspect, rotation and wobble.

    Parameters
    ----------
    strokes : list of (k, 2) ``[x, y]`` point arrays.
    rng : random generator.

    Returns
    -------
    list of (k, 2) float arrays: ``p' = R(theta) S(slant, aspect) (p - c) + c + wobble(p)``, with
    ``theta ~ U(-6, 6) deg``, shear ``~ U(-0.3, 0.3)``, width scale ``~ exp(N(0, 0.12))``, and a
    smooth per-stroke wobble of about 3 % of the glyph size.
    """
    points = np.concatenate(strokes).astype(np.float64)
    centre = points.mean(axis=0)
    extent = max(float(np.ptp(points, axis=0).max()), 1.0)
    theta = np.deg2rad(rng.uniform(-6, 6))
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    # x' = aspect * x - slant * y (y grows downwards, so slant > 0 leans right)
    shape = np.array([[np.exp(rng.normal(0, 0.12)), -rng.uniform(-0.3, 0.3)], [0.0, 1.0]])
    matrix = rotation @ shape
    out = []
    for stroke in strokes:
        p = (stroke - centre) @ matrix.T + centre
        # smooth wobble: random offsets at a few control points, interpolated along the stroke
        knots = rng.normal(0, 0.03 * extent, (4, 2))
        t = np.linspace(0, 3, len(p))
        wobble = np.stack([np.interp(t, np.arange(4), knots[:, k]) for k in range(2)], axis=1)
        out.append(p + wobble)
    return out


def chars74k_rerenders(train: Samples, root: Path, seed: int, per_sample: int, progress: bool) -> Samples:
    """``per_sample`` perturbed re-renderings of each Chars74K letterform in ``train``."""
    chars74k = SOURCE_NAMES.index("chars74k")
    origins = [o for o, s in zip(train.origins, train.sources) if s == chars74k]
    if not origins or per_sample <= 0:
        return Samples.concat([])
    forms = read_chars74k(root)
    rng = seeded_rng(seed, SYNTHETIC_SOURCE)
    n = len(origins) * per_sample
    long_side, stroke = nist_like_sizes(rng, n)
    images = np.empty((n, SIDE, SIDE), np.uint8)
    labels, new_origins = np.empty(n, np.int64), []
    jobs = [(o, k) for o in origins for k in range(per_sample)]
    for i, (origin, k) in enumerate(tqdm(jobs, desc=f"{'rerender':>9}", unit="img", disable=not progress, leave=False)):
        char, form = origin.split("/")
        strokes = perturb_strokes(forms[char][int(form)], rng)
        grey = render_strokes(strokes, pen_fraction=rng.uniform(0.08, 0.16))
        images[i] = to_uint8(normalize_glyph(grey, long_side=long_side[i], stroke=stroke[i]))
        labels[i] = CLASSES.index(char)
        new_origins.append(f"{origin}#{k}")
    source = np.full(n, SOURCE_NAMES.index(SYNTHETIC_SOURCE), np.int64)
    return Samples(images, labels, source, new_origins, np.zeros(n, np.uint64))
