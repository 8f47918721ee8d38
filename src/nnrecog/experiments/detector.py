"""The character detector: a small CNN that tells a character from anything else read as one.

The reader's character classifier knows 36 classes and nothing else; shown a knot in wood
grain, a keyboard key or a windmill's blade, it still names a character, often with
confidence. The detector answers the question before: is this crop a character at all? It is
the network of :mod:`nnrecog.experiments.cnn` with two outputs, ``[not a character, a
character]``, trained on every character image of the data set against the not-a-character
crops of :mod:`nnrecog.experiments.negatives` (photos without writing, cut as the reader cuts
a page), with the same augmentation for both.

The reader multiplies each glyph's character probabilities by the detector's probability of a
character (:class:`nnrecog.ocr.recognition.recognize.Classifier`): cut and join decisions and line
confidences then weigh a crop by how much it looks like a character. A separate network, not
a 37th class of the classifier, because the 36-way decision is then made by a network that
spends its capacity on characters alone (measured: a 37-class CNN read the held-out NIST
letters 2.4 points worse).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from nnrecog.experiments.classifier import ClassifierSpec, load_splits, train_classifier
from nnrecog.experiments.cnn import cnn_spec
from nnrecog.experiments.negatives import CHARACTER, character_or_not, load_negatives
from nnrecog.experiments.options import DetectorOptions
from nnrecog.experiments.training import TrainSettings

#: The labels of the detector's outputs as figures and results name them.
LABELS = "~C"
#: What a detector's model file says of itself (read by :mod:`nnrecog.ocr.recognition.recognize`).
KIND = "character_detector"


def nist26_kept(probs: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """How many of the held-out real NIST letters the detector takes for characters."""
    return {"nist26_accuracy": float((probs.argmax(axis=1) == CHARACTER).mean())}


def detector_spec(channels: tuple[int, ...], hidden: int, dropout: float) -> ClassifierSpec:
    """How ``train_classifier`` builds, feeds and pictures the detector."""
    return cnn_spec(channels, hidden, dropout, "detector", LABELS, {"kind": KIND, "classes": LABELS}, nist26_kept)


def run_detector(out_dir: str | os.PathLike, **options: Any) -> dict[str, Any]:
    """``nnrecog train detector``: train the detector; the outputs of ``run_cnn``. Its
    ``nist26_accuracy`` is the share of the real NIST letters it takes for characters.

    ``options`` are the other fields of :class:`~nnrecog.experiments.options.DetectorOptions`.
    """
    from nnrecog.data.augment import augment_batch

    opts = DetectorOptions(out_dir=out_dir, **options)
    settings = TrainSettings.of(opts)
    characters = load_splits(opts.source, opts.data_dir, opts.limit, opts.seed)
    splits = character_or_not(characters, load_negatives(opts.data_dir), opts.seed, opts.limit)
    return train_classifier(
        detector_spec(tuple(opts.channels), opts.hidden, opts.dropout), settings, out_dir,
        splits=splits, augment=augment_batch, data_dir=opts.data_dir, resume=opts.resume, progress=opts.progress,
        extra={"data": f"{opts.source} characters + not-a-character crops"},
    )
