"""``nnrecog torch ...``: the PyTorch counterparts (the optional ``nnrecog[torch]`` extra).

Nothing here imports torch: each handler's runner does, after :func:`require_torch` has turned
a missing extra into one error line.
"""

from __future__ import annotations

import argparse

from nnrecog.cli.options import add_command, option_values
from nnrecog.pytorch.options import (
    ClassifyOptions,
    Cifar10Options,
    ExportOptions,
    GlyphTrainOptions,
    ScenesOptions,
    VideoOptions,
)


def _torch(args: argparse.Namespace) -> int:
    from nnrecog.pytorch import require_torch

    require_torch()
    return args.torch_handler(args)


def _print_run_summary(results: dict, out: str) -> int:
    """Print a torch run's summary; under torchrun only rank 0 has the written results."""
    from nnrecog.pytorch.report import summary

    if "epochs" in results:
        print(summary(results, out))
    return 0


def _train(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.nist import train_glyphs

    return _print_run_summary(train_glyphs(**option_values(args, GlyphTrainOptions)), args.out_dir)


def _export(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.export import export_checkpoint

    exported = export_checkpoint(**option_values(args, ExportOptions))
    print("\n".join(exported["layers"]))
    print(f"wrote {exported['out']} ({exported['bytes'] / 1e6:.2f} MB, torch {exported['kind']} as nnrecog.nn)")
    return 0


def _cifar10(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.cifar import train_cifar10

    return _print_run_summary(train_cifar10(**option_values(args, Cifar10Options)), args.out_dir)


def _scenes(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.scenes import train_scenes

    return _print_run_summary(train_scenes(**option_values(args, ScenesOptions)), args.out_dir)


def _video(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.video import classify_video, video_summary

    results = classify_video(**option_values(args, VideoOptions))
    print(video_summary(results, args.out_dir))
    return 0


def _classify(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.pretrained import classify_images

    for result in classify_images(**option_values(args, ClassifyOptions)):
        print(f"{result['path']}: " + ", ".join(f"{name} {p:.1%}" for name, p in result["top"]))
    return 0


#: Each torch command: its options, its handler and its one-line help.
_COMMANDS = {
    "train": (GlyphTrainOptions, _train,
              "the course MLP (fc) or a CNN on NIST36-format glyphs; torchrun-ready"),
    "export": (ExportOptions, _export, "write a `torch train` checkpoint as an nnrecog.nn model (.npz)"),
    "cifar10": (Cifar10Options, _cifar10, "fast CNN on CIFAR-10 (official python batches or an image folder; no download)"),
    "scenes": (ScenesOptions, _scenes, "8-class SUN scenes: CNN from scratch or pretrained features"),
    "video": (VideoOptions, _video, "ImageNet top-1/top-5 of a label over the frames of a video"),
    "classify": (ClassifyOptions, _classify, "ImageNet top classes of still images (EfficientNet-Lite0)"),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``torch`` and its subcommands."""
    p = subparsers.add_parser("torch", help="PyTorch counterparts (needs the nnrecog[torch] extra)")
    p.set_defaults(handler=_torch)
    commands = p.add_subparsers(dest="torch_command", required=True, metavar="ACTION")
    for name, (options_class, handler, help_text) in _COMMANDS.items():
        add_command(commands, name, options_class, handler, handler_key="torch_handler", help=help_text)
