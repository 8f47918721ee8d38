"""Build the open NIST36-format dataset from the real handwriting in the shared data.

Pipeline: list every source -> sample capped sources per class (seeded) -> load and normalise
each glyph with :func:`normalize_glyph`, drawing its size and stroke width from NIST's measured
distribution -> drop exact and near duplicates -> split train/valid/test per class and source
-> add the synthetic (train-only) re-renderings of the Chars74K train trajectories -> write
uint8 arrays, ``manifest.json`` and optionally the course's ``.mat`` files.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from nnrecog.data import sources as src
from nnrecog.data.normalize import (
    NIST_LONG_SIDE_MEAN,
    NIST_LONG_SIDE_RANGE,
    NIST_LONG_SIDE_STD,
    NIST_STROKE_WIDTH,
    glyph_statistics,
    ink_bounds,
    normalize_glyph,
)
from nnrecog.data.readers import BUILT_ARRAYS, CLASSES, MANIFEST, NIST26_VALID, SPLITS, read_course_mat, write_course_mat
from nnrecog.errors import InputError
from nnrecog.fileio import atomic_path, ensure_dir, write_json
from nnrecog.paths import cache_dir
from nnrecog.paths import data_dir as _data_dir

#: Bump whenever the output of a build changes; the cached default set is keyed by it.
BUILDER_VERSION = 1
DEFAULT_SEED = 0
#: Per-image stroke width of nist26_valid: 2.5 +- 0.45 px (5-95 %: 1.9-3.3).
NIST_STROKE_STD = 0.45
NIST_STROKE_RANGE = (1.7, 3.5)
VALID_FRACTION = TEST_FRACTION = 0.15
#: Two images are near duplicates when the correlation of their size-free signatures exceeds this.
NEAR_DUPLICATE_CORRELATION = 0.97
SD19_CAP = 40
MNIST_CAP = 80
CHARS74K_RERENDERS = 2

SOURCES: tuple[src.Source, ...] = (
    src.Source("photos", src.list_photos, None, "handwritten_photos: pen on paper, photographed"),
    src.Source("chars74k", src.list_chars74k, None, "Chars74K EnglishHnd tablet trajectories, rendered"),
    src.Source("comnist", src.list_comnist, None, "CoMNIST touch-screen letters (no digits)"),
    src.Source("emnist", src.list_emnist, None, f"EMNIST-Balanced test subset (classes {src.EMNIST_DROPPED} dropped)"),
    src.Source("sd19", src.list_sd19, SD19_CAP, "NIST SD19 upper-case vowels only, capped hard"),
    src.Source("mnist", src.list_mnist, MNIST_CAP, "MNIST test digits, capped"),
    # last: its stretched glyphs get the aspect ratio measured on the sources above
    src.Source("alphadigs", src.list_alphadigs, None, "Binary Alphadigits 20x16, aspect ratio restored"),
)
SYNTHETIC_SOURCE = "chars74k_rerender"
SOURCE_NAMES = tuple(s.name for s in SOURCES) + (SYNTHETIC_SOURCE,)


@dataclass
class BuildResult:
    """What :func:`build_dataset` wrote: the folder, its manifest and the match table."""

    out_dir: Path
    manifest: dict
    match_table: str

    def report(self) -> str:
        """Human-readable summary: where, how many per split, the thinnest classes, the table."""
        totals = self.manifest["totals"]
        real_train = {
            c: sum(n for s, n in per_source.items() if s != SYNTHETIC_SOURCE)
            for c, per_source in self.manifest["counts"]["train"].items()
        }
        thinnest = sorted(real_train.items(), key=lambda kv: kv[1])[:5]
        lines = [
            f"wrote {self.out_dir}",
            "samples: "
            + ", ".join(f"{s} {t['all']} ({t['real']} real)" for s, t in totals.items()),
            "removed: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.manifest["removed"].items()),
            "fewest real train samples: " + ", ".join(f"{c} {n}" for c, n in thinnest),
            "",
            self.match_table,
        ]
        return "\n".join(lines)


@dataclass
class _Glyphs:
    """Normalised samples pooled over sources: uint8 images with label and provenance."""

    images: np.ndarray  # (n, 32, 32) uint8
    labels: np.ndarray  # (n,) int64
    sources: np.ndarray  # (n,) int64 index into SOURCE_NAMES
    origins: list[str]
    digests: np.ndarray  # (n,) uint64 hash of the raw image before normalisation

    def take(self, keep: np.ndarray) -> _Glyphs:
        keep = np.asarray(keep, np.int64)
        return _Glyphs(
            self.images[keep], self.labels[keep], self.sources[keep], [self.origins[i] for i in keep], self.digests[keep]
        )

    @staticmethod
    def concat(parts: list[_Glyphs]) -> _Glyphs:
        return _Glyphs(
            np.concatenate([p.images for p in parts]) if parts else np.zeros((0, 32, 32), np.uint8),
            np.concatenate([p.labels for p in parts]) if parts else np.zeros(0, np.int64),
            np.concatenate([p.sources for p in parts]) if parts else np.zeros(0, np.int64),
            [o for p in parts for o in p.origins],
            np.concatenate([p.digests for p in parts]) if parts else np.zeros(0, np.uint64),
        )


def _rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator that depends only on the seed and the names given (stable across runs)."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)])


def _nist_like_sizes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Long side and stroke width per sample, drawn from nist26_valid's measured distribution."""
    long_side = np.clip(rng.normal(NIST_LONG_SIDE_MEAN, NIST_LONG_SIDE_STD, n), *NIST_LONG_SIDE_RANGE)
    stroke = np.clip(rng.normal(NIST_STROKE_WIDTH, NIST_STROKE_STD, n), *NIST_STROKE_RANGE)
    return long_side, stroke


