"""Image-folder data sets (``train/<class>/*`` + ``test/<class>/*``), checked, decoded once, cached.

This is how CIFAR-10 is often held outside its official python batches (the shared data has
it as ``cifar10_jpg/{train,test}/<class>/NNNN.jpg``). The label of an image is its folder; the
class order is that of ``batches.meta`` when the root holds one (the official file, read with
the restricted unpickler), else the sorted folder names.

Everything is checked before an image is decoded: both splits exist and name the same
classes, no class folder is empty, nothing but image files sits in a class folder, no file is
too large for a small image. While decoding, every image must be ``side x side`` pixels
(checked from the header, before its pixels are read). The decoded arrays are cached as one
``.npz`` under :func:`nnrecog.paths.cache_dir`, keyed by the folder's path, file names, sizes
and modification times, so a changed folder is decoded again. No torch import here.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog.errors import InputError
from nnrecog.fileio import atomic_path
from nnrecog.paths import cache_dir
from nnrecog.pytorch.pickles import META_FILE, load_pickle

SPLITS = ("train", "test")
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".ppm", ".webp", ".tif", ".tiff"})
# A 32x32 RGB image is 3 KB raw and about 1 KB as JPEG; any file this large is not one of them,
# and refusing it before reading keeps a stray video or archive from being loaded into memory.
MAX_FILE_BYTES = 1 << 20
CACHE_VERSION = 1


@dataclass(frozen=True)
class ImageFile:
    """One listed image: path relative to the root, class index, and what keys the cache."""

    relative: str
    label: int
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class FolderListing:
    """A checked image-folder tree: the class order and the files of each split."""

    root: Path
    classes: tuple[str, ...]
    files: dict[str, list[ImageFile]]
    side: int

    def digest(self) -> str:
        """A short hash of the folder's path, classes, file names, sizes and mtimes."""
        h = hashlib.sha256(f"v{CACHE_VERSION} {self.root.resolve()} {self.side} {self.classes}".encode())
        for split in SPLITS:
            for f in self.files[split]:
                h.update(f"\n{split}/{f.relative} {f.label} {f.size} {f.mtime_ns}".encode())
        return h.hexdigest()[:16]


def is_image_folder(root: str | os.PathLike) -> bool:
    """True if ``root`` has a ``train`` or ``test`` subfolder (the layout this module reads)."""
    root = Path(root)
    return any((root / split).is_dir() for split in SPLITS)


def _visible(entries: Sequence[os.DirEntry]) -> list[os.DirEntry]:
    # Hidden entries (.DS_Store, editor files) are not data.
    return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)


