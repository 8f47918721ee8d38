"""Train a glyph classifier end to end: data, training, evaluation, figures, results.

Shared by ``nnrecog train mlp``, ``nnrecog train cnn`` (the 36 classes) and ``nnrecog train
detector`` (character or not, :mod:`nnrecog.experiments.detector`); they differ only in the
network, how images become its input, which weights they draw, their labels and how the held-out
real NIST letters score them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog import metrics
from nnrecog.data import CLASSES, load, load_nist26
from nnrecog.errors import InputError
from nnrecog.experiments.inputs import input_meta
from nnrecog.experiments.training import (
    CLASSIFICATION,
    InputFn,
    TrainSettings,
    evaluate,
    fit,
)
from nnrecog.fileio import atomic_open, write_json

Splits = dict[str, tuple[np.ndarray, np.ndarray]]
RESULTS_FILE = "results.json"


@dataclass(frozen=True)
class ClassifierSpec:
    """How one kind of classifier is built, fed and pictured.

    Attributes
    ----------
    name : short name used in titles and the model's meta ("mlp", "cnn")
    build : ``build(rng) -> nnrecog.nn.Sequential``, freshly initialised
    to_input : images (n, 32, 32) -> network input, one of ``nnrecog.experiments.inputs``
    draw_weights : ``draw_weights(net, path, title)`` pictures the first layer's weights
    labels : the name of each output, in order
    meta : what the model file says of itself beyond its input convention (``classes``, ...)
    nist26 : ``nist26(probs, y) -> results`` on the held-out NIST letters
    """

    name: str
    build: Callable[[np.random.Generator], Any]
    to_input: InputFn
    draw_weights: Callable[[Any, Path, str], None]
    labels: str = CLASSES
    meta: dict[str, Any] = dataclasses.field(default_factory=lambda: {"classes": CLASSES})
    nist26: Callable[[np.ndarray, np.ndarray], dict[str, Any]] = metrics.nist26_scores


def load_splits(
    source: str | os.PathLike, data_dir: str | os.PathLike | None, limit: int | None, seed: int
) -> Splits:
    """``nnrecog.data.load(source)``, optionally cut to a random ``limit`` (> 0) samples per split.

    The cut is drawn from its own generator seeded by ``seed``, so it is the same every run.
    """
    splits = load(source, data_dir)
    if limit is None:
        return splits
    rng = np.random.default_rng([seed, 2024])
    cut = {}
    for name, (X, y) in splits.items():
        keep = np.sort(rng.permutation(len(X))[:limit])
        cut[name] = (X[keep], y[keep])
    return cut


def _nist26_results(spec: ClassifierSpec, net: Any, data_dir: str | os.PathLike | None) -> dict[str, Any]:
    """How the classifier does on the held-out real NIST letters (``spec.nist26``)."""
    try:
        X, y = load_nist26(data_dir)
    except InputError as exc:
        return {"nist26_accuracy": None, "nist26_error": str(exc)}
    return spec.nist26(net.predict_proba(spec.to_input(X)), y)


def train_classifier(
    spec: ClassifierSpec,
    settings: TrainSettings,
    out_dir: str | os.PathLike,
    *,
    splits: Splits,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    data_dir: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = True,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train, evaluate and picture one classifier; write everything to ``out_dir``.

    Writes ``model.npz`` (best validation accuracy), ``train_state.npz``, ``results.json``,
    ``accuracy.png``, ``loss.png``, ``confusion_test.png``, ``weights_init.png`` and
    ``weights_trained.png``.

    Returns
    -------
    dict
        The contents of ``results.json``: ``valid_accuracy``, ``test_accuracy``,
        ``nist26_accuracy`` (+ per letter, vowels vs consonants, letters-only decision),
        ``test_per_class``, ``top_confused`` (five (true, predicted, count) on test),
        ``seconds_per_epoch``, ``epochs``, ``best_epoch``, ``interrupted``, ``settings``,
        ``history``.
    """
    from nnrecog.viz import plots

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    net = spec.build(np.random.default_rng(settings.seed))
    if not resume:
        spec.draw_weights(net, out_dir / "weights_init.png", f"{spec.name}: first layer at init")
    meta = {**spec.meta, **input_meta(spec.to_input), "model": spec.name, "settings": dataclasses.asdict(settings)}
    fitted = fit(
        net, splits["train"], splits["valid"], CLASSIFICATION, settings, out_dir,
        to_input=spec.to_input, meta=meta, augment=augment, resume=resume, progress=progress,
        desc=f"train {spec.name}",
    )
    if not fitted.best_epoch:
        raise KeyboardInterrupt
    best, history = fitted.net, fitted.history

    # the best epoch's validation accuracy is in the history; only the test split is new
    X_test, y_test = splits["test"]
    _, test_accuracy, logits = evaluate(best, spec.to_input(X_test), y_test, CLASSIFICATION)
    accuracies = {"valid": history["valid_acc"][fitted.best_epoch - 1], "test": test_accuracy}
    labels = spec.labels
    test_cm = metrics.confusion_matrix(y_test, logits.argmax(axis=1), len(labels))

    title = f"{spec.name}, lr {settings.lr:g}, batch {settings.batch_size}"
    plots.plot_accuracy(history, out_dir / "accuracy.png", title=title)
    plots.plot_loss(history, out_dir / "loss.png", title=title)
    plots.plot_confusion(
        test_cm, labels, out_dir / "confusion_test.png",
        title=f"{spec.name}: test confusion (accuracy {accuracies['test']:.1%})",
    )
    spec.draw_weights(best, out_dir / "weights_trained.png", f"{spec.name}: first layer trained")

    results = {
        "model": spec.name,
        "valid_accuracy": accuracies["valid"],
        "test_accuracy": accuracies["test"],
        **_nist26_results(spec, best, data_dir),
        "test_per_class": metrics.per_class_report(test_cm, labels),
        "top_confused": metrics.top_confused_pairs(test_cm, labels, k=5),
        "seconds_per_epoch": float(np.mean(fitted.seconds)),
        "epoch_seconds": fitted.seconds,
        "epochs": len(history["train_loss"]),
        "best_epoch": fitted.best_epoch,
        "interrupted": fitted.interrupted,
        "n_samples": {name: len(split[1]) for name, split in splits.items()},
        "n_params": int(best.n_params),
        "settings": dataclasses.asdict(settings),
        **(extra or {}),
        "history": history,
    }

    write_json(out_dir / RESULTS_FILE, results)
    return results


