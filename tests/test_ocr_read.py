"""``nnrecog read`` / ``nnrecog.ocr.read``: result tree, JSON, overlay, image kinds, bad input and
``eval-ocr``. Uses a small random model: these tests are about structure and behaviour, not
accuracy (tests/test_ocr_photos.py checks accuracy with the real model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnrecog import nn
from nnrecog.cli import main
from nnrecog.data import CLASSES, load_nist26
from nnrecog.errors import InputError
from nnrecog.ocr import Page, load_classifier, read, read_file
from nnrecog.ocr.batch import overlay_paths
from nnrecog.ocr.evaluate import alignment_counts, evaluate_folder, normalize_text
from nnrecog.data.pages import compose_page, images_by_label
from nnrecog.paths import data_dir

TEXT = "TO DO LIST\nMAKE A NAP"


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    """A model that gives every glyph the same (random, but confident) distribution: the cut
    and join decisions, which compare readings, then never fire, the lines read as
    characters, and the structure is the segmenter's."""
    net = nn.Sequential(nn.Dense(1024, 36))
    net.layers[0].params["W"][...] = 0.0
    net.layers[0].params["b"][...] = np.random.default_rng(0).normal(size=36)
    net.layers[0].params["b"][0] += 8.0
    path = tmp_path_factory.mktemp("model") / "tiny.npz"
    net.save(path, meta={"classes": CLASSES, "input_shape": [1024], "input": "ink_dark"})
    return path


@pytest.fixture(scope="module")
def classifier(model_path):
    return load_classifier(model_path)


@pytest.fixture(scope="module")
def page_image() -> np.ndarray:
    if not (data_dir() / "nist26" / "nist26_valid.mat").is_file():
        pytest.skip(f"nist26_valid.mat not found under {data_dir()} (set NNRECOG_DATA)")
    images = images_by_label(*load_nist26(), CLASSES)
    return compose_page(TEXT, images, np.random.default_rng(0), char_height=40).image


@pytest.fixture(scope="module")
def page_file(page_image, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "page.jpg"
    Image.fromarray((page_image * 255).astype(np.uint8)).convert("RGB").save(path, quality=92)
    return path


def _shape(page: Page) -> list[list[int]]:
    return [[len(w.chars) for w in line.words] for line in page.lines]


EXPECTED = [[2, 2, 4], [4, 1, 3]]


def test_read_gives_lines_words_and_chars_with_alternatives(page_image, classifier):
    page = read(page_image, classifier, lexicon=False)
    assert _shape(page) == EXPECTED
    assert page.size == page_image.shape
    for char in page.chars:
        y1, x1, y2, x2 = char.box
        assert 0 <= y1 < y2 <= page.size[0] and 0 <= x1 < x2 <= page.size[1]
        assert len(char.alternatives) == 3
        probs = [p for _, p in char.alternatives]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0 + 1e-6
        assert char.confidence == pytest.approx(dict(char.alternatives).get(char.text, char.confidence))
    assert page.text.count("\n") == 1 and "  " not in page.text


def test_json_export_matches_the_schema(page_image, classifier):
    exported = json.loads(json.dumps(read(page_image, classifier, lexicon=False).export()))
    assert set(exported) == {"lines", "rejected"}
    for region in exported["rejected"]:
        assert set(region) == {"box", "reason", "confidence"}
    for line in exported["lines"]:
        assert set(line) == {"text", "box", "confidence", "words"}
        assert line["text"] == " ".join(w["text"] for w in line["words"])
        chars = [c for w in line["words"] for c in w["chars"]]
        assert line["confidence"] == pytest.approx(np.mean([c["confidence"] for c in chars]), abs=1e-3)
        for word in line["words"]:
            assert set(word) == {"text", "box", "confidence", "chars"}
            assert word["confidence"] == pytest.approx(np.mean([c["confidence"] for c in word["chars"]]), abs=1e-3)
            assert word["text"] == "".join(c["text"] for c in word["chars"])
            for char in word["chars"]:
                assert set(char) == {"text", "box", "confidence", "alternatives"}
                assert len(char["box"]) == 4 and all(isinstance(v, int) for v in char["box"])
                assert all(isinstance(label, str) and isinstance(p, float) for label, p in char["alternatives"])


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "I;16", "LA"])
def test_every_image_mode_reads_the_same(page_image, classifier, tmp_path, mode):
    grey = Image.fromarray((page_image * 255).astype(np.uint8))
    if mode == "I;16":
        image = Image.fromarray((page_image * 65535).astype(np.uint16))
    elif mode == "P":
        image = grey.convert("RGB").convert("P", palette=Image.ADAPTIVE)
    else:
        image = grey.convert(mode)
    path = tmp_path / "page.png"
    image.save(path)
    assert _shape(read_file(path, classifier, lexicon=False)) == EXPECTED


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_an_integer_image_array_of_any_channels_is_grey_in_the_unit_range(channels, dtype):
    from nnrecog.data.normalize import grey_image

    top = np.iinfo(dtype).max
    grey = np.random.default_rng(0).integers(0, top, (20, 30), dtype=dtype, endpoint=True)
    planes = {1: [grey], 2: [grey, top], 3: [grey] * 3, 4: [grey] * 3 + [top]}[channels]
    array = np.dstack([np.broadcast_to(plane, grey.shape) for plane in planes]).astype(dtype)
    np.testing.assert_allclose(grey_image(array), grey / top, atol=1e-6)


