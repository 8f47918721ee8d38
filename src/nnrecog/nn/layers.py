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
        return {"W": (checked_size(in_features), checked_size(out_features)), "b": (checked_size(out_features),)}

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


def checked_size(value: Any) -> int:
    """A size from a model file's architecture: an integer (JSON gives no other kind of int)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"sizes must be integers, got {value!r}")
    return value


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
