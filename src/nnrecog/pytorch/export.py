"""``nnrecog torch export``: a trained glyph network as an ``nnrecog.nn`` model file.

Layer by layer: ``Conv2d`` -> ``Conv2D`` (same ``(out, in, kh, kw)`` weight layout),
``Linear`` -> ``Dense`` (``W`` transposed to ``(in, out)``), ``MaxPool2d`` -> ``MaxPool2D``,
``Flatten`` -> ``Flatten``. A batch norm right after a convolution or linear layer is folded
into it, an activation right after becomes that layer's activation, and dropout (the identity
at inference) is left out. The NumPy model then computes the torch model's eval-mode logits.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from nnrecog import nn as npnn
from nnrecog.errors import InputError
from nnrecog.pytorch.nist import GLYPH_MODELS
from nnrecog.pytorch.context import load_state_dict

_ACTIVATIONS = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}


def _fold_batch_norm(W: np.ndarray, b: np.ndarray, bn: nn.modules.batchnorm._BatchNorm) -> tuple[np.ndarray, np.ndarray]:
    """Fold eval-mode batch norm into the preceding layer's weights (output channel = axis 0).

    ``bn(z) = gamma (z - mu) / sqrt(var + eps) + beta = s z + (beta - s mu)`` with
    ``s = gamma / sqrt(var + eps)``, so ``W' = s W`` (per output channel) and
    ``b' = s (b - mu) + beta``. Computed in float64, stored as float32.
    """
    gamma, beta = bn.weight.detach().double().numpy(), bn.bias.detach().double().numpy()
    mean, var = bn.running_mean.double().numpy(), bn.running_var.double().numpy()
    scale = gamma / np.sqrt(var + bn.eps)
    W = W.astype(np.float64) * scale.reshape(-1, *([1] * (W.ndim - 1)))
    return W, (b.astype(np.float64) - mean) * scale + beta


def _check_supported(module: nn.Module) -> None:
    problems = {
        nn.Conv2d: lambda m: m.groups != 1 or m.dilation != (1, 1) or m.padding_mode != "zeros"
        or isinstance(m.padding, str),
        nn.MaxPool2d: lambda m: m.padding not in (0, (0, 0)) or m.dilation not in (1, (1, 1)) or m.ceil_mode,
    }
    check = problems.get(type(module))
    if check is not None and check(module):
        raise InputError(f"cannot export {module}: nnrecog.nn supports only ungrouped, undilated layers with zero padding")


@dataclass
class _OpenLayer:
    """A conv/dense layer read from torch, still taking a folded batch norm or an activation."""

    make: Callable[[str], npnn.Layer]  # activation -> freshly built nnrecog layer
    W: np.ndarray  # torch layout, float64
    b: np.ndarray
    transpose: bool  # Linear (out, in) -> Dense (in, out)
    activation: str = "linear"

    def build(self) -> npnn.Layer:
        layer = self.make(self.activation)
        layer.params["W"][...] = self.W.T if self.transpose else self.W
        layer.params["b"][...] = self.b
        return layer


def _open_layer(module: nn.Conv2d | nn.Linear) -> _OpenLayer:
    W = module.weight.detach().double().numpy()
    b = np.zeros(W.shape[0]) if module.bias is None else module.bias.detach().double().numpy()
    if isinstance(module, nn.Conv2d):
        return _OpenLayer(
            lambda act: npnn.Conv2D(
                module.in_channels, module.out_channels, module.kernel_size,
                stride=module.stride, padding=module.padding, activation=act,
            ),
            W, b, transpose=False,
        )
    return _OpenLayer(lambda act: npnn.Dense(module.in_features, module.out_features, activation=act), W, b, transpose=True)


def to_numpy_model(model: nn.Sequential, meta: dict[str, Any]) -> npnn.Sequential:
    """Translate a torch ``nn.Sequential`` of exportable layers into ``nnrecog.nn.Sequential``.

    Raises
    ------
    InputError
        A layer with no ``nnrecog.nn`` equivalent (e.g. global average pooling).
    """
    layers: list[npnn.Layer] = []
    open_layer: _OpenLayer | None = None
    for module in model.eval():
        _check_supported(module)
        foldable = open_layer is not None and open_layer.activation == "linear"
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and foldable:
            open_layer.W, open_layer.b = _fold_batch_norm(open_layer.W, open_layer.b, module)
            continue
        if type(module) in _ACTIVATIONS and foldable:
            open_layer.activation = _ACTIVATIONS[type(module)]
            continue
        if isinstance(module, nn.Dropout):
            continue
        if open_layer is not None:
            layers.append(open_layer.build())
            open_layer = None
        if isinstance(module, nn.Conv2d | nn.Linear):
            open_layer = _open_layer(module)
        elif isinstance(module, nn.MaxPool2d):
            layers.append(npnn.MaxPool2D(module.kernel_size, module.stride))
        elif isinstance(module, nn.Flatten):
            layers.append(npnn.Flatten())
        else:
            raise InputError(f"cannot export {module}: nnrecog.nn has no equivalent layer")
    if open_layer is not None:
        layers.append(open_layer.build())
    return npnn.Sequential(*layers, meta=meta)


def model_from_checkpoint(path: str | os.PathLike) -> tuple[str, nn.Sequential]:
    """Rebuild the glyph network a ``model.pt`` state_dict belongs to (fc or cnn)."""
    state = load_state_dict(path)
    for kind, spec in GLYPH_MODELS.items():
        model = spec.build()
        try:
            model.load_state_dict(state)
        except RuntimeError:
            continue
        return kind, model.eval()
    raise InputError(
        f"{path}: not a checkpoint of `nnrecog torch train fc|cnn` (its tensors match neither network)"
    )


def _run_scores(results_path: Path) -> dict[str, Any]:
    """The headline numbers of the training run, if its results.json is readable."""
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    keys = ("valid_accuracy", "test_accuracy", "nist26_accuracy", "best_epoch", "augment", "world_size")
    return {key: results[key] for key in keys if key in results}


def export_checkpoint(checkpoint: str | os.PathLike, out: str | os.PathLike) -> dict[str, Any]:
    """Write ``checkpoint`` (a glyph network's ``model.pt``) as an ``nnrecog.nn`` model file.

    The meta follows the project convention (``classes``, ``input_shape``, ``input``) plus
    ``model``, ``exported_from`` and, when the run's ``results.json`` sits beside the
    checkpoint, its valid / test / nist26 accuracies and epoch.

    Returns
    -------
    dict
        ``kind``, ``out``, ``layers`` (the NumPy architecture), ``bytes`` (file size).
    """
    kind, model = model_from_checkpoint(checkpoint)
    meta = {**GLYPH_MODELS[kind].meta(), "model": f"torch-{kind}", "exported_from": str(checkpoint)}
    meta.update(_run_scores(Path(checkpoint).parent / "results.json"))
    net = to_numpy_model(model, meta)
    net.save(out)
    return {"kind": kind, "out": str(out), "layers": [repr(layer) for layer in net.layers], "bytes": Path(out).stat().st_size}
