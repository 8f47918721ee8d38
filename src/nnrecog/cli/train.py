"""``nnrecog train mlp|cnn|autoencoder`` and ``nnrecog reconstruct``."""

from __future__ import annotations

import argparse

from nnrecog.cli.options import add_command, option_values
from nnrecog.experiments.options import (
    AutoencoderOptions,
    CnnOptions,
    DetectorOptions,
    MlpOptions,
    OrientationOptions,
    ReconstructOptions,
)
from nnrecog.pytorch.options import TrainLinesOptions

#: Each trainable model: its options and its one-line help.
_MODELS = {
    "mlp": (MlpOptions, "the course MLP (question 3): curves, weights, confusion"),
    "cnn": (CnnOptions, "a small CNN with nnrecog.nn (the default OCR model)"),
    "detector": (DetectorOptions, "the character detector: a character, or something else read as one?"),
    "orientation": (OrientationOptions, "the orientation model: which way up does a character crop stand?"),
    "autoencoder": (AutoencoderOptions, "the course autoencoder (question 5): PSNR, images"),
}


def _train(args: argparse.Namespace) -> int:
    from nnrecog.experiments.commands import format_results, run_training

    options_class, _ = _MODELS[args.model]
    results = run_training(args.model, **option_values(args, options_class))
    print(format_results(results))
    return 130 if results.get("interrupted") else 0


def _train_lines(args: argparse.Namespace) -> int:
    from nnrecog.pytorch import require_torch

    require_torch()
    from nnrecog.pytorch.lines import train_lines

    results = train_lines(**option_values(args, TrainLinesOptions))
    print(f"line recogniser: {results['epochs']} epochs (best {results['best_epoch']}), "
          f"{results['seconds_per_epoch']:.0f} s/epoch; validation CER {results['best_valid_cer']:.2%}")
    print(f"wrote {args.out_dir}/model.npz (read with: nnrecog read --engine lines --line-model {args.out_dir}/model.npz)")
    return 130 if results["interrupted"] else 0


def _reconstruct(args: argparse.Namespace) -> int:
    from nnrecog.experiments.autoencoder import reconstruct_files

    for path, psnr in reconstruct_files(**option_values(args, ReconstructOptions)):
        print(f"{path}: PSNR {psnr:.2f} dB")
    print(f"wrote {args.out_dir}/reconstructions.png")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` (one subcommand per model) and ``reconstruct``."""
    train = subparsers.add_parser("train", help="train the networks (mlp, cnn, detector, orientation, autoencoder, lines)")
    models = train.add_subparsers(dest="model", required=True, metavar="MODEL")
    for name, (options_class, help_text) in _MODELS.items():
        add_command(models, name, options_class, _train, help=help_text)
    add_command(models, "lines", TrainLinesOptions, _train_lines,
                help="the line recogniser (CTC on synthetic lines; needs nnrecog[torch])")
    add_command(subparsers, "reconstruct", ReconstructOptions, _reconstruct, help="run a trained autoencoder on glyph images")
