"""The normalised line image a line recogniser reads, as a small frozen dataclass of its own: the
reader needs it to load a model without loading the synthetic-line machinery."""

from __future__ import annotations

from dataclasses import dataclass

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
