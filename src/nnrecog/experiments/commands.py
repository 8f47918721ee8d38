"""Entry points of the ``nnrecog train`` commands: run one experiment, format its results."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from nnrecog.errors import InputError

#: Options that must be at least 1, and those that may also be 0 (0 = the feature is off).
_POSITIVE = ("epochs", "batch_size", "hidden", "channels")
_NON_NEGATIVE = ("decay_every",)


def check_options(out_dir: str | os.PathLike, options: dict[str, Any]) -> None:
    """Refuse nonsense values before any data is loaded or any file written.

    The command line already refuses them while parsing; this guards Python callers of
    :func:`run_training`, with the same option names in its messages.

    Raises
    ------
    InputError
        Naming the command-line option and the value, e.g. ``--epochs must be positive, got 0``.
    """
    def fail(name: str, expected: str) -> None:
        raise InputError(f"--{name.replace('_', '-')} must be {expected}, got {options[name]}")

    for name in _POSITIVE + _NON_NEGATIVE:
        values = options.get(name, 1)
        lowest = 1 if name in _POSITIVE else 0
        if any(v < lowest for v in (values if isinstance(values, tuple) else (values,))):
            fail(name, "positive" if lowest else "0 or more")
    if "lr" in options and not 0 < options["lr"] < math.inf:
        fail("lr", "positive")
    if not 0 <= options.get("momentum", 0) < 1:
        fail("momentum", "in [0, 1)")
    if not 0 <= options.get("dropout", 0) < 1:
        fail("dropout", "in [0, 1)")
    # Each conv block halves the 32-pixel side; after 5 blocks nothing would be left.
    if len(options.get("channels", ())) > 5:
        fail("channels", "at most 5 conv blocks (each halves the 32-pixel side)")
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise InputError(f"{out_dir}: is a file, expected an output folder (--out)")


def run_training(model: str, out_dir: str | os.PathLike, **options: Any) -> dict[str, Any]:
    """Run ``nnrecog train MODEL``: ``model`` is ``mlp``, ``cnn`` or ``autoencoder``.

    ``options`` go to ``run_mlp``, ``run_cnn`` or ``run_autoencoder`` (after ``check_options``);
    returns their results.
    """
    from nnrecog.experiments.autoencoder import run_autoencoder
    from nnrecog.experiments.cnn import run_cnn
    from nnrecog.experiments.mlp import run_mlp

    check_options(out_dir, options)
    runners = {"mlp": run_mlp, "cnn": run_cnn, "autoencoder": run_autoencoder}
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
            f"nist26 accuracy {nist26:.2%} (vowels {results['nist26_vowels_accuracy']:.2%}, "
            f"consonants {results['nist26_consonants_accuracy']:.2%})",
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