def _to_uint8(X: np.ndarray) -> np.ndarray:
    return np.round(np.clip(X, 0, 1) * 255).astype(np.uint8)


def _select(items: list[src.Item], cap: int | None, rng: np.random.Generator) -> list[src.Item]:
    """At most ``cap`` items per class, chosen at random; all of them when ``cap`` is None."""
    by_class: dict[int, list[src.Item]] = {}
    for item in items:
        by_class.setdefault(item.label, []).append(item)
    chosen = []
    for label in sorted(by_class):
        group = by_class[label]
        if cap is not None and len(group) > cap:
            group = [group[i] for i in sorted(rng.choice(len(group), cap, replace=False))]
        chosen.extend(group)
    return chosen


def _class_aspects(glyphs: _Glyphs) -> dict[int, float]:
    """Median ink-box height / width per class over the samples built so far."""
    masks = glyphs.images < 128
    h = masks.any(axis=2).sum(axis=1)
    w = masks.any(axis=1).sum(axis=1)
    ok = (h > 0) & (w > 0)
    return {
        int(c): float(np.median(h[ok & (glyphs.labels == c)] / w[ok & (glyphs.labels == c)]))
        for c in np.unique(glyphs.labels[ok])
    }


def _restore_aspect(grey: np.ndarray, aspect: float) -> np.ndarray:
    """Undo a frame-filling stretch: resample the ink box to height / width = ``aspect``."""
    bounds = ink_bounds(grey < 128)
    if bounds is None:
        return grey
    box = grey[bounds]
    height = 80
    width = max(4, round(height / aspect))
    return np.asarray(Image.fromarray(box).resize((width, height), Image.BILINEAR))


