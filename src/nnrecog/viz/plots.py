"""Figures for the experiments: training curves, confusion matrices, weight tiles, images.

Every function draws on its own ``matplotlib.figure.Figure`` (no pyplot global state, Agg
rendering, safe in any process) and writes the PNG through ``nnrecog.fileio.atomic_path`` so a
figure is either complete or absent.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnrecog.fileio import atomic_path  # noqa: E402

PathLike = str | os.PathLike


def save_figure(fig: Figure, path: PathLike) -> None:
    """Render ``fig`` with the Agg canvas and write it as a PNG, atomically."""
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight")


def _plot_lines(
    lines: Mapping[str, tuple[Sequence[float], Sequence[float]]], path: PathLike, xlabel: str, ylabel: str, title: str
) -> None:
    """Named ``(x, y)`` lines on one axis, with a grid and a legend."""
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for label, (x, y) in lines.items():
        ax.plot(x, y, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    save_figure(fig, path)


def plot_curves(
    curves: Mapping[str, Sequence[float]], path: PathLike, ylabel: str, title: str = ""
) -> None:
    """Several named per-epoch curves on one axis (e.g. valid accuracy for each learning rate).

    Parameters
    ----------
    curves : mapping label -> (epochs,) values
    """
    lines = {label: (np.arange(1, len(values) + 1), values) for label, values in curves.items()}
    _plot_lines(lines, path, "epoch", ylabel, title)


def plot_functions(
    x: Sequence[float], functions: Mapping[str, Sequence[float]], path: PathLike, ylabel: str = "", title: str = ""
) -> None:
    """Several named functions of one variable on one axis (e.g. an activation and its derivative).

    Parameters
    ----------
    x : (n,) the points
    functions : mapping label -> (n,) values at ``x``
    """
    _plot_lines({label: (x, values) for label, values in functions.items()}, path, "x", ylabel, title)


def plot_accuracy(history: Mapping[str, Sequence[float]], path: PathLike, title: str = "") -> None:
    """Training and validation accuracy per epoch (keys ``train_acc``, ``valid_acc``)."""
    curves = {split: history.get(f"{split}_acc", []) for split in ("train", "valid")}
    plot_curves(curves, path, "accuracy", title)


def plot_loss(history: Mapping[str, Sequence[float]], path: PathLike, title: str = "") -> None:
    """Training and validation average loss per epoch (keys ``train_loss``, ``valid_loss``)."""
    curves = {split: history.get(f"{split}_loss", []) for split in ("train", "valid")}
    plot_curves(curves, path, "average loss per sample", title)


def plot_confusion(
    cm: np.ndarray, class_names: Sequence[str], path: PathLike, title: str = ""
) -> None:
    """A confusion matrix as an image, rows = true class, columns = predicted, names on both axes.

    Parameters
    ----------
    cm : (k, k) int
    class_names : sequence of k str
    """
    cm = np.asarray(cm)
    k = cm.shape[0]
    fig = Figure(figsize=(8, 7))
    ax = fig.add_subplot()
    image = ax.imshow(cm, cmap="viridis", interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(np.arange(k), labels=list(class_names), fontsize=7)
    ax.set_yticks(np.arange(k), labels=list(class_names), fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    save_figure(fig, path)


def _tile_grid(tiles: np.ndarray, title: str, path: PathLike, normalise_each: bool) -> None:
    """Draw (m, h, w) tiles as one mosaic on a near-square grid, separated by 1-px gaps."""
    m, h, w = tiles.shape
    cols = math.ceil(math.sqrt(m))
    rows = math.ceil(m / cols)
    if normalise_each:
        low = tiles.min(axis=(1, 2), keepdims=True)
        span = tiles.max(axis=(1, 2), keepdims=True) - low
        tiles = (tiles - low) / np.where(span > 0, span, 1.0)
    mosaic = np.full((rows * (h + 1) + 1, cols * (w + 1) + 1), 1.0)
    for i, tile in enumerate(tiles):
        top, left = 1 + (i // cols) * (h + 1), 1 + (i % cols) * (w + 1)
        mosaic[top : top + h, left : left + w] = tile
    fig = Figure(figsize=(max(3.0, cols * 0.8), max(3.0, rows * 0.8) + (0.4 if title else 0)))
    ax = fig.add_subplot()
    ax.imshow(mosaic, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    save_figure(fig, path)


def plot_weight_tiles(
    W: np.ndarray, path: PathLike, title: str = "", tile_shape: tuple[int, int] = (32, 32)
) -> None:
    """Each column of a first-layer weight matrix as a grey tile (contrast stretched per tile).

    Parameters
    ----------
    W : (h*w, m)
        Dense weights (``in_features, out_features``), one tile per hidden unit; with the
        default ``tile_shape`` a (1024, 64) matrix gives the course's 8x8 grid of 32x32 tiles.
        Conv filters (out, 1, kh, kw) fit too as ``W.reshape(out, -1).T`` with
        ``tile_shape=(kh, kw)``.
    tile_shape : (h, w)
        Shape of one tile; rows are taken in row-major (upright image) order.
    """
    W = np.asarray(W, dtype=np.float64)
    tiles = W.T.reshape(W.shape[1], *tile_shape)
    _tile_grid(tiles, title, path, normalise_each=True)


def plot_images(images: np.ndarray, path: PathLike, title: str = "") -> None:
    """A grid of (n, h, w) images in [0, 1] (shown on a fixed 0..1 grey scale)."""
    _tile_grid(np.asarray(images, dtype=np.float64), title, path, normalise_each=False)


def plot_image_pairs(
    originals: np.ndarray,
    reconstructions: np.ndarray,
    path: PathLike,
    title: str = "",
    labels: Sequence[str] | None = None,
) -> None:
    """Images next to their reconstructions: one row per image, original left, output right.

    Parameters
    ----------
    originals, reconstructions : (n, h, w) float in [0, 1]
    labels : sequence of n str, optional
        Written left of each row (e.g. the class name).
    """
    originals = np.asarray(originals, dtype=np.float64)
    reconstructions = np.asarray(reconstructions, dtype=np.float64)
    n = originals.shape[0]
    fig = Figure(figsize=(2.6, 1.3 * n + (0.4 if title else 0)), layout="constrained")
    for i in range(n):
        for j, (image, name) in enumerate(
            ((originals[i], "input"), (reconstructions[i], "reconstruction"))
        ):
            ax = fig.add_subplot(n, 2, 2 * i + j + 1)
            ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=8)
            if j == 0 and labels is not None:
                ax.set_ylabel(labels[i], rotation=0, labelpad=12, fontsize=10)
    if title:
        fig.suptitle(title)
    save_figure(fig, path)
