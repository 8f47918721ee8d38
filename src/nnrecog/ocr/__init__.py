"""Handwritten-text OCR from photos: ``Reader().read(image) -> Page`` (:mod:`nnrecog.ocr.reader`),
or ``read(image)`` over a cached reader.

The stages a photo passes through, in order, one module each: :mod:`~nnrecog.ocr.photo`,
:mod:`~nnrecog.ocr.ink`, :mod:`~nnrecog.ocr.sheet`, :mod:`~nnrecog.ocr.rules`,
:mod:`~nnrecog.ocr.components`, :mod:`~nnrecog.ocr.layout`, :mod:`~nnrecog.ocr.resegment`,
:mod:`~nnrecog.ocr.recognize`, :mod:`~nnrecog.ocr.decode` (with :mod:`~nnrecog.ocr.lexicon`);
:mod:`~nnrecog.ocr.pipeline` chains them, :mod:`~nnrecog.ocr.config` holds every setting, and
:class:`~nnrecog.ocr.reader.Reader` owns the loaded models.

Importing the package loads none of them (``nnrecog read`` starts fast, and the command line
can build its options from :mod:`nnrecog.ocr.options` alone); the names below load their
module on first use.
"""

from importlib import import_module
from typing import Any

_NAMES = {
    "Char": "elements", "Line": "elements", "Page": "elements", "Word": "elements",
    "ReaderConfig": "config", "load_classifier": "recognize", "Reader": "reader", "read": "reader",
    "read_file": "reader",
}
__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"nnrecog.ocr.{_NAMES[name]}"), name)
