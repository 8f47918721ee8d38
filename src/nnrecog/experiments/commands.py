"""Entry points of the ``nnrecog train`` commands: run one experiment, format its results."""

from __future__ import annotations

import os
from typing import Any


def run_training(model: str, out_dir: str | os.PathLike, **options: Any) -> dict[str, Any]:
    """Run ``nnrecog train MODEL``: ``model`` is ``mlp``, ``cnn``, ``detector``, ``orientation`` or
    ``autoencoder``.

    ``options`` go to ``run_mlp``, ``run_cnn``, ``run_detector``, ``run_orientation`` or ``run_autoencoder``, which check them against
    their options dataclass (:mod:`nnrecog.experiments.options`) before any data is loaded or any
    file written; returns their results.

    Raises
    ------
    InputError
        Naming the command-line option and the value, e.g. ``--epochs must be positive, got 0``.
    """
    from nnrecog.experiments.autoencoder import run_autoencoder
    from nnrecog.experiments.cnn import run_cnn
    from nnrecog.experiments.detector import run_detector
    from nnrecog.experiments.mlp import run_mlp
    from nnrecog.experiments.orientation import run_orientation

    runners = {"mlp": run_mlp, "cnn": run_cnn, "detector": run_detector, "orientation": run_orientation,
               "autoencoder": run_autoencoder}
    return runners[model](out_dir, **options)


def format_results(results: dict[str, Any]) -> str:
    """What the command prints: a sweep's table, an autoencoder's PSNR, or a classifier's
    accuracies with the five most confused pairs."""
    if "table" in results:
        lines = [results["table"]]
    elif "psnr_valid" in results:
        lines = [
            _epochs_line(results),
            f"validation PSNR {results['psnr_valid']:.2f} dB (test {results['psnr_test']:.2f} dB), "
            f"validation loss {results['valid_loss']:.2f} per image",
        ]
    else:
        nist26 = results.get("nist26_accuracy")
        lines = [
            _epochs_line(results),
            f"valid accuracy {results['valid_accuracy']:.2%}, test accuracy {results['test_accuracy']:.2%}",
            f"nist26 accuracy n/a ({results.get('nist26_error', '')})" if nist26 is None else
            f"nist26 accuracy {nist26:.2%}" + (
                f" (vowels {results['nist26_vowels_accuracy']:.2%}, consonants {results['nist26_consonants_accuracy']:.2%})"
                if "nist26_vowels_accuracy" in results
                else f" ({results.get('nist26_meaning', 'real NIST letters taken for characters')})"),
            "top 5 confused pairs on test (true -> predicted: count):",
            *(f"  {true} -> {pred}: {count}" for true, pred, count in results["top_confused"]),
        ]
    if results.get("interrupted"):
        lines.append("interrupted: kept the best model and the history; --resume continues")
    return "\n".join(lines)


def _epochs_line(results: dict[str, Any]) -> str:
    return (
        f"{results.get('model', 'autoencoder')}: {results['epochs']} epochs "
        f"(best {results['best_epoch']}), {results['seconds_per_epoch']:.3f} s/epoch of training"
    )