def _load_source(
    source: src.Source,
    index: int,
    root: Path,
    seed: int,
    per_class_limit: int | None,
    aspects: dict[int, float] | None,
    progress: bool,
) -> _Glyphs:
    """Select, load and normalise one source's samples."""
    items = source.list_items(root)
    caps = [c for c in (source.cap, per_class_limit) if c is not None]
    items = _select(items, min(caps) if caps else None, _rng(seed, "select", source.name))
    long_side, stroke = _nist_like_sizes(_rng(seed, "size", source.name), len(items))
    images = np.empty((len(items), 32, 32), np.uint8)
    digests = np.empty(len(items), np.uint64)
    for i, item in enumerate(tqdm(items, desc=f"{source.name:>9}", unit="img", disable=not progress, leave=False)):
        grey = np.asarray(item.load())
        digest = hashlib.sha1(grey.tobytes() + str(grey.shape).encode()).digest()
        digests[i] = int.from_bytes(digest[:8], "little")
        if aspects is not None and item.label in aspects:
            grey = _restore_aspect(grey, aspects[item.label])
        images[i] = _to_uint8(normalize_glyph(grey, long_side=long_side[i], stroke=stroke[i]))
    labels = np.array([it.label for it in items], np.int64)
    return _Glyphs(images, labels, np.full(len(items), index, np.int64), [it.origin for it in items], digests)


