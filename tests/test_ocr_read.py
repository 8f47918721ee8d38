"""``nnrecog read`` / ``nnrecog.ocr.read``: result tree, JSON, overlay, image kinds, bad input,
context decoding and ``eval-ocr``. Uses a small random model: these tests are about structure
and behaviour, not accuracy (tests/test_ocr_photos.py checks accuracy with the real model)."""

from __future__ import annotations

from collections.abc import Callable

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
from nnrecog.ocr.evaluate import alignment_counts, evaluate_folder, normalize_text
from nnrecog.ocr.lexicon import Lexicon, decode_word, letters_or_digits_prior
from nnrecog.ocr.batch import overlay_paths
from nnrecog.ocr.synthetic import compose_page, images_by_label
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


def test_letters_or_digits_prior_and_lexicon_fix_ambiguous_glyphs():
    def probs(*rows: dict[str, float]) -> np.ndarray:
        out = np.full((len(rows), len(CLASSES)), 1e-4)
        for i, row in enumerate(rows):
            for label, p in row.items():
                out[i, CLASSES.index(label)] = p
        return out / out.sum(axis=1, keepdims=True)

    word = probs({"1": 0.9}, {"2": 0.8}, {"S": 0.6, "5": 0.4}, {"4": 0.9})
    assert decode_word(word, CLASSES, None) == "1254"
    sure_s = probs({"1": 0.9}, {"2": 0.9}, {"3": 0.9}, {"S": 0.95, "5": 0.04}, {"6": 0.9}, {"7": 0.9})
    assert decode_word(sure_s, CLASSES, None) == "123567"
    mixed = probs({"B": 0.9}, {"2": 0.9})  # one glyph of each kind: little pull either way
    assert decode_word(mixed, CLASSES, None) == "B2"
    haue = probs({"H": 0.9}, {"A": 0.9}, {"U": 0.6, "V": 0.3}, {"E": 0.9})
    lexicon = Lexicon.from_words(["have", "hat", "nap"])
    assert decode_word(haue, CLASSES, None) == "HAUE"
    assert decode_word(haue, CLASSES, lexicon) == "HAVE"
    confident = probs({"H": 0.9}, {"A": 0.9}, {"U": 0.999, "V": 1e-5}, {"E": 0.9})
    assert decode_word(confident, CLASSES, lexicon) == "HAUE"  # beyond the lexicon margin
    zero_o = probs({"N": 0.9}, {"0": 0.7, "O": 0.3})
    assert letters_or_digits_prior(zero_o, CLASSES)[1].argmax() == CLASSES.index("O")
    assert "HAVE" in lexicon and "HAVEN" not in lexicon


def test_default_lexicon_has_inflected_words(tmp_path, monkeypatch):
    pytest.importorskip("english_words")
    from nnrecog.ocr import lexicon as lexicon_module

    monkeypatch.setenv("NNRECOG_CACHE", str(tmp_path))
    lexicon_module.default_lexicon.cache_clear()
    try:
        words = lexicon_module.default_lexicon()
        assert all(w in words for w in ["DEEPEST", "THINGS", "COMPLETED", "DONT", "REFRIGERATOR"])
        assert any(tmp_path.iterdir())  # cached for the next process
    finally:
        lexicon_module.default_lexicon.cache_clear()


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

    def classify(self, crops: list[np.ndarray]) -> np.ndarray:
        probs = np.full((len(crops), len(CLASSES)), 0.0)
        for row, crop in zip(probs, crops):
            top = 0.95 if crop.shape[1] >= 0.6 * crop.shape[0] else self.narrow_confidence
            row[:] = (1 - top) / (len(CLASSES) - 1)
            row[0] = top
        return np.pad(probs, ((0, 0), (0, 1)))  # the last column: no character, never


def test_pieces_of_a_broken_letter_are_joined_when_they_read_better(page_image):
    from nnrecog.ocr.pipeline import read_segmentation, segment

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


def test_a_near_break_splits_a_non_word_into_two_words():
    from nnrecog.ocr.decode import split_by_lexicon

    probs = np.full((4, len(CLASSES)), 1e-4)
    for i, label in enumerate("TOGO"):
        probs[i, CLASSES.index(label)] = 1.0
    probs /= probs.sum(axis=1, keepdims=True)
    two_words = Lexicon.from_words(["to", "go"])
    assert split_by_lexicon([[0, 1, 2, 3]], [1], probs, CLASSES, two_words) == [[0, 1], [2, 3]]
    one_word = Lexicon.from_words(["to", "go", "togo"])
    assert split_by_lexicon([[0, 1, 2, 3]], [1], probs, CLASSES, one_word) == [[0, 1, 2, 3]]
    assert split_by_lexicon([[0, 1, 2, 3]], [], probs, CLASSES, two_words) == [[0, 1, 2, 3]]


