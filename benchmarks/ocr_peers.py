"""OCR against a peer: nnrecog and Tesseract on the same labelled photos, CER and time side by side.

For every image with a ``NAME.gt.txt`` (default: ``ocr_samples`` in the shared data folder),
reads it with ``nnrecog`` (model and lexicon loaded once, outside the timing) and, when the
``tesseract`` binary is installed (``apt-get install tesseract-ocr``), with ``tesseract IMAGE
stdout --psm 6`` (one uniform block of text; process start-up included in its time). Both texts
are scored by :func:`nnrecog.ocr.evaluate.score_text`: CER over upper-case alphanumerics and
single spaces, and without spaces.

    python benchmarks/ocr_peers.py
    python benchmarks/ocr_peers.py --model path/to/model.npz --no-lexicon
    python benchmarks/ocr_peers.py /path/to/labelled/photos
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time

from nnrecog.ocr.evaluate import PhotoScore, labelled_photos, pooled_total, score_text
from nnrecog.ocr.lexicon import default_lexicon
from nnrecog.ocr.pipeline import read_file
from nnrecog.ocr.recognize import load_classifier
from nnrecog.paths import data_dir


def tesseract_text(image: str) -> tuple[str, float]:
    """Tesseract's text for an image (``--psm 6``) and its wall time in seconds."""
    start = time.perf_counter()
    result = subprocess.run(
        ["tesseract", image, "stdout", "--psm", "6"], capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=None, help="labelled photos (default: shared ocr_samples)")
    parser.add_argument("--model", default=None, help="nnrecog model file (default: the shipped model)")
    parser.add_argument("--no-lexicon", action="store_true", help="nnrecog without the word-list decoder")
    args = parser.parse_args(argv)

    pairs = labelled_photos(args.folder if args.folder else data_dir() / "ocr_samples")
    classifier = load_classifier(args.model)
    lexicon = None if args.no_lexicon else default_lexicon()
    has_tesseract = shutil.which("tesseract") is not None
    if not has_tesseract:
        print("tesseract not installed (apt-get install tesseract-ocr): nnrecog only", file=sys.stderr)

    ours: list[PhotoScore] = []
    theirs: list[PhotoScore] = []
    print(f"{'photo':<16} {'nnrecog CER':>11} {'no-space':>9} {'s':>6}   "
          f"{'tesseract CER':>13} {'no-space':>9} {'s':>6}")
    for image, truth_file in pairs:
        truth = truth_file.read_text(encoding="utf-8")
        start = time.perf_counter()
        page = read_file(image, classifier, lexicon or False)
        ours.append(score_text(image.name, page.text, truth, time.perf_counter() - start))
        mine = ours[-1]
        row = f"{image.name:<16} {100 * mine.cer:10.1f}% {100 * mine.cer_no_spaces:8.1f}% {mine.seconds:6.2f}"
        if has_tesseract:
            text, seconds = tesseract_text(str(image))
            theirs.append(score_text(image.name, text, truth, seconds))
            row += f"   {100 * theirs[-1].cer:12.1f}% {100 * theirs[-1].cer_no_spaces:8.1f}% {seconds:6.2f}"
        print(row)
    mine = pooled_total(ours)
    total = f"{'TOTAL':<16} {100 * mine['cer']:10.1f}% {100 * mine['cer_no_spaces']:8.1f}% {mine['seconds']:6.2f}"
    if theirs:
        other = pooled_total(theirs)
        total += f"   {100 * other['cer']:12.1f}% {100 * other['cer_no_spaces']:8.1f}% {other['seconds']:6.2f}"
    print(total)
    print(f"nnrecog model: {classifier.source}, lexicon {'off' if args.no_lexicon else 'on'}; "
          "CER pooled over all photos, seconds = mean per photo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
