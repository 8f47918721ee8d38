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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from tqdm import tqdm

from nnrecog.data.duplicates import deduplicate
from nnrecog.data.nist36 import BUILT_ARRAYS, CLASSES, MANIFEST, NIST26_VALID, SIDE, SPLITS
from nnrecog.data.normalize import glyph_statistics, ink_bounds, normalize_glyph
from nnrecog.data.options import BuildOptions
from nnrecog.data.readers import read_course_mat, write_course_mat
from nnrecog.data.rerender import chars74k_rerenders
from nnrecog.data.samples import Samples, nist_like_sizes, seeded_rng, to_uint8
from nnrecog.data.sources import SOURCE_NAMES, SOURCES, SYNTHETIC_SOURCE, Item, Source
from nnrecog.errors import InputError
from nnrecog.fileio import atomic_path, ensure_dir, write_json
from nnrecog.paths import cache_dir
from nnrecog.paths import data_dir as _data_dir

#: Bump whenever the output of a build changes; the cached default set is keyed by it.
BUILDER_VERSION = 1
VALID_FRACTION = TEST_FRACTION = 0.15
#: Two images are near duplicates when the correlation of their size-free signatures exceeds this.
NEAR_DUPLICATE_CORRELATION = 0.97


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


def _select(items: list[Item], cap: int | None, rng: np.random.Generator) -> list[Item]:
    """At most ``cap`` items per class, chosen at random; all of them when ``cap`` is None."""
    by_class: dict[int, list[Item]] = {}
    for item in items:
        by_class.setdefault(item.label, []).append(item)
    chosen = []
    for label in sorted(by_class):
        group = by_class[label]
        if cap is not None and len(group) > cap:
            group = [group[i] for i in sorted(rng.choice(len(group), cap, replace=False))]
        chosen.extend(group)
    return chosen


def _selected(source: Source, items: list[Item], seed: int, per_class_limit: int | None) -> list[Item]:
    """The items of ``source`` a build with ``seed`` takes: at most its cap (and the per-class
    limit) per class."""
    caps = [c for c in (source.cap, per_class_limit) if c is not None]
    return _select(items, min(caps) if caps else None, seeded_rng(seed, "select", source.name))


def left_out(source_name: str, data_dir: str | os.PathLike | None = None, seed: int = BuildOptions.seed) -> list[Item]:
    """The items of a capped source that a build with ``seed`` (and no per-class limit) leaves
    out: handwriting no model trained on the built set has seen, for tests and benchmarks.

    Raises
    ------
    InputError : no source of that name, or its files are missing.
    """
    source = next((s for s in SOURCES if s.name == source_name), None)
    if source is None:
        raise InputError(f"no source named {source_name!r} (one of {', '.join(s.name for s in SOURCES)})")
    items = source.list_items(_data_dir(data_dir))
    chosen = {item.origin for item in _selected(source, items, seed, None)}
    return [item for item in items if item.origin not in chosen]


def _class_aspects(glyphs: Samples) -> dict[int, float]:
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
    source: Source,
    index: int,
    root: Path,
    seed: int,
    per_class_limit: int | None,
    aspects: dict[int, float] | None,
    progress: bool,
) -> Samples:
    """Select, load and normalise one source's samples."""
    items = _selected(source, source.list_items(root), seed, per_class_limit)
    long_side, stroke = nist_like_sizes(seeded_rng(seed, "size", source.name), len(items))
    images = np.empty((len(items), SIDE, SIDE), np.uint8)
    digests = np.empty(len(items), np.uint64)
    for i, item in enumerate(tqdm(items, desc=f"{source.name:>9}", unit="img", disable=not progress, leave=False)):
        grey = np.asarray(item.load())
        digest = hashlib.sha1(grey.tobytes() + str(grey.shape).encode()).digest()
        digests[i] = int.from_bytes(digest[:8], "little")
        if aspects is not None and item.label in aspects:
            grey = _restore_aspect(grey, aspects[item.label])
        images[i] = to_uint8(normalize_glyph(grey, long_side=long_side[i], stroke=stroke[i]))
    labels = np.array([it.label for it in items], np.int64)
    return Samples(images, labels, np.full(len(items), index, np.int64), [it.origin for it in items], digests)


def _split(glyphs: Samples, seed: int) -> dict[str, np.ndarray]:
    """Indices per split, stratified by class and source: 70 / 15 / 15 of every (class, source)."""
    parts: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    rng = seeded_rng(seed, "split")
    for label in range(len(CLASSES)):
        for source in range(len(SOURCE_NAMES)):
            members = np.flatnonzero((glyphs.labels == label) & (glyphs.sources == source))
            members = rng.permutation(members)
            n_valid, n_test = round(VALID_FRACTION * len(members)), round(TEST_FRACTION * len(members))
            parts["valid"].append(members[:n_valid])
            parts["test"].append(members[n_valid : n_valid + n_test])
            parts["train"].append(members[n_valid + n_test :])
    return {s: np.sort(np.concatenate(p)) for s, p in parts.items()}


