"""How glyph images become network inputs.

Images arrive as (n, 32, 32) float32 in [0, 1], ink dark (~0) on white (~1), as ``nnrecog.data``
gives them. A saved model records its convention in its meta (``input_shape`` and ``input``:
``ink_dark`` = the image as is, ``ink_bright`` = ``1 - x``), so readers can feed it correctly.
"""

from __future__ import annotations

import numpy as np


def ink_dark_rows(images: np.ndarray) -> np.ndarray:
    """(n, 32, 32) -> (n, 1024) row-major rows, ink dark: the course's MLP input."""
    return images.reshape(len(images), -1)


def ink_bright_rows(images: np.ndarray) -> np.ndarray:
    """(n, 32, 32) -> (n, 1024) rows of ``1 - x``: ink ~1 on a zero background.

    Most inputs are then zero, so hidden units start near their bias instead of summing a
    bright background, which ReLU networks train much better from.
    """
    return 1.0 - images.reshape(len(images), -1)


def ink_bright_planes(images: np.ndarray) -> np.ndarray:
    """(n, 32, 32) -> (n, 1, 32, 32) ``1 - x``: one channel, zero background (= zero padding)."""
    return (1.0 - images)[:, None, :, :]


def input_meta(to_input) -> dict:
    """The model-file meta describing the input convention of ``to_input``."""
    return {
        ink_dark_rows: {"input_shape": [1024], "input": "ink_dark"},
        ink_bright_rows: {"input_shape": [1024], "input": "ink_bright"},
        ink_bright_planes: {"input_shape": [1, 32, 32], "input": "ink_bright"},
    }[to_input]
