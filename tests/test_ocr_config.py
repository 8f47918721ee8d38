"""The reader's settings: one typed object, every field read by a stage, defaults explicit or not."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnrecog.ocr
from nnrecog.data import CLASSES, load_nist26
from nnrecog.ocr import ReaderConfig, read
from nnrecog.data.pages import compose_page, images_by_label
from nnrecog.paths import data_dir

OCR_SOURCES = Path(nnrecog.ocr.__file__).parent


def _leaf_fields(config, path=()):
    """``(path, value)`` of every setting, descending into the nested stage configs."""
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            yield from _leaf_fields(value, (*path, f.name))
        else:
            yield (*path, f.name), value


def _replaced(config, path, value):
    if len(path) == 1:
        return dataclasses.replace(config, **{path[0]: value})
    return dataclasses.replace(config, **{path[0]: _replaced(getattr(config, path[0]), path[1:], value)})


def test_every_setting_is_read_by_a_stage():
    sources = "\n".join(p.read_text() for p in OCR_SOURCES.rglob("*.py") if p.relative_to(OCR_SOURCES).parts[0] != "config")
    unused = [".".join(path) for path, _ in _leaf_fields(ReaderConfig()) if not re.search(rf"\.{path[-1]}\b", sources)]
    assert unused == []


def test_configs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ReaderConfig().layout.word_gap_ratio = 2.0  # type: ignore[misc]


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    if not (data_dir() / "nist26" / "nist26_valid.mat").is_file():
        pytest.skip(f"nist26_valid.mat not found under {data_dir()} (set NNRECOG_DATA)")
    images = images_by_label(*load_nist26(), CLASSES)
    return compose_page("TO DO LIST\nMAKE A NAP", images, np.random.default_rng(0), char_height=40, letter_gap=0.05).image


def test_every_setting_set_to_its_default_explicitly_changes_nothing(page):
    default = read(page, lexicon=False).export()
    for path, value in _leaf_fields(ReaderConfig()):
        config = _replaced(ReaderConfig(), path, value)
        assert read(page, lexicon=False, config=config).export() == default, ".".join(path)


def test_a_setting_changes_the_reading(page):
    # glyph by glyph: the line engine may read two letters in a glyph left uncut
    split_everything = _replaced(ReaderConfig(engine="chars"), ("layout", "word_gap_min_heights"), 0.0)
    split_everything = _replaced(split_everything, ("layout", "word_gap_ratio"), 0.0)
    words = [w.text for line in read(page, lexicon=False, config=split_everything).lines for w in line.words]
    assert all(len(w) == 1 for w in words)


#: What reading a photo needs none of: the data set builder and its sources, augmentation,
#: tqdm, scipy's signal, statistics and file modules, plotting, torch, the PDF library.
READER_NEVER_IMPORTS = (
    "nnrecog.data.builder", "nnrecog.data.sources", "nnrecog.data.augment", "tqdm", "scipy.signal",
    "scipy.stats", "scipy.io", "matplotlib", "torch", "fpdf",
)


def _modules_after(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", f"import sys; {code}; print(' '.join(sys.modules))"],
                          capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_importing_the_reader_leaves_the_dataset_builder_and_tqdm_out():
    assert not {"nnrecog.data.builder", "tqdm"} & _modules_after("import nnrecog.ocr")


def test_reading_a_photo_imports_only_what_the_reader_needs(shared_data):
    photo = shared_data / "ocr_samples" / "04_deep.jpg"
    loaded = _modules_after(f"from nnrecog.ocr import read_file; read_file({str(photo)!r}, lexicon=False)")
    assert "nnrecog.ocr.pipeline" in loaded
    assert not {m for m in loaded if m.split(".")[0] in READER_NEVER_IMPORTS or m in READER_NEVER_IMPORTS}
    # the command line's parser is built without loading the reader at all
    parser_only = _modules_after("from nnrecog.cli import build_parser; build_parser()")
    assert "nnrecog.ocr.pipeline" not in parser_only and "scipy" not in parser_only
