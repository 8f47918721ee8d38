"""Every setting of the reader, one frozen dataclass per stage, gathered in :class:`ReaderConfig`.

A photo passes through the stages in the order the fields of :class:`ReaderConfig` are listed.
Each stage's function takes its own config (default: the defaults below), so a benchmark or a
user can change one setting without touching anything else::

    from dataclasses import replace
    from nnrecog.ocr import ReaderConfig, read
    config = ReaderConfig()
    config = replace(config, layout=replace(config.layout, word_gap_ratio=2.0))
    page = read("note.jpg", config=config)

Lengths are in the unit the field names: pixels (``px``), the page's or a line's typical
character height (``heights``), or fractions of something named in the docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PhotoConfig:
    """Decoding and the working resolution (:mod:`nnrecog.ocr.finding.photo`).

    A page is first probed at ``probe_pixels`` to measure its characters, then worked on at the
    resolution where they are about ``target_char_height`` pixels tall, within
    ``[min_pixels, max_pixels]``: a 12-megapixel photo costs what a small one does.
    """

    #: Largest working image (about 2000 x 1500 for a 4:3 photo); photos are decoded at this size.
    max_pixels: int = 3_000_000
    #: A photo that would decode to more pixels than this is refused from its header, before
    #: any memory is taken: 64 MP is 256 MB of RGBA. A JPEG decodes at down to 1/8 scale, so it
    #: counts a 64th of its pixels (a 100-megapixel JPEG is read); other formats decode whole.
    max_decoded_pixels: int = 64_000_000
    #: The page is first looked at with this many pixels to measure its characters...
    probe_pixels: int = 500_000
    #: ...then worked on where they are about this many pixels tall...
    target_char_height: float = 40.0
    #: ...but never on fewer pixels than this.
    min_pixels: int = 500_000


@dataclass(frozen=True)
class DitherConfig:
    """Recognising a dithered page (a 1-bit scan whose tones are dot patterns) and smoothing it.

    Measured: 0.3-0.7 of the dark pixels are isolated on dithered copies of the course photos;
    0.003 on the photos themselves and on their thresholded 1-bit copies, but up to 0.4 on those
    copies shrunk until the strokes are 1 px thin, hence the second test (dots cover the whole
    paper: 1.00 on every dithered copy; writing does not: 0.07-0.17).
    """

    #: Grey level below which a pixel counts as a dark dot.
    dark_level: float = 0.5
    #: The page is dithered when this fraction of its dark pixels...
    isolated_fraction: float = 0.2
    #: ...have at most this many dark 8-neighbours...
    max_neighbours: int = 2
    #: ...and dark pixels lie within ``reach_px`` of this fraction of the page.
    coverage: float = 0.5
    reach_px: int = 2
    #: A dithered page is smoothed with a Gaussian of this sigma (1 to 2 px read equally well).
    sigma_px: float = 1.5
    #: Side of the central square where dithering is looked for (bounds the cost).
    probe_side_px: int = 1024


@dataclass(frozen=True)
class InkConfig:
    """Paper brightness, background division and the hysteresis threshold (:mod:`nnrecog.ocr.finding.ink`)."""

    dither: DitherConfig = field(default_factory=DitherConfig)
    #: Light smoothing before anything else (JPEG noise), sigma in px.
    denoise_sigma_px: float = 0.7
    #: The background closing spans this fraction of the page's long side (>> any stroke width)...
    background_fraction: float = 0.03
    #: ...computed on a copy whose long side is about this many pixels.
    background_long_side_px: int = 400
    #: Weak threshold: this many robust standard deviations of the paper's darkness above its median...
    weak_sigmas: float = 5.0
    #: ...but at least this darkness (JPEG noise on very clean paper has a tiny spread).
    weak_min: float = 0.06
    #: The strong threshold (Otsu over the candidate ink) is at least this much darker than the
    #: weak one, and at least ``strong_min`` dark.
    strong_margin: float = 0.10
    strong_min: float = 0.20
    #: Ink is at least this fraction as dark as the page's typical ink (the median darkness of
    #: what the hysteresis kept): fainter pixels are marks of another kind (writing showing
    #: through from the back, smudges, the halo of a stroke), relative to the page's own
    #: writing, whatever its ink. Higher floors read ocr_dev better (with the line recogniser
    #: of 2026-12-06: 0.2 10.6 / 10.2 %, 0.3 10.2 / 10.1 %, 0.4 9.4 / 9.6 %), but they take the
    #: thin strokes of a letter apart where they are fainter than its thick ones: at 0.3 an M
    #: of a page of mixed tokens reads as W or NI and a line of them is lost
    #: (tests/test_ocr_tokens.py), at 0.4 an M on ruled paper reads as NI
    #: (tests/test_ocr_orientation.py). Thin pens and pencil are a class of photo, so 0.2, and
    #: benchmarks/ocr_dev_lowo.py chooses among the floors those tests allow. 0 keeps every
    #: pixel the hysteresis kept.
    relative_floor: float = 0.2
    #: Ink fainter than this fraction of the page's stroke cores (the 75th percentile of its
    #: darkness) is a layer behind the writing (writing showing through from the back, joined
    #: to the front's strokes where they cross) and is kept only within ``rim_px`` pixels of
    #: darker ink, as a stroke's rim (:func:`~nnrecog.ocr.finding.ink.without_faint_layer`).
    #: 0 keeps every layer.
    layer_floor: float = 0.4
    rim_px: int = 3
    #: On a sheet found on a desk, ink reaching the sheet's edge is not writing: a spiral
    #: binding, the shadow of the edge, the desk beyond (kabir_abcd's binding set the threshold
    #: above its 25 px letters, ust_pen's pen at the edge read as letters).
    drop_sheet_edge: bool = True
    #: Histogram bins of every Otsu threshold taken on the page.
    otsu_bins: int = 128
    #: The paper's noise statistics are taken from every this-many-th paper pixel.
    noise_sample_step: int = 9


@dataclass(frozen=True)
class SheetConfig:
    """Finding the sheet of paper on a darker surround (:mod:`nnrecog.ocr.finding.sheet`)."""

    #: The sheet is looked for on a copy with this long side...
    long_side_px: int = 256
    #: ...smoothed with this sigma, the writing closed over with a window this wide...
    smoothing_px: float = 1.0
    writing_px: int = 7
    #: ...and must be at least this much brighter (grey levels in [0, 1]) than its surround...
    contrast: float = 0.15
    #: ...cover between these fractions of the photo...
    coverage: tuple[float, float] = (0.1, 0.95)
    #: ...and have a sharp border: at least this fraction of the contrast is crossed within
    #: ``edge_band_px`` pixels of it (a shadow or light gradient on the paper changes slowly).
    edge_sharpness: float = 0.4
    edge_band_px: int = 3
    #: The sheet is eroded by this many pixels of the small copy, so its edge's shading stays out.
    erosion_px: int = 2
    #: A small copy with a side under this many pixels is too small to tell a sheet from its surround.
    min_side_px: int = 8


@dataclass(frozen=True)
class RulesConfig:
    """Removing ruled lines: notebook rules, margins, table borders, grids (:mod:`nnrecog.ocr.finding.rules`)."""

    #: Ink is bridged along a rule's direction over gaps this wide (dotted and dashed rules)...
    dot_gap_px: int = 6
    #: ...and its components spanning this fraction of the page's width or height may hold rules...
    span: float = 0.3
    #: ...when this many times longer than thick, inked over less than ``fill`` of their box, or
    #: their box covers ``area`` of the page (a grid of rules with letters)...
    elongation: float = 5.0
    fill: float = 0.2
    area: float = 0.25
    #: ...which are straight ink runs at least this fraction of the page's long side...
    run: float = 0.08
    #: ...(and at least this many pixels)...
    min_run_px: int = 15
    #: ...and at least this many typical letter heights long...
    min_length_heights: float = 4.0
    #: ...once widened by this many pixels across (a slanted rule steps from row to row).
    bridge_px: int = 5
    #: Of a rule, only ink no thicker across it than this many times the rule's median
    #: thickness plus ``thickness_slack_px`` is removed: a letter stroke crossing it stays.
    thickness_ratio: float = 1.5
    thickness_slack_px: int = 2


@dataclass(frozen=True)
class ComponentsConfig:
    """Ink components as character candidates (:mod:`nnrecog.ocr.finding.components`)."""

    #: The page's character height is measured on components this wide for their height
    #: (from a bare 'I' to two touching letters)...
    char_aspect: tuple[float, float] = (0.1, 2.5)
    #: ...and glyphs whose long side is below this many character heights are specks, dots and
    #: punctuation (unrelated to the *area* fraction that cleans a single glyph's crop).
    speck_heights: float = 0.3
    #: Pieces overlapping this much in x (fraction of the narrower) may belong to one character...
    stack_overlap: float = 0.5
    #: ...if the vertical gap between them is at most this many character heights...
    stack_gap_heights: float = 0.25
    #: ...and the joined box is at most this many character heights tall.
    stack_max_heights: float = 1.5
    #: A crop keeps the page's ink within this many pixels of the glyph's own components.
    crop_reach_px: int = 1
    #: Glyphs the photo's frame cuts through are dropped when the page has others: what the frame
    #: cuts is the desk and what lies on it, and a letter cut in part would be misread anyway. A
    #: page whose every glyph touches the frame (a tight crop, a pad drawn on to its edges) keeps
    #: them. On ocr_dev and the course photos only clutter touches the frame.
    drop_frame_cut: bool = True


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


@dataclass(frozen=True)
class DecodeConfig:
    """Words from their glyphs' probabilities (:mod:`nnrecog.ocr.recognition.decode`, :mod:`nnrecog.ocr.recognition.lexicon`)."""

    #: Alternatives kept per character.
    top_k: int = 3
    #: Smallest factor the letters/digits prior puts on a glyph's minority kind...
    minority_prior: float = 1e-3
    #: ...and the one the rest of the line puts on a word of a single glyph (a weak prior: a
    #: lone ambiguous glyph takes the line's kind, a clear one keeps its own).
    line_minority_prior: float = 0.1
    #: Log-odds (nats) of a dictionary word over the glyph-by-glyph reading: ln 50...
    lexicon_margin: float = math.log(50.0)
    #: ...for a word seen this many times or less in the word counts' corpus (47 million words
    #: of English text); a word seen ``c`` times more has ``word_prior_weight * ln((1 + c) /
    #: (1 + r))`` nats more, at most ``word_prior_cap``: of two words that read alike, the
    #: common one ('SENSE', not 'SENGE'), and a misread common word is mended from farther off
    #: than a rare one. A weight of 0 makes every dictionary word equally likely.
    word_prior_reference: float = 100.0
    word_prior_weight: float = 0.75
    word_prior_cap: float = math.log(50.0)
    #: Readings kept per frame by the line engine's beam search.
    beam: int = 8
    #: Besides the beam's readings, the line engine weighs the dictionary words one edit from
    #: its best reading (a letter replaced, left out or one too many), and those with two
    #: letters replaced in words at least this long (a shorter word has most words of its
    #: length within two letters).
    two_substitutions_from: int = 5
    #: Where the line engine breaks words, for a line recogniser with a space class: ``True``
    #: where it reads a space (learned from the ink around the gap), ``False`` where the
    #: glyphs' gaps say (:func:`~nnrecog.ocr.lines.layout.split_words`), as for one without.
    recogniser_spaces: bool = True


