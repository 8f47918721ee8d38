"""The NumPy library's own contracts: init, optimisers, batches, model files, gradcheck."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnrecog import nn
from nnrecog.cli import main


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def small_cnn(rng: np.random.Generator, dtype=np.float32) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2D(1, 3, 3, padding=1, activation="relu", rng=rng, dtype=dtype),
        nn.MaxPool2D(2),
        nn.Flatten(),
        nn.Dropout(0.2, rng=rng),
        nn.Dense(3 * 4 * 4, 5, activation="softmax", rng=rng, dtype=dtype),
        meta={"classes": "ABCDE"},
    )


def test_xavier_uniform_variance_and_bounds(rng) -> None:
    fan_in, fan_out = 300, 200
    W = nn.xavier_uniform(fan_in, fan_out, rng, shape=(2000, 1000), dtype=np.float64)
    expected = 2 / (fan_in + fan_out)
    assert abs(W.var() - expected) / expected < 0.05
    assert np.abs(W).max() <= np.sqrt(6 / (fan_in + fan_out))


def test_dense_init_and_dtype(rng) -> None:
    layer = nn.Dense(1024, 64, activation="sigmoid", rng=rng)
    assert layer.params["W"].shape == (1024, 64) and layer.params["W"].dtype == np.float32
    assert not layer.params["b"].any()
    assert layer.forward(np.ones((2, 1024))).dtype == np.float32
    assert "activation='sigmoid'" in repr(layer)
    with pytest.raises(ValueError, match="unknown activation"):
        nn.Dense(3, 3, activation="swish")


def test_momentum_update_equals_course_formula(rng) -> None:
    net = nn.Sequential(nn.Dense(4, 3, rng=rng, dtype=np.float64))
    opt = nn.Momentum(net, lr=0.1, momentum=0.9)
    W = net.layers[0].params["W"]
    M = np.zeros_like(W)
    for _ in range(3):
        g = rng.normal(size=W.shape)
        net.layers[0].grads["W"] = g
        net.layers[0].grads["b"] = np.zeros(3)
        expected_M = 0.9 * M - 0.1 * g
        expected_W = W + expected_M
        opt.step()
        assert np.allclose(W, expected_W, rtol=0, atol=1e-15)
        M = expected_M


def test_sgd_and_step_decay(rng) -> None:
    net = nn.Sequential(nn.Dense(2, 2, rng=rng, dtype=np.float64))
    W0 = net.layers[0].params["W"].copy()
    net.layers[0].grads = {"W": np.ones((2, 2)), "b": np.ones(2)}
    nn.SGD(net, lr=0.5).step()
    assert np.allclose(net.layers[0].params["W"], W0 - 0.5)
    assert nn.step_decay(1.0, 0, 10) == 1.0
    assert nn.step_decay(1.0, 25, 10) == pytest.approx(0.81)


def test_random_batches_cover_every_index_once(rng) -> None:
    X = np.arange(103)[:, None]
    Y = np.arange(103)
    batches = nn.random_batches(X, Y, 10, rng)
    assert [len(xb) for xb, _ in batches] == [10] * 10 + [3]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(103))
    assert all(np.array_equal(xb[:, 0], yb) for xb, yb in batches)
    again = np.concatenate([yb for _, yb in nn.random_batches(X, Y, 10, rng)])
    assert not np.array_equal(seen, again), "each call draws a fresh permutation"


def test_whole_network_gradcheck(rng) -> None:
    net = nn.Sequential(
        nn.Dense(20, 8, "tanh", rng=rng), nn.Dense(8, 6, "relu", rng=rng), nn.Dense(6, 4, rng=rng)
    )
    errors = nn.gradcheck(net, nn.softmax_cross_entropy, rng.normal(size=(5, 20)), rng.integers(0, 4, 5))
    assert set(errors) == {f"layers.{i}.{k}" for i in range(3) for k in "Wb"}
    assert max(errors.values()) < 1e-6
    assert net.layers[0].dtype == np.float32, "gradcheck works on a float64 copy"


def test_gradcheck_catches_a_wrong_gradient(rng, monkeypatch) -> None:
    net = nn.Sequential(nn.Dense(6, 3, "sigmoid", rng=rng))
    monkeypatch.setitem(nn.functional.ELEMENTWISE, "sigmoid", (nn.sigmoid, lambda y: y))  # wrong on purpose
    errors = nn.gradcheck(net, nn.squared_error, rng.random((2, 6)), rng.random((2, 3)))
    assert max(errors.values()) > 1e-2


def test_cnn_gradcheck_with_softmax_output(rng) -> None:
    net = small_cnn(rng)
    errors = nn.gradcheck(net, nn.cross_entropy, rng.random((2, 1, 8, 8)), np.array([1, 4]))
    assert max(errors.values()) < 1e-5


def test_save_load_round_trip_is_bit_identical(tmp_path: Path, rng) -> None:
    net = small_cnn(rng)
    path = tmp_path / "model.npz"
    net.save(path, meta={"input": "ink_dark"})
    loaded = nn.load(path)
    assert loaded.meta == {"classes": "ABCDE", "input": "ink_dark"}
    assert [layer.config() for layer in loaded.layers] == [layer.config() for layer in net.layers]
    for (name, a, _), (_, b, _) in zip(net.parameters(), loaded.parameters()):
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    X = rng.random((3, 1, 8, 8)).astype(np.float32)
    assert np.array_equal(net.predict_proba(X), loaded.predict_proba(X))
    with np.load(path, allow_pickle=False) as archive:
        assert "__arch__" in archive.files


def test_predict_proba_restores_mode_and_sums_to_one(rng) -> None:
    net = nn.Sequential(nn.Dense(4, 3, rng=rng), nn.Dropout(0.5, rng=rng))
    probs = net.predict_proba(rng.random((10, 4)), batch_size=3)
    assert probs.shape == (10, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-6)
    assert all(layer.training for layer in net.layers)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def bad_model_files(tmp_path: Path, good: Path) -> dict[str, Path]:
    data = good.read_bytes()
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, W=np.zeros(3))
    wrong_shape = tmp_path / "wrong_shape.npz"
    with np.load(good) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["layers.0.W"] = np.zeros((2, 2), dtype=np.float32)
    np.savez(wrong_shape, **arrays)
    return {
        "missing": tmp_path / "nope.npz",
        "truncated": _write(tmp_path / "truncated.npz", data[: len(data) // 2]),
        "text": _write(tmp_path / "text.npz", b"hello, not a model"),
        "foreign": foreign,
        "wrong_shape": wrong_shape,
    }


def test_bad_model_files_raise_model_file_error_naming_the_file(tmp_path: Path, rng) -> None:
    good = tmp_path / "good.npz"
    small_cnn(rng).save(good)
    for kind, path in bad_model_files(tmp_path, good).items():
        with pytest.raises(nn.ModelFileError) as info:
            nn.load(path)
        assert str(path) in str(info.value), kind
    assert zipfile.is_zipfile(good)


def test_gradcheck_command_passes(capsys) -> None:
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "course autoencoder" in out and "small CNN" in out and "all gradients match" in out
