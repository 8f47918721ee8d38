"""The output formats checked by their own reference tools, on real photos: ALTO against the
official ALTO 4.4 schema, hOCR by hocr-spec-python's ``hocr-spec`` (the hOCR 1.2 spec's
validator: classes, properties and their ranges, metadata) and by hocr-tools' ``hocr-check``,
and the searchable PDF's text layer by poppler's ``pdftotext`` (the words and lines read back,
and where each word lies).

Each tool is installed by ``.ci/run`` (``lxml``, ``hocr-spec`` and ``hocr-tools`` in the dev extra, Debian's
``poppler-utils``); a test whose tool is missing skips and says which."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnrecog.ocr.document.formats import PDF_DPI, Reading, render
from nnrecog.paths import data_dir

SCHEMAS = Path(__file__).parent / "data" / "alto"
COURSE = "ocr_samples"
DEV = "ocr_dev"


def _tool(name: str) -> str:
    """The path of a command-line tool: beside this Python (a venv's scripts) or on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} not installed (.ci/run installs it)")
    return found


def _readings(folder: str) -> list[Reading]:
    from nnrecog.ocr.batch import read_photos
    from nnrecog.ocr.finding.photo import is_image_name

    root = data_dir() / folder
    if not root.is_dir():
        pytest.skip(f"{root} not found (set NNRECOG_DATA)")
    photos = sorted(p for p in root.iterdir() if is_image_name(p))
    return [Reading(r.photo.name, r.page, r.photo.source) for r in read_photos(photos, jobs=2)]


@pytest.fixture(scope="module")
def course() -> list[Reading]:
    return _readings(COURSE)


@pytest.fixture(scope="module")
def dev() -> list[Reading]:
    return _readings(DEV)


@pytest.fixture(scope="module")
def alto_schema():
    etree = pytest.importorskip("lxml.etree")
    text = (SCHEMAS / "alto-4-4.xsd").read_text(encoding="utf-8")
    # the schema imports XLink from loc.gov: point it at the local copy (no network here)
    text = text.replace("http://www.loc.gov/standards/xlink/xlink.xsd", (SCHEMAS / "xlink.xsd").as_uri())
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8"), base_url=SCHEMAS.as_uri() + "/"))


def _assert_valid_alto(schema, document: bytes) -> None:
    from lxml import etree

    root = etree.fromstring(document)
    assert schema.validate(root), "\n".join(str(e) for e in schema.error_log)


def test_alto_of_one_photo_and_of_many_is_valid_alto_4_4(course, alto_schema):
    for reading in course:
        _assert_valid_alto(alto_schema, render([reading], "alto"))
    several = render(course, "alto")
    _assert_valid_alto(alto_schema, several)
    assert several.count(b"<Page ") == len(course)
    for reading in course:
        assert f">{reading.name}</fileIdentifier>".encode() in several


def test_hocr_of_one_photo_and_of_many_is_valid_hocr_1_2(course, dev, tmp_path):
    """No error and no warning from the spec's validator, every photo alone and all in one file."""
    for name, readings in [(r.name, [r]) for r in course + dev] + [("all", course + dev)]:
        path = tmp_path / "page.hocr"
        path.write_bytes(render(readings, "hocr"))
        result = subprocess.run([_tool("hocr-spec"), "--parse-strict", str(path)], capture_output=True, text=True)
        report = result.stdout + result.stderr
        assert result.returncode == 0 and "Document is valid" in report, (name, report)
        assert "[ERROR]" not in report and "[WARN]" not in report, (name, report)


def _hocr_check(path: Path, *options: str) -> None:
    result = subprocess.run([_tool("hocr-check"), *options, str(path)], capture_output=True, text=True)
    report = result.stderr + result.stdout
    assert result.returncode == 0 and "ok 1" in report and "not ok" not in report, report


def test_hocr_of_one_photo_and_of_many_passes_hocr_check(course, tmp_path):
    one, many = tmp_path / "one.hocr", tmp_path / "many.hocr"
    one.write_bytes(render(course[:1], "hocr"))
    many.write_bytes(render(course, "hocr"))
    _hocr_check(one)
    # hocr-check 1.1's overlap checks look at every page's lines at once (its XPath is
    # document-wide), so photos that share coordinates "overlap": the structure of the whole
    # file is checked, and the geometry page by page, split by hocr-tools' own hocr-split
    _hocr_check(many, "--nooverlap")
    subprocess.run([_tool("hocr-split"), str(many), str(tmp_path / "page-%03d.hocr")], check=True)
    pages = sorted(tmp_path.glob("page-*.hocr"))
    assert len(pages) == len(course)
    for page in pages:
        _hocr_check(page)
    ids = re.findall(r"id='([^']+)'", many.read_text())
    assert len(ids) == len(set(ids)), "every id in a multi-photo hOCR is distinct"


def _pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run([_tool("pdftotext"), *args, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pdf_lines(text: str) -> list[str]:
    return [line for line in text.replace("\f", "\n").splitlines() if line.strip()]


def _check_pdf_round_trip(readings: list[Reading], tmp_path: Path) -> None:
    for reading in readings:
        pdf = tmp_path / f"{Path(reading.name).stem}.pdf"
        pdf.write_bytes(render([reading], "pdf"))
        expected = reading.page.text.splitlines()
        # content order: exactly the text output, word for word, line for line
        assert _pdf_lines(_pdftotext(pdf, "-raw")) == expected, reading.name
        # pdftotext's own reading order, as a viewer's copy and search see it
        assert _pdf_lines(_pdftotext(pdf)) == expected, reading.name


def test_pdf_text_layer_gives_back_the_text_of_each_course_photo(course, tmp_path):
    pytest.importorskip("fpdf")
    _check_pdf_round_trip(course, tmp_path)


def test_pdf_text_layer_gives_back_the_text_of_each_ocr_dev_photo(dev, tmp_path):
    pytest.importorskip("fpdf")
    # ust_life has a slanted line whose middle comes near the line above it
    _check_pdf_round_trip(dev, tmp_path)


def test_pdf_words_lie_on_their_boxes(course, tmp_path):
    """Each word of the text layer (pdftotext -bbox) starts and ends where the word was read
    and sits on its line, so that a viewer's search highlights the word where it is written."""
    pytest.importorskip("fpdf")
    points = 72.0 / PDF_DPI
    for reading in course:
        pdf = tmp_path / "page.pdf"
        pdf.write_bytes(render([reading], "pdf"))
        found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                           _pdftotext(pdf, "-bbox"))
        words = [(w, line.words[i - 1] if i else None, line.words[i + 1] if i + 1 < len(line.words) else None)
                 for line in reading.page.lines for i, w in enumerate(line.words)]
        assert [text for *_, text in found] == [w.text for w, _, _ in words]
        for (x1, y1, x2, y2, _), (word, before, after) in zip(found, words):
            top, left, bottom, right = (v * points for v in word.box)
            # over the word's own box, into the gaps beside it but never over its neighbours
            assert float(x1) <= left + 1 and float(x2) >= right - 1, (reading.name, word.text)
            assert before is None or float(x1) >= before.box[3] * points - 1, (reading.name, word.text)
            assert after is None or float(x2) <= after.box[1] * points + 1, (reading.name, word.text)
            assert float(y1) < bottom and float(y2) > top, (reading.name, word.text)


def test_multi_photo_pdf_has_a_page_per_photo_each_with_its_text(course, tmp_path):
    pytest.importorskip("fpdf")
    pdf = tmp_path / "all.pdf"
    pdf.write_bytes(render(course, "pdf"))
    pages = _pdftotext(pdf, "-raw").split("\f")
    assert [_pdf_lines(p) for p in pages[: len(course)]] == [r.page.text.splitlines() for r in course]
