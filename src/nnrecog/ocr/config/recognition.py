"""Settings of reading, stages 8-10 (:mod:`nnrecog.ocr.recognition`): word decoding, the writing
check and orientation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class DecodeConfig:
    """Words from their glyphs' probabilities (:mod:`nnrecog.ocr.recognition.decode`, :mod:`nnrecog.ocr.recognition.words`,
    :mod:`nnrecog.ocr.recognition.lexicon`)."""

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
    beam: int = 16
    #: Besides the beam's readings, the line engine weighs the dictionary words one edit from
    #: its best reading (a letter replaced, left out or one too many), and those with two
    #: letters replaced in words at least this long (a shorter word has most words of its
    #: length within two letters).
    two_substitutions_from: int = 5
    #: Where the line engine breaks words, for a line recogniser with a space class: ``True``
    #: where it reads a space (learned from the ink around the gap), ``False`` where the
    #: glyphs' gaps say (:func:`~nnrecog.ocr.lines.layout.split_words`), as for one without.
    recogniser_spaces: bool = True
    #: Weight of the spelling model (:mod:`~nnrecog.ocr.recognition.spelling`) in the line
    #: engine's beam search, and nats added per character read, which offset the model's
    #: preference for short readings (0, 0: no spelling model). Chosen as the weights that read
    #: no writer of ocr_dev worse and NIST pages of seeds 100-104 best (``docs/lexicon.md``);
    #: words read glyph by glyph are not spelt (it read names and rows of letters worse).
    spelling_weight: float = 0.3
    spelling_bonus: float = 1.0
    #: Rows the line image is moved by (up, none, down) before the line recogniser reads it,
    #: its frame probabilities averaged over them. The row a line is centred on is a least-
    #: squares estimate through its glyphs, and the recogniser reads some hands differently a
    #: row off: ocr_dev 48 -> 41 errors without spaces, touching NIST pages 3.55 -> 3.06 %.
    #: Two rows, half rows (blurred) and stretched lines read worse (``docs/training/lines.md``).
    row_shifts: tuple[int, ...] = (-1, 0, 1)
    #: The ``auto`` engine's weight of the line recogniser's reading of a glyph in a line of
    #: separate letters, blended with the classifier's (0: the classifier's alone;
    #: :func:`~nnrecog.ocr.recognition.blend.blended`), the line read once, as it is (its
    #: three rows averaged read ocr_dev no better and cost 9 % of the reading time). Spaced NIST
    #: pages read without the word list at 3.83 % CER, not 4.92 (with it 0.98 %, not 0.93);
    #: ocr_dev at 5.8 / 6.3 %, not 6.0 / 6.7; at 0.5, 6.0 / 6.7 % (README, "Engines").
    line_recogniser_weight: float = 0.3


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

    The EXIF orientation comes first; then the orientation model (shipped with the classifier)
    says from the page's largest glyphs which turn sets them upright, and a turn it is sure of
    is read in full, and kept if its reading is stronger too. Without that model, the other
    turns are tried only when the reading is weak, its glyphs classified turned a quarter,
    three quarters and half a turn, and a turn whose characters are clearly more probable is
    read. Measured on the course photos and five ocr_dev photos turned by hand: read in full,
    the upright reading held 1.2-3.8 times the confidence of the best wrong turn (mean
    character confidence 0.87-1.00 upright, 0.62-0.86 turned).
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
    #: ...by the orientation model: of the glyphs whose long side is within this range of the
    #: median's (one character's size; touching letters and rules stand no way up), a turn is
    #: read when the glyphs' log probabilities of it, summed, beat upright's by this many nats...
    character_size: tuple[float, float] = (0.6, 1.6)
    turn_evidence: float = 3.0
    #: ...or by this many, for a weak reading (``weak_confidence``): upside down, many capitals
    #: keep their shape (H, I, N, O, S, X, Z), and machine_learning and ust_1234 turned half a
    #: turn gave it 2.3 and 2.0 nats, the weak upright photos of ocr_dev -4.2 to -14.2...
    weak_turn_evidence: float = 0.0
    #: ...and every turn within this many nats of the likeliest is read too (a sideways word
    #: says clearly that it lies on its side, less clearly which side), the strongest reading
    #: kept.
    turn_doubt: float = 20.0
    #: ...or, without the model, by the classifier: a turn is read only when its glyphs' most
    #: probable characters have at least this probability on average (upright writing:
    #: 0.85-1.0 on the photos above; ink that is not writing, or broken strokes: under 0.25 in
    #: every turn). A turned reading is kept only when its characters' mean confidence is at
    #: least this too (ocr_dev photos turned a quarter or half a turn and read upright:
    #: 0.71-1.00; a SUN highway scene turned read as three characters of 0.51)...
    min_turned_confidence: float = 0.6
    #: ...and, where nothing was read upright, its lines hold at least this many characters on
    #: average: SUN train scenes turned read as stacks of lone characters ('6 / 6 / F / B'),
    #: writing in words.
    min_turned_line_chars: float = 3.0
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