def _scan(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return _visible(list(it))
    except OSError as exc:
        raise InputError(f"{folder}: cannot list the folder ({exc.strerror or exc})") from None


def _class_folders(split_dir: Path) -> list[str]:
    names = []
    for entry in _scan(split_dir):
        if not entry.is_dir():
            raise InputError(f"{Path(entry.path)}: not a class folder; {split_dir} must hold only one folder per class")
        names.append(entry.name)
    if not names:
        raise InputError(f"{split_dir}: no class folders; expected {split_dir}/<class>/<image files>")
    return names


def _meta_classes(root: Path) -> list[str] | None:
    meta = root / META_FILE
    if not meta.is_file():
        return None
    names = load_pickle(meta).get("label_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, bytes | str) for n in names):
        raise InputError(f"{meta}: 'label_names' must list the class names")
    return [n.decode("utf-8") if isinstance(n, bytes) else n for n in names]


def _check_classes(root: Path, found: dict[str, list[str]], meta: list[str] | None) -> tuple[str, ...]:
    if meta is not None:
        reference, where = meta, f"listed in {root / META_FILE}"
        if len(set(meta)) != len(meta):
            raise InputError(f"{root / META_FILE}: 'label_names' lists a class twice")
    else:
        reference, where = sorted(found[SPLITS[0]]), f"found in {root / SPLITS[0]}"
    for split in SPLITS if meta is not None else SPLITS[1:]:
        missing = [c for c in reference if c not in found[split]]
        extra = [c for c in found[split] if c not in reference]
        if missing:
            raise InputError(f"{root / split}: no folder for class {missing[0]!r} ({where}); both splits need every class")
        if extra:
            raise InputError(f"{root / split / extra[0]}: class not {where}; both splits need the same classes")
    if len(reference) < 2:
        raise InputError(f"{root}: only one class ({reference[0]!r}); a classifier needs at least two")
    return tuple(reference)


def list_image_folder(root: str | os.PathLike, side: int = 32) -> FolderListing:
    """Check the tree under ``root`` and list its images (nothing is decoded yet).

    Raises
    ------
    InputError
        A split folder is missing, the splits name different classes (or classes other than
        ``batches.meta``'s), a class folder is empty or holds a folder or a non-image file, or
        a file is larger than ``MAX_FILE_BYTES``. The message names the file or folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: no such folder")
    for split in SPLITS:
        if not (root / split).is_dir():
            raise InputError(
                f"{root / split}: missing; an image-folder data set holds train/<class>/ and test/<class>/"
            )
    found = {split: _class_folders(root / split) for split in SPLITS}
    classes = _check_classes(root, found, _meta_classes(root))
    files: dict[str, list[ImageFile]] = {}
    for split in SPLITS:
        listed = []
        for label, name in enumerate(classes):
            folder = root / split / name
            entries = _scan(folder)
            if not entries:
                raise InputError(f"{folder}: empty class folder; every class needs at least one image")
            for entry in entries:
                path = Path(entry.path)
                if not entry.is_file():
                    raise InputError(f"{path}: not an image file; a class folder holds only images")
                if Path(entry.name).suffix.lower() not in IMAGE_SUFFIXES:
                    raise InputError(
                        f"{path}: not an image file (expected {', '.join(sorted(IMAGE_SUFFIXES))})"
                    )
                stat = entry.stat()
                if stat.st_size > MAX_FILE_BYTES:
                    raise InputError(
                        f"{path}: {stat.st_size} bytes, too large for a {side}x{side} image "
                        f"(limit {MAX_FILE_BYTES} bytes)"
                    )
                listed.append(ImageFile(f"{name}/{entry.name}", label, stat.st_size, stat.st_mtime_ns))
        files[split] = listed
    return FolderListing(root, classes, files, side)


def _decode(path: Path, side: int) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            # Image.open reads only the header: the size is known before any pixel is decoded.
            if image.size != (side, side):
                width, height = image.size
                raise InputError(f"{path}: {width}x{height} pixels; every image must be {side}x{side}")
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:  # what PIL raises on bad files
        raise InputError(f"{path}: not a readable image ({type(exc).__name__}: {exc})") from None


def decode_listing(listing: FolderListing) -> dict[str, Any]:
    """Decode every listed image (tqdm progress) into uint8 arrays.

    Returns
    -------
    dict
        ``train`` and ``test``: (X (n, side, side, 3) uint8 RGB, y (n,) int64);
        ``classes``: the class names, index = label.
    """
    from tqdm import tqdm

    total = sum(len(listing.files[split]) for split in SPLITS)
    out: dict[str, Any] = {"classes": list(listing.classes)}
    with tqdm(total=total, desc=f"decode {listing.root.name}", unit="img", leave=False) as bar:
        for split in SPLITS:
            listed = listing.files[split]
            X = np.empty((len(listed), listing.side, listing.side, 3), dtype=np.uint8)
            for i, f in enumerate(listed):
                X[i] = _decode(listing.root / split / f.relative, listing.side)
                bar.update()
            out[split] = (X, np.array([f.label for f in listed], dtype=np.int64))
    return out


def cache_path(listing: FolderListing) -> Path:
    """Where the decoded arrays of ``listing`` are cached."""
    return cache_dir() / "image_folders" / f"{listing.root.resolve().name}_{listing.side}px_{listing.digest()}.npz"


def _load_cached(path: Path, listing: FolderListing) -> dict[str, Any] | None:
    """The cached arrays if the file is there and consistent with ``listing``; else None."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            data: dict[str, Any] = {"classes": [str(c) for c in stored["classes"]]}
            for split in SPLITS:
                X, y = stored[f"X_{split}"], stored[f"y_{split}"]
                n = len(listing.files[split])
                if X.dtype != np.uint8 or X.shape != (n, listing.side, listing.side, 3) or y.shape != (n,):
                    return None
                data[split] = (X, y.astype(np.int64))
    except (OSError, KeyError, ValueError):  # missing, truncated or foreign file: decode again
        return None
    return data if tuple(data["classes"]) == listing.classes else None


def load_image_folder(root: str | os.PathLike, side: int = 32, use_cache: bool = True) -> dict[str, Any]:
    """An image-folder data set as arrays, decoded once and then read from the cache.

    Parameters
    ----------
    root : folder holding ``train/<class>/*`` and ``test/<class>/*`` (and optionally
        ``batches.meta`` for the class order)
    side : every image must be ``side x side`` pixels

    Returns
    -------
    dict
        As :func:`nnrecog.pytorch.cifar.load_cifar10`: ``train`` (X (n, side, side, 3) uint8,
        y (n,) int64), ``test`` likewise, ``classes`` (names, index = label).
    """
    listing = list_image_folder(root, side)
    path = cache_path(listing)
    if use_cache and path.is_file():
        cached = _load_cached(path, listing)
        if cached is not None:
            return cached
    data = decode_listing(listing)
    if use_cache:
        arrays = {f"{kind}_{split}": data[split][i] for split in SPLITS for i, kind in enumerate("Xy")}
        with atomic_path(path) as tmp:
            np.savez(tmp, classes=np.array(data["classes"]), **arrays)
    return data
