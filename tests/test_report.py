"""``nnrecog report`` end to end: every section, every image, the numbers of the page and the
JSON, the cache (reuse, rerun of what changed, Ctrl-C), the same numbers from scratch, the
report without torch, and bad input.

The ``--quick`` report itself runs once (the ``quick_report`` fixture of conftest.py, shared with
test_report_browser.py); the other runs reuse its cache or run a few of its steps again.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from nnrecog.cli import main
from nnrecog.report import runner, steps
from nnrecog.report.options import QUICK, STEP_IDS
from nnrecog.report.runner import run_report
from nnrecog.report.content import MANIFEST, STEPS_FOLDER, TORCH_MISSING

HAVE_TORCH = importlib.util.find_spec("torch") is not None
TORCH_STEPS = tuple(step.id for step in steps.STEPS if step.torch)


class _Page(HTMLParser):
    """The images and the ``data-number`` elements of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.numbers: dict[str, str] = {}
        self._number: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes["src"] or "")
        if "data-number" in attributes:
            self._number = attributes["data-number"]
            self.numbers[self._number] = ""

    def handle_data(self, data: str) -> None:
        if self._number is not None:
            self.numbers[self._number] += data

    def handle_endtag(self, tag: str) -> None:
        self._number = None


def _page(out: Path) -> _Page:
    page = _Page()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    return page


def _copy(quick_report: tuple[Path, dict], tmp_path: Path, *without: str) -> Path:
    """A copy of the report's folder with the cached steps ``without`` removed."""
    out = tmp_path / "report"
    shutil.copytree(quick_report[0], out)
    for step_id in without:
        shutil.rmtree(out / STEPS_FOLDER / step_id, ignore_errors=True)
    return out


def _values(report: dict, step_ids: tuple[str, ...]) -> dict[str, object]:
    return {f"{s['id']}.{n['key']}": n["value"] for s in report["sections"] if s["id"] in step_ids for n in s["numbers"]}


def test_every_section_in_the_write_ups_order(quick_report):
    out, report = quick_report
    sections = {s["id"]: s for s in report["sections"]}
    assert [s["id"] for s in report["sections"]] == list(STEP_IDS)
    for step_id in ("q1-activations", "q2-gradcheck", "q3-mlp", "q4-ocr", "q5-autoencoder"):
        assert sections[step_id]["status"] == "ran" and sections[step_id]["numbers"], step_id
    for step_id in TORCH_STEPS:
        section = sections[step_id]
        if not HAVE_TORCH:
            assert section["note"] == f"not run: {TORCH_MISSING}"
        elif section["status"] != "ran":  # only a data set that is not there may be missing
            assert section["note"].startswith("not run: data not found at "), section["note"]
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in report["sections"]:
        assert f'id="{section["id"]}"' in html and (section["note"] is None or section["note"] in html)
    writeup = {n["writeup"] for s in report["sections"] for n in s["numbers"]}
    assert {"15.8 dB", "26 %", "0/O, S/5, Z/2"} <= writeup
    assert len(sections["q3-mlp"]["tables"][0]["rows"]) == 3  # the sweep: x1, x10, x0.1


def test_every_image_referenced_exists_and_is_a_valid_png(quick_report):
    out, report = quick_report
    page = _page(out)
    assert sorted(page.images) == sorted(f["file"] for s in report["sections"] for f in s["figures"])
    # Q1's two plots, Q3's six curves (+ sweep, weights twice, confusion), Q4's four overlays, Q5's two
    assert len(page.images) >= 2 + 10 + 4 + 2
    for source in page.images:
        path = out / source
        assert path.is_file(), source
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", source
        with Image.open(path) as image:
            image.verify()


def test_report_json_has_the_numbers_the_html_shows(quick_report):
    out, report = quick_report
    shown = {f"{s['id']}.{n['key']}": n["shown"] for s in report["sections"] for n in s["numbers"]}
    assert _page(out).numbers == shown
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == report
    q5 = {n["key"]: n for n in next(s for s in report["sections"] if s["id"] == "q5-autoencoder")["numbers"]}
    assert q5["psnr_valid"]["shown"] == f"{q5['psnr_valid']['value']:.2f} dB"


def test_a_second_run_reuses_every_finished_step_and_says_so(quick_report, shared_data, capsys):
    out, first = quick_report
    capsys.readouterr()
    again = run_report(out_dir=out, quick=True, data_dir=shared_data, progress=False)
    printed = capsys.readouterr().out
    assert again["ran"] == [] and again["reused"] == first["ran"]
    for step_id in first["ran"]:
        assert f"{step_id}: reused: same inputs" in printed
    assert _values(again, STEP_IDS) == _values(first, STEP_IDS)
    assert "reused from the cache" in (out / "report.html").read_text(encoding="utf-8")


