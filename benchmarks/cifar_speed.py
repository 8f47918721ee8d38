"""CPU training throughput of the ``torch cifar10`` networks: threads, processes, precision.

Times full training steps (forward, loss, backward, Nesterov SGD step) of a recipe's network
on random 32x32 batches in the NHWC layout. Every setting runs in a fresh process (torch's
thread pool is fixed once it has started); "2 procs" runs two single-threaded processes at
once, as ``torchrun --nproc_per_node=2`` does, and reports their sum. The load average is
printed before and after: on a shared machine the figures mean little without it.

    python benchmarks/cifar_speed.py                    # full recipe, the README settings
    python benchmarks/cifar_speed.py --recipe quick --seconds 5
"""

from __future__ import annotations

import argparse
import subprocess
import sys


def measure(recipe: str, threads: int, precision: str, batch: int, seconds: float) -> float:
    """Training images per second of one setting, in this process."""
    import time

    import torch
    import torch.nn.functional as F

    from nnrecog.pytorch.cifar_recipes import RECIPES
    from nnrecog.pytorch.context import autocast

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = RECIPES[recipe].build(10).to(memory_format=torch.channels_last)
    x = torch.randn(batch, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.85, nesterov=True)
    device = torch.device("cpu")

    def step() -> None:
        with autocast(device, precision):
            loss = F.cross_entropy(net(x), y, label_smoothing=0.2)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(3):  # warm-up: oneDNN picks and caches its kernels
        step()
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return batch * steps / (time.perf_counter() - start)


def _child(args: argparse.Namespace, threads: int, precision: str) -> subprocess.Popen:
    command = [sys.executable, __file__, "--child", str(threads), precision, "--recipe", args.recipe,
               "--batch", str(args.batch), "--seconds", str(args.seconds)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="full", choices=("full", "quick"))
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per setting")
    parser.add_argument("--child", nargs=2, metavar=("THREADS", "PRECISION"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(measure(args.recipe, int(args.child[0]), args.child[1], args.batch, args.seconds))
        return
    with open("/proc/loadavg") as handle:
        print(f"load before: {handle.read().strip()}")
    print(f"recipe {args.recipe}, batch {args.batch}: training images per second")
    for precision in ("fp32", "bf16"):
        for label, settings in (("1 proc x 1 thread", [1]), ("1 proc x 2 threads", [2]), ("2 procs x 1 thread", [1, 1])):
            children = [_child(args, threads, precision) for threads in settings]
            rates = [float(child.communicate()[0]) for child in children]
            print(f"  {precision} {label}: {sum(rates):7.0f} img/s  ({50000 / sum(rates):5.1f} s per 50k images)")
    with open("/proc/loadavg") as handle:
        print(f"load after: {handle.read().strip()}")


if __name__ == "__main__":
    main()