def lr_sweep(
    run: Callable[[float, Path], dict[str, Any]], lr: float, out_dir: str | os.PathLike
) -> dict[str, Any]:
    """Train at ``lr``, ``10 lr`` and ``0.1 lr`` (one sub-folder each) and compare them.

    Each run writes its own accuracy and loss curves (six plots in all); ``out_dir`` gets
    ``sweep.md`` (a table), ``sweep.json`` and ``sweep_valid_accuracy.png``.

    Parameters
    ----------
    run : ``run(lr, folder) -> results`` trains one network into ``folder``

    Returns
    -------
    dict
        ``{"runs": [{"lr", "folder", "valid_accuracy", "test_accuracy", "nist26_accuracy",
        "epochs"}, ...], "best_lr", "best_test_accuracy", "table", "interrupted"}``; best =
        highest valid accuracy. Ctrl-C during a run ends the sweep after that run's results.
    """
    from nnrecog.viz import plots

    out_dir = Path(out_dir)
    rows, curves, interrupted = [], {}, False
    for rate in (lr, lr * 10, lr / 10):
        folder = out_dir / f"lr_{rate:g}"
        results = run(rate, folder)
        rows.append({
            "lr": rate,
            "folder": folder.name,
            **{k: results[k] for k in ("valid_accuracy", "test_accuracy", "nist26_accuracy", "epochs")},
        })
        curves[f"lr {rate:g}"] = results["history"]["valid_acc"]
        if results["interrupted"]:
            interrupted = True
            break
    best = max(rows, key=lambda row: row["valid_accuracy"])
    plots.plot_curves(curves, out_dir / "sweep_valid_accuracy.png", "validation accuracy",
                      title="learning-rate sweep")
    table = ["| lr | valid acc | test acc | nist26 acc | epochs |", "|---:|---:|---:|---:|---:|"]
    for row in rows:
        nist26 = "n/a" if row["nist26_accuracy"] is None else f"{row['nist26_accuracy']:.2%}"
        table.append(
            f"| {row['lr']:g} | {row['valid_accuracy']:.2%} | {row['test_accuracy']:.2%} "
            f"| {nist26} | {row['epochs']} |"
        )
    table.append(f"\nBest (by validation): lr {best['lr']:g}, test accuracy {best['test_accuracy']:.2%}")
    with atomic_open(out_dir / "sweep.md", "w", encoding="utf-8") as handle:
        handle.write("\n".join(table) + "\n")
    sweep = {"runs": rows, "best_lr": best["lr"], "best_test_accuracy": best["test_accuracy"],
             "table": "\n".join(table), "interrupted": interrupted}
    write_json(out_dir / "sweep.json", sweep)
    return sweep

