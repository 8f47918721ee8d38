"""``nnrecog read`` as a tool people script: folders, stdin, parallel jobs, formats and --out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnrecog.cli import main
from nnrecog.data import CLASSES, load_nist26
from nnrecog.ocr.batch import photo_inputs, run_read
from nnrecog.ocr.options import ReadOptions
from nnrecog.data.pages import compose_page, images_by_label
from nnrecog.paths import data_dir

TEXTS = ("HELLO WORLD", "QUICK BROWN FOX", "LAZY DOG")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A folder of three photos of NIST letters, a text file and a hidden file."""
    if not (data_dir() / "nist26" / "nist26_valid.mat").is_file():
        pytest.skip(f"nist26_valid.mat not found under {data_dir()} (set NNRECOG_DATA)")
    images = images_by_label(*load_nist26(), CLASSES)
    root = tmp_path_factory.mktemp("photos")
    for i, text in enumerate(TEXTS):
        page = compose_page(text, images, np.random.default_rng(i), char_height=40)
        Image.fromarray((page.image * 255).astype(np.uint8)).save(root / f"{i}_page.png")
    (root / "notes.txt").write_text("not a photo")
    (root / ".hidden.png").write_bytes(b"")
    return root


def test_a_folder_is_every_image_in_it_sorted_with_a_note_for_the_rest(folder):
    photos, notes = photo_inputs([folder])
    assert [Path(p.name).name for p in photos] == ["0_page.png", "1_page.png", "2_page.png"]
    assert len(notes) == 1 and "notes.txt" in notes[0] and "skipped 1" in notes[0]


def test_folder_text_has_a_header_per_photo(folder, capsys):
    assert main(["read", str(folder), "--jobs", "1"]) == 0
    out, err = capsys.readouterr()
    assert out.count("==> ") == 3 and "notes.txt" in err
    assert "HELLO WORLD" in out


def test_jobs_give_the_same_output_in_input_order(folder):
    one = run_read(ReadOptions(photos=[folder], jobs=1, format="json")).stdout
    two = run_read(ReadOptions(photos=[folder], jobs=2, format="json")).stdout
    assert one == two
    assert [Path(d["file"]).name for d in json.loads(one)] == ["0_page.png", "1_page.png", "2_page.png"]


def test_a_bad_photo_among_good_ones_leaves_the_others_read(folder, tmp_path, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff not really")
    status = main(["read", str(folder / "0_page.png"), str(bad), str(folder / "1_page.png"), "--jobs", "2", "--json"])
    out, err = capsys.readouterr()
    assert status == 2 and err.count("bad.jpg") == 1
    documents = json.loads(out)
    assert [Path(d["file"]).name for d in documents] == ["0_page.png", "bad.jpg", "1_page.png"]
    assert "lines" not in documents[1] and "bad.jpg" in documents[1]["error"]
    assert all("error" not in d for d in documents[::2])


def test_bad_inputs_each_get_their_own_line(folder, tmp_path, capsys):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    no_photos = tmp_path / "notes"
    no_photos.mkdir()
    (no_photos / "a.txt").write_text("words")
    cases = {
        (str(empty),): "empty.jpg: empty file (0 bytes)",
        (str(no_photos),): f"no photo to read in {no_photos}",
        (str(folder / "0_page.png"), "--out", str(tmp_path / "no" / "such" / "x.txt")):
            f"the folder {tmp_path / 'no' / 'such'} does not exist",
        (str(folder / "0_page.png"), "--out", f"{tmp_path / 'no' / 'such'}/"):
            f"the folder {tmp_path / 'no'} does not exist",
    }
    for args, message in cases.items():
        assert main(["read", *args]) == 2
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if line.startswith("nnrecog: error:")]
        assert len(lines) == 1 and message in lines[0], (args, err)
        assert "Traceback" not in err
    assert not (tmp_path / "no").exists(), "no folder made for a mistyped --out"


def test_stdin_is_one_image(folder):
    data = (folder / "0_page.png").read_bytes()
    outcome = run_read(ReadOptions(photos=["-"], jobs=1), stdin=io.BytesIO(data))
    assert outcome.stdout.decode().strip() == "HELLO WORLD"
    with pytest.raises(Exception, match="stdin: empty"):
        run_read(ReadOptions(photos=["-"]), stdin=io.BytesIO(b""))


def test_out_folder_gets_one_document_per_photo(folder, tmp_path):
    out = tmp_path / "docs"
    outcome = run_read(ReadOptions(photos=[folder], jobs=1, format="hocr", out=f"{out}/"))
    assert outcome.stdout is None and sorted(p.name for p in out.iterdir()) == ["0_page.hocr", "1_page.hocr", "2_page.hocr"]
    single = tmp_path / "all.tsv"
    run_read(ReadOptions(photos=[folder], jobs=1, format="tsv", out=single))
    assert single.read_text().count("\n1\t") == 3  # a level-1 (page) row per photo


def test_pdf_needs_out_and_bad_options_are_one_line(folder, capsys):
    assert main(["read", str(folder), "--format", "pdf"]) == 2
    assert "--out" in capsys.readouterr().err
    for bad in (["--jobs", "0"], ["--min-confidence", "1.5"]):
        with pytest.raises(SystemExit) as raised:
            main(["read", str(folder), *bad])
        assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "Traceback" not in err
