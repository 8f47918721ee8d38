"""``nnrecog.nn``: a from-scratch NumPy neural-network library with explicit backward passes.

Imports nothing else of nnrecog but :mod:`nnrecog.fileio` (atomic writing, the safe ``.npz``
reader; it imports only :mod:`nnrecog.errors`), so it can be lifted out with those two and used
on its own.
"""

from nnrecog.nn.batches import random_batches
from nnrecog.nn.functional import (
    linear,
    linear_deriv,
    log_softmax,
    relu,
    relu_deriv,
    sigmoid,
    sigmoid_deriv,
    softmax,
    softmax_backward,
    tanh,
    tanh_deriv,
)
from nnrecog.nn.gradcheck import gradcheck
from nnrecog.nn.init import xavier_uniform, zeros
from nnrecog.nn.conv import Conv2D, MaxPool2D
from nnrecog.nn.layers import Dense, Dropout, Flatten, Layer
from nnrecog.nn.losses import accuracy, cross_entropy, softmax_cross_entropy, squared_error
from nnrecog.nn.model import ModelFileError, Sequential, load
from nnrecog.nn.optim import SGD, Momentum, step_decay

__all__ = [
    "SGD", "Conv2D", "Dense", "Dropout", "Flatten", "Layer", "MaxPool2D", "ModelFileError",
    "Momentum", "Sequential", "accuracy", "cross_entropy", "gradcheck", "linear", "linear_deriv",
    "load", "log_softmax", "random_batches", "relu", "relu_deriv", "sigmoid", "sigmoid_deriv",
    "softmax", "softmax_backward", "softmax_cross_entropy", "squared_error", "step_decay", "tanh",
    "tanh_deriv", "xavier_uniform", "zeros",
]
