"""Synthetic lines of handwriting (:mod:`nnrecog.data.lines`): what the line recogniser learns
from. Made here from a few hand-drawn letters, so no data set is needed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnrecog.data.lines import LineSources, LineStyle, _elastic, _hurried, synthetic_line


def _sources() -> LineSources:
    bar = np.zeros((20, 6), np.float32)
    bar[:, 2:4] = 1.0
    box = np.zeros((20, 14), np.float32)
    box[:2], box[-2:], box[:, :2], box[:, -2:] = 1.0, 1.0, 1.0, 1.0
    strokes = {"T": [[np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([[5.0, 0.0], [5.0, 20.0]])]]}
    return LineSources({"I": [bar], "O": [box], "T": [np.zeros((20, 10), np.float32) + 1.0]}, strokes, ["TOO", "IOT"])


def test_a_hurried_letter_keeps_its_strokes_and_runs_each_on_past_its_ends():
    strokes = [np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]]), np.array([[10.0, 0.0], [10.0, 30.0]])]
    still = dataclasses.replace(LineStyle(), letter_rotation=0.0, letter_shear=0.0, overshoot=(0.1, 0.1))
    hurried = _hurried(strokes, np.random.default_rng(0), still)
    assert [len(s) for s in hurried] == [5, 4]
    # unturned, each stroke goes on in its own direction by a tenth of the letter's size (30)
    np.testing.assert_allclose(hurried[0][[0, -1]], [[-3.0, 0.0], [23.0, 0.0]])
    np.testing.assert_allclose(hurried[1][[0, -1]], [[10.0, -3.0], [10.0, 33.0]])
    turned = _hurried(strokes, np.random.default_rng(1), LineStyle())
    assert not np.allclose(turned[1][1:-1], strokes[1])  # turned or sheared about its middle


def test_the_elastic_warp_moves_ink_smoothly_and_keeps_it():
    ink = np.zeros((96, 400), np.float32)
    ink[30:70, 40:44] = ink[30:34, 40:90] = ink[30:70, 200:204] = 1.0
    rng = np.random.default_rng(0)
    warped = _elastic(ink, 32.0, rng, LineStyle())
    assert warped.shape == ink.shape and 0.0 <= warped.min() and warped.max() <= 1.0
    assert not np.allclose(warped, ink)
    assert 0.8 < warped.sum() / ink.sum() < 1.25  # bent, not erased or smeared
    flat = dataclasses.replace(LineStyle(), elastic_amplitude=(0.0, 0.0))
    np.testing.assert_allclose(_elastic(ink, 32.0, rng, flat), ink, atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_synthetic_line_is_its_text_drawn_and_the_same_for_the_same_seed(seed):
    sources = _sources()
    first = synthetic_line("TOO IOT", sources, np.random.default_rng(seed))
    again = synthetic_line("TOO IOT", sources, np.random.default_rng(seed))
    assert first.text == "TOO IOT"
    np.testing.assert_array_equal(first.image, again.image)
    assert first.image.shape[0] == 32 and first.image.min() < 0.5  # ink dark on white, 32 rows
    assert (first.image < 0.5).mean() < 0.5
