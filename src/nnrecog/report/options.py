"""The options of ``nnrecog report``, declared once (see :mod:`nnrecog.options`), and how much
each step of the report runs (:class:`Scale`: the full write-up, ``--quick``, or smaller).

Light on purpose: the command line imports it to build its parser.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nnrecog.errors import InputError
from nnrecog.options import DATA_DIR, GLYPH_DATA, OUT_DIR, PROGRESS, SEED, Option, WordList, check_fields

#: The report's steps, in the write-up's order (each one cached on its own; see
#: :mod:`nnrecog.report.steps`).
STEP_IDS = (
    "q1-activations", "q2-gradcheck", "q3-mlp", "q4-ocr", "q5-autoencoder", "q6-torch-fc", "q6-torch-cnn",
    "q6-cifar10", "q6-scenes", "q6-scenes-pretrained", "q6-video",
)


@dataclass(frozen=True)
class Scale:
    """How much every step trains and reads. ``None`` limits mean the whole split.

    Attributes
    ----------
    name : what the report calls this scale ("full", "quick", ...)
    mlp_epochs, mlp_limit : the course MLP and its learning-rate sweep (Q3)
    autoencoder_epochs, autoencoder_limit : the autoencoder (Q5)
    fc_epochs, cnn_epochs, glyph_limit, glyph_augment : the torch FC and CNN on glyphs (Q6.1.1-2)
    cifar_epochs : CIFAR-10 (Q6.1.3), the quick recipe
    scenes_epochs, pretrained_epochs : the scene CNN from scratch and the pretrained head
    scenes_train_per_class, scenes_test_per_class : a subset of the SUN lists (the first images
        of each class), None for all
    video_every, video_max_frames : which frames of the video are classified (Q6.3)
    """

    name: str
    mlp_epochs: int
    mlp_limit: int | None
    autoencoder_epochs: int
    autoencoder_limit: int | None
    fc_epochs: int
    cnn_epochs: int
    glyph_limit: int | None
    glyph_augment: bool
    cifar_epochs: int
    scenes_epochs: int
    pretrained_epochs: int
    scenes_train_per_class: int | None
    scenes_test_per_class: int | None
    video_every: int
    video_max_frames: int | None


#: Every runner's own defaults (the course's 50 MLP and 100 autoencoder epochs, 60 and 30 for the
#: torch FC and CNN, 30 for the scene networks), with the README's augmented glyph runs and every
#: 3rd video frame, and CIFAR-10's quick recipe: the whole report in about 25 minutes on 2 busy cores (see README).
FULL = Scale(
    name="full", mlp_epochs=50, mlp_limit=None, autoencoder_epochs=100, autoencoder_limit=None,
    fc_epochs=60, cnn_epochs=30, glyph_limit=None, glyph_augment=True, cifar_epochs=5,
    scenes_epochs=30, pretrained_epochs=30, scenes_train_per_class=None, scenes_test_per_class=None,
    video_every=3, video_max_frames=None,
)
#: A few epochs on subsets: every section with real (if lower) numbers within 5 minutes.
QUICK = Scale(
    name="quick", mlp_epochs=15, mlp_limit=3000, autoencoder_epochs=20, autoencoder_limit=3000,
    fc_epochs=10, cnn_epochs=2, glyph_limit=2000, glyph_augment=False, cifar_epochs=1,
    scenes_epochs=4, pretrained_epochs=10, scenes_train_per_class=40, scenes_test_per_class=20,
    video_every=15, video_max_frames=40,
)


@dataclass(frozen=True, kw_only=True)
class ReportOptions:
    """``nnrecog report``: :func:`nnrecog.report.runner.run_report`.

    ``scale`` is for Python callers (the tests run an even smaller one); when given it wins
    over ``quick``. ``only`` names the steps to bring up to date (the others are shown from the
    cache if they are there, else as not run).
    """

    out_dir: str | os.PathLike = OUT_DIR("runs/report")
    quick: bool = Option("few epochs on subsets (about 5 minutes on 2 cores) instead of the full report")(False)
    source: str = GLYPH_DATA("default")
    data_dir: str | os.PathLike | None = DATA_DIR(None)
    seed: int = SEED(0)
    only: Sequence[str] | None = Option(
        "bring only these steps up to date, e.g. q3-mlp,q4-ocr (the others are shown from the cache "
        "where they are there)", WordList(STEP_IDS), metavar="STEP,...")(None)
    progress: bool = PROGRESS(True)
    scale: Scale | None = None

    def __post_init__(self) -> None:
        check_fields(self)
        if Path(self.out_dir).exists() and not Path(self.out_dir).is_dir():
            raise InputError(f"{self.out_dir}: is a file, expected an output folder (--out)")

    @property
    def steps_scale(self) -> Scale:
        """The scale the steps run at."""
        if self.scale is not None:
            return self.scale
        return QUICK if self.quick else FULL
