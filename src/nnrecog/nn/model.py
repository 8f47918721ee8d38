"""``Sequential`` networks and their ``.npz`` model files.

A model file is one NumPy ``.npz`` archive holding
- ``__arch__``: a JSON string ``{"format": "nnrecog.nn.Sequential", "version": 1,
  "dtype": "float32", "layers": [{"type": "Dense", "in_features": ..., ...}, ...], "meta": {...}}``
- ``layers.{i}.{name}``: each layer's parameters.
It is read with :func:`nnrecog.fileio.open_npz`: every array's shape and dtype are read from its
header and checked against the architecture (and a size cap) before anything is allocated, and
nothing is unpickled, so a model file can neither run code nor exhaust memory.
"""

from __future__ import annotations

import copy
import inspect
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog.fileio import ArraySpec, BadFileError, NpzArchive, atomic_open, open_npz
from nnrecog.nn.conv import Conv2D, MaxPool2D
from nnrecog.nn.functional import softmax
from nnrecog.nn.layers import Dense, Dropout, Flatten, Layer

#: The layers a model file may name, by class name.
LAYER_TYPES: dict[str, type[Layer]] = {cls.__name__: cls for cls in (Dense, Conv2D, MaxPool2D, Flatten, Dropout)}

FORMAT = "nnrecog.nn.Sequential"
VERSION = 1
ARCH_KEY = "__arch__"


#: What a model file is, in messages.
_WHAT = "an nnrecog model file"
#: ``__arch__`` is one JSON string (a 0-d str array).
_ARCH_SPEC = ArraySpec((), kinds="U")


class ModelFileError(BadFileError):
    """A model file is missing, truncated, foreign, or does not match its architecture.

    A ``ValueError`` and an :class:`nnrecog.errors.InputError` (through
    :class:`~nnrecog.fileio.BadFileError`): the command line prints it as one error line.
    """


