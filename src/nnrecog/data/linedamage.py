"""What a photo does to a line of writing before the line recogniser sees it.

The reader hands the recogniser a line's own ink, binarised and normalised
(:func:`nnrecog.data.lineformat.normalize_line`), so paper, lighting and ink colour are gone by
then; what survives them is what this module draws onto the synthetic lines' ink:

- **tiny letters**: the line drawn 9-18 px tall and thresholded there, as a small photo or a
  photo of a whole desk gives them, then scaled back up blocky;
- **broken strokes**: faint pencil, thin ballpoint or a high threshold leave gaps in strokes
  (ink erased where smooth noise is highest);
- **notches**: a ruled line taken out takes a band of every stroke that crosses it;
- **remnants**: a piece of a rule the rule finder missed, running through the letters;
- **specks**: dots of dust or show-through beside the letters.

Each is drawn with the chance and the range of :class:`LineDamage`; a line gets none, one or
several.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage as ndi


@dataclass(frozen=True)
class LineDamage:
    """Chances (per line) and ranges (uniform) of each kind of damage; lengths in cap heights."""

    tiny_chance: float = 0.2
    tiny_cap_px: tuple[float, float] = (9.0, 18.0)
    break_chance: float = 0.3
    #: Fraction of the ink erased, and the size of the erased spots.
    break_fraction: tuple[float, float] = (0.03, 0.15)
    break_size: tuple[float, float] = (0.03, 0.08)
    notch_chance: float = 0.15
    notch_height: tuple[float, float] = (0.03, 0.1)
    remnant_chance: float = 0.05
    remnant_width: tuple[float, float] = (0.02, 0.05)
    speck_chance: float = 0.25
    specks: tuple[int, int] = (1, 6)
    speck_radius: tuple[float, float] = (0.02, 0.07)


def damaged(ink: np.ndarray, cap: float, rng: np.random.Generator, damage: LineDamage = LineDamage()) -> tuple[np.ndarray, float]:
    """The line's ink after what a photo does to it, and its cap height then.

    Parameters
    ----------
    ink : (h, w) float in [0, 1], ink bright, the line level, ``cap`` pixels per cap height.

    Returns
    -------
    (ink, cap) : the damaged ink (maybe smaller: tiny letters) and its cap height in pixels.
    """
    ink = ink.copy()
    rows = np.flatnonzero(ink.max(axis=1) > 0.5)
    if rows.size == 0:
        return ink, cap
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    if rng.random() < damage.break_chance:
        noise = ndi.gaussian_filter(rng.standard_normal(ink.shape), rng.uniform(*damage.break_size) * cap)
        inked = ink > 0.5
        if inked.any():
            cut = np.quantile(noise[inked], 1.0 - rng.uniform(*damage.break_fraction))
            ink[noise > cut] = 0.0
    if rng.random() < damage.notch_chance:
        height = max(1, round(rng.uniform(*damage.notch_height) * cap))
        row = int(rng.integers(top, max(top + 1, bottom - height)))
        ink[row : row + height] = 0.0
    if rng.random() < damage.remnant_chance:
        width = max(1, round(rng.uniform(*damage.remnant_width) * cap))
        row = int(rng.integers(top, bottom))
        columns = np.flatnonzero(ink.max(axis=0) > 0.5)
        ink[row : row + width, columns[0] : columns[-1] + 1] = 1.0
    if rng.random() < damage.speck_chance:
        yy, xx = np.mgrid[: ink.shape[0], : ink.shape[1]]
        for _ in range(int(rng.integers(damage.specks[0], damage.specks[1] + 1))):
            r = rng.uniform(*damage.speck_radius) * cap
            cy, cx = rng.uniform(top - 0.3 * cap, bottom + 0.3 * cap), rng.uniform(0, ink.shape[1])
            ink[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = 1.0
    if rng.random() < damage.tiny_chance:
        small_cap = rng.uniform(*damage.tiny_cap_px)
        scale = small_cap / cap
        size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
        small = np.asarray(Image.fromarray(ink.astype(np.float32), mode="F").resize(size, Image.BOX))
        return (small > rng.uniform(0.3, 0.6)).astype(np.float32), small_cap
    return ink, cap
