"""Metrics (confusion matrix, PSNR) and the figure writers."""

from __future__ import annotations

import numpy as np
import pytest

from nnrecog import metrics

CLASSES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def test_confusion_matrix_counts_every_pair():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 0])
    cm = metrics.confusion_matrix(y_true, y_pred, 3)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [2, 0, 1]])
    assert cm.sum() == 6 and np.trace(cm) == 3


def test_confusion_matrix_rejects_out_of_range_labels():
    with pytest.raises(ValueError, match="y_pred"):
        metrics.confusion_matrix(np.array([0]), np.array([5]), 3)


def test_top_confused_pairs_sorted_and_named():
    cm = np.zeros((36, 36), dtype=np.int64)
    cm[CLASSES.index("O"), CLASSES.index("0")] = 7
    cm[CLASSES.index("I"), CLASSES.index("1")] = 3
    cm[CLASSES.index("S"), CLASSES.index("5")] = 3
    np.fill_diagonal(cm, 100)
    pairs = metrics.top_confused_pairs(cm, CLASSES, k=5)
    assert pairs == [("O", "0", 7), ("I", "1", 3), ("S", "5", 3)]


def test_per_class_and_subset_accuracy():
    cm = np.array([[3, 1], [0, 0]])
    per_class = metrics.per_class_accuracy(cm)
    assert per_class[0] == 0.75 and np.isnan(per_class[1])
    assert metrics.subset_accuracy(cm, [0]) == 0.75
    assert np.isnan(metrics.subset_accuracy(cm, [1]))


def test_psnr_equals_scikit_image():
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(0)
    images = rng.random((20, 32, 32))
    noisy = np.clip(images + rng.normal(0, 0.1, images.shape), 0, 1)
    expected = np.mean(
        [skm.peak_signal_noise_ratio(a, b, data_range=1.0) for a, b in zip(images, noisy)]
    )
    assert metrics.psnr(images, noisy) == pytest.approx(expected, rel=1e-12)
    # flattened layout gives the same number
    assert metrics.psnr(images.reshape(20, -1), noisy.reshape(20, -1)) == pytest.approx(expected)


def test_psnr_known_value():
    reference = np.zeros((1, 4))
    assert metrics.psnr(reference, reference + 0.1) == pytest.approx(20.0)


def test_plots_write_pngs(tmp_path):
    from nnrecog.viz import plots

    rng = np.random.default_rng(0)
    history = {
        "train_acc": [0.1, 0.5],
        "valid_acc": [0.1, 0.4],
        "train_loss": [3.0, 1.0],
        "valid_loss": [3.1, 1.5],
    }
    cm = metrics.confusion_matrix(rng.integers(0, 36, 200), rng.integers(0, 36, 200), 36)
    plots.plot_accuracy(history, tmp_path / "acc.png", title="accuracy")
    plots.plot_loss(history, tmp_path / "loss.png")
    plots.plot_curves({"lr 0.1": [0.1, 0.2], "lr 1": [0.3, 0.1]}, tmp_path / "sweep.png", "acc")
    plots.plot_confusion(cm, CLASSES, tmp_path / "cm.png", title="test")
    plots.plot_weight_tiles(rng.normal(size=(1024, 64)), tmp_path / "w.png", title="weights")
    plots.plot_image_pairs(rng.random((4, 32, 32)), rng.random((4, 32, 32)), tmp_path / "p.png",
                           labels=list("AABB"))
    plots.plot_images(rng.random((6, 32, 32)), tmp_path / "grid.png")
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["acc.png", "cm.png", "grid.png", "loss.png", "p.png", "sweep.png", "w.png"]
    for name in written:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
