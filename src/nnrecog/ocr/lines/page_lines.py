"""Stages 6-7 chained: a segmented page's lines, each cut and joined where the classifier reads
it better, its punctuation marks left out."""

from __future__ import annotations

from nnrecog.ocr.config import DEFAULT_CONFIG, ReaderConfig
from nnrecog.ocr.finding.components import Glyph, Segmentation
from nnrecog.ocr.lines import layout, resegment
from nnrecog.ocr.lines.resegment import TopLogProbability


def glyph_lines(seg: Segmentation, score: TopLogProbability, config: ReaderConfig = DEFAULT_CONFIG) -> list[list[Glyph]]:
    """Stages 6-7: the page's lines, top to bottom, each its glyphs left to right, cut and
    joined where the classifier reads them better, punctuation marks left out.

    The line engine reads the line's ink whole, but its lines are cut and joined all the same:
    the cut glyphs are what the character detector can judge (:mod:`nnrecog.ocr.recognition.writing`),
    and the joined ones give the word gaps. ``score``: the classifier's log probability of its
    best class for each glyph (:meth:`~nnrecog.ocr.recognition.recognize.GlyphReader.top_log_probability`)."""
    lines = [[seg.glyphs[i] for i in line] for line in layout.group_lines([g.box for g in seg.glyphs], config.layout)]
    lines = [
        resegment.prefer_joins(resegment.prefer_cuts(seg, line, score, config.resegment), score, config.resegment)
        for line in lines
    ]
    return [kept for kept in (_without_marks(line, config) for line in lines) if kept]


def _without_marks(line: list[Glyph], config: ReaderConfig) -> list[Glyph]:
    """The line without its punctuation marks (:func:`~nnrecog.ocr.lines.layout.punctuation_marks`)."""
    marks = set(layout.punctuation_marks([g.box for g in line], config.layout))
    return [g for i, g in enumerate(line) if i not in marks]
