"""Faint writing: pencil and thin pale ink, as light as 30 % of black, reads as dark ink does (the
ink threshold follows the paper's noise and the page's own ink, not a fixed darkness)."""

from __future__ import annotations

import numpy as np
import pytest

from nnrecog.ocr.evaluate import score_text
from nnrecog.ocr.reader import Reader
from nnrecog.data.pages import compose_page

TEXT = "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG"


@pytest.mark.parametrize("lightness", [0.45, 0.7], ids=["pencil", "pale pencil"])
def test_pencil_reads_as_ink_does(nist_images, lightness):
    page = compose_page(TEXT, nist_images, np.random.default_rng(7), margin=80, line_spacing=2.5).image
    faint = 1 - (1 - page) * (1 - lightness)  # strokes at 55 % and 30 % of black
    reader = Reader(lexicon=False)
    assert score_text("pencil", reader.read(faint).text, TEXT, 0.0).cer <= 0.03
