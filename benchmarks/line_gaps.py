"""Letter and word gaps of real handwriting, in capital heights: what the synthetic lines'
``LineStyle.letter_gap`` and ``word_gap`` are drawn to match.

Reads every photo of the given folders whose reading (default engine) equals its
``NAME.gt.txt`` exactly, spaces included (so every character box and word break is right),
and measures, per line, the gaps between neighbouring characters' boxes inside a word and
between words, divided by the line's median character height. Prints percentiles of both::

    python benchmarks/line_gaps.py ../shared/data/ocr_samples ../shared/data/ocr_dev
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def line_gaps(page) -> tuple[list[float], list[float]]:
    """Per line of a :class:`~nnrecog.ocr.document.elements.Page`: letter gaps and word gaps over the
    line's median character height."""
    letters, words = [], []
    for line in page.lines:
        heights = [c.box[2] - c.box[0] for w in line.words for c in w.chars]
        h = float(np.median(heights)) if heights else 0.0
        if h <= 0:
            continue
        for w in line.words:
            letters += [(b.box[1] - a.box[3]) / h for a, b in zip(w.chars[:-1], w.chars[1:])]
        words += [(b.chars[0].box[1] - a.chars[-1].box[3]) / h for a, b in zip(line.words[:-1], line.words[1:])]
    return letters, words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args(argv)
    from nnrecog import ocr
    from nnrecog.ocr.evaluate import normalize_text

    letters: list[float] = []
    words: list[float] = []
    for folder in args.folders:
        for truth_file in sorted(folder.glob("*.gt.txt")):
            name = truth_file.name[: -len(".gt.txt")]
            photos = [p for p in folder.glob(name + ".*") if not p.name.endswith(".gt.txt")]
            if not photos:
                continue
            page = ocr.read_file(photos[0])
            if normalize_text(page.text) != normalize_text(truth_file.read_text()):
                continue
            a, b = line_gaps(page)
            print(f"{photos[0].name}: {len(a)} letter gaps, {len(b)} word gaps", file=sys.stderr)
            letters += a
            words += b
    for label, gaps in (("letter gaps", letters), ("word gaps", words)):
        if gaps:
            q = np.percentile(gaps, [5, 25, 50, 75, 95])
            print(f"{label:12s} n={len(gaps):4d}  p5 {q[0]:.2f}  p25 {q[1]:.2f}  median {q[2]:.2f}  p75 {q[3]:.2f}  p95 {q[4]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
