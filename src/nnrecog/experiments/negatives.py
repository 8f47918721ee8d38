"""The not-a-character crops: what the reader would classify on photos without any writing.

A character classifier that has only ever seen characters reads everything as one: a knot in
wood grain, a keyboard key, the blade of a windmill. The character detector
(:mod:`nnrecog.experiments.detector`) learns to tell them apart from crops of
photos that hold no writing, cut out exactly as the reader cuts a page (its own stages up to
the glyphs it would classify: :func:`nnrecog.ocr.finding.segmentation.segment`, lines, punctuation marks
left out) and normalised as the reader normalises them, so it learns from what the reader
will actually show it. The photos:

- *scenes*: the SUN subset's **train** split, all but every :data:`DEV_EVERY`-th photo (held
  out for measuring: ``benchmarks/ocr_scenes.py --split dev``). The test split is never read;
- *blank sheets on a desk*: for each of those scenes, a blank sheet (plain, ruled, dotted,
  dashed or squared; lit unevenly) laid on it at an angle: sheet edges, corners, shadows and
  rule fragments, with the scene as the desk.

Crops are split train/valid/test by photo (a photo's crops stay together), at most
:data:`MAX_PER_PHOTO` per photo so that no busy scene dominates, and cached as uint8 images
(ink dark on white, like the built data set) under the cache folder, built once on first use.
The selection does not depend on any model, so a rebuild gives the same crops.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from nnrecog.errors import InputError
from nnrecog.fileio import ArraySpec, atomic_path, open_npz
from nnrecog.paths import cache_dir
from nnrecog.paths import data_dir as shared_data_dir

#: Bump whenever the crops a build gives change; the cache is keyed by it.
NEGATIVES_VERSION = 1
#: Every this-many-th photo of the SUN train list is held out for measuring.
DEV_EVERY = 10
#: At most this many crops are kept per photo (drawn at random when it gives more).
MAX_PER_PHOTO = 24
#: Fractions of the photos whose crops go to the valid and test splits.
VALID_FRACTION = TEST_FRACTION = 0.1
#: A training set gets at most this many not-a-character crops per character sample, so the
#: characters stay the majority (more of them made a first try take characters for none).
TRAIN_SHARE = 0.7
#: The synthetic photos of blank sheets on a desk are this large (pixels, height x width).
DESK_SHAPE = (1200, 1600)
SPLITS = ("train", "valid", "test")
#: The detector's labels: output 0 is "not a character", output 1 "a character".
NOT_A_CHARACTER, CHARACTER = 0, 1


def scene_list(data_dir: str | os.PathLike | None, split: str) -> list[Path]:
    """The SUN subset's photos of ``split``: ``"train"`` (used for the class), ``"dev"`` (the
    held-out train photos) or ``"test"`` (for measuring only).

    Raises
    ------
    InputError : the SUN subset is not in the data folder.
    """
    root = shared_data_dir(data_dir) / "sun_subset"
    listing = root / ("test_files.txt" if split == "test" else "train_files.txt")
    if not listing.is_file():
        raise InputError(f"{listing}: not found (the SUN subset of the shared data; set --data-dir or NNRECOG_DATA)")
    names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    if split == "dev":
        names = names[::DEV_EVERY]
    elif split == "train":
        names = [name for i, name in enumerate(names) if i % DEV_EVERY]
    return [root / name for name in names]


def candidate_crops(grey: np.ndarray) -> np.ndarray:
    """The normalised crops the reader would classify on a page, before any cut or join.

    Parameters
    ----------
    grey : (H, W) float32 in [0, 1], ink dark.

    Returns
    -------
    (n, 32, 32) uint8, ink dark on white.
    """
    from nnrecog.data.normalize import normalize_glyph
    from nnrecog.ocr.lines import layout
    from nnrecog.ocr.finding.segmentation import segment

    seg = segment(grey)
    crops = []
    for line in layout.group_lines([g.box for g in seg.glyphs]):
        glyphs = [seg.glyphs[i] for i in line]
        marks = set(layout.punctuation_marks([g.box for g in glyphs]))
        crops += [normalize_glyph(seg.crop(g)) for i, g in enumerate(glyphs) if i not in marks]
    return (np.stack(crops) * 255).round().astype(np.uint8) if crops else np.zeros((0, 32, 32), np.uint8)


def blank_sheet_photo(desk: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A photo of a blank sheet (plain or ruled) lying on ``desk`` (a grey scene photo,
    resized to :data:`DESK_SHAPE`)."""
    from PIL import Image

    from nnrecog.data.pages import RULINGS, on_desk, ruled

    height = int(rng.integers(500, 1100))
    sheet = np.full((height, int(height * rng.uniform(0.7, 1.5))), rng.uniform(0.8, 0.97), np.float32)
    sheet += rng.normal(0, 0.01, sheet.shape).astype(np.float32)
    if rng.random() < 0.7:
        kind = RULINGS[int(rng.integers(len(RULINGS)))]
        sheet = ruled(sheet, rng, kind, spacing=float(rng.uniform(25, 70)), darkness=float(rng.uniform(0.15, 0.6)),
                      width=int(rng.integers(1, 4)))
    surface = np.asarray(Image.fromarray(desk, mode="F").resize(DESK_SHAPE[::-1], Image.BILINEAR), np.float32)
    photo, _ = on_desk(np.clip(sheet, 0, 1), surface, rng, angle=float(rng.uniform(-12, 12)),
                       fill=float(rng.uniform(0.3, 0.7)))
    return photo


