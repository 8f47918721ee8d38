"""The orientation model: which way up a character crop stands, learned, so that a sheet
photographed sideways or upside down is read upright.

The reader used to judge a page's orientation by how sure its character classifier was of the
page's largest glyphs turned each way. That classifier learned upright characters only, and a
letter turned is often another letter (N and Z, M and E, 6 and 9), so a turned page could look
as sure as an upright one and stay unread. This network is asked the question itself: it is
the network of :mod:`nnrecog.experiments.cnn` with four outputs, the quarter turns
(``numpy.rot90``'s ``k``) that set a crop upright, trained on every character image of the
data set, and on pieces of synthetic lines of one to four letters (what a glyph of touching
letters looks like, and the stack of letters a sideways word is), each turned the four ways,
with the classifier's augmentation on top (small turns, shears, strokes thinner and
thicker). One crop is often ambiguous (O, X, H, S, 8); a page's glyphs together are not
(:func:`nnrecog.ocr.recognition.orientation.page_turns`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from nnrecog.experiments.classifier import ClassifierSpec, Splits, load_splits, train_classifier
from nnrecog.experiments.cnn import cnn_spec
from nnrecog.experiments.options import OrientationOptions
from nnrecog.experiments.training import TrainSettings

#: The outputs: the quarter turns (``numpy.rot90``'s ``k``) that set the crop upright.
LABELS = "0123"
#: What an orientation model's file says of itself (read by :mod:`nnrecog.ocr.recognition.orientation`).
KIND = "glyph_orientation"


def line_pieces(count: int, source: str | os.PathLike, data_dir: str | os.PathLike | None, split: str,
                seed: int, progress: bool = True) -> np.ndarray:
    """``count`` pieces of synthetic lines (:mod:`nnrecog.data.linecorpus`, made of ``split``'s
    glyphs), each 0.8 to 4 capital heights wide at a random place of its line, normalised as
    a glyph crop is (:func:`~nnrecog.data.normalize.normalize_glyph`): (count, 32, 32) ink dark."""
    from nnrecog.data.linecorpus import make_corpus
    from nnrecog.data.lineformat import LineFormat
    from nnrecog.data.lines import line_sources
    from nnrecog.data.normalize import normalize_glyph

    rng = np.random.default_rng([seed, 4])
    fmt = LineFormat()
    corpus = make_corpus(max(1, count // 3), line_sources(source, data_dir, split), (seed, 4), progress=progress)
    lines = [line for line in corpus.lines() if line.shape[1] > 2 * fmt.cap_height]
    pieces = []
    while len(pieces) < count and lines:
        line = lines[int(rng.integers(len(lines)))].astype(np.float32) / 255.0
        width = int(rng.uniform(0.8, 4.0) * fmt.cap_height)
        start = int(rng.integers(0, max(1, line.shape[1] - width)))
        piece = line[:, start : start + width]
        if (piece < 0.5).sum() >= 20:  # some ink, not a gap between words
            pieces.append(normalize_glyph(piece))
    return np.stack(pieces).astype(np.float32) if pieces else np.zeros((0, 32, 32), np.float32)


def turned_splits(splits: Splits) -> Splits:
    """Every image of every split four times, turned ``k = 0..3`` quarter turns (counter-
    clockwise, as ``numpy.rot90``), labelled with the turns that set it upright, ``(4 - k) % 4``."""
    out = {}
    for split, (X, _) in splits.items():
        images = np.concatenate([np.rot90(X, k, axes=(1, 2)) for k in range(4)])
        labels = np.repeat((4 - np.arange(4)) % 4, len(X)).astype(np.int64)
        out[split] = (np.ascontiguousarray(images), labels)
    return out


def nist26_upright(probs: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """How many of the held-out real NIST letters (upright) the model takes for upright."""
    return {"nist26_accuracy": float((probs.argmax(axis=1) == 0).mean()),
            "nist26_meaning": "real NIST letters, upright, read as upright"}


def orientation_spec(channels: tuple[int, ...], hidden: int, dropout: float) -> ClassifierSpec:
    """How ``train_classifier`` builds, feeds and pictures the orientation model."""
    return cnn_spec(channels, hidden, dropout, "orientation", LABELS, {"kind": KIND, "classes": LABELS}, nist26_upright)


def run_orientation(out_dir: str | os.PathLike, **options: Any) -> dict[str, Any]:
    """``nnrecog train orientation``: train the orientation model; the outputs of ``run_cnn``.
    Its ``nist26_accuracy`` is the share of the real (upright) NIST letters it reads as upright.

    ``options`` are the other fields of :class:`~nnrecog.experiments.options.OrientationOptions`.
    """
    from nnrecog.data.augment import augment_batch

    opts = OrientationOptions(out_dir=out_dir, **options)
    settings = TrainSettings.of(opts)
    characters = load_splits(opts.source, opts.data_dir, opts.limit, opts.seed)
    splits = {}
    for split, (X, y) in characters.items():
        count = opts.line_pieces if split == "train" else opts.line_pieces // 8
        pieces = line_pieces(count, opts.source, opts.data_dir, "train" if split == "train" else "valid",
                             opts.seed + (split == "test"), opts.progress)
        splits[split] = (np.concatenate([X, pieces]), np.concatenate([y, np.zeros(len(pieces), y.dtype)]))
    splits = turned_splits(splits)
    return train_classifier(
        orientation_spec(tuple(opts.channels), opts.hidden, opts.dropout), settings, out_dir,
        splits=splits, augment=augment_batch, data_dir=opts.data_dir, resume=opts.resume, progress=opts.progress,
        extra={"data": f"{opts.source} characters and {opts.line_pieces} pieces of synthetic lines, each turned the "
                       "four ways"},
    )
