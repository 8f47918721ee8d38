"""Read handwritten block letters from a photo: the stages, chained.

photo (decode, working size) -> ink (dithering, background division, threshold) -> sheet (only
the paper) -> rules (ruled lines out) -> components (character candidates) -> layout (lines)
-> resegment (cut and join, by the classifier) -> recognize (classify) -> decode (words, the
lexicon) -> writing (only lines that look like writing on paper) -> the
:class:`~nnrecog.ocr.document.elements.Page` tree.

:func:`~nnrecog.ocr.finding.segmentation.segment` chains stages 1-5,
:func:`~nnrecog.ocr.lines.page_lines.glyph_lines` stages 6-7 and
:func:`~nnrecog.ocr.recognition.decode.read_lines` stages 8-9; :func:`read_segmentation` here
chains those with the writing check. :class:`~nnrecog.ocr.reader.Reader`, which owns the
loaded models, calls ``segment`` and then ``read_segmentation`` on each page:

>>> from nnrecog import ocr
>>> page = ocr.read_file("note.jpg")
>>> print(page.text)
>>> page.export()          # the JSON of ``nnrecog read --json``
"""

from __future__ import annotations

from nnrecog.ocr.config import DEFAULT_CONFIG, LINE_ENGINES, ReaderConfig
from nnrecog.ocr.document.elements import Page
from nnrecog.ocr.finding.components import Segmentation
from nnrecog.ocr.lines.page_lines import glyph_lines
from nnrecog.ocr.recognition import writing
from nnrecog.ocr.recognition.decode import read_lines
from nnrecog.ocr.recognition.lexicon import Lexicon
from nnrecog.ocr.recognition.linereader import LineRecognizer, load_line_recognizer
from nnrecog.ocr.recognition.recognize import Classifier, GlyphReader


def read_segmentation(
    seg: Segmentation,
    classifier: Classifier,
    lexicon: Lexicon | None,
    config: ReaderConfig = DEFAULT_CONFIG,
    line_model: LineRecognizer | None = None,
) -> Page:
    """Stages 6-10 on a segmented page: lines, cuts and joins (or line images), classes (or
    frames), words, writing (:func:`read_glyphs` of a new reader of its glyphs)."""
    return read_glyphs(GlyphReader(seg, classifier), lexicon, config, line_model)


def read_glyphs(
    glyphs: GlyphReader,
    lexicon: Lexicon | None,
    config: ReaderConfig = DEFAULT_CONFIG,
    line_model: LineRecognizer | None = None,
) -> Page:
    """:func:`read_segmentation` through a given reader of the page's glyphs (``glyphs.seg``),
    which it fills: a caller that looks at the glyphs again (the orientation stage) finds them
    normalised and classified."""
    seg = glyphs.seg
    lines = glyph_lines(seg, glyphs.top_log_probability, config)
    # a Reader passes its loaded line model; a direct caller without one gets the shipped one
    recognizer = (line_model or load_line_recognizer()) if config.engine in LINE_ENGINES else None
    page_lines, character_probability = read_lines(seg, lines, glyphs, lexicon, recognizer, config)
    kept, rejected = writing.judge(seg, lines, page_lines, character_probability, config.writing)
    return Page(kept, seg.photo_size, rejected)
