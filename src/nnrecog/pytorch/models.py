"""The networks: the course MLP, VGG-style CNNs for glyphs and scenes, a fast CIFAR-10 net.

Every network is a plain ``nn.Sequential`` of Conv2d / BatchNorm / ReLU / MaxPool2d /
Flatten / Dropout / Linear (plus global average pooling for the scene net), so the
glyph nets map layer for layer onto ``nnrecog.nn`` (see :mod:`nnrecog.pytorch.export`).
:func:`fast_cifar_net` adds GELU, a fixed patch-whitening first layer and a logit scale; it is
not exported.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def fc_net(n_classes: int = 36, in_features: int = 1024, hidden: int = 64) -> nn.Sequential:
    """The course MLP: ``x (n, 1024) -> sigmoid(x W1 + b1) (n, 64) -> logits (n, 36)``."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(in_features, hidden),
        nn.Sigmoid(),
        nn.Linear(hidden, n_classes),
    )


def conv_net(
    in_channels: int,
    n_classes: int,
    stages: Sequence[tuple[int, int]],
    input_size: int | None,
    hidden: int = 0,
    dropout: float = 0.3,
) -> nn.Sequential:
    """A VGG-style CNN: stages of ``[3x3 conv -> batch norm -> ReLU] * depth`` then 2x2 max pool.

    Parameters
    ----------
    in_channels : int
        c of the input ``(n, c, s, s)``.
    stages : sequence of (width, depth)
        Each stage halves the resolution: ``s -> s / 2``.
    input_size : int or None
        s. With a size the head flattens the ``(width, s / 2^S, s / 2^S)`` map (every layer
        exists in ``nnrecog.nn``); with None it averages over space (global average pooling,
        any input size).
    hidden : int
        Width of a ``Linear -> batch norm -> ReLU`` layer before the classifier (0: none).
    dropout : float
        Dropout before each Linear layer.

    Returns
    -------
    nn.Sequential
        ``(n, c, s, s) -> (n, n_classes)`` logits.
    """
    layers: list[nn.Module] = []
    channels = in_channels
    for width, depth in stages:
        for _ in range(depth):
            layers += [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
            channels = width
        layers.append(nn.MaxPool2d(2))
    if input_size is None:
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        features = channels
    else:
        side = input_size // 2 ** len(stages)
        layers.append(nn.Flatten())
        features = channels * side * side
    if hidden:
        layers += [nn.Dropout(dropout), nn.Linear(features, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU()]
        features = hidden
    layers += [nn.Dropout(dropout), nn.Linear(features, n_classes)]
    return nn.Sequential(*layers)


def glyph_cnn(n_classes: int = 36) -> nn.Sequential:
    """CNN for 32x32 ink-bright glyphs, exportable to ``nnrecog.nn``: 32 -> 16 -> 8 -> 4."""
    return conv_net(1, n_classes, [(32, 2), (64, 2), (128, 1)], input_size=32, hidden=128)


def scene_cnn(n_classes: int = 8) -> nn.Sequential:
    """CNN for small RGB scene photos (64-96 px): five stages, global average pooling."""
    return conv_net(3, n_classes, [(16, 1), (32, 1), (64, 1), (128, 1), (256, 1)], input_size=None, dropout=0.3)


class Scale(nn.Module):
    """Multiply by a constant: ``x -> factor * x``."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor

    def extra_repr(self) -> str:
        return f"factor={self.factor:g}"


class WhiteningConv(nn.Conv2d):
    """A convolution that always runs in float32, even under bf16 autocast.

    Whitening divides by the square roots of the patch eigenvalues, so its small-eigenvalue
    outputs are differences of nearly equal pixel sums; bfloat16's 8-bit mantissa (0.4 %
    rounding) would bury those fine-detail channels in noise. The layer costs almost nothing.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(x.device.type, enabled=False):
            return super().forward(x.float())


def _conv3x3(in_channels: int, out_channels: int) -> nn.Conv2d:
    conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
    # Identity ("dirac") start for the first in_channels filters: each group begins close to
    # passing its input through, an implicit residual path that lets a plain 7-layer stack
    # train fast (airbench's finding).
    with torch.no_grad():
        nn.init.dirac_(conv.weight[: min(in_channels, out_channels)])
    return conv


def _norm(channels: int, momentum: float) -> nn.BatchNorm2d:
    norm = nn.BatchNorm2d(channels, momentum=momentum)
    # Only the shift is learnt: a scale after ReLU-like units and before the next convolution
    # is redundant with that convolution's weights.
    norm.weight.requires_grad_(False)
    return norm


def fast_cifar_net(
    n_classes: int = 10,
    widths: Sequence[int] = (64, 256, 256),
    whiten_kernel: int = 2,
    bn_momentum: float = 0.4,
    logit_scale: float = 1 / 9,
) -> nn.Sequential:
    """A small, fast CIFAR-10 network in the style of airbench (Keller Jordan, 2024).

    ``(n, 3, 32, 32) -> whiten: conv k x k (3 -> 2 * 3 k^2 channels, no padding) -> GELU
    -> 3 groups of [conv 3x3 -> max-pool 2 -> BN -> GELU -> conv 3x3 -> BN -> GELU]
    -> max-pool 3 -> linear (no bias) -> * logit_scale``; at 32 px the maps are
    31 -> 15 -> 7 -> 3 -> 1. Call :func:`init_whitening` on training images before training:
    the first layer is then a fixed whitening of the image patches (its weights are not
    trained, its bias is). ``bn_momentum`` 0.4 keeps the running statistics close to the
    current weights, which short runs need. The scaled-down logits let label smoothing and a
    large learning rate work together.

    Returns
    -------
    nn.Sequential
        ``(n, 3, s, s) -> (n, n_classes)`` logits, for any s >= 24.
    """
    whiten_width = 2 * 3 * whiten_kernel**2
    layers: list[nn.Module] = [WhiteningConv(3, whiten_width, whiten_kernel, bias=True), nn.GELU()]
    layers[0].weight.requires_grad_(False)
    channels = whiten_width
    for width in widths:
        layers += [
            _conv3x3(channels, width), nn.MaxPool2d(2), _norm(width, bn_momentum), nn.GELU(),
            _conv3x3(width, width), _norm(width, bn_momentum), nn.GELU(),
        ]
        channels = width
    layers += [nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(channels, n_classes, bias=False), Scale(logit_scale)]
    return nn.Sequential(*layers)


def init_whitening(conv: nn.Conv2d, images: torch.Tensor, eps: float = 5e-4, chunk: int = 500) -> None:
    """Set ``conv`` (k x k, 2 * c k^2 filters) to whiten the k x k patches of ``images``.

    With the patch covariance ``C = V diag(lambda) V^T`` (patches flattened as (c, k, k),
    the layout of a filter), filter i is ``v_i / sqrt(lambda_i + eps)`` and filter
    ``c k^2 + i`` its negative, so that after GELU both signs of every whitened direction
    survive (David Page's DAWNBench trick, kept fixed as in airbench). The bias is zeroed.

    Parameters
    ----------
    images : (n, c, h, w) float
        Normalised training images (a few thousand are plenty).
    """
    c, k = conv.in_channels, conv.kernel_size[0]
    dim = c * k * k
    if conv.out_channels != 2 * dim:
        raise ValueError(f"a whitening conv needs {2 * dim} filters, this one has {conv.out_channels}")
    cov = torch.zeros(dim, dim, dtype=torch.float64)
    count = 0
    for start in range(0, len(images), chunk):
        x = images[start : start + chunk].double()
        # (n, c, h', w', k, k) -> (n h' w', c k k): the same order as a filter's weights
        patches = x.unfold(2, k, 1).unfold(3, k, 1).permute(0, 2, 3, 1, 4, 5).reshape(-1, dim)
        cov += patches.T @ patches
        count += len(patches)
    eigenvalues, eigenvectors = torch.linalg.eigh(cov / max(1, count))
    filters = (eigenvectors.T / torch.sqrt(eigenvalues.clamp_min(0) + eps)[:, None]).reshape(dim, c, k, k)
    with torch.no_grad():
        conv.weight.copy_(torch.cat([filters, -filters]).to(conv.weight.dtype))
        if conv.bias is not None:
            conv.bias.zero_()


def parameter_count(model: nn.Module) -> int:
    """Number of scalars in ``model``'s parameters (trained or not)."""
    return sum(p.numel() for p in model.parameters())
