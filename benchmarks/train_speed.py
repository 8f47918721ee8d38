"""Training speed: nnrecog.nn (NumPy, float32) against PyTorch eager on the same MLP.

Both train the course MLP (1024 -> 64 sigmoid -> 36, softmax cross-entropy summed over the
batch, plain SGD) from the same initial weights on the same data and the same mini-batches, in
one process, with PyTorch's intra-op threads set to the BLAS threads NumPy uses. Prints
samples/s for each and their ratio at each batch size, then the course MLP's seconds per epoch
over 10k samples as ``nnrecog train mlp`` measures it (the training pass of ``fit``).

    python benchmarks/train_speed.py                  # the README numbers
    python benchmarks/train_speed.py --tiny           # seconds-long smoke run (used by the tests)
    python benchmarks/train_speed.py --threads 1      # both libraries single-threaded
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=10_000, help="training samples (default 10000)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per library; best kept")
    parser.add_argument("--threads", type=int, help="BLAS/torch threads (default: NumPy's own)")
    parser.add_argument("--data", default="default",
                        help="'random', or a nnrecog.data source (falls back to random if absent)")
    parser.add_argument("--tiny", action="store_true", help="256 samples, one repeat: a smoke run")
    args = parser.parse_args(argv)
    if args.tiny:
        args.samples, args.repeats, args.data = 256, 1, "random"
    return args


def load_images(source: str, n: int, seed: int = 0):
    """(n, 32, 32) float32 images and (n,) labels: the first n training samples, or random."""
    import numpy as np

    if source != "random":
        from nnrecog.data import load
        from nnrecog.errors import InputError

        try:
            X, y = load(source)["train"]
            reps = -(-n // len(X))
            return np.tile(X, (reps, 1, 1))[:n], np.tile(y, reps)[:n], source
        except InputError as exc:
            print(f"(data {source!r} unavailable: {exc}; using random images)", file=sys.stderr)
    rng = np.random.default_rng(seed)
    return rng.random((n, 32, 32), dtype=np.float32), rng.integers(0, 36, n), "random"


def time_epochs(step, batches, repeats: int) -> float:
    """Best samples/s over ``repeats`` passes of ``step(xb, yb)`` over ``batches``."""
    for xb, yb in batches[:3]:
        step(xb, yb)
    n = sum(len(yb) for _, yb in batches)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for xb, yb in batches:
            step(xb, yb)
        best = min(best, time.perf_counter() - started)
    return n / best


def compare(X, y, batch_size: int, repeats: int, lr: float = 0.01) -> tuple[float, float]:
    """Samples/s of nnrecog and of PyTorch on identical weights and batches."""
    import numpy as np
    import torch

    from nnrecog import nn
    from nnrecog.experiments.mlp import build_mlp

    net = build_mlp(np.random.default_rng(0))
    opt = nn.SGD(net, lr)
    model = torch.nn.Sequential(torch.nn.Linear(1024, 64), torch.nn.Sigmoid(), torch.nn.Linear(64, 36))
    with torch.no_grad():
        for linear, dense in zip((model[0], model[2]), net.layers):
            linear.weight.copy_(torch.from_numpy(dense.params["W"].T.copy()))
            linear.bias.copy_(torch.from_numpy(dense.params["b"]))
    torch_opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")

    batches = nn.random_batches(X.reshape(len(X), -1), y, batch_size, np.random.default_rng(1))
    torch_batches = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in batches]

    def numpy_step(xb, yb):
        _, dlogits = nn.softmax_cross_entropy(net.forward(xb), yb)
        net.backward(dlogits, input_grad=False)
        opt.step()

    def torch_step(xb, yb):
        torch_opt.zero_grad(set_to_none=True)
        loss_fn(model(xb), yb).backward()
        torch_opt.step()

    return time_epochs(numpy_step, batches, repeats), time_epochs(torch_step, torch_batches, repeats)


def course_seconds_per_epoch(X, y) -> float:
    """Seconds of one training pass of ``nnrecog train mlp`` (defaults) over ``X``."""
    import numpy as np

    from nnrecog.experiments.inputs import ink_dark_rows
    from nnrecog.experiments.mlp import build_mlp
    from nnrecog.experiments.options import MlpOptions
    from nnrecog.experiments.training import CLASSIFICATION, TrainSettings, fit

    settings = TrainSettings(epochs=3, batch_size=MlpOptions.batch_size, lr=MlpOptions.lr)
    with tempfile.TemporaryDirectory() as out:
        fitted = fit(build_mlp(np.random.default_rng(0)), (X, y), (X[:256], y[:256]), CLASSIFICATION,
                     settings, out, to_input=ink_dark_rows, meta={}, progress=False)
    return min(fitted.seconds)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        # Must be set before NumPy loads OpenBLAS.
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    threads = args.threads or int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))

    import torch

    torch.set_num_threads(threads)
    X, y, source = load_images(args.data, args.samples)
    print(f"course MLP 1024-64-36, {len(X)} samples ({source}), float32, "
          f"{threads} thread(s) for NumPy's BLAS and torch")
    print(f"{'batch':>6} {'nnrecog samples/s':>18} {'torch samples/s':>16} {'ratio':>6}")
    for batch_size in args.batch_sizes:
        ours, theirs = compare(X, y, batch_size, args.repeats)
        print(f"{batch_size:>6} {ours:>18,.0f} {theirs:>16,.0f} {ours / theirs:>6.2f}")
    seconds = course_seconds_per_epoch(X, y)
    print(f"nnrecog train mlp: {seconds:.3f} s per epoch over {len(X)} samples (goal <= 0.15 s at 10k)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