def _counts(glyphs: Samples) -> dict[str, dict[str, int]]:
    """{class: {source: count}} with only non-zero entries."""
    table: dict[str, Counter] = {c: Counter() for c in CLASSES}
    for label, source in zip(glyphs.labels, glyphs.sources):
        table[CLASSES[label]][SOURCE_NAMES[source]] += 1
    return {c: dict(sorted(t.items())) for c, t in table.items()}


def match_table(splits: dict[str, Samples], reference: np.ndarray | None) -> str:
    """The per-source NIST-likeness table: ink box, intensity, dark fraction, stroke width."""
    pooled = Samples.concat(list(splits.values()))
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


def build_dataset(out_dir: str | os.PathLike | None = None, **options: Any) -> BuildResult:
    """Build the open NIST36-format dataset into ``out_dir``.

    Parameters
    ----------
    out_dir : folder to write ``nist36_open.npz`` (uint8 ``{split}_x`` (n, 32, 32), int64
        ``{split}_y``, ``{split}_source``) and ``manifest.json`` into; ``"mat"`` in ``formats``
        also writes the course's ``nist36_{train,valid,test}.mat``. None: the cached default set
        (:func:`default_dataset_dir`).
    **options : the other fields of :class:`~nnrecog.data.options.BuildOptions`: ``data_dir``
        (the shared data), ``seed`` (seeds the sampling of capped sources, glyph sizes, the split
        and the re-renderings), ``formats``, ``sources`` (names from :data:`SOURCE_NAMES`),
        ``per_class_limit``, ``rerenders``, ``progress``.

    Returns
    -------
    BuildResult with the folder, the manifest written and the per-source match table.
    """
    opts = BuildOptions(out_dir=out_dir, **options)
    data_dir, seed, rerenders, progress = opts.data_dir, opts.seed, opts.rerenders, opts.progress
    out = Path(out_dir) if out_dir is not None else default_dataset_dir(data_dir, seed, build=False)
    root = _data_dir(data_dir)
    if not root.is_dir():
        raise InputError(f"{root}: data directory not found (use --data-dir or NNRECOG_DATA)")
    wanted = SOURCE_NAMES if opts.sources is None else tuple(opts.sources)
    unknown = sorted(set(wanted) - set(SOURCE_NAMES))
    if unknown:
        raise InputError(f"unknown source(s) {', '.join(unknown)}; expected some of {', '.join(SOURCE_NAMES)}")
    bad_formats = sorted(set(opts.formats) - {"npz", "mat"})
    if bad_formats:
        raise InputError(f"unknown format(s) {', '.join(bad_formats)}; expected npz or mat")
    # Fail on an unwritable output folder now, not after minutes of building.
    ensure_dir(out)

    parts: list[Samples] = []
    for index, source in enumerate(SOURCES):
        if source.name not in wanted:
            continue
        aspects = _class_aspects(Samples.concat(parts)) if source.name == "alphadigs" and parts else None
        parts.append(_load_source(source, index, root, seed, opts.per_class_limit, aspects, progress))
    pooled, removed = deduplicate(Samples.concat(parts), NEAR_DUPLICATE_CORRELATION)
    indices = _split(pooled, seed)
    splits = {name: pooled.take(idx) for name, idx in indices.items()}
    if SYNTHETIC_SOURCE in wanted:
        synthetic = chars74k_rerenders(splits["train"], root, seed, rerenders, progress)
        splits["train"] = Samples.concat([splits["train"], synthetic])

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
        "per_class_limit": opts.per_class_limit,
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
    _write(out, splits, manifest, opts.formats)
    return BuildResult(out, manifest, table)


def _write(out: Path, splits: dict[str, Samples], manifest: dict, formats: tuple[str, ...]) -> None:
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
    data_dir: str | os.PathLike | None = None, seed: int = BuildOptions.seed, build: bool = True
) -> Path:
    """The cached default build (``<cache>/nist36-open-v<version>-seed<seed>``).

    With ``build`` (the default) the set is built there first if it is not there yet.
    """
    folder = cache_dir() / f"nist36-open-v{BUILDER_VERSION}-seed{seed}"
    if build and not (folder / MANIFEST).is_file():
        print(f"nnrecog: building the open NIST36 dataset into {folder} (once, about a minute)", file=sys.stderr)
        build_dataset(folder, data_dir=data_dir, seed=seed)
    return folder
