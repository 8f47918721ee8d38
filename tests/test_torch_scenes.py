"""Scenes reader on the real SUN subset (CRLF lists, non-JPEG '.jpg' files) and short runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnrecog.errors import InputError

torch = pytest.importorskip("torch")

from nnrecog.pytorch.scenes import SCENE_CLASSES, load_image, read_split, train_scenes  # noqa: E402

# Named in SOURCES.md: ".jpg" files that are PNG, BMP and GIF inside.
NOT_JPEG = ("desert/sun_bgkcnppnuaenfqik.jpg", "laundromat/sun_apwwjlkltuoymnio.jpg", "laundromat/sun_afrrjykuhhlwiwun.jpg")


@pytest.fixture(scope="module")
def sun(shared_data):
    folder = shared_data / "sun_subset"
    if not folder.is_dir():
        pytest.skip(f"{folder} missing")
    return folder


def _tiny_subset(sun, folder, per_class: int) -> None:
    """A scenes folder whose CRLF lists name ``per_class`` real images of each class (absolute paths)."""
    folder.mkdir()
    for split in ("train", "test"):
        pairs = read_split(sun, split)
        chosen = [pair for c in range(8) for pair in [p for p in pairs if p[1] == c][:per_class]]
        (folder / f"{split}_files.txt").write_bytes("".join(f"{p}\r\n" for p, _ in chosen).encode())
        (folder / f"{split}_labels.txt").write_bytes("".join(f"{y}\r\n" for _, y in chosen).encode())


def test_read_split_strips_crlf(sun):
    train, test = read_split(sun, "train"), read_split(sun, "test")
    assert len(train) == 1177 and len(test) == 400
    assert all("\r" not in str(path) for path, _ in train)
    assert np.bincount([y for _, y in test]).tolist() == [50] * 8


@pytest.mark.parametrize("name", NOT_JPEG)
def test_images_open_by_content(sun, name):
    image = load_image(sun / name, 48)
    assert image.shape == (48, 48, 3) and image.dtype == np.uint8 and image.std() > 0


def test_bad_folder_is_one_clear_error(tmp_path):
    with pytest.raises(InputError, match="train_files.txt"):
        read_split(tmp_path, "train")
    (tmp_path / "train_files.txt").write_text("a.jpg\r\nb.jpg\r\n")
    (tmp_path / "train_labels.txt").write_text("0\r\n")
    with pytest.raises(InputError, match="2 images but .* 1 labels"):
        read_split(tmp_path, "train")


def test_short_scratch_run(sun, tmp_path):
    _tiny_subset(sun, tmp_path / "tiny", per_class=6)
    results = train_scenes(tmp_path / "tiny", tmp_path / "run", size=32, epochs=2, batch_size=16)
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["epochs"] == 2 and len(saved["history"]["valid_acc"]) == 2
    assert set(saved["per_class_accuracy"]) == set(SCENE_CLASSES)
    assert 0.0 <= results["test_accuracy"] <= 1.0
    torch.load(tmp_path / "run" / "model.pt", weights_only=True)


def test_short_pretrained_run_beats_chance_by_far(sun, tmp_path, monkeypatch):
    monkeypatch.setenv("NNRECOG_CACHE", str(tmp_path / "cache"))
    _tiny_subset(sun, tmp_path / "tiny", per_class=3)
    results = train_scenes(tmp_path / "tiny", tmp_path / "run", pretrained_features=True, epochs=15)
    # ImageNet features separate these scenes even with 3 training photos per class.
    assert results["test_accuracy"] >= 0.6
    assert list((tmp_path / "cache" / "scene_features").glob("lite0_*.npz"))
    # the same seed gives the same run whether the features were computed or read from the cache
    again = train_scenes(tmp_path / "tiny", tmp_path / "again", pretrained_features=True, epochs=15)
    assert again["history"]["valid_loss"] == results["history"]["valid_loss"]
