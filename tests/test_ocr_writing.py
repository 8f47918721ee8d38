"""Only the writing is read: rulings, a desk around the sheet and scenes without writing give nothing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nnrecog.data.normalize import grey_image
from nnrecog.ocr import read
from nnrecog.ocr.evaluate import evaluate_folder, score_text
from nnrecog.ocr.recognition.recognize import load_classifier
from nnrecog.data.pages import RULINGS, compose_page, on_desk, ruled

TEXT = "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG"


@pytest.fixture(scope="module")
def classifier():
    return load_classifier()


@pytest.fixture(scope="module")
def sun_train(shared_data):
    names = (shared_data / "sun_subset" / "train_files.txt").read_text().split()
    return [shared_data / "sun_subset" / name for name in names]


@pytest.mark.parametrize("kind", RULINGS)
@pytest.mark.parametrize("spacing", [0.8, 1.25])
def test_ruled_paper_reads_its_text_and_not_the_rules(nist_images, classifier, kind, spacing):
    page = compose_page(TEXT, nist_images, np.random.default_rng(0), margin=120, line_spacing=2.5)
    image = ruled(page.image * 0.93, np.random.default_rng(1), kind, spacing=48 * spacing, darkness=0.45, width=2)
    reading = read(image, classifier, lexicon=False)
    assert reading.text.count("\n") == 1, reading.text  # two lines of writing, no line of rules
    assert score_text("ruled", reading.text, TEXT, 0.0).cer <= 0.12, reading.text


@pytest.mark.parametrize("kind", RULINGS)
def test_a_ruled_page_without_writing_reads_as_nothing(classifier, kind):
    # read as nothing once its rules are out, a page is read again with them in (big letters'
    # long strokes look like rules): the rules themselves must still read as nothing
    for spacing in (30, 60):
        image = ruled(np.full((600, 800), 0.93, np.float32), np.random.default_rng(spacing), kind, spacing=spacing,
                      darkness=0.6, width=2)
        assert read(image, classifier).text == "", (kind, spacing)


def test_a_sheet_on_a_textured_desk_gives_no_boxes_outside_the_sheet(nist_images, classifier, sun_train):
    page = compose_page(TEXT, nist_images, np.random.default_rng(2), margin=150, line_spacing=2.5)
    for k, desk_photo in enumerate(sun_train[5:300:60]):
        rng = np.random.default_rng(k)
        desk = grey_image(Image.open(desk_photo).convert("RGB").resize((1600, 1200)))
        photo, sheet = on_desk(page.image * 0.92, desk, rng, angle=float(rng.uniform(-8, 8)), fill=0.45)
        reading = read(photo, classifier)
        for char in reading.chars:
            y1, x1, y2, x2 = char.box
            assert sheet[(y1 + y2) // 2, (x1 + x2) // 2], (desk_photo.name, char.text, char.box)
        # a bright, rippled beach around the sheet still costs a few small letters (see README)
        assert score_text("desk", reading.text, TEXT, 0.0).cer <= 0.25, (desk_photo.name, reading.text)


def test_scenes_without_writing_read_empty(shared_data, classifier):
    names = (shared_data / "sun_subset" / "test_files.txt").read_text().split()[::8]
    with_text = [name for name in names if read(shared_data / "sun_subset" / name, classifier).text]
    assert len(with_text) <= 0.1 * len(names), with_text


@pytest.mark.parametrize(
    "photo, max_cer", [("pangram", 0.05), ("kabir_name", 0.1), ("kabir_friends", 0.1), ("num_13540", 0.0),
                       ("num_135790", 0.0), ("num_column", 0.0)]
)
def test_dev_photos_with_clear_truth_read_within_bounds(shared_data, tmp_path, photo, max_cer):
    source = next((shared_data / "ocr_dev").glob(f"{photo}.*g"))
    (tmp_path / source.name).symlink_to(source)
    (tmp_path / f"{photo}.gt.txt").symlink_to(shared_data / "ocr_dev" / f"{photo}.gt.txt")
    report = evaluate_folder(tmp_path)
    assert report["total"]["cer"] <= max_cer, report["photos"][0]["text"]
    assert report["total"]["spurious"] == 0


def test_a_dark_object_cut_by_the_frame_does_not_set_the_writings_scale(shared_data):
    """ust_1234: beside the sheet, a dark object the photo's frame cuts through holds far more ink
    than the thin digits; the page's character height (and so its working resolution) comes
    from what lies inside the frame, and the digits are found."""
    from nnrecog.ocr.reader import read_file

    page = read_file(shared_data / "ocr_dev" / "ust_1234.jpeg")
    on_sheet = "".join(c.text for c in page.chars if c.box[3] < 1400 and c.box[0] > 300)
    assert on_sheet.startswith("12") and len(on_sheet) >= 3, on_sheet


def test_things_the_frame_cuts_are_not_read_beside_writing(nist_images, classifier):
    """A dark object cut by the photo's edge (a phone, a pen, the desk's corner) beside the
    sheet's writing gives no characters; the writing is read as before."""
    page = compose_page(TEXT, nist_images, np.random.default_rng(3), margin=160, line_spacing=2.5)
    plain = read(page.image, classifier).text
    image = page.image.copy()
    h, w = image.shape
    rows, columns = np.mgrid[:h, :w]
    image[(columns - w) ** 2 / 60**2 + (rows - h // 2) ** 2 / 110**2 < 1] = 0.15  # cut by the right edge
    image[(rows < 90) & (columns > w - 120 + rows)] = 0.2  # a corner of something, cut twice
    reading = read(image, classifier)
    assert reading.text == plain, reading.text
    for char in reading.chars:
        y1, x1, y2, x2 = char.box
        assert y1 > 0 and x1 > 0 and y2 < h and x2 < w, (char.text, char.box)


def test_a_line_cropped_to_its_letters_is_still_read(nist_images, classifier):
    """When every glyph touches the frame (a line cropped tightly, into its letters' tops and
    bottoms), the glyphs are read as they would be without the frame rule: it only drops what
    lies beside writing the frame does not touch."""
    import dataclasses

    from nnrecog.ocr.config import ReaderConfig

    page = compose_page("HELLO", nist_images, np.random.default_rng(0), margin=40)
    tops = [box[0] for line in page.boxes for word in line for box in word]
    bottoms = [box[2] for line in page.boxes for word in line for box in word]
    crop = page.image[min(tops) + 2 : max(bottoms) - 2]
    without_rule = ReaderConfig(components=dataclasses.replace(ReaderConfig().components, drop_frame_cut=False))
    reading = read(crop, classifier, lexicon=False)
    assert len(reading.chars) == 5 and reading.text == read(crop, classifier, lexicon=False, config=without_rule).text


def _bound_sheet(page: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A sheet three times as tall as the writing, on a dark desk, a spiral binding of dark
    rings straddling its right edge; returns the photo and the edge's column."""
    h, w = page.shape
    sheet = np.full((3 * h, 2 * w), 0.95, np.float32)
    sheet[:h, :w] = np.minimum(sheet[:h, :w], page)
    desk = 0.25 + 0.05 * rng.standard_normal((int(3.6 * h), int(2.6 * w))).astype(np.float32)
    photo, where = on_desk(sheet, np.clip(desk, 0, 1), rng, fill=0.6)
    rows, columns = np.flatnonzero(where.any(axis=1)), np.flatnonzero(where.any(axis=0))
    right = int(columns.max())
    yy, xx = np.mgrid[: photo.shape[0], : photo.shape[1]]
    for centre in range(int(rows.min()) + 20, int(rows.max()) - 20, 28):
        photo[np.abs(np.hypot((xx - right) / 22.0, (yy - centre) / 9.0) - 1) < 0.25] = 0.05
    return photo, right


def test_a_spiral_binding_does_not_drown_light_writing(nist_images):
    """Ink reaching the sheet's edge is the edge's: a dark spiral binding neither reads as
    letters nor sets the ink threshold above a light pen's strokes (kabir_abcd's class)."""
    from nnrecog.ocr.evaluate import pooled_total
    from nnrecog.ocr.reader import Reader

    reader, text, scores = Reader(lexicon=False), "SEND THE BOX\nTO JIM QUAY", []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        page = 0.95 * (1 - 0.4 * (1 - compose_page(text, nist_images, rng, margin=100, line_spacing=2.5).image))
        photo, edge = _bound_sheet(page, rng)
        reading = reader.read(photo)
        assert all(char.box[3] < edge - 30 for char in reading.chars), reading.text
        scores.append(score_text(str(seed), reading.text, text, 0.0))
    assert pooled_total(scores)["cer"] <= 0.05, [s.text for s in scores]


def test_lines_written_close_and_blurred_are_not_one_anothers_clutter(nist_images):
    """Four lines 1.3 letter heights apart, blurred 3 px: each line's box, padded, takes in its
    neighbours' blurred ink (16-17 % of the box for the middle two, above ``max_clutter``), and
    the middle lines were dropped as 'not on clean paper' (59 % CER). The ink of the lines that
    read as characters is writing, not clutter."""
    from PIL import ImageFilter

    from nnrecog.ocr.reader import Reader

    text = TEXT + "\nPACK MY BOX WITH FIVE\nDOZEN LIQUOR JUGS"
    page = compose_page(text, nist_images, np.random.default_rng(1), char_height=40, line_spacing=1.3, margin=60).image
    blurred = Image.fromarray((page * 255).round().astype(np.uint8)).filter(ImageFilter.GaussianBlur(3))
    reading = Reader(lexicon=False).read(np.asarray(blurred, np.float32) / 255)
    assert len(reading.lines) == 4 and not reading.rejected, reading.text
    assert score_text("close lines, blurred", reading.text, text, 0.0).cer <= 0.1, reading.text
