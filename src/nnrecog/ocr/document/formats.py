"""The readings of photos in the formats OCR users script against.

- ``text``: each photo's text (several photos: a ``==> NAME <==`` header before each);
- ``json``: one document per photo, ``{"file", "size": [height, width], "lines", "rejected"}``
  (:meth:`~nnrecog.ocr.document.elements.Page.export`), a list of them for several photos, where a
  photo that could not be read is ``{"file", "error"}``;
- ``hocr``: hOCR 1.2 (``ocr_page`` > ``ocr_carea`` > ``ocr_par`` > ``ocr_line`` >
  ``ocrx_word`` with ``bbox`` and ``x_wconf`` > ``ocrx_cinfo`` per character with ``x_bboxes``
  and ``x_confs``), one ``ocr_page`` per photo; checked by hocr-spec-python and hocr-check;
- ``alto``: ALTO 4.4 XML (``Page`` > ``PrintSpace`` > ``TextBlock`` > ``TextLine`` >
  ``String`` with HPOS/VPOS/WIDTH/HEIGHT/WC and a ``Glyph`` per character, ``SP`` between),
  a ``Page`` per photo;
- ``tsv``: Tesseract's TSV (``level page_num block_num par_num line_num word_num left top
  width height conf text``; levels 1 page, 2 block, 3 paragraph, 4 line, 5 word; ``conf`` 0-100
  for words, -1 otherwise);
- ``pdf``: a searchable PDF, each photo a page with an invisible text layer placed on its
  words (:func:`_pdf_line`; needs ``fpdf2``: ``pip install 'nnrecog[pdf]'``).

nnrecog finds lines, not blocks or paragraphs: every page has one block and one paragraph
holding its lines. Coordinates are the photo's pixels (after EXIF rotation); confidences are
the reader's (:class:`~nnrecog.ocr.document.elements.Char`), as 0-1 in ALTO and 0-100 in hOCR and TSV.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nnrecog.errors import InputError
from nnrecog.ocr.document.elements import Box, Line, Page

if TYPE_CHECKING:
    from fpdf import FPDF

FORMATS = ("text", "json", "hocr", "alto", "tsv", "pdf")
#: The suffix of a file of each format (``--out DIR`` names files ``<photo stem><suffix>``).
SUFFIXES = {"text": ".txt", "json": ".json", "hocr": ".hocr", "alto": ".xml", "tsv": ".tsv", "pdf": ".pdf"}
SOFTWARE = "nnrecog"
#: PDF pages are laid out at this resolution: a photo's pixels map to points at 72 / DPI.
PDF_DPI = 150
#: The photo inside a PDF is shrunk to at most this many pixels on its long side and stored
#: as a JPEG of this quality: a searchable copy, not an archive of the original.
PDF_IMAGE_SIDE, PDF_JPEG_QUALITY = 2000, 85
#: Helvetica's capital height over its font size: the hidden text's capitals fill each box.
PDF_CAP_HEIGHT = 0.718
#: The space left between two words of the hidden text, over its font size: text extraction
#: sees a word break above 0.15 and keeps the words in one block below 0.7.
PDF_SPACE = 0.5
#: The narrowest space (points) put between two words whose boxes touch or overlap.
PDF_MIN_GAP = 0.5
#: A line's hidden text is at most this many times as large as the distance from its baseline
#: to the nearest baseline of a line beside it: text extraction puts two words in one line when
#: their baselines are within half their font size, so a slanted line whose middle comes near
#: the line above would otherwise be read into it.
PDF_SIZE_PER_LINE_GAP = 1.0


@dataclass
class Reading:
    """One photo's reading: the name it goes by in documents, its page, and where the photo
    is (only a PDF needs the photo itself); or, for a photo that could not be read, no page
    and the error (JSON lists it as ``{"file", "error"}``; the other formats leave it out)."""

    name: str
    page: Page | None
    photo: str | os.PathLike | bytes | None = None
    error: str | None = None


def render(readings: Sequence[Reading], fmt: str, several: bool | None = None, visible_text: bool = False) -> bytes:
    """One document in ``fmt`` holding every reading, as bytes (UTF-8 for the text formats).

    ``several`` (default: more than one reading) gives text its per-photo headers and JSON its
    list: a script that asked for several photos gets a list even when only one could be read.
    ``visible_text`` draws a PDF's text layer instead of hiding it, to see where it lies.

    Raises
    ------
    InputError : an unknown format, or ``pdf`` without fpdf2 installed or without the photos.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    several = len(readings) > 1 if several is None else several
    if fmt == "json":
        return _json(readings, several).encode("utf-8")
    readings = [r for r in readings if r.page is not None]
    if fmt == "pdf":
        return _pdf(readings, visible_text)
    if fmt == "text":
        return _text(readings, several).encode("utf-8")
    return {"hocr": _hocr, "alto": _alto, "tsv": _tsv}[fmt](readings).encode("utf-8")


