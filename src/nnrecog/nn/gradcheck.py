"""Numerical gradient checking by central differences.

For every scalar ``w`` of every parameter, ``dL/dw ~ (L(w + eps) - L(w - eps)) / (2 eps)`` is
compared with the analytic gradient ``a`` from ``backward``. The error of one scalar is

    |a - n| / max(|a|, |n|, floor),   floor = 1e-3 * max_j |n_j| over that parameter tensor,

i.e. relative to the scalar's own size but never to less than a thousandth of the tensor's
largest gradient: central differences carry round-off of about ``1e-16 |L| / eps``, which
would otherwise swamp gradients that are zero (dead ReLUs, untouched inputs). To keep that
round-off small, the network runs in float64 and the loss of its outputs is evaluated in
extended precision (``np.longdouble``), so the difference of two nearly equal totals does not
lose the digits that matter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnrecog.nn.conv import Conv2D, MaxPool2D
from nnrecog.nn.layers import Dense, Flatten
from nnrecog.nn.losses import softmax_cross_entropy, squared_error
from nnrecog.nn.model import Sequential

LossFn = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]
#: The largest relative error ``nnrecog gradcheck`` passes (float64 central differences give
#: about 1e-8 on the reference networks).
DEFAULT_TOLERANCE = 1e-5


def gradcheck(
    net: Sequential, loss_fn: LossFn, X: np.ndarray, Y: np.ndarray, eps: float = 1e-6
) -> dict[str, float]:
    """Maximum relative error between analytic and numerical gradients, per parameter.

    The check runs on a float64 copy of ``net`` in eval mode (dropout off), so ``net`` itself
    is untouched.

    Parameters
    ----------
    net : Sequential
    loss_fn : callable ``(outputs, Y) -> (loss, dloss/doutputs)``
    X, Y : a small batch (every scalar costs two forward passes)
    eps : float, default 1e-6

    Returns
    -------
    dict mapping ``layers.{i}.{name}`` to the max relative error over that tensor
    """
    net64 = net.astype(np.float64).eval()
    X = np.asarray(X, dtype=np.float64)
    _, dout = loss_fn(net64.forward(X), Y)
    net64.backward(dout)
    errors: dict[str, float] = {}
    for name, param, grad in net64.parameters():
        numeric = np.empty_like(param)
        flat, num_flat = param.reshape(-1), numeric.reshape(-1)
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + eps
            plus = loss_fn(net64.forward(X).astype(np.longdouble), Y)[0]
            flat[k] = original - eps
            minus = loss_fn(net64.forward(X).astype(np.longdouble), Y)[0]
            flat[k] = original
            num_flat[k] = float((plus - minus) / (2 * eps))
        floor = max(1e-3 * float(np.abs(numeric).max()), np.finfo(np.float64).tiny)
        scale = np.maximum(np.maximum(np.abs(grad), np.abs(numeric)), floor)
        errors[name] = float((np.abs(grad - numeric) / scale).max())
    return errors


@dataclass
class GradcheckReport:
    """Result of checking one network."""

    network: str
    errors: dict[str, float]
    tolerance: float

    @property
    def max_error(self) -> float:
        return max(self.errors.values())

    @property
    def passed(self) -> bool:
        return self.max_error <= self.tolerance


def reference_networks(
    rng: np.random.Generator,
) -> list[tuple[str, Sequential, LossFn, np.ndarray, np.ndarray]]:
    """The networks ``nnrecog gradcheck`` checks, each with a small random batch.

    - the course MLP: 1024 -> 64 sigmoid -> 36, softmax cross-entropy;
    - the course autoencoder: 1024 -> 32 -> 32 -> 32 ReLU -> 1024 sigmoid, squared error;
    - a small CNN: conv(3x3, pad 1) -> pool -> conv(3x3, stride 2) -> flatten -> dense, on 12x12.
    """
    n = 3
    labels = rng.integers(0, 36, size=n)
    mlp = Sequential(
        Dense(1024, 64, "sigmoid", rng=rng, dtype=np.float64), Dense(64, 36, rng=rng, dtype=np.float64)
    )
    autoencoder = Sequential(
        Dense(1024, 32, "relu", rng=rng, dtype=np.float64),
        Dense(32, 32, "relu", rng=rng, dtype=np.float64),
        Dense(32, 32, "relu", rng=rng, dtype=np.float64),
        Dense(32, 1024, "sigmoid", rng=rng, dtype=np.float64),
    )
    cnn = Sequential(
        Conv2D(1, 4, 3, padding=1, activation="relu", rng=rng, dtype=np.float64),
        MaxPool2D(2),
        Conv2D(4, 6, 3, stride=2, activation="tanh", rng=rng, dtype=np.float64),
        Flatten(),
        Dense(6 * 2 * 2, 10, rng=rng, dtype=np.float64),
    )
    images = rng.random((n, 1024))
    return [
        ("course MLP 1024-64-36", mlp, softmax_cross_entropy, images, labels),
        ("course autoencoder 1024-32-32-32-1024", autoencoder, squared_error, images, images),
        ("small CNN conv-pool-conv-dense", cnn, softmax_cross_entropy, rng.random((n, 1, 12, 12)), labels % 10),
    ]


def check_reference_networks(seed: int = 0, tolerance: float = DEFAULT_TOLERANCE) -> list[GradcheckReport]:
    """Gradient-check every reference network; see ``reference_networks``."""
    rng = np.random.default_rng(seed)
    return [
        GradcheckReport(name, gradcheck(net, loss_fn, X, Y), tolerance)
        for name, net, loss_fn, X, Y in reference_networks(rng)
    ]


def format_report(reports: list[GradcheckReport], tolerance: float) -> str:
    """A plain-text table: network, parameter, max relative error, verdict."""
    rows = [("network", "parameter", "max rel. error", "")]
    for report in reports:
        for name, error in report.errors.items():
            rows.append((report.network, name, f"{error:.2e}", "ok" if error <= tolerance else "FAIL"))
    widths = [max(len(row[c]) for row in rows) for c in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    verdict = "all gradients match" if all(r.passed for r in reports) else "GRADIENT CHECK FAILED"
    lines.append(f"{verdict} (tolerance {tolerance:.0e})")
    return "\n".join(lines)