class Sequential:
    """A stack of layers applied in order.

    Parameters
    ----------
    *layers : Layer
    meta : dict, optional
        Free-form JSON metadata saved with the model (class names, input convention, ...).

    Examples
    --------
    >>> net = Sequential(Dense(1024, 64, activation="sigmoid"), Dense(64, 36))
    >>> logits = net.forward(X)                 # X : (n, 1024)
    >>> loss, dlogits = softmax_cross_entropy(logits, Y)
    >>> net.backward(dlogits)                   # fills every layer's grads
    """

    layers: list[Layer]
    meta: dict[str, Any]

    def __init__(self, *layers: Layer, meta: dict[str, Any] | None = None) -> None:
        self.layers = list(layers)
        self.meta = dict(meta or {})

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Run every layer in order; each caches what its backward needs."""
        for layer in self.layers:
            X = layer.forward(X)
        return X

    __call__ = forward

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Back-propagate ``dout = dL/d(output)``, fill every layer's ``grads`` and return the
        gradient with respect to the network's input.

        With ``input_grad`` false that last gradient is skipped (None is returned), which saves
        the first layer's largest matrix product: training loops pass ``input_grad=False``.
        """
        for i in range(len(self.layers) - 1, -1, -1):
            dout = self.layers[i].backward(dout, input_grad=input_grad or i > 0)
        return dout

    def parameters(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """Yield ``(name, param, grad)`` for every parameter, named ``layers.{i}.{key}``."""
        for i, layer in enumerate(self.layers):
            for key, param in layer.params.items():
                yield f"layers.{i}.{key}", param, layer.grads.get(key)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters by name (views, not copies)."""
        return {name: param for name, param, _ in self.parameters()}

    def train(self) -> Sequential:
        """Switch every layer to training mode (dropout active)."""
        for layer in self.layers:
            layer.training = True
        return self

    def eval(self) -> Sequential:
        """Switch every layer to evaluation mode."""
        for layer in self.layers:
            layer.training = False
        return self

    def predict_proba(self, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Class probabilities ``(n, k)``: softmax of the outputs, in eval mode, in batches.

        Leaves the model in the mode it was in.
        """
        was_training = [layer.training for layer in self.layers]
        self.eval()
        try:
            # At least one (possibly empty) batch, so no samples still give (0, k).
            starts = range(0, max(len(X), 1), batch_size)
            outputs = [self.forward(X[i : i + batch_size]) for i in starts]
        finally:
            for layer, mode in zip(self.layers, was_training):
                layer.training = mode
        out = np.concatenate(outputs)
        last = self.layers[-1]
        return out if getattr(last, "activation", None) == "softmax" else softmax(out)

    def astype(self, dtype: np.dtype | type) -> Sequential:
        """A deep copy whose parameters (and computations) use ``dtype``."""
        clone = copy.deepcopy(self)
        for layer in clone.layers:
            if hasattr(layer, "dtype"):
                layer.dtype = np.dtype(dtype)
            for key in layer.params:
                layer.params[key] = layer.params[key].astype(dtype)
        return clone

    @property
    def n_params(self) -> int:
        """Number of learnable scalars (the sizes of all ``params`` summed)."""
        return sum(p.size for _, p, _ in self.parameters())

    def architecture(self) -> dict[str, Any]:
        """The JSON-serialisable architecture saved in model files."""
        dtypes = {p.dtype.name for _, p, _ in self.parameters()} or {"float32"}
        return {
            "format": FORMAT,
            "version": VERSION,
            "dtype": dtypes.pop() if len(dtypes) == 1 else "mixed",
            "layers": [layer.config() for layer in self.layers],
            "meta": self.meta,
        }

    def save(self, path: str | os.PathLike, meta: dict[str, Any] | None = None) -> None:
        """Write the model to ``path`` (``.npz``) atomically; ``meta`` updates ``self.meta``."""
        if meta:
            self.meta.update(meta)
        arrays = {ARCH_KEY: np.array(json.dumps(self.architecture()))}
        arrays.update(self.state_dict())
        with atomic_open(path, "wb") as handle:
            np.savez(handle, **arrays)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


def _parse_architecture(archive: NpzArchive) -> dict[str, Any]:
    """The ``__arch__`` JSON, checked to be an nnrecog architecture of this version."""
    path = archive.path
    archive.expect({ARCH_KEY: _ARCH_SPEC}, exact=False)
    try:
        arch = json.loads(str(archive.read(ARCH_KEY)))
    except (json.JSONDecodeError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise ModelFileError(f"{path}: corrupt architecture JSON: {exc}") from None
    if not isinstance(arch, dict) or arch.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an nnrecog model file (format is not {FORMAT})")
    if arch.get("version") != VERSION:
        raise ModelFileError(f"{path}: model file version {arch.get('version')} is not supported")
    if not isinstance(arch.get("layers"), list) or not arch["layers"]:
        raise ModelFileError(f"{path}: the architecture lists no layers")
    return arch


def _layer_class(path: Path, index: int, spec: Any) -> type[Layer]:
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str) or spec["type"] not in LAYER_TYPES:
        raise ModelFileError(
            f"{path}: layer {index} has unknown type {spec!r}; expected one of {sorted(LAYER_TYPES)}"
        )
    return LAYER_TYPES[spec["type"]]


def _param_specs(path: Path, layer_specs: list[Any]) -> dict[str, ArraySpec]:
    """What every parameter array must be, from the architecture alone (nothing is built)."""
    specs = {ARCH_KEY: _ARCH_SPEC}
    for i, spec in enumerate(layer_specs):
        cls = _layer_class(path, i, spec)
        try:
            shapes = cls.param_shapes(**{k: v for k, v in spec.items() if k != "type"})
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: layer {i} ({spec['type']}) is malformed: {exc}") from None
        specs.update({f"layers.{i}.{key}": ArraySpec(shape, kinds="f") for key, shape in shapes.items()})
    return specs


def _build_layer(path: Path, index: int, spec: dict[str, Any], dtype: np.dtype) -> Layer:
    cls = LAYER_TYPES[spec["type"]]
    kwargs = {k: v for k, v in spec.items() if k != "type"}
    if "dtype" in inspect.signature(cls).parameters:
        kwargs["dtype"] = dtype
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: layer {index} ({spec['type']}) is malformed: {exc}") from None


def load(path: str | os.PathLike) -> Sequential:
    """Load a model written by ``Sequential.save``, checking it thoroughly.

    Raises
    ------
    ModelFileError
        If the file is missing, not an ``.npz`` archive, truncated, written by something else,
        declares arrays other than its architecture's (missing, extra, wrong shape or dtype:
        refused before any is read), holds non-finite weights, or would unpack to more than
        :data:`nnrecog.fileio.MAX_ARCHIVE_BYTES`. The message names the file.
    """
    path = Path(path)
    with open_npz(path, _WHAT, error=ModelFileError) as archive:
        arch = _parse_architecture(archive)
        archive.expect(_param_specs(path, arch["layers"]))
        dtype = np.dtype(arch.get("dtype") if arch.get("dtype") in ("float32", "float64") else "float32")
        # Layers are built empty and then filled, so init randomness is irrelevant here; their
        # sizes are those of the arrays just checked, so building them allocates nothing absurd.
        layers = [_build_layer(path, i, spec, dtype) for i, spec in enumerate(arch["layers"])]
        for i, layer in enumerate(layers):
            for key, param in layer.params.items():
                value = archive.read(f"layers.{i}.{key}")
                if not np.isfinite(value).all():
                    raise ModelFileError(f"{path}: layers.{i}.{key} holds NaN or infinite values")
                param[...] = value
    meta = arch.get("meta") or {}
    return Sequential(*layers, meta=meta if isinstance(meta, dict) else {})
