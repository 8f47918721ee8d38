"""Model and data files that cannot hurt: crafted headers, huge declared shapes, object arrays,
extra or missing members, zip bombs, non-finite weights, truncated and foreign files each give
one exception naming the file (``ModelFileError`` / ``InputError``) and, through the command
line, one ``nnrecog: error:`` line and exit status 2, before anything large is allocated.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nnrecog import fileio, nn
from nnrecog.cli import main
from nnrecog.data import load
from nnrecog.errors import InputError


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)  # pickles object arrays, as a crafted file would
    return buffer.getvalue()


def _npy_declaring(shape: tuple[int, ...], dtype: str = "<f4", payload: bytes = b"\0" * 64) -> bytes:
    """A .npy member whose header declares ``shape`` but which holds only ``payload``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + payload


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(f"{name}.npy", data)
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename[: -len(".npy")]: archive.read(info) for info in archive.infolist()}


def _declare_size(path: Path, member: str, size: int) -> Path:
    """Rewrite the uncompressed size the zip declares for ``member`` (local and central headers)."""
    data = bytearray(path.read_bytes())
    name = f"{member}.npy".encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[start + offset : start + offset + 4] = struct.pack("<I", size)
            start += 4
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def good_model(tmp_path: Path) -> Path:
    path = tmp_path / "good.npz"
    nn.Sequential(nn.Dense(4, 3, rng=np.random.default_rng(0))).save(path, meta={"classes": "ABC"})
    return path


def _bad_models(tmp_path: Path, good: Path) -> dict[str, Path]:
    members = _members(good)
    arch = json.loads(str(np.load(io.BytesIO(members["__arch__"]))))
    arch["layers"][0].update(in_features=10**6, out_features=10**6)
    nan_weights = np.zeros((4, 3), np.float32)
    nan_weights[1, 2] = np.nan

    def variant(name: str, **changes: bytes | None) -> Path:
        chosen = {**members, **changes}
        return _zip(tmp_path / f"{name}.npz", {k: v for k, v in chosen.items() if v is not None})

    bomb = _zip(tmp_path / "bomb.npz", {**members, "layers.0.W": _npy(np.zeros(2**20, np.float32))},
                zipfile.ZIP_DEFLATED)
    return {
        "header declaring 10^10 floats": variant("huge_header", **{"layers.0.W": _npy_declaring((10**10,))}),
        "zip declaring 4 GB": _declare_size(variant("huge_member"), "layers.0.W", 2**32 - 1),
        "architecture declaring a 10^6 x 10^6 layer": variant("huge_layer", __arch__=_npy(np.array(json.dumps(arch)))),
        "object array": variant("object", **{"layers.0.b": _npy(np.array([{}, None, 1], dtype=object))}),
        "structured array": variant("structured", **{"layers.0.b": _npy(np.zeros(3, "f4,f4"))}),
        "extra member": variant("extra", **{"layers.0.extra": _npy(np.zeros(3, np.float32))}),
        "missing member": variant("missing", **{"layers.0.b": None}),
        "non-finite weights": variant("nan", **{"layers.0.W": _npy(nan_weights)}),
        "size the zip understates": _declare_size(variant("understated"), "layers.0.W", 100),
        "zip bomb": bomb,  # 4 MiB of zeros in a few KiB; the cap is lowered to 1 MiB below
        "truncated zip": tmp_path.joinpath("truncated.npz").write_bytes(good.read_bytes()[:300]) and tmp_path / "truncated.npz",
        "not a zip": tmp_path.joinpath("text.npz").write_bytes(b"hello, not a model\n") and tmp_path / "text.npz",
        "missing file": tmp_path / "nowhere.npz",
    }


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(fileio, "MAX_ARCHIVE_BYTES", 2**20)