def test_decompression_bombs_and_directories_are_refused(page_file, classifier, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(InputError, match="too large"):
        read_file(page_file, classifier)
    monkeypatch.undo()
    with pytest.raises(InputError, match="directory"):
        read_file(page_file.parent, classifier)


class _WidthClassifier:
    """A stand-in classifier whose top probability (for class 'A') is ``top(crop width)``."""

    classes = CLASSES

    def __init__(self, top: Callable[[int], float]):
        self.top = top

    def classify(self, crops: list[np.ndarray]) -> np.ndarray:
        top = np.array([self.top(c.shape[1]) for c in crops])
        probs = np.repeat(((1 - top) / (len(CLASSES) - 1))[:, None], len(CLASSES), axis=1)
        probs[:, 0] = top
        return np.pad(probs, ((0, 0), (0, 1)))  # the last column: no character, never


def _sure_of_one_letter_wide(width: int) -> float:
    """Sure (0.99) of crops as wide as one character (12-18 px), fairly sure (0.7) of the wide
    letter (28-31 px), unsure (0.1) of anything else: the wide letter's halves read better
    than the whole, as an 'M' read as 'I' + 'Z' can."""
    return 0.99 if 12 <= width <= 18 else 0.7 if 28 <= width <= 31 else 0.1


def test_cutting_splits_a_touching_pair_and_keeps_a_wide_letter():
    from nnrecog.ocr.components import Glyph, Segmentation
    from nnrecog.ocr.recognize import GlyphReader
    from nnrecog.ocr.resegment import prefer_cuts

    darkness = np.zeros((20, 200), np.float32)
    labels = np.zeros((20, 200), np.int32)
    glyphs = []

    def ink(label: int, x1: int, x2: int) -> None:
        labels[:, x1:x2] = label
        darkness[:, x1:x2] = 1.0
        glyphs.append(Glyph((0, x1, 20, x2), (label,)))

    for label, x1 in enumerate((0, 20, 40), start=1):
        ink(label, x1, x1 + 16)  # three ordinary letters
    ink(4, 60, 94)  # two letters touching through a thin bridge at columns 76-77...
    darkness[2:18, 76:78] = 0.0
    labels[2:18, 76:78] = 0
    ink(5, 110, 140)  # ...and one wide letter with a lighter middle column
    darkness[:, 124:126] = 0.6
    seg = Segmentation(darkness, labels, glyphs, 20.0, (1.0, 1.0), (20, 200))

    line = prefer_cuts(seg, glyphs, GlyphReader(seg, _WidthClassifier(_sure_of_one_letter_wide)).top_log_probability)
    assert [g.box[1] for g in line] == [0, 20, 40, 60, 76, 110]  # the pair cut at its bridge
    assert line[-1] == glyphs[-1]  # the wide letter kept whole: its halves do not beat it by the piece cost


def test_a_glyph_cut_for_its_width_is_not_joined_back():
    from nnrecog.ocr.components import Glyph, Segmentation
    from nnrecog.ocr.recognize import GlyphReader
    from nnrecog.ocr.resegment import prefer_cuts, prefer_joins

    darkness = np.zeros((20, 100), np.float32)
    labels = np.zeros((20, 100), np.int32)
    glyphs = []
    for label, (x1, x2) in enumerate(((0, 6), (10, 16), (20, 26), (40, 64)), start=1):
        labels[:, x1:x2], darkness[:, x1:x2] = label, 1.0
        glyphs.append(Glyph((0, x1, 20, x2), (label,)))
    darkness[2:18, 51:53], labels[2:18, 51:53] = 0.0, 0  # a thin bridge in the middle of the blob
    seg = Segmentation(darkness, labels, glyphs, 20.0, (1.0, 1.0), (20, 100))
    # the 24-px blob reads well (0.9) but is 4 typical widths wide; its halves read 0.6
    top_by_width = {6: 0.9, 24: 0.9, 11: 0.6, 12: 0.6, 13: 0.6}
    score = GlyphReader(seg, _WidthClassifier(lambda width: top_by_width.get(width, 0.1))).top_log_probability
    cut = prefer_cuts(seg, glyphs, score)
    assert len(cut) == 5 and sum(g.width for g in cut[3:]) == 24
    # the halves are narrow neighbours that read better joined, yet stay cut
    assert prefer_joins(cut, score) == cut


def test_the_lexicon_finds_the_words_an_edit_or_two_away():
    lexicon = Lexicon.from_words(["quick", "quack", "quicks", "quik", "king", "of", "on", "o"])
    assert sorted(lexicon.near("QUECK")) == ["QUACK", "QUICK"]  # a letter misread
    assert lexicon.near("QUIICK") == ["QUICK"]  # a letter read twice
    assert sorted(lexicon.near("QUICK")) == ["QUACK", "QUICK", "QUICKS", "QUIK"]  # itself, and one left out or in
    assert lexicon.near("QXECK") == [] and sorted(lexicon.near("QXECK", substitutions=2)) == ["QUACK", "QUICK"]
    assert sorted(lexicon.near("OH")) == ["O", "OF", "ON"]
    assert lexicon.near("LAZ9") == [] and lexicon.near("") == []
