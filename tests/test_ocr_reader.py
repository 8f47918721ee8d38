"""The Reader: built once, it owns the loaded models; ``ocr.read`` reuses a cached one; many
photos come back in order with one error per bad photo; ``replace`` shares what is loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnrecog import ocr
from nnrecog.ocr import reader as reader_module
from nnrecog.ocr.config import ReaderConfig
from nnrecog.ocr.document.readings import Photo
from nnrecog.ocr.reader import Reader


@pytest.fixture(scope="module")
def course(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "ocr_samples").glob("*.jpg"))


def test_a_reader_loads_its_models_once_and_ocr_read_reuses_a_cached_one(monkeypatch, course):
    loads = []
    original = reader_module.load_classifier
    monkeypatch.setattr(reader_module, "load_classifier", lambda model: loads.append(model) or original(model))
    reader_module._cached_reader.cache_clear()
    config = ReaderConfig(engine="chars")
    first = ocr.read_file(course[1], config=config, lexicon=False)
    again = ocr.read_file(course[1], config=config, lexicon=False)
    assert first.text == again.text and len(loads) == 1
    reader = Reader(config, lexicon=False)
    assert [reader.read(p).text for p in course[:2]] == [ocr.read_file(p, config=config, lexicon=False).text
                                                          for p in course[:2]]
    assert len(loads) == 2  # the Reader's own, and the one cached reader


def test_read_many_keeps_the_order_and_gives_one_error_per_bad_photo(course, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a photo")
    reader = Reader(ReaderConfig(engine="chars"))
    photos = [course[1], bad, course[3]]
    for jobs in (1, 2):
        results = list(reader.read_many(photos, jobs=jobs))
        assert [r.photo.name for r in results] == [str(p) for p in photos]
        assert results[1].page is None and "bad.jpg" in results[1].error
        assert [r.page.text for r in results[::2]] == [reader.read(p).text for p in photos[::2]]
    named = list(reader.read_many([Photo("stdin", course[1].read_bytes())]))
    assert named[0].page.text == reader.read(course[1]).text


def test_replace_shares_the_loaded_models_and_changes_only_what_it_is_told(course):
    reader = Reader(ReaderConfig(engine="chars"))
    lines = reader.replace(engine="lines")
    assert lines.classifier is reader.classifier and lines.lexicon is reader.lexicon
    assert lines.config.engine == "lines" and lines.line_model is not None and reader.line_model is None
    plain = reader.replace(lexicon=False)
    assert plain.lexicon is None and reader.lexicon is not None and plain.config is reader.config
    assert "DEEP LEARNING" in lines.read(course[3]).text


def test_a_reader_reads_arrays_and_images_as_it_reads_files(course):
    from PIL import Image

    reader = Reader(ReaderConfig(engine="chars"), lexicon=False)
    with Image.open(course[1]) as image:
        as_image = reader.read(image).text
        as_array = reader.read(np.asarray(image.convert("L"))).text
    assert as_image == as_array == reader.read(course[1]).text
