"""Layers with explicit forward and backward passes.

Every layer caches in ``forward`` exactly what ``backward`` needs, keeps its parameters in
``params`` and fills ``grads`` (same keys, same shapes) on ``backward``. Gradients are
*assigned*, not accumulated, so there is nothing to zero between steps. All computation is
vectorised over the batch; the only Python loops are over kernel offsets (at most kh*kw).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnrecog.nn import functional as F
from nnrecog.nn.init import xavier_uniform, zeros


class Layer:
    """Base class: parameters, gradients, train/eval mode, config for saving.

    Attributes
    ----------
    params : dict[str, ndarray]
        Learnable tensors (empty for parameter-free layers).
    grads : dict[str, ndarray]
        ``dL/dparam`` after the last ``backward``.
    training : bool
        Train mode (dropout active) or eval mode.
    """

    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]
    training: bool
    #: constructor arguments saved in the architecture JSON, in order.
    config_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.params = {}
        self.grads = {}
        self.training = True

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Output ``Y`` of the layer for the batch ``X`` (first axis = samples); in train mode
        it keeps what ``backward`` needs."""
        raise NotImplementedError

    def backward(self, dY: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Fill ``grads`` from ``dY = dL/dY`` and return ``dL/dX``; with ``input_grad`` false,
        skip computing it and return None."""
        raise NotImplementedError

    @classmethod
    def param_shapes(cls, **config: Any) -> dict[str, tuple[int, ...]]:
        """The shapes of the ``params`` a layer built from ``config`` (as :meth:`config` gives
        it) has, worked out without building it, so a model file's architecture can be checked
        before anything is allocated.

        Raises
        ------
        TypeError, ValueError
            If ``config`` lacks a size or a size is not an integer.
        """
        return {}

    def config(self) -> dict[str, Any]:
        """JSON-serialisable description: ``{"type": ..., **constructor arguments}``."""
        return {"type": type(self).__name__, **{k: getattr(self, k) for k in self.config_keys}}

    def extra_repr(self) -> str:
        """The constructor arguments shown inside ``repr(layer)``."""
        return ", ".join(f"{k}={getattr(self, k)!r}" for k in self.config_keys)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class Dense(Layer):
    """Fully connected layer ``Y = act(X W + b)``.

    Parameters
    ----------
    in_features, out_features : int
    activation : str, default "linear"
        One of ``linear``, ``sigmoid``, ``tanh``, ``relu``, ``softmax``.
    rng : numpy.random.Generator, optional
        Used for the Xavier-uniform draw of ``W``; defaults to ``np.random.default_rng()``.
    dtype : dtype, default float32

    Attributes
    ----------
    params["W"] : (in_features, out_features), ``U(-sqrt(6/(in+out)), +sqrt(6/(in+out)))``
    params["b"] : (out_features,), zeros

    Shapes: ``X : (n, in_features)`` -> ``Y : (n, out_features)``.
    """

    in_features: int
    out_features: int
    activation: str
    dtype: np.dtype
    config_keys = ("in_features", "out_features", "activation")

    def __init__(
        self,
        in_features: int,
        out_features: int,
        activation: str = "linear",
        rng: np.random.Generator | None = None,
        dtype: np.dtype | type = np.float32,
    ) -> None:
        super().__init__()
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.activation = F.check_activation(activation)
        self.dtype = np.dtype(dtype)
        rng = rng if rng is not None else np.random.default_rng()
        shapes = self.param_shapes(in_features=self.in_features, out_features=self.out_features)
        self.params["W"] = xavier_uniform(*shapes["W"], rng, dtype=self.dtype)
        self.params["b"] = zeros(*shapes["b"], dtype=self.dtype)

    @classmethod
    def param_shapes(cls, *, in_features: int, out_features: int, **_: Any) -> dict[str, tuple[int, ...]]:
        return {"W": (_size(in_features), _size(out_features)), "b": (_size(out_features),)}

    def forward(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=self.dtype)
        pre = X @ self.params["W"]
        pre += self.params["b"]
        Y = F.activate(self.activation, pre)
        self._X, self._Y = X, Y
        return Y

    def backward(self, dY: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        dpre = F.activation_backward(self.activation, self._Y, dY)
        self.grads["W"] = self._X.T @ dpre
        self.grads["b"] = dpre.sum(axis=0)
        return dpre @ self.params["W"].T if input_grad else None


def _size(value: Any) -> int:
    """A size from a model file's architecture: an integer (JSON gives no other kind of int)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"sizes must be integers, got {value!r}")
    return value


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
        return {"W": (_size(out_channels), _size(in_channels), _size(kh), _size(kw)), "b": (_size(out_channels),)}

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
        # (n*oh*ow, c*kh*kw) patch matrix: the one copy im2col needs.
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)
        pre = cols @ self.params["W"].reshape(self.out_channels, -1).T
        pre += self.params["b"]
        # Back to channels-first in contiguous memory: the strided channels-last view would make
        # every later layer (pooling above all) crawl through memory.
        Y = np.ascontiguousarray(
            F.activate(self.activation, pre).reshape(n, oh, ow, self.out_channels).transpose(0, 3, 1, 2)
        )
        self._cols, self._padded_shape, self._Y = cols, Xp.shape, Y
        return Y

    def backward(self, dY: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        dpre = F.activation_backward(self.activation, self._Y, dY)
        n, o, oh, ow = dpre.shape
        dpre_mat = dpre.transpose(0, 2, 3, 1).reshape(n * oh * ow, o)
        self.grads["W"] = (dpre_mat.T @ self._cols).reshape(self.params["W"].shape)
        self.grads["b"] = dpre_mat.sum(axis=0)
        if not input_grad:
            return None
        c = self.in_channels
        kh, kw = self.kernel_size
        dcols = (dpre_mat @ self.params["W"].reshape(o, -1)).reshape(n, oh, ow, c, kh, kw)
        dXp = _scatter_windows(dcols.transpose(0, 3, 1, 2, 4, 5), self._padded_shape, self.stride)
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
        # materialising every window. A strict ">" keeps the first maximum, as PyTorch does.
        Y = X[:, :, 0 : sh * oh : sh, 0 : sw * ow : sw].copy()
        argmax = np.zeros(Y.shape, dtype=np.uint8 if kh * kw < 256 else np.int32)
        for offset in range(1, kh * kw):
            i, j = divmod(offset, kw)
            patch = X[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw]
            argmax = np.where(patch > Y, argmax.dtype.type(offset), argmax)
            np.maximum(Y, patch, out=Y)
        self._argmax, self._input_shape = argmax, X.shape
        return Y

    def backward(self, dY: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        if not input_grad:
            return None
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        _, _, oh, ow = dY.shape
        dX = np.zeros(self._input_shape, dtype=dY.dtype)
        for offset in range(kh * kw):
            i, j = divmod(offset, kw)
            # "+=" so overlapping windows (stride < kernel) add up.
            dX[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw] += np.where(self._argmax == offset, dY, 0)
        return dX


class Flatten(Layer):
    """Reshape ``(n, ...)`` to ``(n, prod(...))``; backward restores the shape."""

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._input_shape = X.shape
        return X.reshape(X.shape[0], math.prod(X.shape[1:]))  # not -1: that fails for 0 samples

    def backward(self, dY: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        return dY.reshape(self._input_shape) if input_grad else None


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``p`` and scale the rest
    by ``1/(1-p)``; in eval mode, the identity.

    Parameters
    ----------
    p : float in [0, 1)
    rng : numpy.random.Generator, optional
    """

    p: float
    config_keys = ("p",)

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = float(p)
        self.rng = rng if rng is not None else np.random.default_rng()

    def forward(self, X: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0.0:
            self._mask = None
            return X
        self._mask = (self.rng.random(X.shape) >= self.p).astype(X.dtype) / (1.0 - self.p)
        return X * self._mask

    def backward(self, dY: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        if not input_grad:
            return None
        return dY if self._mask is None else dY * self._mask


LAYER_TYPES: dict[str, type[Layer]] = {
    cls.__name__: cls for cls in (Dense, Conv2D, MaxPool2D, Flatten, Dropout)
}
