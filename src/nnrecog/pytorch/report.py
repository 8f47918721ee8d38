"""What every PyTorch run leaves in its output folder: results.json, curves, confusion matrix."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog.fileio import write_json


def write_run(
    out_dir: str | os.PathLike,
    results: dict[str, Any],
    history: dict[str, list[float]],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    class_names: Sequence[str],
    title: str,
) -> dict[str, Any]:
    """Add the history and test-set confusion figures to ``results`` and write everything.

    Writes ``accuracy.png``, ``loss.png``, ``confusion.png`` and ``results.json`` to
    ``out_dir``. ``results`` gains ``history``, ``epochs``, ``seconds_per_epoch``,
    ``per_class_accuracy`` (test recall of each class) and ``top_confused`` (the five most
    frequent ``(true, predicted, count)`` test errors).

    Returns
    -------
    dict
        The completed results (as written to ``results.json``).
    """
    from nnrecog import metrics
    from nnrecog.viz import plots

    out = Path(out_dir)
    cm = metrics.confusion_matrix(y_true, y_pred, len(class_names))
    results = {
        **results,
        "epochs": len(history["valid_acc"]),
        "seconds_per_epoch": float(np.mean(history["seconds"])) if history["seconds"] else 0.0,
        "per_class_accuracy": metrics.per_class_report(cm, class_names),
        "top_confused": [list(pair) for pair in metrics.top_confused_pairs(cm, class_names, k=5)],
        "history": history,
    }
    plots.plot_accuracy(history, out / "accuracy.png", title=title)
    plots.plot_loss(history, out / "loss.png", title=title)
    plots.plot_confusion(cm, class_names, out / "confusion.png", title=f"{title}: test confusion")
    write_json(out / "results.json", results)
    return results


def summary(results: dict[str, Any], out_dir: str | os.PathLike) -> str:
    """A few human lines about a finished run (accuracies, speed, worst confusions)."""
    lines = [
        f"{key.replace('_', ' ')}: {results[key]:.4f}"
        for key in ("valid_accuracy", "test_accuracy", "nist26_accuracy")
        if results.get(key) is not None
    ]
    lines.append(f"epochs: {results['epochs']} at {results['seconds_per_epoch']:.1f} s each")
    if results.get("top_confused"):
        pairs = ", ".join(f"{t}->{p} ({n})" for t, p, n in results["top_confused"])
        lines.append(f"most confused (test, true->predicted): {pairs}")
    lines.append(f"wrote {Path(out_dir)}/results.json, model.pt, accuracy.png, loss.png, confusion.png")
    return "\n".join(lines)