def test_changed_inputs_rerun_that_step_only(quick_report, shared_data, tmp_path):
    out = _copy(quick_report, tmp_path)
    longer = dataclasses.replace(QUICK, autoencoder_epochs=QUICK.autoencoder_epochs + 1)
    report = run_report(out_dir=out, scale=longer, data_dir=shared_data, progress=False)
    assert report["ran"] == ["q5-autoencoder"]
    manifest = json.loads((out / STEPS_FOLDER / "q5-autoencoder" / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["inputs"]["settings"]["epochs"] == longer.autoencoder_epochs
    assert manifest["inputs"]["seed"] == 0 and manifest["inputs"]["data"]["source"] == "default"


def test_a_rerun_from_scratch_with_the_same_seed_gives_the_same_numbers(quick_report, shared_data,
                                                                         tmp_path):
    again = ("q1-activations", "q3-mlp", "q5-autoencoder", *(("q6-torch-fc",) if HAVE_TORCH else ()))
    report = run_report(out_dir=tmp_path, quick=True, data_dir=shared_data, progress=False, only=again)
    assert report["ran"] == list(again)
    assert _values(report, again) == _values(quick_report[1], again)
    assert {s["note"] for s in report["sections"] if s["id"] not in again} == {"not run: not selected (--only)"}


def test_ctrl_c_keeps_every_finished_step(quick_report, shared_data, tmp_path, monkeypatch):
    out = _copy(quick_report, tmp_path, "q4-ocr", "q5-autoencoder")

    def interrupted(ctx):
        (ctx.folder / "half-written").write_text("")
        raise KeyboardInterrupt

    patched = tuple(dataclasses.replace(s, run=interrupted) if s.id == "q5-autoencoder" else s for s in steps.STEPS)
    monkeypatch.setattr(runner, "STEPS", patched)
    with pytest.raises(KeyboardInterrupt):
        run_report(out_dir=out, quick=True, data_dir=shared_data, progress=False)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    status = {s["id"]: s["status"] for s in report["sections"]}
    assert status["q4-ocr"] == "ran" and (out / STEPS_FOLDER / "q4-ocr" / MANIFEST).is_file()
    assert not (out / STEPS_FOLDER / "q5-autoencoder").exists()
    assert {s["note"] for s in report["sections"][STEP_IDS.index("q5-autoencoder"):]} == {"not run: interrupted"}
    monkeypatch.undo()
    report = run_report(out_dir=out, quick=True, data_dir=shared_data, progress=False)
    assert report["ran"] == ["q5-autoencoder"] and not (out / STEPS_FOLDER / ".q5-autoencoder.partial").exists()


def test_without_torch_the_torch_sections_say_so_and_the_rest_runs(quick_report, shared_data, tmp_path):
    out = _copy(quick_report, tmp_path, "q1-activations", *TORCH_STEPS)
    code = (
        "import sys\n"
        "sys.modules['torch'] = None  # as if nnrecog[torch] were not installed\n"
        "from nnrecog.report.runner import run_report\n"
        f"run_report(out_dir={str(out)!r}, quick=True, data_dir={str(shared_data)!r}, progress=False)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    notes = {s["id"]: s["note"] for s in report["sections"]}
    assert {notes[step_id] for step_id in TORCH_STEPS} == {f"not run: {TORCH_MISSING}"}
    assert report["ran"] == ["q1-activations"] and "needs nnrecog[torch]" in (out / "report.html").read_text()


def _fails_cleanly(capsys, argv: list[str], *expected: str) -> None:
    try:
        status = main(argv)
    except SystemExit as exited:
        status = exited.code
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    for text in expected:
        assert text in err, err


def test_bad_input_is_one_line_before_any_step_runs(capsys, tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("")
    _fails_cleanly(capsys, ["report", "--out", str(a_file)], "is a file")
    missing = tmp_path / "no-such-data"
    _fails_cleanly(capsys, ["report", "--out", str(tmp_path / "r"), "--data", str(missing)], str(missing))
    assert not (tmp_path / "r" / STEPS_FOLDER).exists()
    _fails_cleanly(capsys, ["report", "--only", "q7"], "--only", "q1-activations")
    _fails_cleanly(capsys, ["report", "--seed", "-1"], "--seed")
