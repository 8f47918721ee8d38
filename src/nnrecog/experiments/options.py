"""The options of ``nnrecog train mlp|cnn|autoencoder`` and ``nnrecog reconstruct``, declared once
(see :mod:`nnrecog.options`): the runners build these dataclasses from their keyword arguments,
the command line builds its parser from them.

Light on purpose: the command line imports it to build its parser.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nnrecog.errors import InputError
from nnrecog.options import (
    BATCH_SIZE,
    DATA_DIR,
    EPOCHS,
    FRACTION,
    GLYPH_DATA,
    NON_NEGATIVE_INT,
    OUT_DIR,
    POSITIVE_FLOAT,
    POSITIVE_INT,
    POSITIVE_INTS,
    PROGRESS,
    RESUME,
    SEED,
    OneOf,
    Option,
    check_fields,
)

LR = Option("learning rate (the loss is summed over the batch)", POSITIVE_FLOAT)
MOMENTUM = Option("momentum of the course's update (0: plain SGD)", FRACTION)
AUGMENT = Option("augment every training batch")
#: The same for a model trained augmented unless told not to.
NO_AUGMENT = Option("no augmentation of the training batches")
CHANNELS = Option("conv channels, one block each", POSITIVE_INTS)
HIDDEN = Option("dense units", POSITIVE_INT)
#: Each conv block halves the 32-pixel side; after 5 blocks nothing would be left.
MAX_CONV_BLOCKS = 5
#: The autoencoder's initialisations (the first is the default) and the learning rate of each:
#: a PCA start is undone by larger steps, a random one needs them (see experiments.autoencoder).
AUTOENCODER_INITS = ("pca", "he")
AUTOENCODER_LR = {"pca": 3e-6, "he": 3e-5}


def _decay_every(default: int, factor: float) -> int:
    """The ``--decay-every`` field of a command whose step decay multiplies the lr by ``factor``."""
    help_text = f"multiply the lr by {factor:g} every N epochs (0: never)"
    return Option(help_text, NON_NEGATIVE_INT, metavar="N")(default)


@dataclass(frozen=True)
class TrainOptions:
    """What every ``nnrecog train`` run takes. Each command's subclass gives the fields without a
    default here their defaults, and may change the others'.

    ``momentum`` defaults to the course's 0.9; ``decay_factor``, the factor of the step decay
    (for Python callers: the command line only sets how often it applies), to 0.5.
    """

    out_dir: str | os.PathLike
    epochs: int
    batch_size: int
    lr: float | None
    decay_every: int
    momentum: float = MOMENTUM(0.9)
    decay_factor: float = 0.5
    source: str = GLYPH_DATA("default")
    data_dir: str | os.PathLike | None = DATA_DIR(None)
    seed: int = SEED(0)
    resume: bool = RESUME(False)
    limit: int | None = Option("use at most N samples per split (quick runs)", POSITIVE_INT, metavar="N")(None)
    progress: bool = PROGRESS(True)

    def __post_init__(self) -> None:
        check_fields(self)
        if Path(self.out_dir).exists() and not Path(self.out_dir).is_dir():
            raise InputError(f"{self.out_dir}: is a file, expected an output folder (--out)")


@dataclass(frozen=True)
class MlpOptions(TrainOptions):
    """``nnrecog train mlp``: the course MLP (question 3), plain SGD. Defaults chosen on the
    default data set (see README): batch 32, lr 0.01 over a summed loss."""

    out_dir: str | os.PathLike = OUT_DIR("runs/mlp")
    epochs: int = EPOCHS(50)
    batch_size: int = BATCH_SIZE(32)
    lr: float = LR(0.01)
    momentum: float = MOMENTUM(0.0)
    decay_every: int = _decay_every(0, TrainOptions.decay_factor)
    hidden: tuple[int, ...] = Option("hidden sizes, e.g. 64 or 512,256", POSITIVE_INTS)((64,))
    activation: str = Option("of the hidden layers", OneOf(("sigmoid", "tanh", "relu")))("sigmoid")
    ink_bright: bool = Option("feed 1 - x (ink ~1 on 0) instead of the course's ink-dark pixels")(False)
    augment: bool = AUGMENT(False)
    sweep: bool = Option("also train at 10x and 0.1x the lr; compare", flags=("--lr-sweep",))(False)


@dataclass(frozen=True)
class CnnOptions(TrainOptions):
    """``nnrecog train cnn``: a small CNN with nnrecog.nn (the default OCR model)."""

    out_dir: str | os.PathLike = OUT_DIR("runs/cnn")
    epochs: int = EPOCHS(30)
    batch_size: int = BATCH_SIZE(64)
    lr: float = LR(0.001)
    decay_every: int = _decay_every(10, TrainOptions.decay_factor)
    channels: tuple[int, ...] = CHANNELS((16, 32))
    hidden: int = HIDDEN(128)
    dropout: float = Option("dropout before the last layer", FRACTION)(0.3)
    augment: bool = AUGMENT(False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.channels) > MAX_CONV_BLOCKS:
            raise InputError(
                f"--channels must be at most {MAX_CONV_BLOCKS} conv blocks (each halves the 32-pixel side), "
                f"got {self.channels}"
            )


@dataclass(frozen=True)
class DetectorOptions(CnnOptions):
    """``nnrecog train detector``: a small CNN that tells characters from everything else read
    as one (:mod:`nnrecog.experiments.detector`), the reader's judge of what is writing."""

    out_dir: str | os.PathLike = OUT_DIR("runs/detector")
    epochs: int = EPOCHS(20)
    decay_every: int = _decay_every(5, TrainOptions.decay_factor)
    channels: tuple[int, ...] = CHANNELS((24, 48))
    hidden: int = HIDDEN(64)
    augment: bool = NO_AUGMENT(True)


