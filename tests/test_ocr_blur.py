"""Photos out of focus: a page whose ink's edges show a blur is read again sharpened (unsharp
masking with the blur it measured), and the stronger reading kept."""

from __future__ import annotations

import dataclasses

import numpy as np
from PIL import Image

from nnrecog import imaging
from nnrecog.data.pages import compose_page
from nnrecog.ocr.evaluate import score_text
from nnrecog.ocr.finding import ink
from nnrecog.ocr.finding.segmentation import segment
from nnrecog.ocr.reader import Reader

TEXT = "THE QUICK BROWN FOX\nJUMPS OVER THE LAZY DOG"


def test_edge_blur_measures_the_sigma_of_a_blurred_step():
    step = np.zeros((60, 60), np.float32)
    step[20:40, 20:40] = 0.8
    labels = np.zeros((60, 60), np.int32)
    for sigma in (1.5, 3.0):
        blurred = imaging.gaussian_filter(step, sigma)
        labels[:] = blurred > 0.1
        assert abs(ink.edge_blur(blurred, labels) - sigma) < 0.25 * sigma
    assert ink.edge_blur(step, np.zeros_like(labels)) == 0.0


def test_a_blurred_page_reads_sharpened(nist_images):
    """Real NIST letters 16 px tall, blurred by a Gaussian of 3 px: read as they are, most of
    the page is lost; read again sharpened, nearly all of it. The same page in focus shows
    less blur than a second reading needs, and reads alike either way."""
    page = compose_page(TEXT, nist_images, np.random.default_rng(7), margin=80, line_spacing=2.5).image
    small = np.asarray(Image.fromarray(page.astype(np.float32), mode="F").resize((page.shape[1] // 2, page.shape[0] // 2),
                                                                                  Image.BILINEAR))
    blurred = imaging.gaussian_filter(small, 3.0)
    reader = Reader(lexicon=False)
    as_it_is = Reader(dataclasses.replace(reader.config, ink=dataclasses.replace(reader.config.ink, blurred_sharpen=0.0)),
                      lexicon=False)
    assert segment(blurred, None, reader.config).blur_px >= reader.config.ink.blurred_px
    assert score_text("as it is", as_it_is.read(blurred).text, TEXT, 0.0).cer > 0.5
    assert score_text("sharpened", reader.read(blurred).text, TEXT, 0.0).cer <= 0.15
    assert segment(small, None, reader.config).blur_px < reader.config.ink.blurred_px
    assert reader.read(small).text == as_it_is.read(small).text
