"""``nnrecog train lines``: the line recogniser trained with CTC on fresh synthetic lines, in
the epoch loop every trainer shares: kept best model, log, resume after Ctrl-C, and an exported
model that the NumPy reader loads. A tiny run on a small real build of the open data set."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from nnrecog.data import build_dataset  # noqa: E402
from nnrecog.paths import data_dir  # noqa: E402

pytestmark = pytest.mark.skipif(
    not (data_dir() / "nist26" / "nist26_valid.mat").is_file(), reason="shared data (../shared/data) not found"
)

TINY = dict(batch_size=8, shard_lines=24, shards_per_epoch=1, shard_passes=1, workers=0, valid_lines=16,
            progress=False)


@pytest.fixture(scope="module")
def glyphs(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("glyphs")
    build_dataset(folder, data_dir=shared_data, per_class_limit=4, rerenders=1, progress=False)
    return folder


def test_an_interrupted_run_resumes_and_exports_a_model_the_reader_loads(glyphs, shared_data, tmp_path, monkeypatch):
    from nnrecog.ocr.recognition.linereader import load_line_recognizer
    from nnrecog.pytorch import lines

    monkeypatch.setenv("NNRECOG_CACHE", str(tmp_path / "cache"))  # the validation lines of this build only
    out = tmp_path / "run"
    scored = lines.character_error_rate
    calls = []

    def interrupted_in_epoch_two(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return scored(*args, **kwargs)

    monkeypatch.setattr(lines, "character_error_rate", interrupted_in_epoch_two)
    first = lines.train_lines(out_dir=out, epochs=2, source=str(glyphs), data_dir=shared_data, **TINY)
    assert first["interrupted"] and first["epochs"] == 1 and first["best_epoch"] == 1
    assert len((out / "log.txt").read_text().splitlines()) == 1

    monkeypatch.setattr(lines, "character_error_rate", scored)
    resumed = lines.train_lines(out_dir=out, epochs=2, source=str(glyphs), data_dir=shared_data, resume=True, **TINY)
    assert not resumed["interrupted"] and resumed["epochs"] == 2
    assert resumed["history"]["train_loss"][:1] == first["history"]["train_loss"]
    assert len(resumed["history"]["seconds"]) == 2 and 1 <= resumed["best_epoch"] <= 2
    assert json.loads((out / "results.json").read_text())["epochs"] == 2
    assert [line.split(":")[0] for line in (out / "log.txt").read_text().splitlines()] == [
        "train lines epoch 1/2", "train lines epoch 2/2"]
    recognizer = load_line_recognizer(out / "model.npz")
    assert recognizer.classes == lines.LINE_CLASSES


def test_real_photos_add_their_lines_to_every_shard(glyphs, shared_data, tmp_path, monkeypatch):
    import shutil

    from nnrecog.pytorch import lines

    monkeypatch.setenv("NNRECOG_CACHE", str(tmp_path / "cache"))
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in ("02_letters.jpg", "02_letters.gt.txt"):
        shutil.copy(shared_data / "ocr_samples" / name, mine / name)
    results = lines.train_lines(out_dir=tmp_path / "run", epochs=1, source=str(glyphs), data_dir=shared_data,
                                real_photos=(str(mine),), real_share=0.5, **TINY)
    assert results["real_lines"] == 5
    assert results["train_lines_per_epoch"] == 2 * TINY["shard_lines"]
    assert list(results["settings"]["real_photos"]) == [str(mine)]
