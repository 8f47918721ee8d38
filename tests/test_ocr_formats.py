"""hOCR, ALTO, TSV and PDF output, each parsed back and compared with the reading itself."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from nnrecog.errors import InputError
from nnrecog.ocr.document.elements import Char, Line, Page, Rejected, Word
from nnrecog.ocr.document.formats import TSV_COLUMNS, Reading, output_paths, render

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def _word(text: str, left: int, top: int, confidence: float = 0.9) -> Word:
    return Word([Char(c, (top, left + 20 * i, top + 30, left + 20 * i + 18), confidence, [(c, confidence)])
                 for i, c in enumerate(text)])


@pytest.fixture
def readings(tmp_path) -> list[Reading]:
    photo = tmp_path / "note.png"
    Image.fromarray(np.full((200, 400), 230, np.uint8)).save(photo)
    first = Page([Line([_word("TO", 10, 20), _word("DO", 70, 22, 0.8)]), Line([_word("LIST", 10, 80, 0.7)])],
                 (200, 400), [Rejected((150, 300, 190, 390), "not on clean paper", 0.2)])
    empty = Page([], (100, 120))
    return [Reading("note.png", first, photo), Reading("blank.png", empty, photo)]


def _words(reading: Reading) -> list[tuple[str, tuple[int, int, int, int], float]]:
    """Each word's text, box (left, top, right, bottom) and confidence, from the JSON export."""
    out = []
    for line in reading.page.export()["lines"]:
        for word in line["words"]:
            y1, x1, y2, x2 = word["box"]
            out.append((word["text"], (x1, y1, x2, y2), word["confidence"]))
    return out


def test_json_is_one_document_per_photo(readings):
    documents = json.loads(render(readings, "json"))
    assert [d["file"] for d in documents] == ["note.png", "blank.png"]
    assert documents[0]["size"] == [200, 400] and documents[0]["rejected"][0]["reason"] == "not on clean paper"
    assert json.loads(render(readings[:1], "json"))["lines"] == readings[0].page.export()["lines"]


def test_text_has_a_header_per_photo_only_when_there_are_several(readings):
    assert render(readings[:1], "text").decode() == "TO DO\nLIST\n"
    assert render(readings, "text").decode().startswith("==> note.png <==\nTO DO\nLIST\n")


def test_hocr_parses_and_matches_the_reading(readings):
    root = ET.fromstring(render(readings, "hocr"))
    pages = [e for e in root.iter() if e.get("class") == "ocr_page"]
    assert len(pages) == 2 and "bbox 0 0 400 200" in pages[0].get("title")
    words = [e for e in pages[0].iter() if e.get("class") == "ocrx_word"]
    found = []
    for word in words:
        bbox = tuple(int(v) for v in re.search(r"bbox (\d+) (\d+) (\d+) (\d+)", word.get("title")).groups())
        conf = int(re.search(r"x_wconf (\d+)", word.get("title")).group(1))
        chars = [c for c in word if c.get("class") == "ocrx_cinfo"]
        assert all("x_bboxes" in c.get("title") and "x_confs" in c.get("title") for c in chars)
        found.append(("".join(c.text for c in chars), bbox, conf))
    expected = [(t, b, round(100 * c)) for t, b, c in _words(readings[0])]
    assert found == expected
    assert len([e for e in pages[0].iter() if e.get("class") == "ocr_line"]) == 2


def test_alto_parses_and_matches_the_reading(readings):
    root = ET.fromstring(render(readings, "alto"))
    assert root.tag == f"{ALTO}alto"
    pages = root.findall(f"{ALTO}Layout/{ALTO}Page")
    assert [(p.get("WIDTH"), p.get("HEIGHT")) for p in pages] == [("400", "200"), ("120", "100")]
    strings = pages[0].iter(f"{ALTO}String")
    found = []
    for s in strings:
        left, top, width, height = (int(s.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
        glyphs = s.findall(f"{ALTO}Glyph")
        assert "".join(g.get("CONTENT") for g in glyphs) == s.get("CONTENT")
        found.append((s.get("CONTENT"), (left, top, left + width, top + height), float(s.get("WC"))))
    assert found == [(t, b, pytest.approx(c, abs=1e-4)) for t, b, c in _words(readings[0])]
    assert len(list(pages[0].iter(f"{ALTO}TextLine"))) == 2 and len(list(pages[0].iter(f"{ALTO}SP"))) == 1


def test_tsv_has_tesseracts_columns_and_matches_the_reading(readings):
    rows = list(csv.DictReader(io.StringIO(render(readings, "tsv").decode()), delimiter="\t"))
    assert tuple(rows[0].keys()) == TSV_COLUMNS
    words = [r for r in rows if r["level"] == "5"]
    found = [(r["text"], (int(r["left"]), int(r["top"]), int(r["left"]) + int(r["width"]),
                          int(r["top"]) + int(r["height"])), float(r["conf"])) for r in words]
    assert found == [(t, b, pytest.approx(100 * c, abs=1e-3)) for t, b, c in _words(readings[0])]
    assert [r["page_num"] for r in rows if r["level"] == "1"] == ["1", "2"]
    assert all(r["conf"] == "-1" for r in rows if r["level"] != "5")


def test_searchable_pdf_holds_the_photo_and_the_text(readings):
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("fpdf")
    reader = pypdf.PdfReader(io.BytesIO(render(readings, "pdf")))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    assert text.split() == ["TO", "DO", "LIST"]
    assert reader.pages[0].images, "the photo is on the page"
    # the page keeps the photo's aspect
    box = reader.pages[0].mediabox
    assert float(box.width) / float(box.height) == pytest.approx(2.0)


def test_unknown_format_and_pdf_without_photo_are_one_clear_error(readings):
    with pytest.raises(InputError, match="unknown format"):
        render(readings, "docx")
    pytest.importorskip("fpdf")
    with pytest.raises(InputError, match="needs the photo"):
        render([Reading("x.png", readings[0].page)], "pdf")


def test_output_paths_name_each_photo():
    assert [p.name for p in output_paths(["a/x.jpg", "b/y.png"], "out", "hocr")] == ["x.hocr", "y.hocr"]
    assert [p.name for p in output_paths(["a/x.jpg", "b/x.png"], "out", "alto")] == ["1-x.xml", "2-x.xml"]
