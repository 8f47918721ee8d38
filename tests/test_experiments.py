"""The training loop and the `nnrecog train` / `reconstruct` commands on a small real subset.

The data is a course-format folder (nist36_{train,valid,test}.mat, written with the course's
layout) holding real NIST letters from nist26_valid.mat, so every run here is seconds long.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnrecog import nn
from nnrecog.data import CLASSES, load_nist26, write_course_mat
from nnrecog.experiments import training
from nnrecog.errors import InputError
from nnrecog.experiments.autoencoder import build_autoencoder, pca_init, run_autoencoder
from nnrecog.experiments.cnn import run_cnn
from nnrecog.experiments.mlp import run_mlp
from nnrecog.paths import data_dir

PNG = b"\x89PNG\r\n\x1a\n"
needs_data = pytest.mark.skipif(
    not (data_dir() / "nist26" / "nist26_valid.mat").is_file(),
    reason="shared data (nist26/nist26_valid.mat) not found; set NNRECOG_DATA",
)


@pytest.fixture(scope="module")
def course_folder(tmp_path_factory):
    """A tiny course-format data set: 400 train, 120 valid, 120 test real NIST letters."""
    if not (data_dir() / "nist26" / "nist26_valid.mat").is_file():
        pytest.skip("shared data (nist26/nist26_valid.mat) not found; set NNRECOG_DATA")
    X, y = load_nist26()
    order = np.random.default_rng(0).permutation(len(X))
    folder = tmp_path_factory.mktemp("course")
    for split, index in (("train", order[:400]), ("valid", order[400:520]), ("test", order[520:640])):
        write_course_mat(folder / f"nist36_{split}.mat", split, X[index], y[index])
    return folder


def _png(path):
    assert path.read_bytes()[:8] == PNG, path


@needs_data
def test_mlp_run_writes_every_file(course_folder, tmp_path):
    results = run_mlp(tmp_path, source=str(course_folder), epochs=2, progress=False)
    for name in ("accuracy.png", "loss.png", "confusion_test.png", "weights_init.png",
                 "weights_trained.png"):
        _png(tmp_path / name)
    saved = json.loads((tmp_path / "results.json").read_text())
    for key in ("valid_accuracy", "test_accuracy", "nist26_accuracy", "seconds_per_epoch", "epochs",
                "nist26_vowels_accuracy", "nist26_consonants_accuracy", "nist26_per_class"):
        assert key in saved, key
    assert saved["epochs"] == 2 and set(saved["nist26_per_class"]) == set(CLASSES[:26])
    for key in ("train_acc", "valid_acc", "train_loss", "valid_loss"):
        assert len(saved["history"][key]) == 2
    assert all(0.0 <= a <= 1.0 for a in saved["history"]["valid_acc"])
    assert saved["history"]["train_loss"][1] < saved["history"]["train_loss"][0]
    assert 0 < len(saved["top_confused"]) <= 5
    assert all(t != p and n > 0 for t, p, n in saved["top_confused"])
    net = nn.load(tmp_path / "model.npz")
    assert net.meta["classes"] == CLASSES and net.meta["input"] == "ink_dark"
    assert net.layers[0].params["W"].shape == (1024, 64) and net.layers[0].activation == "sigmoid"
    assert results["valid_accuracy"] == saved["valid_accuracy"]


@needs_data
def test_same_seed_same_history(course_folder, tmp_path):
    a = run_mlp(tmp_path / "a", source=str(course_folder), epochs=2, seed=3, progress=False)
    b = run_mlp(tmp_path / "b", source=str(course_folder), epochs=2, seed=3, progress=False)
    c = run_mlp(tmp_path / "c", source=str(course_folder), epochs=2, seed=4, progress=False)
    assert a["history"] == b["history"]
    assert a["history"] != c["history"]


class _InterruptAt:
    """An 'augmentation' that presses Ctrl-C at the given batch call."""

    def __init__(self, call: int) -> None:
        self.calls, self.call = 0, call

    def __call__(self, images, rng):
        self.calls += 1
        if self.calls == self.call:
            raise KeyboardInterrupt
        return images


@needs_data
def test_ctrl_c_keeps_best_model_and_resume_matches_uninterrupted_run(course_folder, tmp_path):
    from nnrecog.data import load

    splits = load(course_folder)
    settings = training.TrainSettings(epochs=3, batch_size=50, lr=0.05, seed=1, momentum=0.9,
                                      augment=True)

    def run(out, augment, resume=False):
        net = nn.Sequential(nn.Dense(1024, 16, "sigmoid", rng=np.random.default_rng(0)),
                            nn.Dropout(0.2, rng=np.random.default_rng(1)),
                            nn.Dense(16, 36, rng=np.random.default_rng(2)))
        return training.fit(net, splits["train"], splits["valid"], training.CLASSIFICATION,
                            settings, out, to_input=lambda X: X.reshape(len(X), -1),
                            meta={"classes": CLASSES}, augment=augment, resume=resume,
                            progress=False)

    full = run(tmp_path / "full", _InterruptAt(0))
    # 400 samples / 50 = 8 batches per epoch: call 12 falls in the second epoch.
    cut = run(tmp_path / "cut", _InterruptAt(12))
    assert cut.interrupted and cut.best_epoch == 1
    assert len(cut.history["train_loss"]) == 1 and (tmp_path / "cut" / "model.npz").is_file()
    resumed = run(tmp_path / "cut", _InterruptAt(0), resume=True)
    assert not resumed.interrupted
    assert resumed.history == full.history
    for (_, a, _), (_, b, _) in zip(resumed.net.parameters(), full.net.parameters()):
        np.testing.assert_array_equal(a, b)


def test_resume_without_state_is_an_input_error(tmp_path):
    from nnrecog.errors import InputError

    net = nn.Sequential(nn.Dense(1024, 36, rng=np.random.default_rng(0)))
    X = np.zeros((4, 32, 32), np.float32)
    y = np.zeros(4, np.int64)
    with pytest.raises(InputError, match="no training state"):
        training.fit(net, (X, y), (X, y), training.CLASSIFICATION,
                     training.TrainSettings(epochs=1, batch_size=2, lr=0.1), tmp_path,
                     to_input=lambda X: X.reshape(len(X), -1), meta={}, resume=True,
                     progress=False)


@needs_data
def test_lr_sweep_writes_six_curves_and_a_table(course_folder, tmp_path):
    summary = run_mlp(tmp_path, source=str(course_folder), epochs=1, lr=0.01, sweep=True,
                      progress=False)
    assert [row["lr"] for row in summary["runs"]] == pytest.approx([0.01, 0.1, 0.001])
    curves = sorted(tmp_path.glob("lr_*/*.png"))
    assert len([p for p in curves if p.name in ("accuracy.png", "loss.png")]) == 6
    assert "best" in (tmp_path / "sweep.md").read_text().lower()
    assert summary["best_test_accuracy"] in [row["test_accuracy"] for row in summary["runs"]]


@needs_data
def test_cnn_run_writes_every_file(course_folder, tmp_path):
    results = run_cnn(tmp_path, source=str(course_folder), epochs=1, limit=200, channels=(4, 8),
                      hidden=16, progress=False)
    for name in ("accuracy.png", "loss.png", "confusion_test.png", "weights_init.png",
                 "weights_trained.png"):
        _png(tmp_path / name)
    net = nn.load(tmp_path / "model.npz")
    assert net.meta["input_shape"] == [1, 32, 32] and net.meta["input"] == "ink_bright"
    assert results["epochs"] == 1 and results["n_samples"]["train"] == 200


def test_orientation_run_learns_from_characters_and_pieces_of_lines_turned_four_ways(tmp_path):
    from nnrecog.data import build_dataset
    from nnrecog.experiments.commands import format_results
    from nnrecog.experiments.orientation import run_orientation
    from nnrecog.ocr.recognition.recognize import ORIENTATION_KIND, _load_helper

    if not (data_dir() / "SOURCES.md").is_file():
        pytest.skip("shared data not found; set NNRECOG_DATA")
    glyphs = tmp_path / "glyphs"  # lines need every character: a small build of the open set
    build_dataset(glyphs, per_class_limit=4, rerenders=1, progress=False)
    results = run_orientation(tmp_path / "run", source=str(glyphs), epochs=1, limit=100, line_pieces=40,
                              channels=(4, 8), hidden=16, progress=False)
    # every character and piece four times: 100 characters and 40 pieces in train
    assert results["n_samples"]["train"] == 4 * (100 + 40)
    assert "upright, read as upright" in format_results(results)
    model = _load_helper(tmp_path / "run" / "model.npz", ORIENTATION_KIND, "an orientation model", 4)
    assert model.outputs(np.ones((2, 32, 32), np.float32)).shape == (2, 4)


def test_autoencoder_gradcheck():
    net = build_autoencoder(np.random.default_rng(0))
    X = np.random.default_rng(1).random((2, 1024))
    errors = nn.gradcheck(net, nn.squared_error, X, X)
    assert max(errors.values()) < 1e-5, errors


@needs_data
def test_autoencoder_run_writes_every_file_and_is_deterministic(course_folder, tmp_path):
    from skimage.metrics import peak_signal_noise_ratio

    from nnrecog.data import load
    from nnrecog.experiments.autoencoder import reconstruct_images

    a = run_autoencoder(tmp_path / "a", source=str(course_folder), epochs=2, progress=False)
    b = run_autoencoder(tmp_path / "b", source=str(course_folder), epochs=2, progress=False)
    assert a["history"] == b["history"]
    for name in ("loss.png", "reconstructions.png"):
        _png(tmp_path / "a" / name)
    saved = json.loads((tmp_path / "a" / "results.json").read_text())
    assert set(saved["history"]) >= {"train_loss", "valid_loss"}
    net = nn.load(tmp_path / "a" / "model.npz")
    X = load(course_folder)["valid"][0]
    R = reconstruct_images(net, X)
    expected = np.mean([peak_signal_noise_ratio(x, r, data_range=1.0) for x, r in zip(X, R)])
    assert saved["psnr_valid"] == pytest.approx(expected, rel=1e-9)


def test_pca_init_is_a_linear_code_through_the_relus():
    rng = np.random.default_rng(0)
    # rows with a 5-dimensional structure plus noise, ink-bright in [0, 1]
    rows = np.clip(rng.random((200, 5)) @ rng.random((5, 1024)) / 5 + 0.05 * rng.random((200, 1024)), 0, 1)
    net = build_autoencoder(rng)
    pca_init(net, rows)
    codes = rows @ net.layers[0].params["W"] + net.layers[0].params["b"]
    assert (codes > 0).all()
    assert np.allclose(codes.std(axis=0), 1.0, atol=1e-4)
    for layer in net.layers[1:3]:
        assert np.array_equal(layer.params["W"], np.eye(32)) and not layer.params["b"].any()
    # the start reproduces the rows at reduced contrast (outputs fitted to clip(x, 0.3, 0.7)),
    # far closer than the mean row does
    target = np.clip(rows, 0.3, 0.7)
    start_error = np.mean((net.forward(rows) - target) ** 2)
    assert start_error < 0.2 * np.mean((target.mean(axis=0) - target) ** 2)
    with pytest.raises(InputError, match="more than 32"):
        pca_init(build_autoencoder(rng), rows[:32])
    # rows spanning only 5 dimensions: the 27 empty directions give constant codes, not huge ones
    flat = rng.random((40, 5)) @ rng.random((5, 1024)) / 5
    pca_init(net, flat)
    assert np.abs(net.layers[0].params["W"]).max() < 1e3 and np.isfinite(net.forward(rows)).all()


@needs_data
def test_pca_init_trains_past_a_random_start_on_real_letters(course_folder, tmp_path):
    # measured: after 2 epochs 12.6 dB from the PCA start, 10.1 dB from He-normal at its 10x lr
    pca = run_autoencoder(tmp_path / "pca", source=str(course_folder), epochs=2, progress=False)
    he = run_autoencoder(tmp_path / "he", source=str(course_folder), epochs=2, init="he", progress=False)
    assert pca["psnr_valid"] > he["psnr_valid"] + 1.5
    assert pca["settings"]["init"] == "pca" and nn.load(tmp_path / "he" / "model.npz").meta["init"] == "he"
    # resuming keeps the run's own initialisation and learning rate, and refuses another
    resumed = run_autoencoder(tmp_path / "he", source=str(course_folder), epochs=3, resume=True, progress=False)
    assert resumed["settings"]["init"] == "he" and resumed["settings"]["lr"] == 3e-5
    with pytest.raises(InputError, match="started with --init he, not pca"):
        run_autoencoder(tmp_path / "he", source=str(course_folder), epochs=4, init="pca", resume=True)


@needs_data
def test_cli_train_reconstruct_and_bad_input(course_folder, tmp_path, capsys):
    from PIL import Image

    from nnrecog.cli import main

    out = tmp_path / "ae"
    assert main(["train", "autoencoder", "--data", str(course_folder), "--out", str(out),
                 "--epochs", "1", "--no-progress"]) == 0
    assert "PSNR" in capsys.readouterr().out
    glyph = Image.fromarray((load_nist26()[0][0] * 255).astype(np.uint8))
    glyph.save(tmp_path / "a.png")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    assert main(["reconstruct", str(tmp_path / "a.png"), "--model", str(out / "model.npz"),
                 "--out", str(tmp_path / "rec")]) == 0
    _png(tmp_path / "rec" / "reconstructions.png")
    capsys.readouterr()
    assert main(["reconstruct", str(tmp_path / "bad.png"), "--model", str(out / "model.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.png" in err[0]
    assert main(["train", "mlp", "--data", str(course_folder), "--out", str(tmp_path / "wide"),
                 "--hidden", "32,16", "--activation", "relu", "--ink-bright", "--momentum", "0.9",
                 "--lr", "0.001", "--epochs", "1", "--no-progress"]) == 0
    assert "top 5 confused pairs" in capsys.readouterr().out
    wide = nn.load(tmp_path / "wide" / "model.npz")
    assert wide.meta["input"] == "ink_bright" and wide.layers[1].params["W"].shape == (32, 16)
    assert main(["train", "mlp", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing" in err[0]


def test_train_speed_benchmark_runs_tiny(capsys):
    pytest.importorskip("torch")
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "train_speed.py"
    spec = importlib.util.spec_from_file_location("train_speed", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--tiny", "--batch-sizes", "32"]) == 0
    out = capsys.readouterr().out
    assert "samples/s" in out and "s per epoch" in out
