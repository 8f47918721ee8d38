"""Settings of the lines, stages 6-7 (:mod:`nnrecog.ocr.lines`): layout and resegmentation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayoutConfig:
    """Lines and words (:mod:`nnrecog.ocr.lines.layout`)."""

    #: The page's writing may run at up to this angle (a photo taken askew), searched in steps
    #: of ``page_angle_step_deg``; an angle is taken when its lines are sharper than level's by
    #: ``angle_gain`` (a profile's sum of squares).
    max_page_angle_deg: float = 15.0
    page_angle_step_deg: float = 0.5
    angle_gain: float = 1.1
    #: A box joins a line when its centre is within this many line heights of the line's course.
    line_tolerance: float = 0.5
    #: The course is fitted through this many of the line's rightmost boxes...
    course_boxes: int = 4
    #: ...once they span at least this many line heights across...
    course_min_span_heights: float = 1.0
    #: ...followed at most this many line heights beyond its last box (a slope fitted on a few
    #: boxes is too uncertain to extrapolate across the page)...
    course_reach_heights: float = 6.0
    #: ...with at most this slope (dy/dx).
    max_slope: float = 0.35
    #: Boxes lower than this fraction of their line's median height are punctuation marks.
    punctuation_height: float = 0.4
    #: A word gap is at least this many times the line's typical (median) gap...
    word_gap_ratio: float = 1.6
    #: ...and at least this many line heights wide; a gap this many line heights wide (about
    #: two characters) starts a word however the line is spaced (a grid of separate letters).
    word_gap_min_heights: float = 0.9
    word_gap_max_heights: float = 1.5
    #: In a line read whole, a gap this many line heights wider than the line's typical gap
    #: (and ``word_gap_ratio`` times it) breaks a word where the line recogniser read no space:
    #: a writer whose letters touch leaves half a letter between words, and the recogniser
    #: misses such tight gaps. 0.3 is the least margin the training lines' word gaps have over
    #: their letter gaps (``LineStyle.word_gap_margin``). ``None``: the recogniser's spaces only.
    word_gap_margin_heights: float | None = 0.3
    #: Gaps at least this fraction of the word-gap threshold may still separate two words.
    near_break: float = 0.75
    #: Lines with fewer gaps than this take their typical gap from the whole page.
    min_gaps_for_line_statistics: int = 4
    #: Glyphs narrower than this fraction of the line's median width ('I', '1') have their gaps
    #: measured as if they were median-wide, since writers space such glyphs by pitch.
    narrow_fraction: float = 0.5


@dataclass(frozen=True)
class ResegmentConfig:
    """Cutting touching characters and joining broken ones, by the classifier (:mod:`nnrecog.ocr.lines.resegment`)."""

    #: The ``auto`` engine reads a line whole, with the line recogniser, when at least this
    #: fraction of its glyphs were cut out of ink shared with another: its letters touch.
    touching_line_fraction: float = 0.25
    #: A line of separate letters is read both ways, glyph by glyph and whole, and the whole
    #: reading is kept when more of its characters are in known words (the lexicon's words and
    #: runs of digits): two readings told apart by what words they make, not by whose
    #: confidence is higher (the two engines' confidences are not comparable). Needs a lexicon.
    compare_known_words: bool = True
    #: A line of separate letters read glyph by glyph, all of known words, with a glyph wide
    #: enough to be two letters, is also read whole when the line recogniser finds the glyph
    #: reading this many nats less likely than its own best path (``log P(best) - log
    #: P(glyph reading)`` over the line's frames, spaces aside): two small letters that touch,
    #: read as one letter that makes a word ("NOY" for "BODY": 24 nats). The whole reading then
    #: stands in the known-words comparison. At 4 nats junk words of the list won it ("THIS FS
    #: A PEN A", 11 nats, became "THISES A PER IN"). ``None``: only unknown words ask.
    disagreement_nats: float | None = 16.0

    #: A glyph may be touching characters when it is this much wider than the line's typical one...
    split_width: float = 1.5
    #: ...and at least this wide relative to its own height;
    split_aspect: float = 1.1
    #: the typical width is at most this many times the line's median height.
    typical_aspect: float = 0.8
    #: At most this many candidate cut columns per glyph (bounds the pieces read for a long blob)...
    max_cut_columns: int = 24
    #: ...at least this many line heights apart and from the glyph's edges...
    cut_spacing_heights: float = 0.15
    #: ...found on the column ink profile smoothed over this many pixels.
    profile_smoothing_px: int = 3
    #: Pieces are between these many line heights wide.
    piece_width_heights: tuple[float, float] = (0.15, 1.3)
    #: Each piece a wide glyph is cut into costs this much log probability (nats)...
    piece_cost: float = 1.0
    #: ...plus ``width_weight * log(width / (widest * typical width))`` when positive: the
    #: classifier is sure of many a crop of two touching letters, never having seen one.
    width_weight: float = 4.0
    widest: float = 2.0
    #: Side-by-side pieces may be one character when at most this many line heights apart...
    fragment_gap_heights: float = 0.15
    #: ...overlapping vertically by this fraction of the shorter one...
    fragment_overlap: float = 0.5
    #: ...one at most this many line heights wide...
    fragment_narrow_heights: float = 0.6
    #: ...and both together at most this many.
    fragment_width_heights: float = 1.2
    #: A join must raise the log top probability this much over the pieces' mean (nats).
    join_margin: float = 0.1
