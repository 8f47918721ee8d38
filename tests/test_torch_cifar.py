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
