"""Convolution and max pooling with explicit forward and backward passes (im2col by strided
windows and one matrix product; PyTorch's weight layout ``(out, in, kh, kw)``), as every layer of
:mod:`nnrecog.nn.layers`: ``forward`` caches what ``backward`` needs, gradients are assigned."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnrecog.nn import functional as F
from nnrecog.nn.init import xavier_uniform, zeros
from nnrecog.nn.layers import Layer, checked_size


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"expected one size or two (height, width), got {value!r}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _windows(X: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """Strided view ``(n, c, oh, ow, kh, kw)`` of every kernel window of ``X : (n, c, h, w)``."""
    return sliding_window_view(X, kernel, axis=(2, 3))[:, :, :: stride[0], :: stride[1]]


def _pair_config(value: tuple[int, int]) -> int | list[int]:
    """A pair as model files write it: one number when both are equal (as before pairs)."""
    return value[0] if value[0] == value[1] else list(value)


def _scatter_windows(
    d_windows: np.ndarray, input_shape: tuple[int, ...], stride: tuple[int, int]
) -> np.ndarray:
    """Adjoint of ``_windows``: sum window gradients back onto the input grid.

    Parameters
    ----------
    d_windows : (n, c, oh, ow, kh, kw)
    input_shape : (n, c, h, w)

    Returns
    -------
    dX : (n, c, h, w), where overlapping windows add up.
    """
    dX = np.zeros(input_shape, dtype=d_windows.dtype)
    _, _, oh, ow, kh, kw = d_windows.shape
    sh, sw = stride
    for i in range(kh):
        for j in range(kw):
            dX[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw] += d_windows[..., i, j]
    return dX


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in PyTorch) via im2col and one matrix product.

    ``Y[n, o, y, x] = act(b[o] + sum_{c,i,j} W[o, c, i, j] * Xp[n, c, y*sh + i, x*sw + j])``
    where ``Xp`` is ``X`` zero-padded by ``padding`` on each side and ``(sh, sw)`` the stride.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw), default 1
    padding : int or (ph, pw), rows and columns added on each side, default 0
    activation : str, default "linear"
    rng : numpy.random.Generator, optional
    dtype : dtype, default float32

    Attributes
    ----------
    params["W"] : (out_channels, in_channels, kh, kw), the PyTorch layout; Xavier-uniform with
        ``fan_in = in_channels*kh*kw``, ``fan_out = out_channels*kh*kw``.
    params["b"] : (out_channels,), zeros

    Shapes: ``X : (n, in_channels, h, w)`` -> ``Y : (n, out_channels, oh, ow)`` with
    ``oh = (h + 2*ph - kh) // sh + 1`` (likewise ``ow``).
    """

    in_channels: int
    out_channels: int
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    activation: str
    dtype: np.dtype
    config_keys = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "activation")

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        activation: str = "linear",
        rng: np.random.Generator | None = None,
        dtype: np.dtype | type = np.float32,
    ) -> None:
        super().__init__()
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        if min(self.stride) < 1 or min(self.padding) < 0:
            raise ValueError(f"Conv2D needs stride >= 1 and padding >= 0, got {stride} and {padding}")
        self.activation = F.check_activation(activation)
        if self.activation == "softmax":
            raise ValueError("Conv2D does not support a softmax activation; use Flatten and Dense")
        self.dtype = np.dtype(dtype)
        rng = rng if rng is not None else np.random.default_rng()
        kh, kw = self.kernel_size
        shapes = self.param_shapes(
            in_channels=self.in_channels, out_channels=self.out_channels, kernel_size=self.kernel_size
        )
        self.params["W"] = xavier_uniform(
            self.in_channels * kh * kw, self.out_channels * kh * kw, rng, shape=shapes["W"], dtype=self.dtype
        )
        self.params["b"] = zeros(*shapes["b"], dtype=self.dtype)

    @classmethod
    def param_shapes(
        cls, *, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], **_: Any
    ) -> dict[str, tuple[int, ...]]:
        kh, kw = _pair(kernel_size)
        return {"W": (checked_size(out_channels), checked_size(in_channels), checked_size(kh), checked_size(kw)), "b": (checked_size(out_channels),)}

    def config(self) -> dict[str, Any]:
        cfg = super().config()
        cfg["kernel_size"] = list(self.kernel_size)
        cfg["stride"], cfg["padding"] = _pair_config(self.stride), _pair_config(self.padding)
        return cfg

    def forward(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim != 4 or X.shape[1] != self.in_channels:
            raise ValueError(f"Conv2D expects (n, {self.in_channels}, h, w) input, got {X.shape}")
        ph, pw = self.padding
        Xp = np.pad(X, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else X
        win = _windows(Xp, self.kernel_size, self.stride)
        n, c, oh, ow, kh, kw = win.shape
        # (c*kh*kw, n*oh*ow) patch matrix, the one copy im2col needs: laid out with the output
        # columns innermost, it copies whole rows of the input (twice as fast as patches
        # innermost, the same sums).
        cols = win.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * oh * ow)
        pre = self.params["W"].reshape(self.out_channels, -1) @ cols
        pre += self.params["b"][:, None]
        # Back to (n, o, oh, ow) in contiguous memory: a strided view would make every later
        # layer (pooling above all) crawl through memory.
        Y = np.ascontiguousarray(
            F.activate(self.activation, pre).reshape(self.out_channels, n, oh, ow).transpose(1, 0, 2, 3)
        )
        self._cols, self._padded_shape, self._Y = cols, Xp.shape, Y
        return Y

    def backward(self, dY: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        dpre = F.activation_backward(self.activation, self._Y, dY)
        n, o, oh, ow = dpre.shape
        dpre_mat = dpre.transpose(1, 0, 2, 3).reshape(o, n * oh * ow)
        self.grads["W"] = (dpre_mat @ self._cols.T).reshape(self.params["W"].shape)
        self.grads["b"] = dpre_mat.sum(axis=1)
        if not input_grad:
            return None
        c = self.in_channels
        kh, kw = self.kernel_size
        dcols = (self.params["W"].reshape(o, -1).T @ dpre_mat).reshape(c, kh, kw, n, oh, ow)
        dXp = _scatter_windows(dcols.transpose(3, 0, 4, 5, 1, 2), self._padded_shape, self.stride)
        ph, pw = self.padding
        return dXp[:, :, ph : dXp.shape[2] - ph, pw : dXp.shape[3] - pw]


class MaxPool2D(Layer):
    """Max pooling over ``kernel_size`` windows with ``stride`` (default: the kernel size); both
    an int or a ``(height, width)`` pair, so a line network can pool rows but keep columns.

    Shapes: ``X : (n, c, h, w)`` -> ``Y : (n, c, (h - kh)//sh + 1, (w - kw)//sw + 1)``. The
    gradient flows to the first maximum of each window, as in PyTorch.
    """

    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    config_keys = ("kernel_size", "stride")

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride) if stride is not None else self.kernel_size
        if min(self.kernel_size) < 1 or min(self.stride) < 1:
            raise ValueError(f"MaxPool2D needs kernel_size and stride >= 1, got {kernel_size} and {stride}")

    def config(self) -> dict[str, Any]:
        cfg = super().config()
        cfg["kernel_size"], cfg["stride"] = _pair_config(self.kernel_size), _pair_config(self.stride)
        return cfg

    def forward(self, X: np.ndarray) -> np.ndarray:
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        n, c, h, w = X.shape
        oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
        # One pass per kernel offset over output-sized strided slices: far cheaper than
        # materialising every window. Which offset held the maximum is left to backward, so
        # reading (forward only) does not pay for it.
        Y = X[:, :, 0 : sh * oh : sh, 0 : sw * ow : sw].copy()
        for offset in range(1, kh * kw):
            i, j = divmod(offset, kw)
            np.maximum(Y, X[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw], out=Y)
        self._X, self._Y = X, Y
        return Y

    def backward(self, dY: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        if not input_grad:
            return None
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        _, _, oh, ow = dY.shape
        dX = np.zeros(self._X.shape, dtype=dY.dtype)
        # the gradient goes to the first offset holding the window's maximum, as in PyTorch
        unclaimed = np.ones(self._Y.shape, dtype=bool)
        for offset in range(kh * kw):
            i, j = divmod(offset, kw)
            window = (slice(None), slice(None), slice(i, i + sh * oh, sh), slice(j, j + sw * ow, sw))
            first = unclaimed & (self._X[window] == self._Y)
            unclaimed &= ~first
            # "+=" so overlapping windows (stride < kernel) add up.
            dX[window] += np.where(first, dY, 0)
        return dX
