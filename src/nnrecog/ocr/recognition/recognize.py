"""Stage 8: classify character crops with a saved network: normalise, predict, keep the alternatives.

Each crop goes through :func:`nnrecog.data.normalize_glyph`, the same normalisation the
training data went through, then into the network in the input convention its model file
declares (``meta["input"]``: ``"ink_dark"``, NIST's ink ~0 on white ~1, or ``"ink_bright"``,
``1 - x``) and shape (``meta["input_shape"]``: ``[1024]`` for an MLP, ``[1, 32, 32]`` for a
CNN). A character detector (``meta["kind"] == "character_detector"``, two outputs: not a
character, a character) vets every glyph: learned from crops of photos without writing, it
gives the probability that the crop is a character at all, not a speck, a texture or a piece
of a desk.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nnrecog import nn
from nnrecog.data import CLASSES
from nnrecog.errors import InputError

if TYPE_CHECKING:
    from nnrecog.ocr.finding.components import Glyph, Segmentation

#: The shipped default model and character detector, inside the package.
DEFAULT_MODEL = "default.npz"
DEFAULT_DETECTOR = "detector.npz"
DEFAULT_ORIENTATION = "orientation.npz"
#: What a character detector's model file says it is (:mod:`nnrecog.experiments.detector`).
DETECTOR_KIND = "character_detector"
#: What an orientation model's file says it is (:mod:`nnrecog.experiments.orientation`).
ORIENTATION_KIND = "glyph_orientation"
_INPUTS = ("ink_dark", "ink_bright")


@dataclass
class GlyphNetwork:
    """A network over normalised 32x32 glyph images and its input convention.

    Attributes
    ----------
    net : the network; ``net.predict_proba(X) -> (n, outputs)``.
    input_shape : shape of one input sample, ``(1024,)`` or ``(1, 32, 32)``.
    ink_bright : feed ``1 - x`` (ink bright on black) instead of ``x`` (ink dark on white).
    source : where it was loaded from (for messages).
    """

    net: nn.Sequential
    input_shape: tuple[int, ...]
    ink_bright: bool
    source: str

    def outputs(self, images: np.ndarray) -> np.ndarray:
        """``(n, outputs)`` softmax probabilities of ``(n, 32, 32)`` images (ink dark on white)."""
        X = 1.0 - images if self.ink_bright else images
        return self.net.predict_proba(X.reshape((len(X), *self.input_shape)).astype(np.float32))


@dataclass
class Classifier(GlyphNetwork):
    """A loaded character classifier, with the character detector that vets its glyphs.

    Attributes
    ----------
    classes : the character label of each output, e.g. ``"ABC...Z0123456789"``.
    detector : a network whose outputs are ``[not a character, a character]``
        (:mod:`nnrecog.experiments.detector`), or None to take every glyph for a character.
    orientation : a network whose outputs are the quarter turns that set a crop upright
        (:mod:`nnrecog.experiments.orientation`, the shipped one), or None (the page's
        orientation is then judged by this classifier's confidence).
    """

    classes: str = CLASSES
    detector: GlyphNetwork | None = None
    orientation: GlyphNetwork | None = None

    @property
    def not_a_character(self) -> bool:
        """Whether the last column of :meth:`probabilities` means anything (a detector vets the
        glyphs); without a detector it is always 0."""
        return self.detector is not None

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Probabilities of each character class, and of none, for normalised glyph images.

        ``p(c) = p(c | character) p(character)``, the first from the classifier, the second
        from the detector (1 without one).

        Parameters
        ----------
        images : (n, 32, 32) float32, ink dark on white (as :func:`normalize_glyph` gives).

        Returns
        -------
        (n, len(classes) + 1) float32, rows summing to 1: ``[:, :-1]`` the characters,
        ``[:, -1]`` no character.
        """
        if len(images) == 0:
            return np.zeros((0, len(self.classes) + 1), np.float32)
        probs = self.outputs(images)
        if probs.shape[1] != len(self.classes):
            raise ValueError(f"the network gives {probs.shape[1]} outputs for {len(self.classes)} classes")
        character = self.detector.outputs(images)[:, 1:2] if self.detector is not None else np.ones((len(images), 1))
        return np.concatenate([probs * character, 1.0 - character], axis=1).astype(np.float32)

    def normalize(self, crops: list[np.ndarray]) -> np.ndarray:
        """(n, 32, 32) float32 images of grey crops (ink dark on white), as
        :meth:`probabilities` takes them (:func:`~nnrecog.data.normalize.normalize_glyph`)."""
        from nnrecog.data.normalize import normalize_glyph  # loaded when a page is read

        return np.stack([normalize_glyph(c) for c in crops]) if crops else np.zeros((0, 32, 32), np.float32)


def _shipped(name: str) -> Path | None:
    candidate = resources.files("nnrecog") / "models" / name
    return Path(str(candidate)) if candidate.is_file() else None


def default_model_path() -> Path | None:
    """The shipped default classifier's path, or ``None`` when the package has none yet."""
    return _shipped(DEFAULT_MODEL)


def default_detector_path() -> Path | None:
    """The shipped character detector's path, or ``None`` when the package has none."""
    return _shipped(DEFAULT_DETECTOR)


def load_classifier(
    path: str | os.PathLike | Classifier | None = None, detector: str | os.PathLike | bool = True
) -> Classifier:
    """Load a classifier model file (and a character detector) and check both are usable.

    Parameters
    ----------
    path : a ``.npz`` written by ``nnrecog.nn.Sequential.save``; ``None`` loads the default
        model shipped in the package (``nnrecog/models/default.npz``); a loaded
        :class:`Classifier` is returned as it is.
    detector : ``True`` for the shipped detector (``nnrecog/models/detector.npz``; none when
        the package has none), ``False`` for none, or a detector's model file.

    Raises
    ------
    InputError : no path given and no default model is installed.
    nnrecog.nn.ModelFileError : a file is missing, not a model, or its meta does not describe
        a 32x32 glyph classifier whose outputs match its ``classes`` (a detector: two outputs).
    """
    if isinstance(path, Classifier):
        return path
    if path is None:
        path = default_model_path()
        if path is None:
            raise InputError(
                "no default model installed (nnrecog/models/default.npz); train one with "
                "'nnrecog train cnn' or pass --model PATH"
            )
    net = nn.load(path)
    if net.meta.get("kind") == DETECTOR_KIND:
        raise nn.ModelFileError(f"{path}: a character detector, not a classifier (give it as the detector)")
    network = _glyph_network(net, str(path))
    classes = net.meta.get("classes", CLASSES)
    if not isinstance(classes, str) or not classes:
        raise nn.ModelFileError(f"{path}: meta 'classes' must be a non-empty string of labels")
    detector_path = default_detector_path() if detector is True else detector or None
    found = _load_helper(detector_path, DETECTOR_KIND, "a character detector", 2) if detector_path is not None else None
    orientation_path = _shipped(DEFAULT_ORIENTATION)
    turner = (_load_helper(orientation_path, ORIENTATION_KIND, "an orientation model", 4)
              if orientation_path is not None else None)
    classifier = Classifier(network.net, network.input_shape, network.ink_bright, network.source, classes, found, turner)
    try:
        classifier.probabilities(np.ones((1, 32, 32), np.float32))
    except ValueError as exc:
        raise nn.ModelFileError(
            f"{path}: the network does not fit its meta (classes {classes!r}, input shape "
            f"{list(network.input_shape)}): {exc}"
        ) from None
    return classifier


#: The word that asks for no detector where a detector's file is named (``--detector none``).
NO_DETECTOR = "none"


def detector_choice(name: str | os.PathLike | None) -> str | os.PathLike | bool:
    """What :func:`load_classifier` takes for a detector named on a command line: ``None`` the
    shipped one, :data:`NO_DETECTOR` none, else that file."""
    if name is None:
        return True
    return False if str(name) == NO_DETECTOR else name


def _load_helper(path: str | os.PathLike, kind: str, what: str, outputs: int) -> GlyphNetwork:
    """A glyph network that helps the classifier (a detector, an orientation model): its meta
    says it is ``kind``, and it has ``outputs`` outputs."""
    net = nn.load(path)
    if net.meta.get("kind") != kind:
        raise nn.ModelFileError(f"{path}: not {what} (its meta 'kind' is not {kind!r})")
    network = _glyph_network(net, str(path))
    try:
        found = network.outputs(np.ones((1, 32, 32), np.float32)).shape[1]
    except ValueError as exc:
        raise nn.ModelFileError(f"{path}: the network does not take its declared input: {exc}") from None
    if found != outputs:
        raise nn.ModelFileError(f"{path}: {what} has {outputs} outputs, this one {found}")
    return network


def _glyph_network(net: nn.Sequential, source: str) -> GlyphNetwork:
    """A loaded network's input convention, checked against its meta."""
    meta = net.meta
    shape = meta.get("input_shape")
    convention = meta.get("input", "ink_dark")
    if not isinstance(shape, list) or not shape or int(np.prod(shape)) != 32 * 32:
        raise nn.ModelFileError(
            f"{source}: meta 'input_shape' must describe a 32x32 glyph ([1024] or [1, 32, 32]), got {shape!r}"
        )
    if convention not in _INPUTS:
        raise nn.ModelFileError(f"{source}: meta 'input' must be one of {_INPUTS}, got {convention!r}")
    return GlyphNetwork(net, tuple(int(s) for s in shape), convention == "ink_bright", source)


def top_alternatives(probs: np.ndarray, classes: Sequence[str], k: int) -> list[tuple[str, float]]:
    """The ``k`` most probable ``(label, p)`` of one probability row, best first."""
    order = np.argsort(probs)[::-1][:k]
    return [(classes[i], float(probs[i])) for i in order]


class GlyphReader:
    """Normalises and classifies the crops of a page's glyphs, each glyph once: cut and join
    decisions (:mod:`nnrecog.ocr.lines.resegment`) read the same glyphs as the final reading,
    and the orientation stage looks at the same normalised images."""

    def __init__(self, seg: Segmentation, classifier: Classifier):
        self.seg, self.classifier = seg, classifier
        self._images: dict[tuple, np.ndarray] = {}
        self._probs: dict[tuple, np.ndarray] = {}

    def images(self, glyphs: list[Glyph]) -> np.ndarray:
        """(n, 32, 32) the glyphs' crops normalised (:meth:`Classifier.normalize`)."""
        if not glyphs:
            return self.classifier.normalize([])
        return self._each(glyphs, self._images, lambda new: self.classifier.normalize([self.seg.crop(g) for g in new]))

    def probabilities(self, glyphs: list[Glyph]) -> np.ndarray:
        """(n, k + 1) probabilities of ``glyphs``: each character class, then none
        (:meth:`Classifier.probabilities`)."""
        if not glyphs:
            return np.zeros((0, len(self.classifier.classes) + 1), np.float32)
        return self._each(glyphs, self._probs, lambda new: self.classifier.probabilities(self.images(new)))

    @staticmethod
    def _each(glyphs: list[Glyph], known: dict[tuple, np.ndarray],
              compute: Callable[[list[Glyph]], np.ndarray]) -> np.ndarray:
        """Each glyph's row of ``known``, the rows of glyphs not yet there computed together."""
        keys = [(g.box, g.labels) for g in glyphs]
        new = {key: g for key, g in zip(keys, glyphs) if key not in known}
        if new:
            known.update(zip(new, compute(list(new.values()))))
        return np.stack([known[key] for key in keys])

    def top_log_probability(self, glyphs: list[Glyph]) -> np.ndarray:
        """(n,) log of each glyph's most probable character class (none is not a reading)."""
        return np.log(self.probabilities(glyphs)[:, :-1].max(axis=1) + 1e-12)
