"""Readers of the course's NIST36 .mat layout and of nist26_valid.mat, and the glyph normalisation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io

from nnrecog.data import CLASSES, load, load_nist26, normalize_glyph
from nnrecog.errors import InputError
from nnrecog.paths import data_dir

HAVE_DATA = (data_dir() / "nist26" / "nist26_valid.mat").is_file()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="shared data (nist26/nist26_valid.mat) not found")


def _letter_image(c: int) -> np.ndarray:
    """An asymmetric upright test image: a dark bar whose row and length encode the class."""
    img = np.ones((32, 32))
    img[2 + c % 28, 3 : 5 + c % 25] = 0.0
    img[4:30, 6] = 0.0  # vertical stroke on the left: distinguishes upright from transposed
    return img


def _write_course_folder(folder, prefix: str, n_classes: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Write nist{36,26}_{split}.mat exactly like the course: rows = img.T.ravel() (column-major)."""
    expected = {}
    for k, split in enumerate(("train", "valid", "test")):
        y = (np.arange(10 + k) * 7) % n_classes
        images = np.stack([_letter_image(c) for c in y])
        rows = np.stack([img.T.reshape(1024) for img in images])  # MATLAB column order
        onehot = np.eye(n_classes, dtype=np.uint8)[y]
        scipy.io.savemat(folder / f"{prefix}_{split}.mat", {f"{split}_data": rows, f"{split}_labels": onehot})
        expected[split] = (images, y)
    return expected


@pytest.mark.parametrize(("prefix", "n_classes"), [("nist36", 36), ("nist26", 26)])
def test_course_layout_round_trip(tmp_path, prefix, n_classes):
    expected = _write_course_folder(tmp_path, prefix, n_classes)
    data = load(tmp_path)
    assert set(data) == {"train", "valid", "test"}
    for split, (images, y) in expected.items():
        X, labels = data[split]
        assert X.dtype == np.float32 and X.shape == (len(y), 32, 32)
        assert labels.dtype == np.int64
        np.testing.assert_array_equal(labels, y)
        np.testing.assert_allclose(X, images)  # upright: the transpose was undone


def _write(path, **arrays):
    scipy.io.savemat(path, arrays)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"train_data": np.ones((3, 1024))}, "expected keys"),
        ({"train_data": np.ones((3, 1000)), "train_labels": np.eye(36)[:3]}, "(n, 1024)"),
        ({"train_data": np.ones((3, 1024)), "train_labels": np.eye(10)[:3]}, "one-hot"),
        ({"train_data": np.ones((3, 1024)), "train_labels": 2 * np.eye(36)[:3]}, "one-hot"),
        ({"train_data": 255 * np.ones((3, 1024)), "train_labels": np.eye(36)[:3]}, "values must lie"),
    ],
)
def test_bad_course_files_name_file_and_expectation(tmp_path, arrays, message):
    for split in ("valid", "test"):
        _write(tmp_path / f"nist36_{split}.mat", **{f"{split}_data": np.ones((1, 1024)), f"{split}_labels": np.eye(36)[:1]})
    _write(tmp_path / "nist36_train.mat", **arrays)
    with pytest.raises(InputError, match="nist36_train.mat") as info:
        load(tmp_path)
    assert message in str(info.value)


