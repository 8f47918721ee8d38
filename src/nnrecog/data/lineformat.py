"""The normalised line image a line recogniser reads: its format (a small frozen dataclass, which
the reader needs to load a model) and :func:`normalize_line`, which makes one from a line of a
photo or a synthetic line alike, without loading the synthetic-line machinery."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnrecog.data.nist36 import NIST_STROKE_WIDTH


@dataclass(frozen=True)
class LineFormat:
    """The normalised line image a line recogniser reads (same for training and reading)."""

    #: Rows of the image.
    height: int = 32
    #: Height of a capital letter, in rows (room is left for slant, drift and tails).
    cap_height: float = 20.0
    #: Stroke width, in pixels (NIST's glyphs: 2.5).
    stroke: float = NIST_STROKE_WIDTH
    #: Blank columns kept at each end, in cap heights.
    margin: float = 0.25
    #: Work is done at this many times the output resolution, then box-filtered down.
    oversample: int = 2


@dataclass
class NormalizedLine:
    """A normalised line image and where its columns came from.

    Attributes
    ----------
    image : (height, W) float32 in [0, 1], ink dark (~0) on white (1).
    left : the input column of the image's first column.
    column_width : input columns per image column (input column = ``left + column_width * c``).
    """

    image: np.ndarray
    left: float
    column_width: float


def normalize_line(ink: np.ndarray, cap_height: float, centre_row: float, fmt: LineFormat = LineFormat()) -> NormalizedLine:
    """The normalised image of a line: height and stroke width fixed, ink dark on white.

    Parameters
    ----------
    ink : (h, w) float in [0, 1], ink *bright* (1 = ink) on 0, the line's own ink only.
    cap_height : the height of its capitals in ``ink``'s pixels (a line's median glyph height).
    centre_row : the row of ``ink`` the line's middle runs along (the line must be level).

    Returns
    -------
    The image (its width follows the line's length, the aspect kept, at least one column)
    and the map from its columns back to ``ink``'s.
    """
    from PIL import Image  # loaded when a line is read, not with a model

    from nnrecog.data.normalize import set_stroke_width

    over = fmt.oversample
    scale = fmt.cap_height * over / max(cap_height, 1.0)
    columns = np.flatnonzero(ink.max(axis=0) > 0.5)
    pad = fmt.margin * cap_height
    left = max(0, int(columns[0] - pad)) if columns.size else 0
    right = min(ink.shape[1], int(columns[-1] + 1 + pad)) if columns.size else 1
    rows_wanted = fmt.height * over / scale
    top = int(round(centre_row - rows_wanted / 2))
    band = np.zeros((int(np.ceil(rows_wanted)), right - left), np.float32)
    lo, hi = max(0, top), min(ink.shape[0], top + band.shape[0])
    if hi > lo:
        band[lo - top : hi - top] = ink[lo:hi, left:right]
    width = max(over, int(round(band.shape[1] * scale / over)) * over)
    big = np.asarray(Image.fromarray(band, mode="F").resize((width, fmt.height * over), Image.BILINEAR)) > 0.5
    big = set_stroke_width(big, fmt.stroke * over)
    coverage = big.reshape(fmt.height, over, width // over, over).mean(axis=(1, 3))
    return NormalizedLine((1.0 - coverage).astype(np.float32), float(left), band.shape[1] / (width // over))