def document(reading: Reading) -> dict:
    """The JSON document of one photo: ``{"file", "size", "lines", "rejected"}``, or
    ``{"file", "error"}`` for a photo that could not be read."""
    if reading.page is None:
        return {"file": reading.name, "error": reading.error or "could not be read"}
    return {"file": reading.name, "size": list(reading.page.size), **reading.page.export()}


def _text(readings: Sequence[Reading], several: bool) -> str:
    if not several:
        return "".join(r.page.text + "\n" for r in readings)
    return "".join(f"==> {r.name} <==\n{r.page.text}\n\n" for r in readings)


def _json(readings: Sequence[Reading], several: bool) -> str:
    documents = [document(r) for r in readings]
    if not several:
        return "".join(json.dumps(d, indent=2) + "\n" for d in documents)
    return json.dumps(documents, indent=2) + "\n"


def _xywh(box: Box) -> tuple[int, int, int, int]:
    """``(left, top, width, height)`` of a box ``[y1, x1, y2, x2]``."""
    y1, x1, y2, x2 = box
    return x1, y1, x2 - x1, y2 - y1


def _bbox(box: Box) -> str:
    y1, x1, y2, x2 = box
    return f"bbox {x1} {y1} {x2} {y2}"


def _escape(text: str) -> str:
    """``text`` as XML character data."""
    # xml.sax.saxutils imports urllib.request (15 ms): loaded when XML is written, not at start-up
    from xml.sax.saxutils import escape

    return escape(text)


def _quoteattr(text: str) -> str:
    """``text`` as a quoted XML attribute value."""
    from xml.sax.saxutils import quoteattr

    return quoteattr(text)


