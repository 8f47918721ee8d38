"""Stage 10: which read lines are writing, and which are something else read as letters.

A photo holds much that is dark and is not writing: wood grain, a keyboard, a pen, the folds
of a bedspread, a whole scene. A line is kept only when it looks like writing on paper:

- *ink on paper*: its surroundings are clean. At most ``max_clutter`` of the box around it
  (the line's box padded by ``clutter_pad_heights`` of its height on every side) is darker
  than clean paper (``faint_darkness`` after the lighting is divided out), its own ink and
  that of the other lines that read as characters aside. Handwriting sits on bare paper, or
  beside more handwriting (lines written close, or blurred into one another's box); marks
  read in a texture sit among more of the same.
- *characters*: its glyphs are characters and read as such. The mean probability the
  character classifier gives its glyphs of being a character at all (for a classifier with
  a not-a-character output) and the line's confidence, the mean probability of each
  character read, are both at least ``min_confidence``.

A page that would read as fewer than ``min_page_characters`` characters in all reads as empty:
writing comes in words and lines, and a lone character-like mark is more often a thing (a
handle, a windmill against the sky) than a note.

Rejected lines are kept aside as :class:`~nnrecog.ocr.document.elements.Rejected` regions with their
reason, so a user can see what was looked at and why it was not read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnrecog import imaging
from nnrecog.ocr.config import WritingConfig
from nnrecog.ocr.document.elements import Line, Rejected, union_box
from nnrecog.ocr.finding.components import Glyph, Segmentation
from nnrecog.ocr.lines.layout import median_height

NOT_ON_PAPER = "not on clean paper"
NOT_CHARACTERS = "does not read as characters"
LONE_MARK = "a lone mark, not a line of writing"
NOTHING_READ = "nothing read"


def clutter(seg: Segmentation, glyphs: list[Glyph], config: WritingConfig = WritingConfig(),
            writing: Sequence[int] = ()) -> float:
    """The fraction of the box around a line that is darker than clean paper, the line's own
    ink, that of the components ``writing`` (labels of ``seg.labels``: the page's lines that
    read as characters) and the pixels next to either aside.

    The box is the glyphs' union box padded by ``clutter_pad_heights`` of the line's median
    height on every side (clipped to the page); dark means :attr:`Segmentation.faint`.
    """
    pad = round(config.clutter_pad_heights * median_height([g.box for g in glyphs]))
    height, width = seg.labels.shape
    y1 = max(0, min(g.box[0] for g in glyphs) - pad)
    x1 = max(0, min(g.box[1] for g in glyphs) - pad)
    y2 = min(height, max(g.box[2] for g in glyphs) + pad)
    x2 = min(width, max(g.box[3] for g in glyphs) + pad)
    labels = seg.labels[y1:y2, x1:x2]
    if labels.size == 0:
        return 0.0
    dark = seg.faint[y1:y2, x1:x2] if seg.faint is not None else labels > 0
    own = np.isin(labels, [label for g in glyphs for label in g.labels] + list(writing))
    near_own = imaging.binary_dilation(own, config.own_reach_px, diagonal=True)
    return float((dark & ~near_own).mean())


def judge(
    seg: Segmentation,
    glyph_lines: list[list[Glyph]],
    lines: list[Line],
    character_probability: list[float],
    config: WritingConfig = WritingConfig(),
) -> tuple[list[Line], list[Rejected]]:
    """Keep the lines that look like writing (see the module docstring).

    Parameters
    ----------
    glyph_lines : each line's glyphs, left to right; lines : the same lines, read.
    character_probability : for each line, the mean probability of its glyphs being characters.

    Returns
    -------
    The kept lines, in order, and a :class:`Rejected` region for each line dropped.
    """
    kept, rejected = [], []
    characters = [bool(line.words) and min(line.confidence, is_character) >= config.min_confidence
                  for line, is_character in zip(lines, character_probability)]
    # lines written close, or blurred into one another's boxes: writing beside a line is no clutter
    writing = [label for glyphs, reads in zip(glyph_lines, characters) if reads for g in glyphs for label in g.labels]
    for glyphs, line, reads in zip(glyph_lines, lines, characters):
        region = seg.to_photo(union_box([g.box for g in glyphs]))
        if not line.words:
            rejected.append(Rejected(region, NOTHING_READ, 0.0))
        elif not reads:
            rejected.append(Rejected(region, NOT_CHARACTERS, line.confidence))
        elif clutter(seg, glyphs, config, writing) > config.max_clutter:
            rejected.append(Rejected(region, NOT_ON_PAPER, line.confidence))
        else:
            kept.append(line)
    if 0 < sum(len(line.chars) for line in kept) < config.min_page_characters:
        rejected += [Rejected(line.box, LONE_MARK, line.confidence) for line in kept]
        kept = []
    return kept, rejected
