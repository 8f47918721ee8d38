"""The options of the ``nnrecog torch`` commands (see :mod:`nnrecog.options`), one dataclass per
command whose fields are the runner's keyword arguments.

Imports no torch: the command line builds its parser from these whether or not the extra is
installed. ``epochs``, ``batch_size`` and ``lr`` default to None, the runner's own choice for
the model (e.g. :data:`nnrecog.pytorch.scenes.SCRATCH_DEFAULTS`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass

from nnrecog.options import (
    BATCH_SIZE,
    DATA_DIR,
    FRACTION,
    EPOCHS,
    GLYPH_DATA,
    NON_NEGATIVE_INT,
    OUT_DIR,
    POSITIVE_FLOAT,
    POSITIVE_INT,
    PROGRESS,
    RESUME,
    SEED,
    Number,
    OneOf,
    Option,
)

def _runner_default(option: Option) -> Option:
    """``option`` whose None default leaves the choice to the runner, saying so in its help."""
    return dataclasses.replace(option, help=f"{option.help} (default: the model's own)")


@dataclass(frozen=True, kw_only=True)
class FitOptions:
    """What every torch training command takes; each command gives ``out_dir`` its default."""

    out_dir: str | os.PathLike
    epochs: int | None = _runner_default(EPOCHS)(None)
    batch_size: int | None = _runner_default(BATCH_SIZE)(None)
    lr: float | None = _runner_default(Option("peak learning rate (cosine schedule)", POSITIVE_FLOAT))(None)
    seed: int = SEED(0)
    resume: bool = RESUME(False)


@dataclass(frozen=True, kw_only=True)
class GlyphTrainOptions(FitOptions):
    """``nnrecog torch train``: :func:`nnrecog.pytorch.nist.train_glyphs`."""

    kind: str = Option("the course MLP (fc) or a CNN", OneOf(("fc", "cnn")), positional=True, metavar="MODEL")()
    source: str = GLYPH_DATA("default")
    augment: bool = Option("distort training glyphs (as nnrecog train --augment)")(False)
    limit: int | None = Option("use at most N samples per split (quick runs)", POSITIVE_INT, metavar="N")(None)
    out_dir: str | os.PathLike = OUT_DIR("runs/torch-train")
    data_dir: str | os.PathLike | None = DATA_DIR(None)


@dataclass(frozen=True, kw_only=True)
class ExportOptions:
    """``nnrecog torch export``: :func:`nnrecog.pytorch.export.export_checkpoint`."""

    checkpoint: str | os.PathLike = Option(
        "model.pt from `nnrecog torch train`", positional=True, metavar="CHECKPOINT")()
    out: str | os.PathLike = Option("nnrecog.nn model file to write (.npz)")()


@dataclass(frozen=True, kw_only=True)
class Cifar10Options(FitOptions):
    """``nnrecog torch cifar10``: :func:`nnrecog.pytorch.cifar.train_cifar10`."""

    folder: str | os.PathLike | None = Option(
        "the official cifar-10-batches-py folder, or a folder with train/<class>/ and test/<class>/ "
        "(default: cifar10_jpg in --data-dir)", flags=("--data",), metavar="DIR")(None)
    quick: bool = Option("the short recipe: a half-width net for 5 epochs")(False)
    precision: str | None = Option(
        "bf16 autocast or fp32 (default: bf16 where the CPU runs it natively)", OneOf(("auto", "bf16", "fp32"))
    )(None)
    out_dir: str | os.PathLike = OUT_DIR("runs/torch-cifar10")
    data_dir: str | os.PathLike | None = DATA_DIR(None)


@dataclass(frozen=True, kw_only=True)
class ScenesOptions(FitOptions):
    """``nnrecog torch scenes``: :func:`nnrecog.pytorch.scenes.train_scenes`."""

    folder: str | os.PathLike | None = Option(
        "sun_subset folder (default: in --data-dir)", flags=("--data",), metavar="DIR")(None)
    pretrained_features: bool = Option("EfficientNet-Lite0 features + linear head", flags=("--pretrained",))(False)
    size: int = Option(
        "image side for the from-scratch CNN (five 2x poolings)",
        Number(int, 32, 1025, low_included=True, noun="a size from 32 to 1024 px"),
    )(64)
    out_dir: str | os.PathLike = OUT_DIR("runs/torch-scenes")
    data_dir: str | os.PathLike | None = DATA_DIR(None)


@dataclass(frozen=True, kw_only=True)
class VideoOptions:
    """``nnrecog torch video``: :func:`nnrecog.pytorch.video.classify_video`."""

    path: str | os.PathLike = Option("the video", positional=True, metavar="VIDEO")()
    label: str = Option("ImageNet class name")("water bottle")
    every: int = Option("classify every K-th frame", POSITIVE_INT, metavar="K")(1)
    full_frame: bool = Option("squeeze the whole frame to 224x224 (default: centre crop)")(False)
    out_dir: str | os.PathLike = dataclasses.replace(
        OUT_DIR, help="folder for results.json and probability.png")("runs/torch-video")


@dataclass(frozen=True, kw_only=True)
class ClassifyOptions:
    """``nnrecog torch classify``: :func:`nnrecog.pytorch.pretrained.classify_images`."""

    paths: Sequence[str | os.PathLike] = Option("still images", positional=True, nargs="+", metavar="IMAGE")()
    top: int = Option("how many classes to print", POSITIVE_INT)(5)


@dataclass(frozen=True, kw_only=True)
class TrainLinesOptions:
    """``nnrecog train lines``: :func:`nnrecog.pytorch.lines.train_lines` (needs the torch extra)."""

    out_dir: str | os.PathLike = OUT_DIR("runs/lines")
    epochs: int = EPOCHS(12)
    batch_size: int = BATCH_SIZE(32)
    lr: float = Option("peak learning rate (AdamW, one cycle: warm up, then cosine down)", POSITIVE_FLOAT)(2e-3)
    shard_lines: int = Option("synthetic training lines per shard, each made afresh", POSITIVE_INT, metavar="N")(1000)
    shards_per_epoch: int = Option("shards of new lines per epoch", POSITIVE_INT, metavar="N")(25)
    shard_passes: int = Option("times each shard is trained on (reshuffled)", POSITIVE_INT, metavar="N")(2)
    init: str | os.PathLike | None = Option(
        "start from this exported line recogniser (model.npz), e.g. the shipped one, instead of at random",
        metavar="NPZ")(None)
    workers: int = Option("background processes making the shards (0: in the training process)",
                          NON_NEGATIVE_INT, metavar="N")(1)
    valid_lines: int = Option("synthetic validation lines, from the valid split's glyphs", POSITIVE_INT,
                              metavar="N")(2000)
    real_photos: tuple[str, ...] = Option(
        "also learn from the lines of the photos in this folder that have a NAME.gt.txt beside them "
        "(your own hand; repeat for more folders)", flags=("--real-photos",), metavar="DIR", repeatable=True)(())
    real_share: float = Option("the share of every shard's lines that are real ones (with --real-photos), "
                               "drawn again for each shard, each stretched and its ink darkened or lightened",
                               FRACTION, metavar="P")(0.25)
    source: str = GLYPH_DATA("default")
    data_dir: str | os.PathLike | None = DATA_DIR(None)
    seed: int = SEED(0)
    resume: bool = RESUME(False)
    progress: bool = PROGRESS(True)