def test_missing_split_and_unknown_folder(tmp_path):
    with pytest.raises(InputError, match="expected a folder"):
        load(tmp_path)
    _write(tmp_path / "nist36_train.mat", train_data=np.ones((1, 1024)), train_labels=np.eye(36)[:1])
    with pytest.raises(InputError, match="nist36_valid.mat"):
        load(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        load(tmp_path / "nope")


@needs_data
def test_nist26_valid_reader():
    X, y = load_nist26()
    assert X.shape == (1300, 32, 32) and X.dtype == np.float32
    np.testing.assert_array_equal(np.bincount(y), np.full(26, 50))
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert 0.78 < X.mean() < 0.88  # white background, dark ink
    # upright: the mean 'T' has its bar at the top, the mean 'L' its bar at the bottom
    mean_t, mean_l = X[y == CLASSES.index("T")].mean(0), X[y == CLASSES.index("L")].mean(0)
    assert mean_t[:12].mean() < mean_t[20:].mean()
    assert mean_l[20:].mean() < mean_l[:12].mean()


def test_normalize_glyph_keeps_aspect_and_centres():
    # a tall thin bar, dark grey on light grey, in a large off-centre crop
    grey = np.full((90, 70), 200, np.uint8)
    grey[10:70, 50:56] = 90
    out = normalize_glyph(grey)
    assert out.shape == (32, 32) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    rows = np.flatnonzero((out < 0.5).any(axis=1))
    cols = np.flatnonzero((out < 0.5).any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert 23 <= height <= 27 and width <= 5  # long side ~25 px, the bar stays thin
    assert abs((rows[0] + rows[-1]) / 2 - 15.5) <= 1 and abs((cols[0] + cols[-1]) / 2 - 15.5) <= 1
    assert out.min() == 0.0  # low-contrast ink becomes as dark as NIST's


def test_normalize_glyph_ignores_specks_and_blank_crops():
    rng = np.random.default_rng(0)
    grey = np.full((60, 60), 0.8) + rng.normal(0, 0.01, (60, 60))
    grey[10:50, 28:32] = 0.3
    clean = normalize_glyph(grey)
    grey[2, 2] = grey[57, 55] = 0.2  # specks far from the glyph
    np.testing.assert_allclose(normalize_glyph(grey), clean)
    blank = normalize_glyph(np.full((20, 20), 0.7) + rng.normal(0, 0.005, (20, 20)))
    np.testing.assert_array_equal(blank, np.ones((32, 32), np.float32))


def test_otsu_threshold_of_sorted_values_counts_as_np_histogram():
    """ink_map sorts a crop once and counts Otsu's histogram by searching the sorted values:
    the same threshold as np.histogram's counts, values on bin edges and repeats included."""
    from nnrecog.data.normalize import otsu_threshold

    rng = np.random.default_rng(3)
    for size in (7, 64, 930, 5000):  # np.histogram refuses 64 bins in a range of one value
        for values in (rng.random(size), np.round(rng.random(size) * 9) / 9, rng.integers(0, 256, size) / 255):
            values = values.astype(np.float32)
            assert otsu_threshold(np.sort(values), is_sorted=True) == otsu_threshold(values)
            assert otsu_threshold(np.sort(values), 16, 0.0, is_sorted=True) == otsu_threshold(values, 16, 0.0)


def test_percentiles_and_medians_of_sorted_values_equal_numpys():
    """ink_map takes its percentiles and medians from the one sorted copy: exactly numpy's
    values (float32 crops, repeats, odd and even sizes, a single pixel; percentiles asked as a
    list, which numpy interpolates in float64)."""
    from nnrecog.data.normalize import _sorted_median, _sorted_percentile

    rng = np.random.default_rng(5)
    for size in (1, 2, 7, 64, 931, 5000):
        for values in (rng.random(size) ** 3, np.round(rng.random(size) * 255) / 255):
            ordered = np.sort(values.astype(np.float32))
            expected = np.percentile(ordered, [0.1, 50, 99])
            assert [_sorted_percentile(ordered, q) for q in (0.1, 50, 99)] == expected.tolist()
            assert _sorted_median(ordered) == np.median(ordered)


@needs_data
def test_normalize_glyph_matches_nist_statistics():
    X, _ = load_nist26()
    again = np.stack([normalize_glyph(x) for x in X[::13]])
    assert abs(again.mean() - X.mean()) < 0.03
    assert abs((again < 0.5).mean() - (X < 0.5).mean()) < 0.02


def test_corrupt_built_folder(tmp_path):
    (tmp_path / "nist36_open.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="nist36_open.npz"):
        load(tmp_path)
    np.savez(tmp_path / "nist36_open.npz", train_x=np.zeros((2, 32, 32), np.uint8))
    with pytest.raises(InputError, match="missing array"):
        load(tmp_path)
    arrays = {f"{s}_{k}": np.zeros((2, 32, 32) if k == "x" else 2, np.uint8 if k == "x" else np.int64)
              for s in ("train", "valid", "test") for k in ("x", "y")}
    arrays["valid_x"] = np.zeros((2, 28, 28), np.uint8)
    np.savez(tmp_path / "nist36_open.npz", **arrays)
    with pytest.raises(InputError, match="valid_x must be uint8"):
        load(tmp_path)
