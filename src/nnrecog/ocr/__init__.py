"""Handwritten-text OCR from photos: ``read(image) -> Page`` (see :mod:`nnrecog.ocr.pipeline`)."""

from nnrecog.ocr.elements import Char, Line, Page, Word
from nnrecog.ocr.pipeline import read, read_file
from nnrecog.ocr.recognize import load_classifier

__all__ = ["Char", "Line", "Page", "Word", "load_classifier", "read", "read_file"]
