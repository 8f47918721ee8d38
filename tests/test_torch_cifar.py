"""CIFAR-10 reader on batches written here in the official pickle format, and a short run."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

from nnrecog.errors import InputError
from nnrecog.pytorch.cifar import META_FILE, TEST_FILE, TRAIN_FILES, load_cifar10, load_pickle

torch = pytest.importorskip("torch")

CLASSES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]


def _write_official(folder, per_batch: int = 20, seed: int = 0) -> dict[str, np.ndarray]:
    """The python-version layout: protocol-2 pickles of dicts with bytes keys."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = {}
    for name in (*TRAIN_FILES, TEST_FILE):
        labels = [int(v) for v in rng.integers(0, 10, per_batch)]
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        # Class-dependent brightness so a short run has something to learn.
        data[:, :1024] = np.array(labels, dtype=np.uint8)[:, None] * 25
        batch = {b"batch_label": name.encode(), b"labels": labels, b"data": data,
                 b"filenames": [f"{i}.png".encode() for i in range(per_batch)]}
        with open(folder / name, "wb") as handle:
            pickle.dump(batch, handle, protocol=2)
        written[name] = data
    meta = {b"num_cases_per_batch": per_batch, b"label_names": CLASSES, b"num_vis": 3072}
    with open(folder / META_FILE, "wb") as handle:
        pickle.dump(meta, handle, protocol=2)
    return written


class _Exploit:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_reader_restores_images_and_labels(tmp_path):
    written = _write_official(tmp_path)
    data = load_cifar10(tmp_path)
    X, y = data["train"]
    assert X.shape == (100, 32, 32, 3) and X.dtype == np.uint8 and y.shape == (100,)
    assert data["classes"][0] == "airplane" and len(data["classes"]) == 10
    raw = written["data_batch_1"][0]
    # channel planes of 1024 values, each a row-major 32x32 image
    assert X[0, 0, 1, 0] == raw[1] and X[0, 1, 0, 1] == raw[1024 + 32] and X[0, 31, 31, 2] == raw[3071]
    X_test, _ = data["test"]
    assert np.array_equal(X_test[3].transpose(2, 0, 1).reshape(-1), written[TEST_FILE][3])


def test_malicious_pickle_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "data_batch_1"
    bad.write_bytes(pickle.dumps({b"data": _Exploit(str(marker))}, protocol=2))
    with pytest.raises(InputError, match="refused"):
        load_pickle(bad)
    assert not marker.exists()


def test_missing_folder_names_expected_files(tmp_path):
    with pytest.raises(InputError, match="data_batch_1.*batches.meta"):
        load_cifar10(tmp_path / "nowhere")


