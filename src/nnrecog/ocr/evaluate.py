"""Character error rates and box coverage of the OCR on photos with known text.

For every image ``NAME.jpg`` (or any image suffix) with a ``NAME.gt.txt`` beside it:

- **CER** = Levenshtein distance / ground-truth length, over upper-case alphanumerics and
  single spaces (punctuation dropped, runs of spaces collapsed), lines joined by newlines;
- **CER without spaces**: the same over the alphanumerics alone;
- **boxed**: ground-truth characters that got a box, and **spurious**: boxes that matched
  nothing, from the minimum-edit alignment of the read characters (each one a box) with the
  true ones: a match or a substitution pairs a box with a true character, a deletion is a
  true character without a box, an insertion a box without one;
- **out/truth**: the length of the text read over the length of the true text (both
  normalised, with spaces): far above 1, something that is not writing was read;
- **seconds** to read the photo (file decoding included, model and lexicon loaded once).

A photo that cannot be read (a broken image file) still counts, as an empty reading: every
true character is an error, so one bad file cannot flatter the totals. A ground-truth file
that is not UTF-8 text leaves its photo out. Both are listed under ``failed``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nnrecog.errors import InputError
from nnrecog.ocr.config import DEFAULT_CONFIG, ReaderConfig
from nnrecog.ocr.finding.photo import is_image_name
from nnrecog.ocr.reader import LexiconArg, LineModelArg, ModelArg, Reader
from nnrecog.paths import data_dir as data_dir_of

GT_SUFFIX = ".gt.txt"


def normalize_text(text: str) -> str:
    """Upper-case alphanumerics and single spaces, lines joined by ``\\n`` (empty lines dropped).

    >>> normalize_text("1. Make a  to-do list\\n\\n")
    '1 MAKE A TODO LIST'
    """
    lines = []
    for line in text.upper().splitlines():
        kept = re.sub(r"[^A-Z0-9 ]", "", line)
        kept = re.sub(r" +", " ", kept).strip()
        if kept:
            lines.append(kept)
    return "\n".join(lines)


def alignment_counts(predicted: str, truth: str) -> tuple[int, int, int, int]:
    """Minimum-edit alignment of two strings (unit costs).

    Returns
    -------
    ``(distance, paired, deleted, inserted)``: the Levenshtein distance, truth characters paired
    with a predicted one (match or substitution), truth characters left unpaired, predicted
    characters left unpaired. Ties prefer substitutions, so ``paired`` is maximal.
    """
    n, m = len(predicted), len(truth)
    # cost[i][j]: (distance, -paired) of predicted[:i] vs truth[:j]; tuples order ties by pairs
    previous = [(j, 0) for j in range(m + 1)]
    for i in range(1, n + 1):
        current = [(i, 0)]
        for j in range(1, m + 1):
            d, p = previous[j - 1]
            diagonal = (d + (predicted[i - 1] != truth[j - 1]), p - 1)
            up = (previous[j][0] + 1, previous[j][1])
            left = (current[j - 1][0] + 1, current[j - 1][1])
            current.append(min(diagonal, up, left))
        previous = current
    distance, neg_paired = previous[m]
    paired = -neg_paired
    return distance, paired, m - paired, n - paired


@dataclass
class PhotoScore:
    """One photo's scores (see the module docstring)."""

    name: str
    text: str
    truth: str
    errors: int
    length: int
    errors_no_spaces: int
    length_no_spaces: int
    boxes: int
    boxed: int
    spurious: int
    seconds: float
    error: str | None = None

    @property
    def cer(self) -> float:
        return self.errors / max(self.length, 1)

    @property
    def cer_no_spaces(self) -> float:
        return self.errors_no_spaces / max(self.length_no_spaces, 1)

    @property
    def length_ratio(self) -> float:
        """Length of the text read over that of the true text (normalised, with spaces)."""
        return len(self.text) / max(self.length, 1)

    def export(self) -> dict:
        return {
            **asdict(self),
            "cer": round(self.cer, 4),
            "cer_no_spaces": round(self.cer_no_spaces, 4),
            "length_ratio": round(self.length_ratio, 4),
        }