def _photos(data_dir: str | os.PathLike | None, rng: np.random.Generator) -> Iterator[tuple[str, np.ndarray]]:
    """``(name, grey page)`` of every photo the class is made of (see the module docstring)."""
    from nnrecog.ocr.finding.photo import load_photo

    for path in scene_list(data_dir, "train"):
        grey, _ = load_photo(path)
        yield f"scene:{path.parent.name}/{path.name}", grey
        yield f"sheet:{path.parent.name}/{path.name}", blank_sheet_photo(grey, rng)


def negatives_path(seed: int = 0) -> Path:
    """Where the cached crops of ``seed`` live."""
    return cache_dir() / f"not-a-character-v{NEGATIVES_VERSION}-seed{seed}.npz"


def build_negatives(data_dir: str | os.PathLike | None = None, seed: int = 0, out: Path | None = None) -> Path:
    """Cut the crops of every photo (with progress) and write them, split by photo.

    Returns
    -------
    The ``.npz`` written: ``{split}_x`` (n, 32, 32) uint8 and ``{split}_source`` (n,) str.
    """
    from tqdm.auto import tqdm

    out = out or negatives_path(seed)
    rng = np.random.default_rng(seed)
    photos = scene_list(data_dir, "train")
    crops: dict[str, list[np.ndarray]] = {split: [] for split in SPLITS}
    sources: dict[str, list[str]] = {split: [] for split in SPLITS}
    for name, grey in tqdm(_photos(data_dir, rng), total=2 * len(photos), desc="not-a-character crops", unit="photo"):
        found = candidate_crops(grey)
        if len(found) > MAX_PER_PHOTO:
            found = found[np.sort(rng.choice(len(found), MAX_PER_PHOTO, replace=False))]
        draw = rng.random()  # one draw per photo keeps its crops in one split
        split = "test" if draw < TEST_FRACTION else "valid" if draw < TEST_FRACTION + VALID_FRACTION else "train"
        crops[split].append(found)
        sources[split] += [name] * len(found)
    arrays = {}
    for split in SPLITS:
        arrays[f"{split}_x"] = np.concatenate(crops[split]) if crops[split] else np.zeros((0, 32, 32), np.uint8)
        arrays[f"{split}_source"] = np.array(sources[split], dtype=str)
    with atomic_path(out) as tmp:
        np.savez_compressed(tmp, **arrays)
    return out


def character_or_not(
    splits: dict[str, tuple[np.ndarray, np.ndarray]], negatives: dict[str, np.ndarray], seed: int,
    limit: int | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Splits for telling characters from the rest: every character image labelled
    :data:`CHARACTER`, the not-a-character crops :data:`NOT_A_CHARACTER`: all of them (at most
    ``limit``, for quick runs) in valid and test, a random ``TRAIN_SHARE`` of the characters'
    number in train."""
    rng = np.random.default_rng([seed, 37])
    out = {}
    for split, (X, _) in splits.items():
        crops = negatives[split]
        most = int(TRAIN_SHARE * len(X)) if split == "train" else len(crops)
        most = min(most, limit) if limit is not None else most
        if len(crops) > most:
            crops = crops[np.sort(rng.choice(len(crops), most, replace=False))]
        out[split] = (
            np.concatenate([X, crops.astype(X.dtype)]),
            np.concatenate([np.full(len(X), CHARACTER), np.full(len(crops), NOT_A_CHARACTER)]).astype(np.int64),
        )
    return out


def load_negatives(data_dir: str | os.PathLike | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """The not-a-character crops per split, built on first use: ``{split: (n, 32, 32) float32}``
    in [0, 1], ink dark on white (the built data set's convention)."""
    path = negatives_path(seed)
    if not path.is_file():
        print(f"nnrecog: cutting the not-a-character crops into {path} (once, a few minutes)", file=sys.stderr)
        build_negatives(data_dir, seed, path)
    specs = {f"{split}_x": ArraySpec(shape=(None, 32, 32), dtype="uint8") for split in SPLITS}
    with open_npz(path, "a not-a-character crop file") as archive:
        archive.expect(specs, exact=False)
        return {split: archive.read(f"{split}_x").astype(np.float32) / 255.0 for split in SPLITS}
