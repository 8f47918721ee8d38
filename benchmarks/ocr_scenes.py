"""How often nnrecog reads text where there is none: SUN scene photos (no handwriting at all).

A photo without writing should read as empty; every character read is a false positive. The
SUN subset's *test* split is for measuring only (nothing is trained or tuned on it); the
*train* split's every 10th photo is held out of the not-a-character training crops, so
``--split dev`` measures on photos no model saw either.

    python benchmarks/ocr_scenes.py                    # all 400 test scenes
    python benchmarks/ocr_scenes.py --split dev        # 118 held-out train scenes
    python benchmarks/ocr_scenes.py --every 4 --model path/to/model.npz
    python benchmarks/ocr_scenes.py --engine lines --line-model runs/lines/model.npz
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from nnrecog.ocr.config import ENGINES, ReaderConfig
from nnrecog.ocr.reader import Reader
from nnrecog.paths import data_dir

#: Every this-many-th photo of the train list is held out of the not-a-character crops.
DEV_EVERY = 10


def scene_photos(root: Path, split: str) -> list[Path]:
    """The photos of a split of the SUN subset (``dev``: the held-out train photos)."""
    listing = root / ("test_files.txt" if split == "test" else "train_files.txt")
    names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    return [root / name for name in (names[::DEV_EVERY] if split == "dev" else names)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("test", "dev"), default="test")
    parser.add_argument("--every", type=int, default=1, help="read every N-th photo of the split")
    parser.add_argument("--model", default=None, help="nnrecog model file (default: the shipped model)")
    parser.add_argument("--engine", choices=ENGINES, default=ReaderConfig().engine, help="how lines are read")
    parser.add_argument("--line-model", default=None, help="line recogniser of the lines engine (default: the shipped one)")
    parser.add_argument("--data-dir", default=None, help="shared data folder (default: $NNRECOG_DATA or ../shared/data)")
    parser.add_argument("--show", action="store_true", help="print what was read in each photo giving text")
    args = parser.parse_args(argv)

    photos = scene_photos(data_dir(args.data_dir) / "sun_subset", args.split)[:: args.every]
    reader = Reader(ReaderConfig(engine=args.engine), model=args.model, line_model=args.line_model)
    with_text, characters, start = 0, 0, time.perf_counter()
    for photo in photos:
        text = reader.read(photo).text
        count = sum(c.isalnum() for c in text)
        if count:
            with_text += 1
            characters += count
            if args.show:
                print(f"{photo.parent.name}/{photo.name}: {text!r}")
    seconds = (time.perf_counter() - start) / max(len(photos), 1)
    print(f"{args.split}: {with_text} of {len(photos)} scenes give text ({100 * with_text / max(len(photos), 1):.1f} %), "
          f"{characters} characters; {seconds:.3f} s per photo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