@dataclass(frozen=True)
class WritingConfig:
    """Telling writing from everything else read as letters (:mod:`nnrecog.ocr.recognition.writing`)."""

    #: A line is dropped when the mean probability of its characters is below this
    #: (``nnrecog read --min-confidence``): more likely than not, each is what was read.
    min_confidence: float = 0.5
    #: A line is dropped when more than this fraction of the box around it is darker than
    #: clean paper...
    max_clutter: float = 0.1
    #: ...that is, darker than this once the lighting is divided out (paper, in shadow or not,
    #: is uniform to a few per cent; a texture is not)...
    faint_darkness: float = 0.08
    #: ...in its box padded by this many line heights on every side, its own ink and the pixels
    #: within ``own_reach_px`` of it aside (a stroke's faint rim).
    clutter_pad_heights: float = 0.5
    own_reach_px: int = 2
    #: A page that would read as fewer characters than this reads as empty: writing comes in
    #: words and lines, and a lone character-like mark on a photo is more often a thing (a
    #: handle, a windmill against the sky) than a note.
    min_page_characters: int = 2


@dataclass(frozen=True)
class OrientationConfig:
    """Reading a sheet photographed sideways, upside down or askew (:mod:`nnrecog.ocr.recognition.orientation`).

    The EXIF orientation comes first; when the reading it gives is weak, the page's largest
    glyphs are classified turned a quarter, three quarters and half a turn, and a turn whose
    characters are clearly more probable is read in full, and kept if its reading is stronger
    too. Measured on the course photos and five ocr_dev photos turned by hand: read in full, the
    upright reading held 1.2-3.8 times the confidence of the best wrong turn (mean character
    confidence 0.87-1.00 upright, 0.62-0.86 turned).
    """

    #: Try the other turns, and straightening a page read askew, at all.
    enabled: bool = True
    #: A reading is weak, and the other turns are tried, when its characters' mean confidence is
    #: below this (or it found none; upright 0.87-1.00, upside down 0.62-0.76, sideways
    #: 0.68-0.86)...
    weak_confidence: float = 0.8
    #: ...or when it has at least this many lines and half of them hold at most this many
    #: characters (sideways text read across: 0.83 and 0.86 mean confidence, lines of 1-2)...
    stacked_lines: int = 3
    stacked_line_chars: int = 2
    #: ...and another turn wins only when its characters hold this many times the confidence.
    margin: float = 1.1
    #: Glyphs (the largest) classified in every turn to choose one...
    sample_glyphs: int = 32
    #: ...and a turn is read in full only when its glyphs' most probable characters have at least
    #: this probability on average (upright writing: 0.85-1.0 on the photos above; ink that is
    #: not writing, or broken strokes: under 0.25 in every turn).
    min_turned_confidence: float = 0.6
    #: A sheet photographed askew: when the page's lines run at least this many degrees from
    #: level (the character classifier learned letters turned up to 10 degrees; ocr_dev photos
    #: turned 8 degrees mostly read as level ones, turned 12-20 degrees they lose letters; a
    #: cost gate, the reading's confidence decides), the page is read again straightened, and
    #: that reading kept when its characters hold ``tilt_margin`` times the confidence (turned
    #: 16-20 degrees, the askew readings held 0.39-0.98 of the straightened ones'; ust_life,
    #: whose lines rise 7 degrees under upright letters, read straightened held 0.94 of its
    #: level reading's)...
    min_tilt_deg: float = 8.0
    tilt_margin: float = 1.0
    #: ...measured as the median direction from each glyph (the ``tilt_max_glyphs`` tallest) to
    #: its ``tilt_neighbours`` nearest within ``tilt_reach_heights`` character heights, where
    #: within ``max_tilt_deg`` of level (more is a sheet turned sideways, which the turns
    #: handle), given ``tilt_min_pairs`` such directions.
    tilt_neighbours: int = 4
    tilt_reach_heights: float = 5.0
    tilt_max_glyphs: int = 1000
    tilt_min_pairs: int = 3
    max_tilt_deg: float = 35.0


