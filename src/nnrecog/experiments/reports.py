"""Text summaries of experiment results, as the command line prints them."""

from __future__ import annotations

from typing import Any


def classifier_report(results: dict[str, Any]) -> str:
    """Accuracies, timing and the five most confused pairs of a classifier run.

    ``results`` is a ``results.json`` dict, or an ``lr_sweep`` summary (which holds a table).
    """
    if "table" in results:
        return results["table"]
    nist26 = results.get("nist26_accuracy")
    lines = [
        f"{results['model']}: {results['epochs']} epochs (best {results['best_epoch']}), "
        f"{results['seconds_per_epoch']:.3f} s/epoch of training",
        f"valid accuracy {results['valid_accuracy']:.2%}, test accuracy {results['test_accuracy']:.2%}",
        f"nist26 accuracy n/a ({results.get('nist26_error', '')})" if nist26 is None else
        f"nist26 accuracy {nist26:.2%} (vowels {results['nist26_vowels_accuracy']:.2%}, "
        f"consonants {results['nist26_consonants_accuracy']:.2%})",
        "top 5 confused pairs on test (true -> predicted: count):",
        *(f"  {true} -> {pred}: {count}" for true, pred, count in results["top_confused"]),
    ]
    return "\n".join(lines + _interrupted(results))


def autoencoder_report(results: dict[str, Any]) -> str:
    """PSNR, loss and timing of an autoencoder run."""
    lines = [
        f"autoencoder: {results['epochs']} epochs (best {results['best_epoch']}), "
        f"{results['seconds_per_epoch']:.3f} s/epoch of training",
        f"validation PSNR {results['psnr_valid']:.2f} dB (test {results['psnr_test']:.2f} dB), "
        f"validation loss {results['valid_loss']:.2f} per image",
    ]
    return "\n".join(lines + _interrupted(results))


def _interrupted(results: dict[str, Any]) -> list[str]:
    if results.get("interrupted"):
        return ["interrupted: kept the best model and the history; --resume continues"]
    return []
