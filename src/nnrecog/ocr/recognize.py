"""Stage 8: classify character crops with a saved network: normalise, predict, keep the alternatives.

Each crop goes through :func:`nnrecog.data.normalize_glyph`, the same normalisation the
training data went through, then into the network in the input convention its model file
declares (``meta["input"]``: ``"ink_dark"``, NIST's ink ~0 on white ~1, or ``"ink_bright"``,
``1 - x``) and shape (``meta["input_shape"]``: ``[1024]`` for an MLP, ``[1, 32, 32]`` for a
CNN). A model whose meta says ``"not_a_character": true`` has one output more than its
``classes``, the last: the probability that the crop is no character at all (a speck, a
texture, a piece of a desk), learned from crops of photos without writing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from nnrecog import nn
from nnrecog.data import CLASSES, normalize_glyph
from nnrecog.errors import InputError
from nnrecog.ocr.components import Glyph, Segmentation

#: The shipped default model, inside the package.
DEFAULT_MODEL = "default.npz"
_INPUTS = ("ink_dark", "ink_bright")


@dataclass
class Classifier:
    """A loaded character classifier and its input convention.

    Attributes
    ----------
    net : the network; ``net.predict_proba(X) -> (n, len(classes) + not_a_character)``.
    classes : the character label of each output, e.g. ``"ABC...Z0123456789"``.
    input_shape : shape of one input sample, ``(1024,)`` or ``(1, 32, 32)``.
    ink_bright : feed ``1 - x`` (ink bright on black) instead of ``x`` (ink dark on white).
    source : where the model was loaded from (for messages).
    not_a_character : the network's last output is the probability of no character.
    """

    net: nn.Sequential
    classes: str
    input_shape: tuple[int, ...]
    ink_bright: bool
    source: str
    not_a_character: bool = False

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Probabilities of each character class, and of none, for normalised glyph images.

        Parameters
        ----------
        images : (n, 32, 32) float32, ink dark on white (as :func:`normalize_glyph` gives).

        Returns
        -------
        (n, len(classes) + 1) float32, rows summing to 1: ``[:, :-1]`` the characters,
        ``[:, -1]`` no character (0 for a model without that output).
        """
        outputs = len(self.classes) + self.not_a_character
        if len(images) == 0:
            return np.zeros((0, len(self.classes) + 1), np.float32)
        X = 1.0 - images if self.ink_bright else images
        probs = self.net.predict_proba(X.reshape((len(X), *self.input_shape)).astype(np.float32))
        if probs.shape[1] != outputs:
            raise ValueError(f"the network gives {probs.shape[1]} outputs, expected {outputs}")
        return probs if self.not_a_character else np.pad(probs, ((0, 0), (0, 1)))

    def classify(self, crops: list[np.ndarray]) -> np.ndarray:
        """Normalise grey crops (ink dark on white) and classify them (as :meth:`probabilities`)."""
        images = np.stack([normalize_glyph(c) for c in crops]) if crops else np.zeros((0, 32, 32), np.float32)
        return self.probabilities(images)


def default_model_path() -> Path | None:
    """The shipped default model's path, or ``None`` when the package has none yet."""
    candidate = resources.files("nnrecog") / "models" / DEFAULT_MODEL
    return Path(str(candidate)) if candidate.is_file() else None


def load_classifier(path: str | os.PathLike | Classifier | None = None) -> Classifier:
    """Load a classifier model file and check that it is usable for reading text.

    Parameters
    ----------
    path : a ``.npz`` written by ``nnrecog.nn.Sequential.save``; ``None`` loads the default
        model shipped in the package (``nnrecog/models/default.npz``); a loaded
        :class:`Classifier` is returned as it is.

    Raises
    ------
    InputError : no path given and no default model is installed.
    nnrecog.nn.ModelFileError : the file is missing, not a model, or its meta does not
        describe a 32x32 glyph classifier whose outputs match its ``classes``.
    """
    if isinstance(path, Classifier):
        return path
    if path is None:
        default = default_model_path()
        if default is None:
            raise InputError(
                "no default model installed (nnrecog/models/default.npz); train one with "
                "'nnrecog train cnn' or pass --model PATH"
            )
        with resources.as_file(resources.files("nnrecog") / "models" / DEFAULT_MODEL) as real:
            return _checked(nn.load(real), str(default))
    return _checked(nn.load(path), str(path))


def _checked(net: nn.Sequential, source: str) -> Classifier:
    """Validate a loaded network's meta against a dry run on one blank glyph."""
    meta = net.meta
    classes = meta.get("classes", CLASSES)
    shape = meta.get("input_shape")
    convention = meta.get("input", "ink_dark")
    if not isinstance(classes, str) or not classes:
        raise nn.ModelFileError(f"{source}: meta 'classes' must be a non-empty string of labels")
    if not isinstance(shape, list) or not shape or int(np.prod(shape)) != 32 * 32:
        raise nn.ModelFileError(
            f"{source}: meta 'input_shape' must describe a 32x32 glyph ([1024] or [1, 32, 32]), got {shape!r}"
        )
    if convention not in _INPUTS:
        raise nn.ModelFileError(f"{source}: meta 'input' must be one of {_INPUTS}, got {convention!r}")
    not_a_character = meta.get("not_a_character", False)
    if not isinstance(not_a_character, bool):
        raise nn.ModelFileError(f"{source}: meta 'not_a_character' must be true or false, got {not_a_character!r}")
    classifier = Classifier(net, classes, tuple(int(s) for s in shape), convention == "ink_bright", source, not_a_character)
    try:
        classifier.probabilities(np.ones((1, 32, 32), np.float32))
    except ValueError as exc:
        raise nn.ModelFileError(
            f"{source}: the network does not fit its meta (classes {classes!r}, input shape {shape}"
            f"{', not_a_character' if not_a_character else ''}): {exc}"
        ) from None
    return classifier


def top_alternatives(probs: np.ndarray, classes: Sequence[str], k: int) -> list[tuple[str, float]]:
    """The ``k`` most probable ``(label, p)`` of one probability row, best first."""
    order = np.argsort(probs)[::-1][:k]
    return [(classes[i], float(probs[i])) for i in order]


class GlyphReader:
    """Classifies the crops of a page's glyphs, each glyph once: cut and join decisions
    (:mod:`nnrecog.ocr.resegment`) read the same glyphs as the final reading."""

    def __init__(self, seg: Segmentation, classifier: Classifier):
        self.seg, self.classifier = seg, classifier
        self._probs: dict[tuple, np.ndarray] = {}

    def probabilities(self, glyphs: list[Glyph]) -> np.ndarray:
        """(n, k + 1) probabilities of ``glyphs``: each character class, then none
        (:meth:`Classifier.probabilities`)."""
        keys = [(g.box, g.labels) for g in glyphs]
        new = {key: g for key, g in zip(keys, glyphs) if key not in self._probs}
        if new:
            probs = self.classifier.classify([self.seg.crop(g) for g in new.values()])
            self._probs.update(zip(new, probs))
        if not keys:
            return np.zeros((0, len(self.classifier.classes) + 1), np.float32)
        return np.stack([self._probs[key] for key in keys])

    def top_log_probability(self, glyphs: list[Glyph]) -> np.ndarray:
        """(n,) log of each glyph's most probable character class (none is not a reading)."""
        return np.log(self.probabilities(glyphs)[:, :-1].max(axis=1) + 1e-12)