def _fails_cleanly(capsys, argv: list[str], path: Path) -> None:
    """``nnrecog argv`` exits 2 with exactly one error line naming ``path`` and no traceback."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("nnrecog: error: ") and captured.err.count("\n") == 1, captured.err
    assert str(path) in captured.err and "Traceback" not in captured.err


def test_the_good_model_loads(good_model: Path, small_cap):
    assert nn.load(good_model).meta == {"classes": "ABC"}


def test_crafted_model_files_are_refused_naming_the_file(tmp_path: Path, good_model: Path, small_cap, capsys):
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.new("L", (8, 8), 255).save(photo)
    for kind, path in _bad_models(tmp_path, good_model).items():
        with pytest.raises(nn.ModelFileError) as raised:
            nn.load(path)
        assert isinstance(raised.value, InputError) and isinstance(raised.value, ValueError), kind
        assert str(path) in str(raised.value), kind
        _fails_cleanly(capsys, ["read", "--model", str(path), str(photo)], path)


def test_refusals_say_why(tmp_path: Path, good_model: Path, small_cap):
    bad = _bad_models(tmp_path, good_model)
    reasons = {
        "header declaring 10^10 floats": "declares 10000000000 values",
        "zip declaring 4 GB": "would unpack to more than",
        "architecture declaring a 10^6 x 10^6 layer": "layers.0.W must be float (1000000, 1000000)",
        "object array": "holds object values",
        "extra member": "unexpected arrays layers.0.extra",
        "missing member": "missing arrays layers.0.b",
        "non-finite weights": "NaN or infinite",
        "zip bomb": "would unpack to more than the 1 MiB allowed",
        "not a zip": "expected a .npz archive",
    }
    for kind, reason in reasons.items():
        with pytest.raises(nn.ModelFileError, match=re.escape(reason)):
            nn.load(bad[kind])


def _built_arrays(n: int = 2) -> dict[str, bytes]:
    arrays = {}
    for split in ("train", "valid", "test"):
        arrays[f"{split}_x"] = _npy(np.zeros((n, 32, 32), np.uint8))
        arrays[f"{split}_y"] = _npy(np.zeros(n, np.int64))
        arrays[f"{split}_source"] = _npy(np.zeros(n, np.int64))
    return arrays


_BAD_BUILT: dict[str, Callable[[dict[str, bytes]], dict[str, bytes]]] = {
    "header declaring 10^10 images": lambda a: {**a, "train_x": _npy_declaring((10**10, 32, 32), "|u1")},
    "object array": lambda a: {**a, "valid_y": _npy(np.array([None, None], dtype=object))},
    "extra member": lambda a: {**a, "secret": _npy(np.zeros(2))},
    "missing member": lambda a: {k: v for k, v in a.items() if k != "test_y"},
    "labels not matching the images": lambda a: {**a, "train_y": _npy(np.zeros(5, np.int64))},
    "zip bomb": lambda a: {**a, "train_x": _npy(np.zeros((1200, 32, 32), np.uint8))},
}


@pytest.mark.parametrize("kind", sorted(_BAD_BUILT))
def test_crafted_built_data_sets_are_refused(tmp_path: Path, small_cap, capsys, kind: str):
    folder = tmp_path / "built"
    folder.mkdir()
    path = _zip(folder / "nist36_open.npz", _BAD_BUILT[kind](_built_arrays()), zipfile.ZIP_DEFLATED)
    with pytest.raises(InputError) as raised:
        load(folder)
    assert str(path) in str(raised.value)
    _fails_cleanly(capsys, ["data", "show", str(folder), "--out", str(tmp_path / "grid.png")], path)
    assert not (tmp_path / "grid.png").exists()


def test_a_good_built_data_set_still_loads(tmp_path: Path, small_cap):
    _zip(tmp_path / "nist36_open.npz", _built_arrays(3))
    splits = load(tmp_path)
    assert splits["train"][0].shape == (3, 32, 32) and splits["test"][1].dtype == np.int64


def _course_folder(tmp_path: Path) -> Path:
    from scipy.io import savemat

    folder = tmp_path / "course"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        savemat(folder / f"nist36_{split}.mat", {f"{split}_data": np.ones((2, 1024)), f"{split}_labels": np.eye(36)[:2]})
    return folder


def _patched(path: Path, offset: int, values: tuple[int, ...]) -> Path:
    data = bytearray(path.read_bytes())
    data[offset : offset + 4 * len(values)] = struct.pack(f"<{len(values)}i", *values)
    path.write_bytes(bytes(data))
    return path


#: In a version-5 .mat file written by scipy, the first variable's dimensions are two int32 at
#: byte 160 and the type code and byte count of its data element at bytes 192 and 196.
_MAT_CRAFTS = {
    "dimensions declaring 10^10 doubles": (160, (100_000, 100_000)),
    "data element declaring 2 GB": (196, (2**31 - 8,)),
    "unknown data type code (crashed scipy.io.loadmat with a segfault)": (192, (0x209,)),
}


@pytest.mark.parametrize("kind", sorted(_MAT_CRAFTS))
def test_crafted_course_mat_files_are_refused(tmp_path: Path, capsys, kind: str):
    folder = _course_folder(tmp_path)
    path = _patched(folder / "nist36_train.mat", *_MAT_CRAFTS[kind])
    with pytest.raises(InputError) as raised:
        load(folder)
    assert str(path) in str(raised.value)
    _fails_cleanly(capsys, ["data", "show", str(folder), "--out", str(tmp_path / "grid.png")], path)


def test_compressed_mat_bomb_is_refused(tmp_path: Path, small_cap):
    from nnrecog.data.readers import read_course_mat, write_course_mat

    path = tmp_path / "nist36_train.mat"
    write_course_mat(path, "train", np.ones((200, 32, 32)), np.zeros(200, np.int64))  # 1.6 MB of ones, deflated
    assert path.stat().st_size < 2**20 // 10
    with pytest.raises(InputError, match="would unpack to more than the 1 MiB allowed"):
        read_course_mat(path, "train")


def _tiff_with_rational_strip_offset(path: Path) -> Path:
    """A TIFF whose StripOffsets tag is a RATIONAL (found by benchmarks/fuzz_readers.py)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.zeros((12, 16, 3), np.uint8)).save(buffer, format="TIFF")
    data = bytearray(buffer.getvalue())
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        at = ifd + 2 + 12 * i
        if struct.unpack_from("<H", data, at)[0] == 273:  # StripOffsets: type 5, one value at byte 8
            struct.pack_into("<HHII", data, at, 273, 5, 1, 8)
    path.write_bytes(bytes(data))
    return path


def test_crafted_photo_is_one_error_line(tmp_path: Path, capsys):
    from nnrecog.ocr.finding.photo import load_photo

    photo = _tiff_with_rational_strip_offset(tmp_path / "crafted.tif")
    with pytest.raises(InputError, match=re.escape(str(photo))):
        load_photo(photo)
    _fails_cleanly(capsys, ["read", str(photo)], photo)