def _hocr(readings: Sequence[Reading]) -> str:
    from nnrecog import __version__

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
        "<head>",
        "<title></title>",
        '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
        f'<meta name="ocr-system" content="{SOFTWARE} {__version__}"/>',
        '<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrx_cinfo ocrp_wconf"/>',
        f'<meta name="ocr-number-of-pages" content="{len(readings)}"/>',
        # the letters are Latin and the lexicon's words English
        '<meta name="ocr-langs" content="en"/>',
        '<meta name="ocr-scripts" content="Latn"/>',
        "</head>",
        "<body>",
    ]
    for p, reading in enumerate(readings, start=1):
        height, width = reading.page.size
        title = f'image "{reading.name}"; bbox 0 0 {width} {height}; ppageno {p - 1}'
        out.append(f"<div class='ocr_page' id='page_{p}' title={_quoteattr(title)}>")
        if reading.page.lines:
            area = _bbox(_union([line.box for line in reading.page.lines]))
            out.append(f"<div class='ocr_carea' id='block_{p}_1' title='{area}'>")
            out.append(f"<p class='ocr_par' id='par_{p}_1' title='{area}'>")
            word_no = 0
            for l, line in enumerate(reading.page.lines, start=1):
                out.append(f"<span class='ocr_line' id='line_{p}_{l}' title='{_bbox(line.box)}'>")
                for word in line.words:
                    word_no += 1
                    chars = "".join(
                        f"<span class='ocrx_cinfo' title='x_bboxes {' '.join(map(str, _corners(c.box)))}; "
                        f"x_confs {100 * c.confidence:.2f}'>{_escape(c.text)}</span>"
                        for c in word.chars
                    )
                    out.append(
                        f"<span class='ocrx_word' id='word_{p}_{word_no}' "
                        f"title='{_bbox(word.box)}; x_wconf {round(100 * word.confidence)}'>{chars}</span>"
                    )
                out.append("</span>")
            out += ["</p>", "</div>"]
        out.append("</div>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _corners(box: Box) -> tuple[int, int, int, int]:
    y1, x1, y2, x2 = box
    return x1, y1, x2, y2


def _union(boxes: list[Box]) -> Box:
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def _alto_position(box: Box) -> str:
    left, top, width, height = _xywh(box)
    return f'HPOS="{left}" VPOS="{top}" WIDTH="{width}" HEIGHT="{height}"'


def _alto_sources(readings: Sequence[Reading]) -> list[str]:
    """``sourceImageInformation``: ALTO allows one ``fileName``, so several photos are named by
    one ``fileIdentifier`` each, in page order (``fileIdentifierLocation`` names the page)."""
    if not readings:
        return []
    if len(readings) == 1:
        names = [f"<fileName>{_escape(readings[0].name)}</fileName>"]
    else:
        names = [f'<fileIdentifier fileIdentifierLocation="page_{p}">{_escape(r.name)}</fileIdentifier>'
                 for p, r in enumerate(readings, start=1)]
    return ["<sourceImageInformation>", *names, "</sourceImageInformation>"]


def _alto(readings: Sequence[Reading]) -> str:
    from nnrecog import __version__

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.loc.gov/standards/alto/ns-v4# http://www.loc.gov/alto/v4/alto-4-4.xsd" '
        'SCHEMAVERSION="4.4">',
        "<Description>",
        "<MeasurementUnit>pixel</MeasurementUnit>",
        *_alto_sources(readings),
        '<OCRProcessing ID="OCR_0"><ocrProcessingStep><processingSoftware>'
        f"<softwareName>{SOFTWARE}</softwareName><softwareVersion>{__version__}</softwareVersion>"
        "</processingSoftware></ocrProcessingStep></OCRProcessing>",
        "</Description>",
        "<Layout>",
    ]
    for p, reading in enumerate(readings, start=1):
        height, width = reading.page.size
        out.append(f'<Page ID="page_{p}" PHYSICAL_IMG_NR="{p}" WIDTH="{width}" HEIGHT="{height}">')
        out.append(f'<PrintSpace HPOS="0" VPOS="0" WIDTH="{width}" HEIGHT="{height}">')
        if reading.page.lines:
            block = _union([line.box for line in reading.page.lines])
            out.append(f'<TextBlock ID="block_{p}_1" {_alto_position(block)}>')
            for l, line in enumerate(reading.page.lines, start=1):
                out.append(f'<TextLine ID="line_{p}_{l}" {_alto_position(line.box)}>')
                for w, word in enumerate(line.words, start=1):
                    if w > 1:
                        gap_left, gap_right = line.words[w - 2].box[3], word.box[1]
                        out.append(f'<SP HPOS="{gap_left}" VPOS="{word.box[0]}" WIDTH="{max(0, gap_right - gap_left)}"/>')
                    glyphs = "".join(
                        f'<Glyph ID="glyph_{p}_{l}_{w}_{g}" CONTENT={_quoteattr(c.text)} {_alto_position(c.box)} '
                        f'GC="{c.confidence:.4f}"/>'
                        for g, c in enumerate(word.chars, start=1)
                    )
                    out.append(
                        f'<String ID="string_{p}_{l}_{w}" CONTENT={_quoteattr(word.text)} {_alto_position(word.box)} '
                        f'WC="{word.confidence:.4f}">{glyphs}</String>'
                    )
                out.append("</TextLine>")
            out.append("</TextBlock>")
        out += ["</PrintSpace>", "</Page>"]
    out += ["</Layout>", "</alto>"]
    return "\n".join(out) + "\n"


TSV_COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
               "left", "top", "width", "height", "conf", "text")


def _tsv(readings: Sequence[Reading]) -> str:
    rows = ["\t".join(TSV_COLUMNS)]

    def row(level: int, page: int, block: int, par: int, line: int, word: int, box: Box, conf: float, text: str) -> None:
        left, top, width, height = _xywh(box)
        rows.append("\t".join(map(str, (level, page, block, par, line, word, left, top, width, height, conf, text))))

    for p, reading in enumerate(readings, start=1):
        height, width = reading.page.size
        row(1, p, 0, 0, 0, 0, (0, 0, height, width), -1, "")
        if not reading.page.lines:
            continue
        block = _union([line.box for line in reading.page.lines])
        row(2, p, 1, 0, 0, 0, block, -1, "")
        row(3, p, 1, 1, 0, 0, block, -1, "")
        for l, line in enumerate(reading.page.lines, start=1):
            row(4, p, 1, 1, l, 0, line.box, -1, "")
            for w, word in enumerate(line.words, start=1):
                row(5, p, 1, 1, l, w, word.box, round(100 * word.confidence, 6), word.text)
    return "\n".join(rows) + "\n"