def score_text(name: str, text: str, truth_text: str, seconds: float, error: str | None = None) -> PhotoScore:
    """Score a reading ``text`` against the true text (both raw, normalised here)."""
    predicted, truth = normalize_text(text), normalize_text(truth_text)
    bare_predicted, bare_truth = re.sub(r"\s", "", predicted), re.sub(r"\s", "", truth)
    errors_no_spaces, boxed, _, spurious = alignment_counts(bare_predicted, bare_truth)
    return PhotoScore(
        name=name,
        text=predicted,
        truth=truth,
        errors=alignment_counts(predicted, truth)[0],
        length=len(truth),
        errors_no_spaces=errors_no_spaces,
        length_no_spaces=len(bare_truth),
        boxes=len(bare_predicted),
        boxed=boxed,
        spurious=spurious,
        seconds=seconds,
        error=error,
    )


def labelled_photos(folder: str | os.PathLike) -> list[tuple[Path, Path]]:
    """``(image, NAME.gt.txt)`` pairs of a folder, sorted by name.

    Raises
    ------
    InputError : the folder does not exist or holds no image with a ground-truth file.
    """
    root = Path(folder)
    if not root.is_dir():
        kind = "is a file" if root.is_file() else "no such directory"
        raise InputError(f"{root}: {kind} (expected a folder of photos with NAME.gt.txt files)")
    pairs = []
    for image in sorted(root.iterdir()):
        truth = image.with_name(image.name.rsplit(".", 1)[0] + GT_SUFFIX)
        if is_image_name(image) and truth.is_file():
            pairs.append((image, truth))
    if not pairs:
        raise InputError(f"{root}: no image with a NAME{GT_SUFFIX} ground-truth file beside it")
    return pairs