def test_short_run_writes_outputs(tmp_path):
    from nnrecog.pytorch.cifar import train_cifar10

    _write_official(tmp_path / "cifar", per_batch=16)
    out = tmp_path / "run"
    results = train_cifar10(tmp_path / "cifar", out, epochs=1, batch_size=16)
    assert 0.0 <= results["test_accuracy"] <= 1.0
    assert json.loads((out / "results.json").read_text())["epochs"] == 1
    for figure in ("accuracy.png", "loss.png", "confusion.png"):
        assert (out / figure).stat().st_size > 0
    state = torch.load(out / "model.pt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())


# --- image-folder layout: train/<class>/* + test/<class>/* ---------------------------------------

from PIL import Image  # noqa: E402

from nnrecog.cli import main  # noqa: E402
from nnrecog.pytorch.cifar import default_folder, read_cifar10  # noqa: E402
from nnrecog.pytorch.imagefolder import list_image_folder, load_image_folder  # noqa: E402

FOLDER_CLASSES = ("cat", "airplane", "dog")  # written in this order; read back sorted


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test decodes into its own cache, never the user's."""
    monkeypatch.setenv("NNRECOG_CACHE", str(tmp_path / "cache"))


def _write_tree(root, per_class: int = 4, side: int = 32, seed: int = 0) -> dict[str, np.ndarray]:
    """PNG (lossless) images with class-dependent brightness; returns the pixels per relative path."""
    rng = np.random.default_rng(seed)
    pixels = {}
    for split in ("train", "test"):
        for c, name in enumerate(FOLDER_CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(per_class):
                image = rng.integers(0, 60, (side, side, 3), dtype=np.uint8) + np.uint8(90 * c)
                Image.fromarray(image).save(folder / f"{i:04d}.png")
                pixels[f"{split}/{name}/{i:04d}.png"] = image
    return pixels


def test_image_folder_reader_reads_tree_in_sorted_class_order(tmp_path):
    pixels = _write_tree(tmp_path / "tree")
    data = load_image_folder(tmp_path / "tree")
    assert data["classes"] == ["airplane", "cat", "dog"]
    X, y = data["train"]
    assert X.shape == (12, 32, 32, 3) and X.dtype == np.uint8 and y.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert np.array_equal(X[5], pixels["train/cat/0001.png"])
    X_test, y_test = data["test"]
    assert np.array_equal(X_test[11], pixels["test/dog/0003.png"]) and y_test[11] == 2


def test_image_folder_is_decoded_once_then_cached(tmp_path, monkeypatch):
    _write_tree(tmp_path / "tree")
    first = load_image_folder(tmp_path / "tree")
    assert len(list((tmp_path / "cache" / "image_folders").glob("tree_32px_*.npz"))) == 1
    import nnrecog.pytorch.imagefolder as imagefolder

    def no_decoding(listing):
        raise AssertionError("decoded again although the folder did not change")

    monkeypatch.setattr(imagefolder, "decode_listing", no_decoding)
    again = load_image_folder(tmp_path / "tree")
    assert np.array_equal(again["train"][0], first["train"][0]) and again["classes"] == first["classes"]
    # A changed folder (one more image) gets a new key and is decoded again.
    monkeypatch.undo()
    monkeypatch.setenv("NNRECOG_CACHE", str(tmp_path / "cache"))
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "tree" / "train" / "dog" / "9999.png")
    assert len(load_image_folder(tmp_path / "tree")["train"][1]) == 13


def test_batches_meta_sets_the_class_order(tmp_path):
    _write_tree(tmp_path / "tree")
    meta = {b"label_names": [b"dog", b"cat", b"airplane"], b"num_vis": 3072}
    with open(tmp_path / "tree" / META_FILE, "wb") as handle:
        pickle.dump(meta, handle, protocol=2)
    data = load_image_folder(tmp_path / "tree")
    assert data["classes"] == ["dog", "cat", "airplane"]
    assert data["train"][1][:4].tolist() == [0] * 4  # the dog images come first and are class 0


def _break_missing_split(root):
    import shutil

    shutil.rmtree(root / "test")
    return "test: missing"


def _break_class_missing_in_test(root):
    import shutil

    shutil.rmtree(root / "test" / "cat")
    return "test: no folder for class 'cat'"


def _break_extra_class_in_test(root):
    (root / "test" / "horse").mkdir()
    return "horse: class not found in"


def _break_meta_class_missing(root):
    with open(root / META_FILE, "wb") as handle:
        pickle.dump({b"label_names": [b"airplane", b"cat", b"dog", b"frog"]}, handle, protocol=2)
    return "train: no folder for class 'frog'"


def _break_empty_class(root):
    for path in (root / "train" / "dog").iterdir():
        path.unlink()
    return "dog: empty class folder"


def _break_text_file(root):
    (root / "train" / "cat" / "notes.txt").write_text("not a picture")
    return "notes.txt: not an image file"


def _break_fake_jpeg(root):
    (root / "test" / "dog" / "0007.jpg").write_bytes(b"this is no JPEG at all")
    return "0007.jpg: not a readable image"


def _break_wrong_size(root):
    Image.fromarray(np.zeros((32, 40, 3), np.uint8)).save(root / "train" / "airplane" / "wide.png")
    return "wide.png: 40x32 pixels; every image must be 32x32"


def _break_huge_file(root):
    (root / "train" / "cat" / "huge.png").write_bytes(b"\0" * (2 << 20))
    return "huge.png: 2097152 bytes, too large"


def _break_stray_file_in_split(root):
    (root / "train" / "README").write_text("hello")
    return "README: not a class folder"


BREAKS = [
    _break_missing_split, _break_class_missing_in_test, _break_extra_class_in_test, _break_meta_class_missing,
    _break_empty_class, _break_text_file, _break_fake_jpeg, _break_wrong_size, _break_huge_file,
    _break_stray_file_in_split,
]


@pytest.mark.parametrize("breaker", BREAKS, ids=[b.__name__[len("_break_"):] for b in BREAKS])
def test_bad_image_folder_is_one_clear_error(tmp_path, breaker):
    _write_tree(tmp_path / "tree")
    expected = breaker(tmp_path / "tree")
    with pytest.raises(InputError) as caught:
        load_image_folder(tmp_path / "tree")
    message = str(caught.value)
    assert expected in message and "\n" not in message
    assert str(tmp_path / "tree") in message  # names the file or folder


def test_cli_reports_a_bad_folder_in_one_line(tmp_path, capsys):
    _write_tree(tmp_path / "tree")
    _break_wrong_size(tmp_path / "tree")
    status = main(["torch", "cifar10", "--data", str(tmp_path / "tree"), "--out", str(tmp_path / "run")])
    # The decoding bar (cleared when it stops) may precede the message on the same terminal line.
    err = capsys.readouterr().err.split("\r")[-1]
    assert status == 2 and err.startswith("nnrecog: error: ") and err.count("\n") == 1 and "wide.png" in err
    assert not (tmp_path / "run").exists()  # refused before training started


def test_default_data_is_cifar10_jpg_in_the_data_dir(tmp_path, capsys):
    assert default_folder(tmp_path) == tmp_path / "cifar10_jpg"
    status = main(["torch", "cifar10", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert status == 2 and f"{tmp_path / 'cifar10_jpg'}: no such folder" in err


def test_neither_layout_names_both(tmp_path):
    (tmp_path / "stuff").mkdir()
    with pytest.raises(InputError, match="data_batch_1.*train/<class>/ and test/<class>/"):
        read_cifar10(tmp_path / "stuff")


def test_listing_checks_before_decoding(tmp_path, monkeypatch):
    """A bad file anywhere is reported before the first image is decoded."""
    _write_tree(tmp_path / "tree")
    _break_text_file(tmp_path / "tree")
    import nnrecog.pytorch.imagefolder as imagefolder

    monkeypatch.setattr(imagefolder, "_decode", lambda *a: pytest.fail("decoded before the tree was checked"))
    with pytest.raises(InputError, match="notes.txt"):
        list_image_folder(tmp_path / "tree")
    with pytest.raises(InputError, match="notes.txt"):
        load_image_folder(tmp_path / "tree")


def test_image_folder_run_and_resume(tmp_path):
    from nnrecog.pytorch.cifar import train_cifar10

    _write_tree(tmp_path / "tree", per_class=12)
    out = tmp_path / "run"
    first = train_cifar10(tmp_path / "tree", out, epochs=1, batch_size=8, quick=True)
    saved = json.loads((out / "results.json").read_text())
    assert saved["epochs"] == 1 and set(saved["per_class_accuracy"]) == {"airplane", "cat", "dog"}
    assert saved["config"]["precision"] in ("bf16", "fp32") and saved["recipe"] == "quick"
    resumed = train_cifar10(tmp_path / "tree", out, epochs=2, batch_size=8, quick=True, resume=True)
    assert resumed["epochs"] == 2 and resumed["history"]["train_loss"][:1] == first["history"]["train_loss"]
    for figure in ("accuracy.png", "loss.png", "confusion.png"):
        assert (out / figure).stat().st_size > 0


# --- the real CIFAR-10 (shared data), when present ------------------------------------------------


@pytest.fixture(scope="module")
def cifar10_jpg(shared_data):
    folder = shared_data / "cifar10_jpg"
    if not (folder / "train").is_dir():
        pytest.skip(f"{folder} missing (see SOURCES.md, CIFAR-10 section)")
    return folder


def _real_subset(source, root, train_per_class: int, test_per_class: int) -> None:
    """A smaller image-folder tree made of the first real JPEGs of every class (copied)."""
    import shutil

    for split, count in (("train", train_per_class), ("test", test_per_class)):
        for class_dir in sorted((source / split).iterdir()):
            target = root / split / class_dir.name
            target.mkdir(parents=True)
            for path in sorted(class_dir.iterdir())[:count]:
                shutil.copyfile(path, target / path.name)


def test_real_cifar10_tree_is_complete(cifar10_jpg):
    listing = list_image_folder(cifar10_jpg)
    assert listing.classes == ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    assert len(listing.files["train"]) == 50_000 and len(listing.files["test"]) == 10_000


def test_short_run_on_real_subset_learns(cifar10_jpg, tmp_path):
    from nnrecog.pytorch.cifar import train_cifar10

    # 2,000 real training images (1,800 after the held-out tenth), the quick recipe's 3 epochs:
    # about 15 s on 2 cores.
    _real_subset(cifar10_jpg, tmp_path / "subset", train_per_class=200, test_per_class=50)
    results = train_cifar10(tmp_path / "subset", tmp_path / "run", quick=True)
    assert results["test_images"] == 500 and results["train_images"] == 2000
    assert results["test_accuracy"] >= 0.35  # chance is 0.10


# --- the training loop's additions the recipes use ---------------------------------------------


def test_onecycle_schedule_rises_then_falls_linearly():
    from nnrecog.pytorch.train import TrainConfig

    config = TrainConfig(epochs=10, lr=1.0, schedule="onecycle", warmup=0.2, start_factor=0.2, end_factor=0.0)
    assert config.lr_at(0.0) == pytest.approx(0.2) and config.lr_at(1.0) == pytest.approx(0.6)
    assert config.lr_at(2.0) == pytest.approx(1.0) and config.lr_at(6.0) == pytest.approx(0.5)
    assert config.lr_at(10.0) == pytest.approx(0.0)
    # the cosine schedule still changes once per epoch
    cosine = TrainConfig(epochs=10, lr=1.0)
    assert cosine.lr_at(3.0) == cosine.lr_at(3.9) < cosine.lr_at(2.9)


def test_lookahead_pulls_weights_back_and_ends_each_epoch_on_the_average():
    from torch import nn

    from nnrecog.pytorch.train import TrainConfig, lookahead_hook

    layer = nn.Linear(2, 1)
    start = layer.weight.detach().clone()
    hook = lookahead_hook(layer, TrainConfig(epochs=1, lookahead_decay=0.95, lookahead_start=0.0), 0, 10)
    for step in range(10):
        with torch.no_grad():
            layer.weight.add_(1.0)  # a stand-in for an optimiser step
        hook(step)
    moved = (layer.weight - start).detach()
    assert torch.all(moved > 1.0) and torch.all(moved < 10.0)
    assert lookahead_hook(layer, TrainConfig(), 0, 10) is None  # off by default
