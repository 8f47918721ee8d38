"""Lookahead weight averaging for the torch trainer (:func:`nnrecog.pytorch.train.fit`), as the
fast CIFAR-10 trainers (hlb-CIFAR10, airbench) use it: ``TrainConfig.lookahead_decay`` turns it on
(:func:`nnrecog.pytorch.train.lookahead_hook`)."""

from __future__ import annotations

import torch
from torch import nn

from nnrecog.pytorch.context import unwrap


class Lookahead:
    """Lookahead-style averaging of a model's weights (as in hlb-CIFAR10 and airbench).

    Holds an average ``a`` of the float tensors of the state (weights and batch-norm
    statistics). ``update(t)``, at the fraction ``t`` of training done, moves it towards the
    model and the model back onto it: ``a <- rho a + (1 - rho) w; w <- a`` with
    ``rho = decay^every * t^3``, so the averaging is weak early and strong at the end. The
    model equals the average whenever an update has just run, e.g. at the end of an epoch,
    which is why a resumed run (that starts a fresh average from the model) repeats it exactly.
    """

    def __init__(self, model: nn.Module, decay: float, every: int) -> None:
        self.state = [t for t in unwrap(model).state_dict().values() if t.is_floating_point()]
        self.average = [t.detach().clone() for t in self.state]
        self.decay, self.every = decay, every

    @torch.no_grad()
    def update(self, t: float) -> None:
        rho = self.decay**self.every * min(max(t, 0.0), 1.0) ** 3
        for average, current in zip(self.average, self.state):
            average.lerp_(current, 1.0 - rho)
            current.copy_(average)
