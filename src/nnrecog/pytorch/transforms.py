"""Batch transforms on image tensors, the few torchvision would otherwise provide.

The tensor functions take and return float tensors ``x : (n, c, h, w)`` and draw their
randomness from an explicit ``torch.Generator`` so seeded runs repeat exactly; the last one
crops a PIL image the ImageNet way.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

# EfficientNet-Lite was trained in TensorFlow on pixels scaled as (p - 127) / 128
# (MEAN_RGB = STDDEV_RGB = 127 / 128 in the TF efficientnet-lite builder).
LITE_MEAN = (127.0 / 255.0,) * 3
LITE_STD = (128.0 / 255.0,) * 3


def uint8_to_float(images: torch.Tensor) -> torch.Tensor:
    """``(n, h, w, c)`` uint8 pixels -> ``(n, c, h, w)`` float32 in [0, 1]."""
    return images.permute(0, 3, 1, 2).float().div_(255.0)


def normalize(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Per-channel ``(x - mean_c) / std_c``."""
    mean_t = torch.tensor(mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    std_t = torch.tensor(std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    return (x - mean_t) / std_t


def random_crop(x: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Pad each image by ``padding`` (reflection) and cut a random ``h x w`` window from it.

    Every image gets its own offset ``(dy, dx)`` in ``[0, 2 * padding]^2``; the gather is one
    advanced-indexing call, no Python loop over the batch.
    """
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding), mode="reflect")
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]
    batch = torch.arange(n)[:, None, None, None]
    channel = torch.arange(c)[None, :, None, None]
    return padded[batch, channel, rows.to(x.device), cols.to(x.device)]


def random_flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Mirror a random half of the images left-right."""
    flip = torch.rand(x.shape[0], generator=generator) < 0.5
    out = x.clone()
    out[flip] = out[flip].flip(-1)
    return out


def resize_short_side_center_crop(image, size: int, crop_fraction: float = 1.0):
    """PIL image -> centre square of side ``size`` (ImageNet-style evaluation crop).

    The short side is scaled to ``size / crop_fraction`` (bicubic) and the central
    ``size x size`` window is kept; ``crop_fraction = 0.875`` is the usual 224-of-256 crop.
    """
    from PIL import Image

    width, height = image.size
    scale = size / crop_fraction / min(width, height)
    new_w, new_h = max(size, round(width * scale)), max(size, round(height * scale))
    image = image.resize((new_w, new_h), Image.BICUBIC)
    left, top = (new_w - size) // 2, (new_h - size) // 2
    return image.crop((left, top, left + size, top + size))
