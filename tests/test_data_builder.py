"""The open NIST36 builder on a small real subset of the shared data, and the data commands."""

from __future__ import annotations

import numpy as np
import pytest

from nnrecog.cli import main
from nnrecog.data import CLASSES, build_dataset, load, load_nist26, read_course_mat
from nnrecog.data.builder import SOURCE_NAMES, SYNTHETIC_SOURCE
from nnrecog.errors import InputError
from nnrecog.paths import data_dir

pytestmark = pytest.mark.skipif(
    not (data_dir() / "nist26" / "nist26_valid.mat").is_file(), reason="shared data (../shared/data) not found"
)

LIMIT = 6  # samples per class and source: every source and class, about 1,100 glyphs


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("built")
    result = build_dataset(out, per_class_limit=LIMIT, rerenders=1, formats=("npz", "mat"), progress=False)
    return result, np.load(out / "nist36_open.npz")


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_every_source_is_upright_and_ink_dark(small_build):
    """Class means of each source match nist26_valid's better than transposed, flipped or inverted."""
    result, arrays = small_build
    X = np.concatenate([arrays[f"{s}_x"] for s in ("train", "valid", "test")]).astype(np.float32) / 255
    y = np.concatenate([arrays[f"{s}_y"] for s in ("train", "valid", "test")])
    source = np.concatenate([arrays[f"{s}_source"] for s in ("train", "valid", "test")])
    nist_X, nist_y = load_nist26()
    nist_means = {c: nist_X[nist_y == c].mean(axis=0) for c in range(26)}
    checked = set()
    for index, name in enumerate(SOURCE_NAMES):
        letters = [c for c in range(26) if ((source == index) & (y == c)).any()]
        if not letters:  # MNIST: digits only, nothing in nist26 to compare with
            continue
        scores = {"upright": [], "transposed": [], "upside down": [], "mirrored": [], "inverted": []}
        for c in letters:
            mean = X[(source == index) & (y == c)].mean(axis=0)
            ref = nist_means[c]
            scores["upright"].append(_corr(mean, ref))
            scores["transposed"].append(_corr(mean.T, ref))
            scores["upside down"].append(_corr(mean[::-1], ref))
            scores["mirrored"].append(_corr(mean[:, ::-1], ref))
            scores["inverted"].append(_corr(1 - mean, ref))
        upright = np.mean(scores.pop("upright"))
        for variant, values in scores.items():
            assert upright > np.mean(values), f"{name}: {variant} matches NIST better ({np.mean(values):.3f} >= {upright:.3f})"
        assert upright > 0.5, name
        checked.add(name)
    assert checked == set(SOURCE_NAMES) - {"mnist"}


def test_ranges_counts_and_manifest(small_build):
    result, arrays = small_build
    manifest = result.manifest
    data = load(result.out_dir)
    for split in ("train", "valid", "test"):
        X, y = data[split]
        assert X.dtype == np.float32 and X.shape[1:] == (32, 32) and 0 <= X.min() and X.max() <= 1
        assert y.dtype == np.int64 and 0 <= y.min() and y.max() < len(CLASSES)
        assert 0.75 < X.mean() < 0.9  # white paper, dark ink, like NIST (0.83)
        counts = manifest["counts"][split]
        assert sum(sum(per.values()) for per in counts.values()) == len(y) == manifest["totals"][split]["all"]
        assert len(manifest["provenance"][split]) == len(y)
    assert set(np.unique(data["train"][1])) == set(range(36))
    for split in ("valid", "test"):  # synthetic samples only in train
        assert all(SYNTHETIC_SOURCE not in per for per in manifest["counts"][split].values())
        assert manifest["totals"][split]["all"] == manifest["totals"][split]["real"]
    assert manifest["totals"]["train"]["all"] > manifest["totals"]["train"]["real"]
    for per_source in manifest["counts"]["train"].values():
        real = {s: n for s, n in per_source.items() if s != SYNTHETIC_SOURCE}
        assert max(real.values()) <= LIMIT
    assert manifest["seed"] == 0 and manifest["builder_version"] >= 1
    assert manifest["source_names"] == list(SOURCE_NAMES)
    assert set(np.unique(arrays["train_source"])) <= set(range(len(SOURCE_NAMES)))
    assert "nist26_valid" in result.match_table and "photos" in result.match_table


def test_no_image_in_two_splits(small_build):
    result, arrays = small_build
    seen: dict[bytes, str] = {}
    for split in ("train", "valid", "test"):
        for image in arrays[f"{split}_x"]:
            key = image.tobytes()
            assert seen.setdefault(key, split) == split, "an image appears in two splits"
    provenance = result.manifest["provenance"]
    real = [p for split in ("train", "valid", "test") for p in provenance[split] if not p.startswith(SYNTHETIC_SOURCE)]
    assert len(real) == len(set(real))
    # re-renderings come only from train letterforms
    train_forms = {p.split(":", 1)[1] for p in provenance["train"] if p.startswith("chars74k:")}
    rerendered = {p.split(":", 1)[1].split("#")[0] for p in provenance["train"] if p.startswith(SYNTHETIC_SOURCE)}
    assert rerendered <= train_forms


def test_course_mat_output_matches_arrays(small_build):
    result, arrays = small_build
    X, y = read_course_mat(result.out_dir / "nist36_valid.mat", "valid")
    np.testing.assert_array_equal(y, arrays["valid_y"])
    np.testing.assert_allclose(X, arrays["valid_x"] / 255, atol=1e-6)


def test_build_is_deterministic_and_seeded(tmp_path):
    kwargs = dict(sources=("photos", "alphadigs", "chars74k", SYNTHETIC_SOURCE), per_class_limit=7, rerenders=1, progress=False)
    first = build_dataset(tmp_path / "a", seed=3, **kwargs)
    second = build_dataset(tmp_path / "b", seed=3, **kwargs)
    other = build_dataset(tmp_path / "c", seed=4, **kwargs)
    a, b, c = (np.load(r.out_dir / "nist36_open.npz") for r in (first, second, other))
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key])
    assert first.manifest["provenance"] == second.manifest["provenance"]
    assert first.manifest["provenance"]["valid"]  # 15 % of 7 per class and source
    assert first.manifest["provenance"]["valid"] != other.manifest["provenance"]["valid"]


def test_bad_options_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="unknown source"):
        build_dataset(tmp_path, sources=("nist36",), progress=False)
    with pytest.raises(InputError, match="data directory not found"):
        build_dataset(tmp_path, data_dir=tmp_path / "missing", progress=False)


def test_data_commands(small_build, tmp_path, capsys):
    result, _ = small_build
    grid = tmp_path / "grid.png"
    assert main(["data", "show", str(result.out_dir), "--out", str(grid), "--per-class", "4"]) == 0
    from PIL import Image

    with Image.open(grid) as image:
        assert image.height > 36 * 32  # one row per class
    small = tmp_path / "augmented.png"
    assert main(["data", "show", str(result.out_dir), "--out", str(small), "--classes", "AB", "--augmented", "--per-class", "6"]) == 0
    with Image.open(small) as image:
        assert image.size == (2 * (14 + 6 * 34), 2 * 2 * 34)
    assert main(["data", "show", str(tmp_path / "nowhere"), "--out", str(grid)]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["data", "build", "--sources", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")]) == 2
    assert "data directory not found" in capsys.readouterr().err