def _read_truth(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (expected the photo's true text)") from None


def evaluate_folder(
    folder: str | os.PathLike | None = None,
    model: ModelArg = None,
    lexicon: LexiconArg = True,
    data_dir: str | os.PathLike | None = None,
    config: ReaderConfig = DEFAULT_CONFIG,
    line_model: LineModelArg = None,
) -> dict:
    """Read every labelled photo of ``folder`` and score it.

    Parameters
    ----------
    folder : photos with ``NAME.gt.txt`` files; default ``ocr_samples`` in the shared data
        directory (:func:`nnrecog.paths.data_dir` of ``data_dir``).
    model, lexicon, config, line_model : as for :func:`nnrecog.ocr.read`.

    Returns
    -------
    ``{"model", "lexicon", "load_seconds", "photos": [PhotoScore.export(), ...], "total": {...},
    "failed": [error line, ...]}``; the total's CERs are pooled (all errors / all true
    characters), its ``seconds`` is the mean per photo read.

    Raises
    ------
    InputError : the folder holds no labelled photo, or the model or word list is unusable.
    """
    pairs = labelled_photos(folder if folder is not None else data_dir_of(data_dir) / "ocr_samples")
    start = time.perf_counter()
    reader = Reader(config, model, lexicon, line_model)
    load_seconds = time.perf_counter() - start
    scores, failed = [], []
    for image, truth in pairs:
        try:
            true_text = _read_truth(truth)
        except InputError as exc:
            failed.append(str(exc))
            continue
        start = time.perf_counter()
        try:
            text, error = reader.read(image).text, None
        except InputError as exc:
            text, error = "", str(exc)
            failed.append(error)
        scores.append(score_text(image.name, text, true_text, time.perf_counter() - start, error))
    if not scores:  # no ground truth could be read: no total to report
        raise InputError(failed[0] + (f" (and {len(failed) - 1} more like it)" if len(failed) > 1 else ""))
    return {
        "model": reader.classifier.source,
        "lexicon": bool(lexicon),
        "load_seconds": round(load_seconds, 4),
        "photos": [s.export() for s in scores],
        "total": pooled_total(scores),
        "failed": failed,
    }


def pooled_total(scores: list[PhotoScore]) -> dict:
    """Counts summed over ``scores``, pooled CERs (all errors / all true characters) and the
    mean ``seconds`` of the photos that were read."""
    total: dict = {
        key: sum(getattr(s, key) for s in scores)
        for key in ("errors", "length", "errors_no_spaces", "length_no_spaces", "boxes", "boxed", "spurious")
    }
    total["cer"] = round(total["errors"] / max(total["length"], 1), 4)
    total["cer_no_spaces"] = round(total["errors_no_spaces"] / max(total["length_no_spaces"], 1), 4)
    total["length_ratio"] = round(sum(len(s.text) for s in scores) / max(total["length"], 1), 4)
    total["max_length_ratio"] = round(max((s.length_ratio for s in scores), default=0.0), 4)
    read = [s.seconds for s in scores if s.error is None]
    total["seconds"] = round(sum(read) / max(len(read), 1), 4)
    return total


#: Lines of capitals for pages of NIST letters (letters only: nist26 holds no digits).
NIST_PAGE_TEXTS = (
    "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG",
    "PACK MY BOX WITH\nFIVE DOZEN LIQUOR JUGS",
    "NEURAL NETWORKS FOR\nRECOGNITION OF HANDWRITTEN TEXT",
    "SPHINX OF BLACK QUARTZ\nJUDGE MY VOW",
    "WALTZ BAD NYMPH\nFOR QUICK JIGS VEX",
    "HOW VEXINGLY QUICK\nDAFT ZEBRAS JUMP",
    "AMAZING MOMENTS\nMAKE MEMORIES",
    "WE WANT WARM WEATHER\nNOW",
    "MINIMUM NUMBER\nOF HUMANS",
    "JACK QUIETLY MOVED\nUP FRONT AND SEIZED",
    "BEWARE THE GIANT\nKING OF MOUNTAINS",
)


def evaluate_nist_pages(
    letter_gap: float,
    seeds: Sequence[int] = range(5),
    texts: Sequence[str] = NIST_PAGE_TEXTS,
    model: ModelArg = None,
    lexicon: bool = True,
    data_dir: str | os.PathLike | None = None,
    config: ReaderConfig = DEFAULT_CONFIG,
    line_model: LineModelArg = None,
) -> dict:
    """Read pages composed of real NIST letters and score them: handwriting never trained on.

    Each text is written once per seed with letters drawn at random from nist26_valid.mat
    (held out of every training set) by :func:`nnrecog.data.pages.compose_page`, with
    ``letter_gap`` character heights between letters (0.3: spaced block letters; 0: ink
    boxes abutting, so most neighbours touch). Only letters written in one piece are drawn
    (:func:`~nnrecog.data.pages.images_by_label`), which makes the CER somewhat optimistic:
    broken letters are left to the course photos.

    Returns
    -------
    :func:`pooled_total` of the pages, plus ``"pages"`` (how many).

    Raises
    ------
    InputError : nist26_valid.mat is not in the data directory.
    """
    from nnrecog.data import CLASSES, load_nist26
    from nnrecog.data.pages import compose_page, images_by_label

    images = images_by_label(*load_nist26(data_dir), CLASSES)
    reader = Reader(config, model, lexicon, line_model)
    scores = []
    for seed in seeds:
        for text in texts:
            page = compose_page(text, images, np.random.default_rng(seed), letter_gap=letter_gap)
            start = time.perf_counter()
            reading = reader.read(page.image).text
            scores.append(score_text(f"{seed}", reading, text, time.perf_counter() - start))
    return {"pages": len(scores), **pooled_total(scores)}


def format_report(report: dict) -> str:
    """A plain-text table of :func:`evaluate_folder`'s report."""
    header = f"{'photo':<20} {'CER':>7} {'CER-nosp':>9} {'boxed':>9} {'spurious':>9} {'out/truth':>9} {'seconds':>8}"
    rows = [f"model: {report['model']}  lexicon: {'on' if report['lexicon'] else 'off'}  "
            f"(model+lexicon load {report['load_seconds']:.2f} s)", header]
    for p in report["photos"] + [{"name": "TOTAL", **report["total"]}]:
        rows.append(
            f"{p['name']:<20} {100 * p['cer']:6.1f}% {100 * p['cer_no_spaces']:8.1f}% "
            f"{p['boxed']:>4}/{p['length_no_spaces']:<4} {p['spurious']:>9} {p['length_ratio']:9.2f} {p['seconds']:8.3f}"
            + ("  (unreadable: scored as empty)" if p.get("error") else "")
        )
    if report["failed"]:
        rows.append(f"{len(report['failed'])} file(s) failed; see the error lines")
    return "\n".join(rows)
