"""The character classifiers ``nnrecog serve`` offers, and what one makes of a drawn glyph: the
32x32 input the network sees, its top classes and, for an MLP, its hidden activations.

Needs nothing beyond nnrecog itself: the page and the tests share it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnrecog import nn
from nnrecog.data.normalize import normalize_glyph
from nnrecog.errors import InputError
from nnrecog.ocr.finding.photo import load_photo
from nnrecog.ocr.recognition.recognize import Classifier, detector_choice, load_classifier, top_alternatives

#: The name of the shipped classifier in the API.
SHIPPED = "default"
#: How the top classes call a classifier's extra output (:attr:`Classifier.not_a_character`).
NOT_A_CHARACTER = "not a character"
#: A normalised glyph whose darkest pixel is lighter than this holds no ink.
_BLANK_LEVEL = 0.99


@dataclass(frozen=True)
class ModelChoice:
    """A classifier the server offers: its name in the API and its file (None: the shipped one)."""

    name: str
    path: str | None = None


def model_choices(paths: Sequence[str]) -> list[ModelChoice]:
    """The shipped classifier, then one choice per file, named by its stem (``-2``, ``-3`` ... for
    stems seen before)."""
    choices = [ModelChoice(SHIPPED)]
    for path in paths:
        stem = Path(path).stem
        name, n = stem, 1
        while any(c.name == name for c in choices):
            n += 1
            name = f"{stem}-{n}"
        choices.append(ModelChoice(name, str(path)))
    return choices


def load_models(choices: Sequence[ModelChoice], detector: str | None = None) -> dict[str, Classifier]:
    """Each choice's classifier, loaded and checked, by name, vetted by ``detector``
    (:func:`~nnrecog.ocr.recognition.recognize.detector_choice`).

    Raises
    ------
    InputError, nnrecog.nn.ModelFileError : a file is missing or not a character classifier.
    """
    return {choice.name: load_classifier(choice.path, detector_choice(detector)) for choice in choices}


def is_mlp(classifier: Classifier) -> bool:
    """Whether the network is dense layers only (dropout aside): hidden activations to show."""
    return all(isinstance(layer, (nn.Dense, nn.Dropout)) for layer in classifier.net.layers)


def describe(name: str, classifier: Classifier) -> dict:
    """What the page says of a classifier: ``{"name", "source", "kind", "classes",
    "not_a_character", "hidden": [units per hidden layer]}``."""
    dense = [layer for layer in classifier.net.layers if isinstance(layer, nn.Dense)]
    mlp = is_mlp(classifier)
    return {
        "name": name,
        "source": Path(classifier.source).name,
        "kind": "mlp" if mlp else "cnn",
        "classes": classifier.classes,
        "not_a_character": classifier.not_a_character,
        "hidden": [layer.params["W"].shape[1] for layer in dense[:-1]] if mlp else [],
    }


@dataclass
class GlyphReading:
    """One glyph as a classifier read it.

    Attributes
    ----------
    input : (32, 32) float32 in [0, 1], ink dark: what the network was given.
    top : the ``k`` most probable ``(label, p)``, best first; the no-character output, where
        the classifier has one, is labelled :data:`NOT_A_CHARACTER`.
    hidden : for an MLP, each hidden layer's activations, ``(units,)`` each; else empty.
    blank : the input holds no ink (the top classes then mean little).
    """

    input: np.ndarray
    top: list[tuple[str, float]]
    hidden: list[np.ndarray] = field(default_factory=list)
    blank: bool = False

    def export(self) -> dict:
        """``{"input": 32 rows of 32, "top": [{"label", "p"}], "hidden": [[...]], "blank"}``, rounded."""
        return {
            "input": np.round(self.input, 3).tolist(),
            "top": [{"label": label, "p": round(p, 4)} for label, p in self.top],
            "hidden": [np.round(h, 3).tolist() for h in self.hidden],
            "blank": self.blank,
        }


def drawn_input(image: bytes, max_pixels: int, name: str = "glyph") -> np.ndarray:
    """A drawn glyph's image file (PNG, say; ink dark on white or on transparency) as the
    network's ``(32, 32)`` input: :func:`~nnrecog.data.normalize.normalize_glyph` of the drawing.

    Raises
    ------
    InputError : not an image, truncated, or one that would decode to more than ``max_pixels``
        (a canvas is far smaller; a JPEG counts a 64th of its pixels), naming ``name``.
    """
    return normalize_glyph(load_photo(image, max_pixels, name, max_decoded_pixels=max_pixels)[0])


def checked_input(pixels: object) -> np.ndarray:
    """A 32x32 input given as nested lists (ink dark, values in [0, 1]) as a float32 array.

    Raises
    ------
    InputError : not 32 rows of 32 numbers in [0, 1].
    """
    try:
        image = np.asarray(pixels, dtype=np.float32)
    except (TypeError, ValueError):
        raise InputError("pixels must be 32 rows of 32 numbers in [0, 1]") from None
    if image.shape != (32, 32):
        raise InputError(f"pixels must be 32 rows of 32 numbers in [0, 1], got shape {image.shape}")
    if not np.isfinite(image).all() or image.min() < 0 or image.max() > 1:
        raise InputError("pixels must be numbers in [0, 1] (ink dark, paper 1)")
    return image


class GlyphClassifier:
    """Classifies single glyphs with one classifier, one glyph at a time: the network's layers
    keep what they computed last, so two threads must not run it at once."""

    def __init__(self, classifier: Classifier, top_k: int = 5) -> None:
        self.classifier = classifier
        self.top_k = top_k
        self._lock = threading.Lock()

    def read(self, image: np.ndarray) -> GlyphReading:
        """Classify a ``(32, 32)`` input (ink dark, as :func:`drawn_input` gives)."""
        classifier = self.classifier
        # the no-character output is one label, not the letters of "not a character"
        names = [*classifier.classes, *([NOT_A_CHARACTER] if classifier.not_a_character else [])]
        with self._lock:
            probs = classifier.probabilities(image[None])[0, : len(names)]
            hidden = self._hidden(image) if is_mlp(classifier) else []
        top = top_alternatives(probs, names, self.top_k)
        return GlyphReading(image, top, hidden, blank=bool(image.min() > _BLANK_LEVEL))

    def _hidden(self, image: np.ndarray) -> list[np.ndarray]:
        X = (1.0 - image if self.classifier.ink_bright else image).reshape(1, -1)
        dense = [layer for layer in self.classifier.net.layers if isinstance(layer, nn.Dense)]
        outputs = []
        for layer in self.classifier.net.layers:
            if isinstance(layer, nn.Dropout):  # evaluation: dropout passes everything
                continue
            X = layer.forward(X)
            if layer is not dense[-1]:
                outputs.append(X[0].astype(np.float32))
        return outputs
