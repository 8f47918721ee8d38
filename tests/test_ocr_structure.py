"""The walk of one photo through the reader: the drivers (reader.py, pipeline.py) hand each
stage its work at most twice, so the code reads in the order a photo is read.

Each call the profiler sees from a driver's frame into a stage module counts as an entry into
that module, and calls into the same module one after another count once (a loop over lines
in the driver, handing each line to two stages in turn, would enter both once per line). A
sheet read twice (upright, then turned) enters its stages twice; nothing may enter more often.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import nnrecog.ocr

_OCR = Path(nnrecog.ocr.__file__).resolve().parent
_DRIVERS = {str(_OCR / "reader.py"), str(_OCR / "pipeline.py")}


def _stage_entries(read) -> tuple[Counter, list[str]]:
    """Run ``read()`` and count the driver's entries into each stage module."""
    calls: list[str] = []

    def profile(frame, event, _arg) -> None:
        if event != "call" or frame.f_back is None:
            return
        callee, caller = frame.f_code.co_filename, frame.f_back.f_code.co_filename
        if caller in _DRIVERS and callee.startswith(str(_OCR)) and callee not in _DRIVERS:
            calls.append(Path(callee).relative_to(_OCR).as_posix())

    sys.setprofile(profile)
    try:
        read()
    finally:
        sys.setprofile(None)
    entries = [module for k, module in enumerate(calls) if k == 0 or calls[k - 1] != module]
    return Counter(entries), entries


@pytest.mark.parametrize("engine", ["auto", "lines", "chars"])
def test_a_course_photo_enters_each_stage_at_most_twice(shared_data: Path, engine: str):
    from nnrecog.ocr import Reader, ReaderConfig

    reader = Reader(ReaderConfig(engine=engine))
    photo = shared_data / "ocr_samples" / "01_list.jpg"
    counts, entries = _stage_entries(lambda: reader.read(photo))
    assert {"finding/photo.py", "finding/segmentation.py", "recognition/decode.py", "recognition/writing.py"} <= set(counts)
    assert max(counts.values()) <= 2, f"stage modules entered more than twice: {counts} in {entries}"


def test_a_sideways_sheet_read_twice_enters_each_stage_at_most_twice(shared_data: Path):
    """The upright reading is weak, so the sheet is read again turned: the second reading enters
    the stages a second time, and the orientation check is entered before and after it."""
    from PIL import Image

    from nnrecog.ocr import Reader

    grey = np.asarray(Image.open(shared_data / "ocr_samples" / "01_list.jpg").convert("L"), np.float32) / 255
    reader = Reader()
    counts, entries = _stage_entries(lambda: reader.read(np.rot90(grey)))
    assert counts["recognition/orientation.py"] == 2, entries
    assert counts["finding/segmentation.py"] == 2, entries
    assert max(counts.values()) <= 2, f"stage modules entered more than twice: {counts} in {entries}"