@pytest.mark.parametrize("name, mode", [("ust_pen.jpg", "RGB"), ("machine_learning.png", "RGBA")])
def test_a_photo_passed_as_an_array_reads_as_its_file_does(shared_data, name, mode):
    from nnrecog.ocr.reader import Reader

    path = shared_data / "ocr_dev" / name
    reader = Reader()
    with Image.open(path) as photo:
        assert photo.mode == mode
        array = np.asarray(photo)
    from_file = reader.read(path)
    assert from_file.text and reader.read(array).export() == from_file.export()


def test_transparent_background_counts_as_paper(page_image, classifier, tmp_path):
    alpha = ((1 - page_image) * 255).astype(np.uint8)  # ink opaque, paper fully transparent
    rgba = np.dstack([np.zeros((*page_image.shape, 3), np.uint8), alpha])
    path = tmp_path / "ink.png"
    Image.fromarray(rgba, "RGBA").save(path)
    assert _shape(read_file(path, classifier, lexicon=False)) == EXPECTED


def test_exif_rotation_is_applied(page_image, classifier, tmp_path):
    upright = Image.fromarray((page_image * 255).astype(np.uint8))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a sideways camera stores
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    path = tmp_path / "sideways.jpg"
    stored.save(path, exif=exif, quality=92)
    page = read_file(path, classifier, lexicon=False)
    assert _shape(page) == EXPECTED
    assert page.size == page_image.shape


def test_blank_and_one_pixel_images_give_empty_text(classifier, tmp_path):
    blank = tmp_path / "blank.jpg"
    noise = np.random.default_rng(0).normal(200, 3, (600, 800)).clip(0, 255).astype(np.uint8)
    Image.fromarray(noise).save(blank)
    dot = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), (0, 0, 0)).save(dot)
    for path in (blank, dot):
        page = read_file(path, classifier)
        assert page.text == "" and page.lines == [] and page.export()["lines"] == []


def test_huge_photo_is_read_at_bounded_cost(page_image, classifier, tmp_path):
    big = Image.fromarray((page_image * 255).astype(np.uint8)).resize(
        (page_image.shape[1] * 8, page_image.shape[0] * 8), Image.BILINEAR
    )
    path = tmp_path / "huge.jpg"
    big.save(path, quality=80)
    page = read_file(path, classifier, lexicon=False)
    assert _shape(page) == EXPECTED
    assert page.size == (big.height, big.width)


