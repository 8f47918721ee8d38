"""Handwritten-text OCR from photos: ``read(image) -> Page`` (see :mod:`nnrecog.ocr.pipeline`).

The stages a photo passes through, in order, one module each: :mod:`~nnrecog.ocr.photo`,
:mod:`~nnrecog.ocr.ink`, :mod:`~nnrecog.ocr.sheet`, :mod:`~nnrecog.ocr.rules`,
:mod:`~nnrecog.ocr.components`, :mod:`~nnrecog.ocr.layout`, :mod:`~nnrecog.ocr.resegment`,
:mod:`~nnrecog.ocr.recognize`, :mod:`~nnrecog.ocr.decode` (with :mod:`~nnrecog.ocr.lexicon`);
:mod:`~nnrecog.ocr.pipeline` chains them, :mod:`~nnrecog.ocr.config` holds every setting.
"""

from nnrecog.ocr.config import ReaderConfig
from nnrecog.ocr.elements import Char, Line, Page, Word
from nnrecog.ocr.pipeline import read, read_file
from nnrecog.ocr.recognize import load_classifier

__all__ = ["Char", "Line", "Page", "ReaderConfig", "Word", "load_classifier", "read", "read_file"]
