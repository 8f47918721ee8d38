"""``Sequential`` networks and their ``.npz`` model files.

A model file is one NumPy ``.npz`` archive holding
- ``__arch__``: a JSON string ``{"format": "nnrecog.nn.Sequential", "version": 1,
  "dtype": "float32", "layers": [{"type": "Dense", "in_features": ..., ...}, ...], "meta": {...}}``
- ``layers.{i}.{name}``: each layer's parameters.
It loads with ``allow_pickle=False``, so a model file can never run code.
"""

from __future__ import annotations

import copy
import inspect
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nnrecog.nn.functional import softmax
from nnrecog.nn.layers import LAYER_TYPES, Layer

FORMAT = "nnrecog.nn.Sequential"
VERSION = 1
ARCH_KEY = "__arch__"


class ModelFileError(ValueError):
    """A model file is missing, truncated, foreign, or does not match its architecture."""


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

    def backward(self, dout: np.ndarray, input_grad: bool = False) -> np.ndarray | None:
        """Back-propagate ``dout = dL/d(output)`` and fill every layer's ``grads``.

        The gradient with respect to the network's input is only computed (and returned) when
        ``input_grad`` is true: skipping it saves the first layer's largest matrix product.
        """
        for i in range(len(self.layers) - 1, -1, -1):
            dout = self.layers[i].backward(dout, need_input_grad=input_grad or i > 0)
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
        final = Path(path)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".npz", dir=final.parent)
        except OSError as exc:  # name the requested file, not the hidden temporary one
            raise OSError(exc.errno, exc.strerror, str(final)) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **arrays)
            # mkstemp makes the file private (0600); give it the mode a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


def _read_archive(path: Path) -> dict[str, np.ndarray]:
    if path.exists() and not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file"
        raise ModelFileError(f"{path}: is {kind}, expected a model file (.npz)")
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    # np.load also reads .npy arrays and pickles; only a zip (.npz) archive can be a model.
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path}: not an nnrecog model file (expected a .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise ModelFileError(
            f"{path}: not a readable nnrecog model file (expected a .npz archive): {exc}"
        ) from None


def _parse_architecture(path: Path, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    if ARCH_KEY not in arrays:
        raise ModelFileError(f"{path}: not an nnrecog model file (no {ARCH_KEY} entry)")
    try:
        arch = json.loads(str(arrays[ARCH_KEY]))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: corrupt architecture JSON: {exc}") from None
    if not isinstance(arch, dict) or arch.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an nnrecog model file (format is not {FORMAT})")
    if arch.get("version") != VERSION:
        raise ModelFileError(f"{path}: model file version {arch.get('version')} is not supported")
    if not isinstance(arch.get("layers"), list) or not arch["layers"]:
        raise ModelFileError(f"{path}: the architecture lists no layers")
    return arch


def _build_layer(path: Path, index: int, spec: Any, dtype: np.dtype) -> Layer:
    if not isinstance(spec, dict) or spec.get("type") not in LAYER_TYPES:
        raise ModelFileError(
            f"{path}: layer {index} has unknown type {spec!r}; expected one of {sorted(LAYER_TYPES)}"
        )
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
        or its weights do not match its architecture (missing, extra, wrong shape or dtype,
        non-finite values). The message names the file.
    """
    path = Path(path)
    arrays = _read_archive(path)
    arch = _parse_architecture(path, arrays)
    dtype = np.dtype(arch.get("dtype") if arch.get("dtype") in ("float32", "float64") else "float32")
    # Layers are built empty and then filled, so init randomness is irrelevant here.
    layers = [_build_layer(path, i, spec, dtype) for i, spec in enumerate(arch["layers"])]
    expected = {f"layers.{i}.{k}": p for i, layer in enumerate(layers) for k, p in layer.params.items()}
    stored = {k: v for k, v in arrays.items() if k != ARCH_KEY}
    if set(stored) != set(expected):
        missing = sorted(set(expected) - set(stored))
        extra = sorted(set(stored) - set(expected))
        raise ModelFileError(f"{path}: weights do not match the architecture (missing {missing}, extra {extra})")
    for name, param in expected.items():
        value = stored[name]
        if value.shape != param.shape or value.dtype.kind != "f":
            raise ModelFileError(
                f"{path}: {name} is {value.dtype}{list(value.shape)}, expected float{list(param.shape)}"
            )
        if not np.isfinite(value).all():
            raise ModelFileError(f"{path}: {name} holds NaN or infinite values")
        param[...] = value
    meta = arch.get("meta") or {}
    return Sequential(*layers, meta=meta if isinstance(meta, dict) else {})