def test_bad_files_raise_one_clear_error(page_file, classifier, tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(page_file.read_bytes()[:2000])
    cases = [(text, "not an image"), (truncated, "truncated"), (tmp_path / "missing.jpg", "no such file")]
    for path, expected in cases:
        with pytest.raises(InputError, match=expected) as info:
            read_file(path, classifier)
        assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_bad_model_files_are_refused(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04 junk")
    wrong = tmp_path / "wrong.npz"
    nn.Sequential(nn.Dense(1024, 10)).save(wrong, meta={"classes": CLASSES, "input_shape": [1024]})
    no_meta = tmp_path / "nometa.npz"
    nn.Sequential(nn.Dense(1024, 36)).save(no_meta)
    for path in (junk, wrong, no_meta, tmp_path / "absent.npz"):
        with pytest.raises(nn.ModelFileError, match=str(path.name)):
            load_classifier(path)


def test_cli_reads_several_photos_and_reports_bad_ones(page_file, model_path, tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    overlay = tmp_path / "out" / "ov.png"
    status = main(["read", str(page_file), str(bad), str(page_file.parent / "none.jpg"), str(page_file),
                   "--model", str(model_path), "--json", "--overlay", str(overlay), "--no-lexicon"])
    out, err = capsys.readouterr()
    assert status == 2
    assert len(err.strip().splitlines()) == 2 and "bad.png" in err and "none.jpg" in err
    readings = json.loads(out)
    assert [r["file"] for r in readings] == [str(page_file), str(bad), str(page_file.parent / "none.jpg"), str(page_file)]
    assert all(len(r["lines"]) == 2 for r in readings[::3])
    assert all("error" in r and "lines" not in r for r in readings[1:3])
    written = sorted(p.name for p in overlay.parent.iterdir())
    assert written == ["ov-1-page.png", "ov-4-page.png"]
    with Image.open(overlay.parent / written[0]) as image:
        assert image.mode == "RGB" and image.size[0] > 0


def test_cli_single_photo_text_and_overlay(page_file, model_path, tmp_path, capsys):
    overlay = tmp_path / "page-boxes.png"
    assert main(["read", str(page_file), "--model", str(model_path), "--overlay", str(overlay), "--no-lexicon"]) == 0
    out = capsys.readouterr().out
    assert [len(line.split()) for line in out.strip().splitlines()] == [3, 3]
    with Image.open(overlay) as image, Image.open(page_file) as photo:
        assert image.size == photo.size
        # boxes are drawn in colour on a grey photo
        assert np.ptp(np.asarray(image, np.int16), axis=2).max() > 100
    assert main(["read", str(page_file), "--model", str(model_path), "--overlay", str(tmp_path / "x.nosuffix")]) == 2


def test_overlay_names_for_several_photos():
    photos = [Path("a/one.jpg"), Path("b/two.jpg")]
    assert overlay_paths("out/ov.png", photos) == [Path("out/ov-one.png"), Path("out/ov-two.png")]
    assert overlay_paths("ov.png", [Path("x.jpg")]) == [Path("ov.png")]


def test_cer_text_normalisation_and_alignment():
    assert normalize_text("1. Make a  to-do list\n\n  don't ") == "1 MAKE A TODO LIST\nDONT"
    assert alignment_counts("ABCD", "ABCD") == (0, 4, 0, 0)
    assert alignment_counts("AXCD", "ABCD") == (1, 4, 0, 0)
    assert alignment_counts("ABD", "ABCD") == (1, 3, 1, 0)
    assert alignment_counts("ABCDE", "ABCD") == (1, 4, 0, 1)


def test_eval_ocr_scores_a_folder(page_file, model_path, tmp_path, capsys):
    folder = tmp_path / "labelled"
    folder.mkdir()
    (folder / "page.jpg").write_bytes(page_file.read_bytes())
    (folder / "page.gt.txt").write_text("To do list.\nMake a nap!\n")
    (folder / "unlabelled.jpg").write_bytes(page_file.read_bytes())
    report = evaluate_folder(folder, model_path, lexicon=False)
    (photo,) = report["photos"]
    assert photo["truth"] == "TO DO LIST\nMAKE A NAP"
    assert photo["boxed"] == photo["length_no_spaces"] == 16 and photo["spurious"] == 0
    assert 0 <= photo["cer"] <= 1 and photo["seconds"] > 0
    assert main(["eval-ocr", str(folder), "--model", str(model_path), "--json", "--no-lexicon"]) == 0
    assert json.loads(capsys.readouterr().out)["total"]["boxed"] == 16
    assert main(["eval-ocr", str(tmp_path / "nowhere"), "--model", str(model_path)]) == 2
    capsys.readouterr()

    # a broken photo is scored as an empty reading, the others are still scored
    (folder / "broken.png").write_bytes(b"not an image")
    (folder / "broken.gt.txt").write_text("Hi\n")
    report = evaluate_folder(folder, model_path, lexicon=False)
    broken, page = report["photos"]
    assert broken["cer"] == 1 and broken["boxes"] == 0 and "broken.png" in broken["error"]
    assert page["boxed"] == 16 and page["error"] is None
    assert report["total"]["length_no_spaces"] == 18 and len(report["failed"]) == 1
    assert main(["eval-ocr", str(folder), "--model", str(model_path), "--no-lexicon"]) == 2
    captured = capsys.readouterr()
    assert "TOTAL" in captured.out and "unreadable" in captured.out
    assert captured.err.count("\n") == 1 and "broken.png" in captured.err


class _ShapeClassifier:
    """A stand-in classifier that is sure of roughly square crops and unsure of narrow ones."""

    classes = CLASSES

    def __init__(self, narrow_confidence: float):
        self.narrow_confidence = narrow_confidence

    def normalize(self, crops: list[np.ndarray]) -> np.ndarray:
        return np.array([crop.shape for crop in crops]).reshape(-1, 2)  # all it looks at

    def probabilities(self, shapes: np.ndarray) -> np.ndarray:
        probs = np.full((len(shapes), len(CLASSES)), 0.0)
        for row, (height, width) in zip(probs, shapes):
            top = 0.95 if width >= 0.6 * height else self.narrow_confidence
            row[:] = (1 - top) / (len(CLASSES) - 1)
            row[0] = top
        return np.pad(probs, ((0, 0), (0, 1)))  # the last column: no character, never


def test_pieces_of_a_broken_letter_are_joined_when_they_read_better(page_image):
    from nnrecog.ocr.finding.segmentation import segment
    from nnrecog.ocr.pipeline import read_segmentation

    image = page_image.copy()
    rows = np.flatnonzero((image < 0.5).any(axis=1))
    first_line = image[: rows[0] + 45]
    cols = np.flatnonzero((first_line < 0.5).any(axis=0))
    # cut the first glyph ('T') in two down its middle
    starts = np.flatnonzero(np.diff(np.concatenate([[-2], cols])) > 1)
    left, right = cols[starts[0]], cols[starts[1] - 1]
    middle = (left + right) // 2
    image[: rows[0] + 45, middle - 1 : middle + 2] = 1.0
    seg = segment(image)
    assert len(seg.glyphs) == 17  # 16 characters, one of them in two pieces
    unsure = read_segmentation(seg, _ShapeClassifier(narrow_confidence=0.3), None)
    assert _shape(unsure) == EXPECTED
    sure = read_segmentation(seg, _ShapeClassifier(narrow_confidence=0.95), None)
    assert _shape(sure) == [[3, 2, 4], [4, 1, 3]]


def test_hyphens_and_dashes_are_not_characters(page_image, classifier):
    image = page_image.copy()
    ink_rows = np.flatnonzero((image[:60] < 0.5).any(axis=1))
    middle = (ink_rows[0] + ink_rows[-1]) // 2
    cols = np.flatnonzero((image[ink_rows[0] : ink_rows[-1] + 1] < 0.5).any(axis=0))
    gaps = np.flatnonzero(np.diff(cols) > 25)  # the two word gaps of the first line
    for g in gaps:
        image[middle - 2 : middle + 2, cols[g] + 8 : cols[g + 1] - 8] = 0.0
    assert _shape(read(image, classifier, lexicon=False)) == EXPECTED


def test_decompression_bombs_and_directories_are_refused(page_file, classifier, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(InputError, match="too large"):
        read_file(page_file, classifier)
    monkeypatch.undo()
    with pytest.raises(InputError, match="directory"):
        read_file(page_file.parent, classifier)
