"""The networks: the course MLP and VGG-style CNNs for glyphs, CIFAR-10 and scenes.

Every network is a plain ``nn.Sequential`` of Conv2d / BatchNorm / ReLU / MaxPool2d /
Flatten / Dropout / Linear (plus global average pooling for the scene and CIFAR nets), so the
glyph nets map layer for layer onto ``nnrecog.nn`` (see :mod:`nnrecog.pytorch.export`).
"""

from __future__ import annotations

from collections.abc import Sequence

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


def cifar_cnn(n_classes: int = 10) -> nn.Sequential:
    """CNN for 32x32 RGB images (CIFAR-10): 32 -> 16 -> 8 -> 4, global average pooling."""
    return conv_net(3, n_classes, [(64, 2), (128, 2), (256, 2)], input_size=None, dropout=0.2)


def scene_cnn(n_classes: int = 8) -> nn.Sequential:
    """CNN for small RGB scene photos (64-96 px): five stages, global average pooling."""
    return conv_net(3, n_classes, [(16, 1), (32, 1), (64, 1), (128, 1), (256, 1)], input_size=None, dropout=0.3)
