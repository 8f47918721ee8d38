"""Real training lines (:mod:`nnrecog.ocr.labelled`): the course photos' lines cut as the reader
cuts them, each paired with its own true line, and the resampling that lets a few real lines
be seen many times (:func:`nnrecog.data.linecorpus.resampled`)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from nnrecog.data.linecorpus import LineCorpus, joined, resampled
from nnrecog.data.lineformat import LineFormat
from nnrecog.ocr.evaluate import normalize_text


@pytest.fixture(scope="module")
def course_lines(shared_data):
    from nnrecog.ocr.labelled import labelled_lines

    return labelled_lines([shared_data / "ocr_samples"], progress=False)


def test_every_course_line_is_cut_and_paired_with_its_own_true_line(course_lines, shared_data):
    truth = [line for path in sorted((shared_data / "ocr_samples").glob("*.gt.txt"))
             for line in normalize_text(path.read_text()).splitlines()]
    assert course_lines.left_out == []
    assert course_lines.corpus.texts == truth and len(truth) == 19
    assert course_lines.photos.count("01_list.jpg") == 8
    assert course_lines.corpus.pixels.shape[0] == LineFormat.height
    # a line's image is about as wide as its text is long (a few columns per character)
    per_character = course_lines.corpus.widths / np.array([len(t) for t in truth])
    assert 5 < per_character.min() and per_character.max() < 40


def test_a_photo_with_more_lines_than_its_text_pairs_each_true_line_with_the_line_that_reads_like_it(
        shared_data, tmp_path, course_lines):
    from nnrecog.ocr.labelled import labelled_lines

    shutil.copy(shared_data / "ocr_samples" / "01_list.jpg", tmp_path / "list.jpg")
    truth = normalize_text((shared_data / "ocr_samples" / "01_list.gt.txt").read_text()).splitlines()
    (tmp_path / "list.gt.txt").write_text(f"{truth[1]}\n{truth[5]}\n")
    found = labelled_lines([tmp_path], progress=False)
    assert found.corpus.texts == [truth[1], truth[5]]
    whole = course_lines.corpus.lines()
    assert [line.shape for line in found.corpus.lines()] == [whole[1].shape, whole[5].shape]


def test_a_photo_with_fewer_lines_than_its_text_is_left_out_and_said(shared_data, tmp_path):
    from nnrecog.ocr.labelled import labelled_lines

    shutil.copy(shared_data / "ocr_samples" / "03_haiku.jpg", tmp_path / "haiku.jpg")
    (tmp_path / "haiku.gt.txt").write_text("ONE\nTWO\nTHREE\nFOUR\n")
    found = labelled_lines([tmp_path], progress=False)
    assert len(found.corpus) == 0 and found.left_out == ["haiku.jpg: 3 lines found, 4 true"]


def test_resampled_lines_keep_their_texts_and_height_and_stretch_within_bounds():
    rng = np.random.default_rng(0)
    lines = [np.full((32, w), 255, np.uint8) for w in (40, 100)]
    for line in lines:
        line[10:20, 5:-5] = 60
    corpus = LineCorpus.of(lines, ["AB", "HELLO 12"])
    drawn = resampled(corpus, 200, rng)
    assert len(drawn) == 200 and drawn.pixels.shape[0] == 32 and drawn.pixels.dtype == np.uint8
    source_width = {t: w for t, w in zip(corpus.texts, corpus.widths)}
    ratios = np.array([w / source_width[t] for t, w in zip(drawn.texts, drawn.widths)])
    assert 0.83 < ratios.min() < 0.9 and 1.1 < ratios.max() < 1.17
    assert set(drawn.texts) == {"AB", "HELLO 12"}
    # the ink darkened or lightened, the paper left white
    inks = [line[15, line.shape[1] // 2] for line in drawn.lines()]
    assert min(inks) < 40 < 90 < max(inks) and (drawn.pixels[0] == 255).all()
    both = joined([corpus, drawn])
    assert both.texts == corpus.texts + drawn.texts and both.pixels.shape[1] == corpus.pixels.shape[1] + drawn.pixels.shape[1]