def _pdf(readings: Sequence[Reading], visible_text: bool = False) -> bytes:
    try:
        from fpdf import FPDF
        from fpdf.enums import TextMode
    except ImportError:
        raise InputError("--format pdf needs the fpdf2 package: pip install 'nnrecog[pdf]'") from None
    import io

    from nnrecog.ocr.document.overlay import open_for_overlay
    from nnrecog.ocr.document.readings import opened

    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_creator(SOFTWARE)
    pdf.set_font("helvetica")
    points = 72.0 / PDF_DPI
    for reading in readings:
        if reading.photo is None:
            raise InputError(f"{reading.name}: a searchable PDF needs the photo itself")
        height, width = reading.page.size
        pdf.add_page(format=(width * points, height * points))
        with open_for_overlay(opened(reading.photo)) as photo:
            image = photo.convert("RGB")
            image.thumbnail((PDF_IMAGE_SIDE, PDF_IMAGE_SIDE))
            encoded = io.BytesIO()
            image.save(encoded, "JPEG", quality=PDF_JPEG_QUALITY)
        pdf.image(encoded, x=0, y=0, w=width * points, h=height * points)
        pdf.text_mode = TextMode.FILL if visible_text else TextMode.INVISIBLE
        for line, (baseline, size) in zip(reading.page.lines, _pdf_baselines(reading.page.lines, points)):
            _pdf_line(pdf, line, baseline, size, points)
        pdf.text_mode = TextMode.FILL
    return bytes(pdf.output())


def _pdf_baselines(lines: Sequence[Line], points: float) -> list[tuple[float, float]]:
    """Each line's baseline (its words' median bottom) and font size (capitals as tall as its
    median word, kept below :data:`PDF_SIZE_PER_LINE_GAP` times the distance to the nearest
    baseline of a line that shares some of its width), in points."""
    baselines = [float(np.median([w.box[2] for w in line.words])) * points for line in lines]
    sizes = []
    for i, line in enumerate(lines):
        size = float(np.median([w.box[2] - w.box[0] for w in line.words])) * points / PDF_CAP_HEIGHT
        gaps = [abs(baselines[i] - baselines[j]) for j, other in enumerate(lines)
                if j != i and min(line.box[3], other.box[3]) > max(line.box[1], other.box[1])]
        if gaps:
            size = min(size, PDF_SIZE_PER_LINE_GAP * min(gaps))
        sizes.append(max(1.0, size))
    return list(zip(baselines, sizes))


def _pdf_line(pdf: "FPDF", line: Line, baseline: float, size: float, points: float) -> None:
    """One line's hidden text at its ``baseline`` and font ``size`` (:func:`_pdf_baselines`),
    laid out so that text extraction (``pdftotext``, a viewer's search) gives back the line as
    read: its words on one baseline, at one size, each word stretched (``Tz``) over its box and
    half the gap on either side, a space in what is left between. Extraction keeps a line's
    words together only when the gaps are small beside the font size (poppler pulls a word into
    a block within 0.7 of it), and handwriting's word gaps are larger than that; a search still
    highlights each word where it is written, only wider by half its gaps."""
    words = line.words
    pdf.set_font_size(size)
    space = PDF_SPACE * size
    edges = [word.box[1] * points for word in words[:1]]
    for left, right in zip(words, words[1:]):
        gap_left, gap_right = left.box[3] * points, right.box[1] * points
        spread = max(0.0, (gap_right - gap_left - space) / 2)
        edges += [gap_left + spread, gap_right - spread]
    edges.append(words[-1].box[3] * points)
    for i, word in enumerate(words):
        start, stop = edges[2 * i], edges[2 * i + 1]
        _fitted_text(pdf, start, baseline, stop - start, word.text)
        if i + 1 < len(words):
            _fitted_text(pdf, stop, baseline, max(edges[2 * i + 2] - stop, PDF_MIN_GAP), " ")
    pdf.set_stretching(100.0)


def _fitted_text(pdf: "FPDF", x: float, baseline: float, width: float, text: str) -> None:
    """``text`` at ``(x, baseline)`` stretched to ``width`` points (measured unstretched: the
    width fpdf2 reports includes the stretch in force)."""
    pdf.set_stretching(100.0)
    natural = pdf.get_string_width(text)
    if natural > 0:
        pdf.set_stretching(100.0 * width / natural)
    pdf.text(x, baseline, text)


def output_paths(names: Sequence[str], out: str | os.PathLike, fmt: str) -> list[Path]:
    """Where each photo's document goes with ``--out DIR``: ``DIR/<photo stem><suffix>``;
    when two photos share a stem, ``DIR/<n>-<stem><suffix>`` (``n``: 1-based position)."""
    stems = [Path(name).stem for name in names]
    return [
        Path(out) / f"{stem if stems.count(stem) == 1 else f'{i}-{stem}'}{SUFFIXES[fmt]}"
        for i, stem in enumerate(stems, start=1)
    ]
