"""Read handwritten block letters from a photo: the stages, chained.

photo (decode, working size) -> ink (dithering, background division, threshold) -> sheet (only
the paper) -> rules (ruled lines out) -> components (character candidates) -> layout (lines)
-> resegment (cut and join, by the classifier) -> recognize (classify) -> decode (words, the
lexicon) -> writing (only lines that look like writing on paper) -> the
:class:`~nnrecog.ocr.elements.Page` tree.

:class:`~nnrecog.ocr.reader.Reader` owns the loaded models and calls these stages:

>>> from nnrecog import ocr
>>> page = ocr.read_file("note.jpg")
>>> print(page.text)
>>> page.export()          # the JSON of ``nnrecog read --json``
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from nnrecog.ocr import components, ink, layout, photo, resegment, rules, sheet, writing
from nnrecog.ocr.components import Glyph, PageInk, Segmentation
from nnrecog.ocr.config import LINE_ENGINES, ReaderConfig, ResegmentConfig
from nnrecog.ocr.decode import read_line, read_line_frames
from nnrecog.ocr.elements import Page
from nnrecog.ocr.lexicon import Lexicon
from nnrecog.ocr.lineimage import line_image
from nnrecog.ocr.linereader import LineRecognizer, load_line_recognizer
from nnrecog.ocr.recognize import Classifier, GlyphReader

DEFAULT_CONFIG = ReaderConfig()


def find_ink(grey: np.ndarray, config: ReaderConfig = DEFAULT_CONFIG) -> PageInk:
    """Stages 2-4 on a working-resolution grey page: darkness, the sheet, the threshold, no rules."""
    if min(grey.shape) < 2:
        return PageInk.blank(grey.shape)
    darkness = ink.ink_darkness(grey, config.ink)
    paper = sheet.paper_region(grey, config.sheet, config.ink.otsu_bins)
    mask = ink.binarize(darkness, paper, config.ink)
    kept = rules.without_rules(mask, config.rules)
    faint = darkness > config.writing.faint_darkness
    faint &= ~(mask & ~kept) if paper is None else paper & ~(mask & ~kept)
    return PageInk.of(darkness, kept, faint)


def segment(grey: np.ndarray, photo_size: tuple[int, int] | None = None, config: ReaderConfig = DEFAULT_CONFIG) -> Segmentation:
    """Stages 1-5: the character candidates of a grey page.

    The page is first looked at with ``config.photo.probe_pixels`` pixels to measure its
    characters, then segmented at the resolution that makes them about
    ``config.photo.target_char_height`` pixels tall (:func:`~nnrecog.ocr.photo.working_pixels`):
    large writing costs little, small writing gets the pixels it needs.

    Parameters
    ----------
    grey : (H, W) float32 in [0, 1], ink dark; any size (never upscaled).
    photo_size : ``(height, width)`` of the photo the boxes should refer to, when ``grey`` is
        already a downscaled copy (as from :func:`~nnrecog.ocr.photo.open_photo`); default
        ``grey.shape``.

    Returns
    -------
    Segmentation, with one :class:`~nnrecog.ocr.components.Glyph` per character candidate
    (empty on a blank page).
    """
    photo_size = tuple(photo_size or grey.shape)
    reach = config.components.crop_reach_px
    if grey.size == 0:
        blank = PageInk.blank(grey.shape)
        return Segmentation(blank.darkness, blank.labels, [], 0.0, (1.0, 1.0), photo_size, reach, blank.faint)
    grey = ink.undithered(grey, config.ink.dither)
    probe = photo.working_grey(grey, min(config.photo.probe_pixels, config.photo.max_pixels))
    page_ink = find_ink(probe, config)
    work = photo.working_grey(grey, photo.working_pixels(page_ink.char_height(config.components), probe.size, config.photo))
    if work.shape != probe.shape:
        page_ink = find_ink(work, config)
    scale = (work.shape[0] / photo_size[0], work.shape[1] / photo_size[1])
    glyphs = components.glyphs_of(page_ink, config.components)
    return Segmentation(
        page_ink.darkness, page_ink.labels, glyphs, page_ink.char_height(config.components), scale, photo_size, reach,
        page_ink.faint,
    )


def glyph_lines(seg: Segmentation, reader: GlyphReader, config: ReaderConfig = DEFAULT_CONFIG) -> list[list[Glyph]]:
    """Stages 6-7: the page's lines, top to bottom, each its glyphs left to right, cut and
    joined where the classifier reads them better, punctuation marks left out.

    The line engine reads the line's ink whole, but its lines are cut and joined all the same:
    the cut glyphs are what the character detector can judge (:mod:`nnrecog.ocr.writing`),
    and the joined ones give the word gaps."""
    score = reader.top_log_probability
    lines = [[seg.glyphs[i] for i in line] for line in layout.group_lines([g.box for g in seg.glyphs], config.layout)]
    lines = [
        resegment.prefer_joins(resegment.prefer_cuts(seg, line, score, config.resegment), score, config.resegment)
        for line in lines
    ]
    return [kept for kept in (_without_marks(line, config) for line in lines) if kept]


def read_segmentation(
    seg: Segmentation,
    classifier: Classifier,
    lexicon: Lexicon | None,
    config: ReaderConfig = DEFAULT_CONFIG,
    line_model: LineRecognizer | None = None,
) -> Page:
    """Stages 6-10 on a segmented page: lines, cuts and joins (or line images), classes (or
    frames), words, writing."""
    reader = GlyphReader(seg, classifier)
    lines = glyph_lines(seg, reader, config)
    typical_gap = layout.page_typical_gap([[g.box for g in line] for line in lines], config.layout)
    probs = reader.probabilities([g for line in lines for g in line])
    # a Reader passes its loaded line model; a direct caller without one gets the shipped one
    recognizer = (line_model or load_line_recognizer()) if config.engine in LINE_ENGINES else None
    page_lines, character_probability, start = [], [], 0
    for line in lines:
        line_probs = probs[start : start + len(line)]
        start += len(line)
        character_probability.append(float(1.0 - line_probs[:, -1].mean()))
        if recognizer is None or (config.engine == "auto" and not has_touching_letters(line, config.resegment.touching_line_fraction)):
            page_lines.append(
                read_line(seg, line, line_probs, classifier.classes, lexicon, typical_gap, config.layout, config.decode)
            )
            continue
        image = line_image(seg, line, recognizer.line_format, config.layout)
        page_lines.append(read_line_frames(
            seg, line, image, recognizer.log_probs(image.image), recognizer, lexicon, typical_gap, config.layout,
            config.decode,
        ))
    kept, rejected = writing.judge(seg, lines, page_lines, character_probability, config.writing)
    return Page(kept, seg.photo_size, rejected)


def has_touching_letters(line: list[Glyph], fraction: float = ResegmentConfig.touching_line_fraction) -> bool:
    """Whether the line's letters touch: at least ``fraction`` of its glyphs were cut out of a
    piece of ink they share with another glyph. The character classifier, taught on letters
    standing alone, reads such a line worse than the line recogniser does; a line of separate
    letters with one wide 'M' cut in two is still read glyph by glyph."""
    counts = Counter(label for glyph in line for label in set(glyph.labels))
    cut = sum(any(counts[label] > 1 for label in glyph.labels) for glyph in line)
    return cut > 0 and cut >= fraction * len(line)


def _without_marks(line: list[Glyph], config: ReaderConfig) -> list[Glyph]:
    """The line without its punctuation marks (:func:`~nnrecog.ocr.layout.punctuation_marks`)."""
    marks = set(layout.punctuation_marks([g.box for g in line], config.layout))
    return [g for i, g in enumerate(line) if i not in marks]