@dataclass(frozen=True)
class OrientationOptions(CnnOptions):
    """``nnrecog train orientation``: a small CNN that tells which way up a character crop
    stands (:mod:`nnrecog.experiments.orientation`), the reader's judge of a turned sheet."""

    out_dir: str | os.PathLike = OUT_DIR("runs/orientation")
    epochs: int = EPOCHS(12)
    decay_every: int = _decay_every(4, TrainOptions.decay_factor)
    hidden: int = HIDDEN(64)
    augment: bool = NO_AUGMENT(True)
    line_pieces: int = Option("pieces of synthetic lines (one to four letters) learned beside the characters "
                              "(an eighth as many to validate and test)", NON_NEGATIVE_INT, metavar="N")(8000)


@dataclass(frozen=True)
class AutoencoderOptions(TrainOptions):
    """``nnrecog train autoencoder``: the course autoencoder (question 5), with the course's lr
    schedule (x0.9 every 10 epochs). ``init`` and ``lr`` default to the resumed run's init (else
    the first of :data:`AUTOENCODER_INITS`) and its :data:`AUTOENCODER_LR`."""

    out_dir: str | os.PathLike = OUT_DIR("runs/autoencoder")
    epochs: int = EPOCHS(100)
    batch_size: int = BATCH_SIZE(16)
    lr: float | None = dataclasses.replace(
        LR, help=f"{LR.help} (default: {', '.join(f'{lr:g} with --init {i}' for i, lr in AUTOENCODER_LR.items())})"
    )(None)
    decay_factor: float = 0.9
    decay_every: int = _decay_every(10, decay_factor)
    init: str | None = Option(
        "pca: start from the training set's 32-component PCA; he: random He-normal "
        f"(default: the resumed run's, else {AUTOENCODER_INITS[0]})",
        OneOf(AUTOENCODER_INITS),
    )(None)


@dataclass(frozen=True)
class ReconstructOptions:
    """``nnrecog reconstruct``: run a trained autoencoder on glyph images."""

    images: Sequence[str | os.PathLike] = Option("glyph images", positional=True, nargs="+", metavar="IMAGE")()
    model: str | os.PathLike = Option("the autoencoder's model file")("runs/autoencoder/model.npz")
    out_dir: str | os.PathLike = dataclasses.replace(OUT_DIR, help="folder for reconstructions.png")("runs/reconstruct")
