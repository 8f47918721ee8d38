"""Handwritten-text OCR from photos: ``Reader().read(image) -> Page`` (:mod:`nnrecog.ocr.reader`),
or ``read(image)`` over a cached reader.

The folders are the stages a photo passes through, in order, one module per stage:

- :mod:`~nnrecog.ocr.finding`: finding the writing. The photo at a working resolution, its
  ink, the sheet, the rulings taken out, the ink components as character candidates.
- :mod:`~nnrecog.ocr.lines`: the candidates grouped into lines and words, touching letters
  cut and broken ones joined, each line cut out as an image for the line recogniser.
- :mod:`~nnrecog.ocr.recognition`: reading. The character classifier, the line recogniser and
  its CTC decoding, the word decoder with the lexicon, which lines are writing at all, and
  which way up the sheet is.
- :mod:`~nnrecog.ocr.document`: the result. The ``Page > Line > Word > Char`` tree, the
  formats it is written in, the overlay picture, a photo's reading.

Imports point down: reading may use lines, finding and the document; lines may use finding
and the document; finding only the document; the document none of them. All may use
:mod:`~nnrecog.ocr.config`, which holds every setting. :mod:`~nnrecog.ocr.pipeline` chains the stages,
:class:`~nnrecog.ocr.reader.Reader` owns the loaded models, :mod:`~nnrecog.ocr.batch` and
:mod:`~nnrecog.ocr.cluster` read many photos, :mod:`~nnrecog.ocr.evaluate` scores readings.

Importing the package loads none of them (``nnrecog read`` starts fast, and the command line
can build its options from :mod:`nnrecog.ocr.options` alone); the names below load their
module on first use.
"""

from importlib import import_module
from typing import Any

_NAMES = {
    "Char": "document.elements", "Line": "document.elements", "Page": "document.elements",
    "Word": "document.elements", "ReaderConfig": "config", "load_classifier": "recognition.recognize",
    "Reader": "reader", "read": "reader", "read_file": "reader",
}
__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"nnrecog.ocr.{_NAMES[name]}"), name)
