"""torch train fc|cnn on a small course-format folder, export parity with nnrecog.nn, torchrun."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnrecog import nn as npnn  # noqa: E402
from nnrecog.data import load, load_nist26, write_course_mat  # noqa: E402
from nnrecog.pytorch.export import export_checkpoint  # noqa: E402
from nnrecog.pytorch.nist import to_model_input, train_glyphs  # noqa: E402


@pytest.fixture(scope="module")
def course_folder(shared_data, tmp_path_factory):
    """nist36_{train,valid,test}.mat written from the real NIST letters (30/10/10 per letter)."""
    X, y = load_nist26(shared_data)
    folder = tmp_path_factory.mktemp("course")
    order = np.argsort(y, kind="stable").reshape(26, 50)  # 50 per letter, in class order
    for split, cols in (("train", slice(0, 30)), ("valid", slice(30, 40)), ("test", slice(40, 50))):
        idx = order[:, cols].ravel()
        write_course_mat(folder / f"nist36_{split}.mat", split, X[idx], y[idx])
    return folder


@pytest.fixture(scope="module")
def cnn_run(course_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("cnn")
    return out, train_glyphs("cnn", course_folder, out, augment=True, epochs=2, batch_size=32)


def test_cnn_run_writes_the_same_outputs_as_train_mlp(cnn_run):
    out, results = cnn_run
    saved = json.loads((out / "results.json").read_text())
    for key in ("valid_accuracy", "test_accuracy", "nist26_accuracy", "seconds_per_epoch", "epochs", "history"):
        assert key in saved
    assert saved["epochs"] == 2 and len(saved["history"]["train_loss"]) == 2
    assert set(saved["nist26_per_class"]) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert saved["valid_accuracy"] > 0.3  # 26 letters: chance is 0.04
    for figure in ("accuracy.png", "loss.png", "confusion.png"):
        assert (out / figure).stat().st_size > 0
    state = torch.load(out / "model.pt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())


def test_fc_run_and_resume(course_folder, tmp_path):
    first = train_glyphs("fc", course_folder, tmp_path, epochs=2)
    assert first["epochs"] == 2
    resumed = train_glyphs("fc", course_folder, tmp_path, epochs=4, resume=True)
    history = json.loads((tmp_path / "results.json").read_text())["history"]
    assert resumed["epochs"] == 4 and history["train_loss"][:2] == first["history"]["train_loss"]


@pytest.mark.parametrize("kind", ["cnn", "fc"])
def test_export_matches_torch_logits_on_the_test_split(kind, cnn_run, course_folder, tmp_path):
    if kind == "cnn":
        checkpoint = cnn_run[0] / "model.pt"
    else:
        train_glyphs("fc", course_folder, tmp_path / "fc", epochs=1)
        checkpoint = tmp_path / "fc" / "model.pt"
    exported = export_checkpoint(checkpoint, tmp_path / "model.npz")
    assert exported["kind"] == kind and exported["bytes"] < 2_000_000
    net = npnn.load(tmp_path / "model.npz")
    assert net.meta["classes"] == "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    X, _ = load(course_folder)["test"]
    x = to_model_input(X, kind)
    from nnrecog.pytorch.export import model_from_checkpoint

    _, model = model_from_checkpoint(checkpoint)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    x_numpy = x.reshape(len(x), *net.meta["input_shape"])
    got = net.eval().forward(x_numpy)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_torchrun_two_processes_save_one_checkpoint(course_folder, tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "NNRECOG_TORCH_THREADS": "1"}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "nnrecog.cli", "torch", "train", "cnn", "--data", str(course_folder),
        "--epochs", "1", "--limit", "120", "--out", str(out),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in out.glob("*.pt")) == ["last.pt", "model.pt"]
    results = json.loads((out / "results.json").read_text())
    assert results["world_size"] == 2 and results["epochs"] == 1
    assert done.stdout.count("valid accuracy:") == 1  # rank 0 alone reports
