"""nnrecog: neural networks for recognition, from scratch in NumPy, and handwritten-text OCR."""

__version__ = "0.1.0"