#: How lines are read: ``chars``, glyph by glyph with the character classifier (the course's
#: method); ``lines``, whole line images with the line recogniser (CTC); ``auto``, each line as
#: its letters call for: glyph by glyph where they stand apart, whole where they touch (where
#: the line's glyphs had to be cut out of one another).
ENGINES = ("chars", "lines", "auto")
#: The engines that need the line recogniser.
LINE_ENGINES = ("lines", "auto")


@dataclass(frozen=True)
class ReaderConfig:
    """All settings of :func:`nnrecog.ocr.read`, stage by stage, in the order a photo meets them;
    ``engine`` (one of :data:`ENGINES`) chooses how lines are read."""

    engine: str = "auto"
    photo: PhotoConfig = field(default_factory=PhotoConfig)
    ink: InkConfig = field(default_factory=InkConfig)
    sheet: SheetConfig = field(default_factory=SheetConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    components: ComponentsConfig = field(default_factory=ComponentsConfig)
    layout: LayoutConfig = field(default_factory=LayoutConfig)
    resegment: ResegmentConfig = field(default_factory=ResegmentConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    writing: WritingConfig = field(default_factory=WritingConfig)
    orientation: OrientationConfig = field(default_factory=OrientationConfig)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {self.engine!r}")


#: The reader's settings as shipped.
DEFAULT_CONFIG = ReaderConfig()
