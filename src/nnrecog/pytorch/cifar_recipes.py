"""How ``nnrecog torch cifar10`` trains: a network and schedule chosen for a small CPU.

The recipe follows the fast CIFAR-10 trainers (David Page's DAWNBench ResNet, hlb-CIFAR10,
Keller Jordan's airbench): a 7-conv network whose first layer is a fixed patch-whitening
convolution, identity-initialised 3x3 convolutions, batch norm with fast-moving statistics
and a boosted learning rate on its shifts, label smoothing, small (2 px) random translations
and flips, Nesterov SGD on a one-cycle schedule with lookahead weight averaging, and
test-time augmentation over mirror images and 1-pixel shifts. Convolutions run in bfloat16
(autocast) where the CPU supports it, in the NHWC layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nnrecog.pytorch import train
from nnrecog.pytorch.models import fast_cifar_net, init_whitening
from nnrecog.pytorch.vision import ImageOptions

# Images used to estimate the patch covariance for the whitening layer: enough for a stable
# 12 x 12 covariance (about 5 million patches), a fraction of a second to compute.
WHITENING_IMAGES = 5000


@dataclass(frozen=True)
class CifarRecipe:
    """A network (the widths of :func:`fast_cifar_net`'s three groups) and how to train it.

    ``train`` holds the optimiser and schedule; its ``precision`` may be "auto" (bf16 where
    the CPU has native bfloat16 support, else fp32). ``images``: 5 % of each training class
    held out (to watch the run; a one-cycle schedule ends on its best epoch anyway), 2 px
    random translations, test-time augmentation over mirror images and 1-pixel shifts
    (6 views), NHWC layout.
    """

    name: str
    widths: tuple[int, int, int]
    train: train.TrainConfig
    images: ImageOptions = ImageOptions(valid_fraction=0.05, padding=2, tta=2, channels_last=True)
    bn_momentum: float = 0.4

    def build(self, n_classes: int) -> nn.Sequential:
        """A freshly initialised network for ``n_classes`` (whitening still to be fitted)."""
        return fast_cifar_net(n_classes, self.widths, bn_momentum=self.bn_momentum)


def _sgd(**fields: object) -> train.TrainConfig:
    # Nesterov SGD at batch 256. lr 0.375 and weight decay 1.33e-3 are airbench's per-example
    # step size (11.5 per 1024 examples at momentum 0.85) and decay (0.0153) rewritten for
    # PyTorch's mean-loss SGD at this batch size; batch-norm shifts learn 64x faster; lookahead
    # averaging from 30 % of the run on. (Batch 512 at lr 0.75 and a slower batch-norm
    # momentum were tried on the quick recipe and made no difference beyond noise.)
    defaults = dict(
        batch_size=256, lr=0.375, optimizer="sgd", momentum=0.85, nesterov=True, weight_decay=1.33e-3,
        norm_lr_scale=64.0, schedule="onecycle", warmup=0.23, start_factor=0.2, end_factor=0.0,
        label_smoothing=0.2, lookahead_decay=0.95, precision="auto",
    )
    return train.TrainConfig(**{**defaults, **fields})


# Measured on the 2-core AMD EPYC (Zen 5) this was built on, one bf16 thread, quiet machine:
# about 90 s per epoch for FULL (airbench94's widths) and 33 s for QUICK (half the widths,
# a quarter of the work). See the README for the runs.
FULL = CifarRecipe("full", (64, 256, 256), _sgd(epochs=12))
QUICK = CifarRecipe("quick", (32, 128, 128), _sgd(epochs=5))
RECIPES = {recipe.name: recipe for recipe in (FULL, QUICK)}


def resolve_precision(precision: str, device: torch.device) -> str:
    """"auto" -> "bf16" where bfloat16 matmuls are native (AVX512-BF16/AMX CPUs, recent GPUs),
    else "fp32"; any other value is returned as it is."""
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    # Without native support bfloat16 is emulated on the CPU and several times slower.
    return "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"


def fit_whitening(model: nn.Module, eval_transform: train.BatchTransform, X_train: np.ndarray) -> None:
    """``prepare`` hook for :func:`nnrecog.pytorch.vision.fit_images`: fit the whitening layer
    of a :func:`fast_cifar_net` to (a fixed sample of) the normalised training images."""
    images = eval_transform(torch.from_numpy(np.ascontiguousarray(X_train[:WHITENING_IMAGES])))
    init_whitening(model[0], images.contiguous())
