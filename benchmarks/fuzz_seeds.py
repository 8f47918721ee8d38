"""The seed files that ``fuzz_readers.py`` mutates: small valid files of each kind it reads
(model .npz, built data set .npz, the course's .mat, images in every format PIL writes here,
word counts)."""

from __future__ import annotations

import gzip
import io
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from nnrecog import nn
from nnrecog.data.readers import write_course_mat
from nnrecog.ocr.recognition.wordcounts import read_word_counts


def npz_bytes(arrays: dict[str, np.ndarray], compressed: bool) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def model_seeds() -> list[bytes]:
    rng = np.random.default_rng(0)
    nets = [
        nn.Sequential(nn.Dense(6, 4, "relu", rng=rng), nn.Dropout(0.2, rng=rng), nn.Dense(4, 3, rng=rng)),
        nn.Sequential(nn.Conv2D(1, 2, 3, padding=1, rng=rng), nn.MaxPool2D(2), nn.Flatten(),
                      nn.Dense(2 * 4 * 4, 5, "softmax", rng=rng)),
    ]
    seeds = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, net in enumerate(nets):
            path = Path(tmp) / f"{i}.npz"
            net.save(path, meta={"classes": "ABCDE"[: net.layers[-1].params["W"].shape[1]]})
            seeds.append(path.read_bytes())
    return seeds


def built_seeds() -> list[bytes]:
    rng = np.random.default_rng(0)
    arrays = {}
    for split in ("train", "valid", "test"):
        arrays[f"{split}_x"] = rng.integers(0, 256, (3, 32, 32), dtype=np.uint8)
        arrays[f"{split}_y"] = rng.integers(0, 36, 3)
        arrays[f"{split}_source"] = np.zeros(3, np.int64)
    return [npz_bytes(arrays, compressed) for compressed in (False, True)]


def mat_seeds() -> list[bytes]:
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    X, y = rng.random((3, 32, 32)), np.array([0, 5, 35])
    seeds = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nist36_train.mat"
        write_course_mat(path, "train", X, y)  # compressed, as the builder writes them
        seeds.append(path.read_bytes())
        savemat(path, {"train_data": X.reshape(3, 1024), "train_labels": np.eye(36)[y]})
        seeds.append(path.read_bytes())
        savemat(path, {"train_data": X.reshape(3, 1024), "train_labels": np.eye(36)[y]}, format="4")
        seeds.append(path.read_bytes())
    return seeds


def image_seeds() -> list[bytes]:
    rng = np.random.default_rng(0)
    grey = (rng.random((12, 16)) * 255).astype(np.uint8)
    images = [Image.fromarray(grey), Image.fromarray(np.dstack([grey] * 3)),
              Image.fromarray(np.dstack([grey] * 4), "RGBA"), Image.fromarray(grey).convert("P")]
    seeds = []
    for image, fmt in [(images[0], "PNG"), (images[1], "PNG"), (images[2], "PNG"), (images[3], "PNG"),
                       (images[1], "JPEG"), (images[0], "JPEG"), (images[1], "BMP"), (images[3], "GIF"),
                       (images[1], "TIFF"), (images[2], "WEBP")]:
        buffer = io.BytesIO()
        image.save(buffer, format=fmt)
        seeds.append(buffer.getvalue())
    return seeds


def counts_seeds() -> list[bytes]:
    """The shipped word counts' first 2,000 lines, and a file of three words, gzipped."""
    shipped = read_word_counts()
    head = "".join(f"{word}\t{count}\n" for word, count in list(shipped.items())[:2000])
    return [gzip.compress(head.encode()), gzip.compress(b"THE\t12\nSENSE\t3\nHOPE\t1\n")]
