"""Optimisers that update a model's parameters in place, and a step-decay schedule.

``SGD``:      ``W <- W - lr * (g + weight_decay * W)``
``Momentum``: ``M <- momentum * M - lr * (g + weight_decay * W);  W <- W + M``  (the course's
update, with ``M`` starting at zero).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import numpy as np


class HasParameters(Protocol):
    def parameters(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]: ...


class SGD:
    """Plain stochastic gradient descent.

    Parameters
    ----------
    model : object with ``parameters()`` yielding ``(name, param, grad)`` (e.g. ``Sequential``)
    lr : float, learning rate; may be changed between steps (schedules set ``opt.lr``)
    weight_decay : float, default 0, L2 penalty coefficient
    """

    lr: float
    weight_decay: float

    def __init__(self, model: HasParameters, lr: float, weight_decay: float = 0.0) -> None:
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.model = model
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)

    def _gradients(self) -> Iterable[tuple[str, np.ndarray, np.ndarray]]:
        for name, param, grad in self.model.parameters():
            if self.weight_decay:
                grad = grad + self.weight_decay * param
            yield name, param, grad

    def step(self) -> None:
        """Update every parameter in place from its gradient (``W <- W - lr (g + wd W)``)."""
        for _, param, grad in self._gradients():
            step = np.multiply(grad, self.lr, dtype=param.dtype)
            param -= step

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr}, weight_decay={self.weight_decay})"


class Momentum(SGD):
    """SGD with (heavy-ball) momentum exactly as the course: ``M <- m M - lr g; W <- W + M``.

    The velocity buffers live in ``state`` keyed by parameter name, so a resumed run can save
    and restore them.
    """

    momentum: float
    state: dict[str, np.ndarray]

    def __init__(
        self, model: HasParameters, lr: float, momentum: float = 0.9, weight_decay: float = 0.0
    ) -> None:
        super().__init__(model, lr, weight_decay)
        self.momentum = float(momentum)
        self.state = {}

    def step(self) -> None:
        """``M <- m M - lr (g + wd W); W <- W + M`` for every parameter, in place."""
        for name, param, grad in self._gradients():
            velocity = self.state.get(name)
            if velocity is None:
                velocity = self.state[name] = np.zeros_like(param)
            velocity *= self.momentum
            velocity -= np.multiply(grad, self.lr, dtype=param.dtype)
            param += velocity

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"


def step_decay(lr0: float, epoch: int, every: int, factor: float = 0.9) -> float:
    """Learning rate for ``epoch`` (0-based): ``lr0 * factor ** (epoch // every)``."""
    if every <= 0:
        raise ValueError(f"decay period must be positive, got {every}")
    return lr0 * factor ** (epoch // every)