def _size_free_signature(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image: its ink box stretched to 16x16 (a mean-free unit vector) and the box's log aspect.

    Samples get random NIST-like sizes and stroke widths, so the same glyph built twice differs
    pixel by pixel; its ink box resampled to a fixed size does not. The stretch hides the aspect
    ratio, which is returned apart so that a short and a tall 'L' are not taken for one another.

    Returns
    -------
    vectors : (n, 256) float32, unit norm (zero for blank images).
    log_aspect : (n,) log(height / width) of the ink box.
    """
    signatures = np.zeros((len(images), 16, 16), np.float32)
    log_aspect = np.zeros(len(images))
    for i, image in enumerate(images):
        bounds = ink_bounds(image < 128)
        if bounds is not None:
            box = image[bounds]
            signatures[i] = np.asarray(Image.fromarray(box).resize((16, 16), Image.BILINEAR))
            log_aspect[i] = np.log(box.shape[0] / box.shape[1])
    flat = signatures.reshape(len(images), -1)
    flat -= flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    return flat / np.where(norms > 0, norms, 1), log_aspect


def _duplicate_groups(glyphs: _Glyphs, threshold: float) -> np.ndarray:
    """Group id per sample, where exact and near duplicates share one.

    Exact: the same raw image digest. Near: correlation of the :func:`_size_free_signature`
    vectors above ``threshold`` and ink-box aspect ratios within 10 %. Correlations are
    computed in blocks (n x n never sits in memory); groups are the connected components of
    both relations (union-find).
    """
    n = len(glyphs.labels)
    flat, log_aspect = _size_free_signature(glyphs.images)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_with_digest: dict[int, int] = {}
    for i, digest in enumerate(glyphs.digests.tolist()):
        union(first_with_digest.setdefault(digest, i), i)
    block = 1024
    for start in range(0, n, block):
        sims = flat[start : start + block] @ flat.T
        similar_shape = np.abs(log_aspect[start : start + block, None] - log_aspect[None, :]) < 0.1
        rows, cols = np.nonzero((sims > threshold) & similar_shape)
        for a, b in zip(rows + start, cols):
            if a < b:
                union(int(a), int(b))
    return np.array([find(i) for i in range(n)])


def _deduplicate(glyphs: _Glyphs, threshold: float) -> tuple[_Glyphs, dict[str, int]]:
    """Keep the first sample of each duplicate group; drop whole groups whose labels disagree.

    Returns the samples kept and how many were removed as exact copies, as near duplicates and
    for conflicting labels (e.g. Binary Alphadigits' '0' images are copies of its 'O' images).
    """
    groups = _duplicate_groups(glyphs, threshold)
    keep = []
    removed = {"conflicting_labels": 0, "exact_duplicates": 0, "near_duplicates": 0}
    order = np.argsort(groups, kind="stable")
    boundaries = np.flatnonzero(np.diff(groups[order])) + 1
    for members in np.split(order, boundaries):
        if len(set(glyphs.labels[members].tolist())) > 1:
            removed["conflicting_labels"] += len(members)
            continue
        keep.append(members[0])
        exact = len(members) - len(np.unique(glyphs.digests[members]))
        removed["exact_duplicates"] += exact
        removed["near_duplicates"] += len(members) - 1 - exact
    return glyphs.take(np.sort(keep)), removed


def _split(glyphs: _Glyphs, seed: int) -> dict[str, np.ndarray]:
    """Indices per split, stratified by class and source: 70 / 15 / 15 of every (class, source)."""
    parts: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    rng = _rng(seed, "split")
    for label in range(len(CLASSES)):
        for source in range(len(SOURCE_NAMES)):
            members = np.flatnonzero((glyphs.labels == label) & (glyphs.sources == source))
            members = rng.permutation(members)
            n_valid, n_test = round(VALID_FRACTION * len(members)), round(TEST_FRACTION * len(members))
            parts["valid"].append(members[:n_valid])
            parts["test"].append(members[n_valid : n_valid + n_test])
            parts["train"].append(members[n_valid + n_test :])
    return {s: np.sort(np.concatenate(p)) for s, p in parts.items()}


def perturb_strokes(strokes: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """A new plausible letterform from pen trajectories: slant, aspect, rotation and wobble.

    Parameters
    ----------
    strokes : list of (k, 2) ``[x, y]`` point arrays.
    rng : random generator.

    Returns
    -------
    list of (k, 2) float arrays: ``p' = R(theta) S(slant, aspect) (p - c) + c + wobble(p)``, with
    ``theta ~ U(-6, 6) deg``, shear ``~ U(-0.3, 0.3)``, width scale ``~ exp(N(0, 0.12))``, and a
    smooth per-stroke wobble of about 3 % of the glyph size.
    """
    points = np.concatenate(strokes).astype(np.float64)
    centre = points.mean(axis=0)
    extent = max(float(np.ptp(points, axis=0).max()), 1.0)
    theta = np.deg2rad(rng.uniform(-6, 6))
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    # x' = aspect * x - slant * y (y grows downwards, so slant > 0 leans right)
    shape = np.array([[np.exp(rng.normal(0, 0.12)), -rng.uniform(-0.3, 0.3)], [0.0, 1.0]])
    matrix = rotation @ shape
    out = []
    for stroke in strokes:
        p = (stroke - centre) @ matrix.T + centre
        # smooth wobble: random offsets at a few control points, interpolated along the stroke
        knots = rng.normal(0, 0.03 * extent, (4, 2))
        t = np.linspace(0, 3, len(p))
        wobble = np.stack([np.interp(t, np.arange(4), knots[:, k]) for k in range(2)], axis=1)
        out.append(p + wobble)
    return out


def _chars74k_rerenders(train: _Glyphs, root: Path, seed: int, per_sample: int, progress: bool) -> _Glyphs:
    """Synthetic train-only samples: perturbed re-renderings of the Chars74K train letterforms."""
    chars74k = SOURCE_NAMES.index("chars74k")
    origins = [o for o, s in zip(train.origins, train.sources) if s == chars74k]
    if not origins or per_sample <= 0:
        return _Glyphs.concat([])
    forms = src.read_chars74k(root)
    rng = _rng(seed, SYNTHETIC_SOURCE)
    n = len(origins) * per_sample
    long_side, stroke = _nist_like_sizes(rng, n)
    images = np.empty((n, 32, 32), np.uint8)
    labels, new_origins = np.empty(n, np.int64), []
    jobs = [(o, k) for o in origins for k in range(per_sample)]
    for i, (origin, k) in enumerate(tqdm(jobs, desc=f"{'rerender':>9}", unit="img", disable=not progress, leave=False)):
        char, form = origin.split("/")
        strokes = perturb_strokes(forms[char][int(form)], rng)
        grey = src.render_strokes(strokes, pen_fraction=rng.uniform(0.08, 0.16))
        images[i] = _to_uint8(normalize_glyph(grey, long_side=long_side[i], stroke=stroke[i]))
        labels[i] = CLASSES.index(char)
        new_origins.append(f"{origin}#{k}")
    source = np.full(n, SOURCE_NAMES.index(SYNTHETIC_SOURCE), np.int64)
    return _Glyphs(images, labels, source, new_origins, np.zeros(n, np.uint64))


def _counts(glyphs: _Glyphs) -> dict[str, dict[str, int]]:
    """{class: {source: count}} with only non-zero entries."""
    table: dict[str, Counter] = {c: Counter() for c in CLASSES}
    for label, source in zip(glyphs.labels, glyphs.sources):
        table[CLASSES[label]][SOURCE_NAMES[source]] += 1
    return {c: dict(sorted(t.items())) for c, t in table.items()}


def match_table(splits: dict[str, _Glyphs], reference: np.ndarray | None) -> str:
    """The per-source NIST-likeness table: ink box, intensity, dark fraction, stroke width."""
    pooled = _Glyphs.concat(list(splits.values()))
    header = f"{'source':<18}{'n':>6}{'box h':>7}{'box w':>7}{'long':>6}{'mean':>7}{'<0.1':>7}{'stroke':>7}"
    lines = [header, "-" * len(header)]

    def row(name: str, X: np.ndarray) -> str:
        s = glyph_statistics(X)
        return (
            f"{name:<18}{len(X):>6}{s['box_h']:>7.1f}{s['box_w']:>7.1f}{s['long_side']:>6.1f}"
            f"{s['intensity']:>7.3f}{s['dark']:>7.3f}{s['stroke']:>7.2f}"
        )

    for index, name in enumerate(SOURCE_NAMES):
        members = pooled.sources == index
        if members.any():
            lines.append(row(name, pooled.images[members].astype(np.float32) / 255))
    if reference is not None:
        lines.append(row("nist26_valid (ref)", reference))
    return "\n".join(lines)


def build_dataset(
    out_dir: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    *,
    seed: int = DEFAULT_SEED,
    sources: tuple[str, ...] | None = None,
    per_class_limit: int | None = None,
    rerenders: int = CHARS74K_RERENDERS,
    formats: tuple[str, ...] = ("npz",),
    progress: bool = True,
) -> BuildResult:
    """Build the open NIST36-format dataset into ``out_dir``.

    Parameters
    ----------
    out_dir : folder to write ``nist36_open.npz`` (uint8 ``{split}_x`` (n, 32, 32), int64
        ``{split}_y``, ``{split}_source``) and ``manifest.json`` into; ``"mat"`` in ``formats``
        also writes the course's ``nist36_{train,valid,test}.mat``.
    data_dir : the shared data (see :func:`nnrecog.paths.data_dir`).
    seed : seeds the sampling of capped sources, glyph sizes, the split and the re-renderings.
    sources : names from :data:`SOURCE_NAMES` to use (default all, the synthetic one included).
    per_class_limit : at most this many samples per class from each source (small test builds).
    rerenders : synthetic re-renderings per Chars74K train letterform (train only; 0 = none).
    progress : show tqdm bars on stderr.

    Returns
    -------
    BuildResult with the folder, the manifest written and the per-source match table.
    """
    root = _data_dir(data_dir)
    if not root.is_dir():
        raise InputError(f"{root}: data directory not found (use --data-dir or NNRECOG_DATA)")
    wanted = SOURCE_NAMES if sources is None else tuple(sources)
    unknown = sorted(set(wanted) - set(SOURCE_NAMES))
    if unknown:
        raise InputError(f"unknown source(s) {', '.join(unknown)}; expected some of {', '.join(SOURCE_NAMES)}")
    bad_formats = sorted(set(formats) - {"npz", "mat"})
    if bad_formats:
        raise InputError(f"unknown format(s) {', '.join(bad_formats)}; expected npz or mat")
    # Fail on an unwritable output folder now, not after minutes of building.
    ensure_dir(out_dir)

    parts: list[_Glyphs] = []
    for index, source in enumerate(SOURCES):
        if source.name not in wanted:
            continue
        aspects = _class_aspects(_Glyphs.concat(parts)) if source.name == "alphadigs" and parts else None
        parts.append(_load_source(source, index, root, seed, per_class_limit, aspects, progress))
    pooled, removed = _deduplicate(_Glyphs.concat(parts), NEAR_DUPLICATE_CORRELATION)
    indices = _split(pooled, seed)
    splits = {name: pooled.take(idx) for name, idx in indices.items()}
    if SYNTHETIC_SOURCE in wanted:
        synthetic = _chars74k_rerenders(splits["train"], root, seed, rerenders, progress)
        splits["train"] = _Glyphs.concat([splits["train"], synthetic])

    reference_path = root / NIST26_VALID
    reference = read_course_mat(reference_path, "valid")[0] if reference_path.is_file() else None
    table = match_table(splits, reference)
    manifest = {
        "builder_version": BUILDER_VERSION,
        "seed": seed,
        "classes": CLASSES,
        "image": "uint8 (n, 32, 32), upright, ink dark (0) on white (255); divide by 255",
        "sources": {
            **{s.name: {"description": s.description, "cap_per_class": s.cap, "synthetic": False} for s in SOURCES},
            SYNTHETIC_SOURCE: {
                "description": f"{rerenders} perturbed re-renderings of each Chars74K TRAIN letterform (train only)",
                "cap_per_class": None,
                "synthetic": True,
            },
        },
        "source_names": list(SOURCE_NAMES),  # decodes the {split}_source arrays
        "used_sources": [n for n in SOURCE_NAMES if any((g.sources == SOURCE_NAMES.index(n)).any() for g in splits.values())],
        "per_class_limit": per_class_limit,
        "removed": removed,
        "near_duplicate_correlation": NEAR_DUPLICATE_CORRELATION,
        "counts": {name: _counts(g) for name, g in splits.items()},
        "totals": {
            name: {"all": len(g.labels), "real": int((g.sources != SOURCE_NAMES.index(SYNTHETIC_SOURCE)).sum())}
            for name, g in splits.items()
        },
        "provenance": {
            name: [f"{SOURCE_NAMES[s]}:{o}" for s, o in zip(g.sources, g.origins)] for name, g in splits.items()
        },
        "match_table": table.splitlines(),
    }
    _write(Path(out_dir), splits, manifest, formats)
    return BuildResult(Path(out_dir), manifest, table)


def _write(out: Path, splits: dict[str, _Glyphs], manifest: dict, formats: tuple[str, ...]) -> None:
    """Arrays first, manifest last: a folder with a manifest is a complete build."""
    (out / MANIFEST).unlink(missing_ok=True)
    arrays = {}
    for name, g in splits.items():
        arrays[f"{name}_x"], arrays[f"{name}_y"], arrays[f"{name}_source"] = g.images, g.labels, g.sources
    with atomic_path(out / BUILT_ARRAYS) as tmp:
        np.savez_compressed(tmp, **arrays)
    if "mat" in formats:
        for name, g in splits.items():
            write_course_mat(out / f"nist36_{name}.mat", name, g.images.astype(np.float32) / 255, g.labels)
    write_json(out / MANIFEST, manifest)


def default_dataset_dir(
    data_dir: str | os.PathLike | None = None, seed: int = DEFAULT_SEED, build: bool = True
) -> Path:
    """The cached default build (``<cache>/nist36-open-v<version>-seed<seed>``).

    With ``build`` (the default) the set is built there first if it is not there yet.
    """
    folder = cache_dir() / f"nist36-open-v{BUILDER_VERSION}-seed{seed}"
    if build and not (folder / MANIFEST).is_file():
        print(f"nnrecog: building the open NIST36 dataset into {folder} (once, about a minute)", file=sys.stderr)
        build_dataset(folder, data_dir, seed=seed)
    return folder
