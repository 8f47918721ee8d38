"""The training every PyTorch classifier shares, its epochs run by the loop every trainer
shares (:func:`nnrecog.epochs.run_epochs`: resume, history, best epoch, checkpoint, Ctrl-C).

Device choice, seeding, a seeded ``DataLoader`` (or a ``DistributedSampler`` under
``torchrun``), live tqdm progress, the best-validation checkpoint saved atomically with
``torch.save(state_dict)``, a resumable last-epoch state, and ``DistributedDataParallel``
(gloo on CPU, NCCL on CUDA) with rank-0-only logging and saving.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Subset

from nnrecog.epochs import EpochHooks, Record, run_epochs
from nnrecog.fileio import atomic_path
from nnrecog.pytorch.context import Context, autocast, save_state_dict, sum_across, unwrap
from nnrecog.pytorch.lookahead import Lookahead


BatchTransform = Callable[[torch.Tensor], torch.Tensor]

MODEL_FILE = "model.pt"
RESUME_FILE = "last.pt"


@dataclass
class TrainConfig:
    """Hyper-parameters of one run.

    The learning rate follows ``lr_e = lr * (1 + cos(pi e / epochs)) / 2`` per epoch e
    (``schedule="cosine"``), stays ``lr`` (``"constant"``), or, changed at every step,
    rises linearly from ``lr * start_factor`` to ``lr`` over the first ``warmup`` fraction of
    training and falls linearly to ``lr * end_factor`` at the end (``"onecycle"``).
    """

    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"  # "adam" (AdamW) or "sgd" (with momentum)
    momentum: float = 0.9
    nesterov: bool = False  # sgd only
    weight_decay: float = 0.0
    # Learning-rate multiplier for batch-norm parameters; their weight decay per step is kept
    # (the decay coefficient is divided by it), as in the fast CIFAR-10 trainers.
    norm_lr_scale: float = 1.0
    schedule: str = "cosine"
    warmup: float = 0.25  # onecycle: fraction of training spent rising to lr
    start_factor: float = 0.2  # onecycle: first lr / lr
    end_factor: float = 0.0  # onecycle: last lr / lr
    label_smoothing: float = 0.0
    precision: str = "fp32"  # "fp32", or "bf16" (autocast: matmuls and convolutions in bfloat16)
    # Lookahead weight averaging (see :class:`Lookahead`): 0 is off; else the per-step decay
    # reached at the end of training, applied every lookahead_every steps from lookahead_start.
    lookahead_decay: float = 0.0
    lookahead_every: int = 5
    lookahead_start: float = 0.3  # fraction of training before averaging begins
    seed: int = 0

    def lr_at(self, epoch: float) -> float:
        """The learning rate at ``epoch`` (fractional: ``e + step / steps_per_epoch``)."""
        if self.schedule == "constant":
            return self.lr
        if self.schedule == "onecycle":
            t = min(max(epoch / max(1, self.epochs), 0.0), 1.0)
            if t < self.warmup:
                return self.lr * (self.start_factor + (1.0 - self.start_factor) * t / self.warmup)
            return self.lr * (1.0 + (self.end_factor - 1.0) * (t - self.warmup) / max(1e-12, 1.0 - self.warmup))
        # The cosine schedule steps once per epoch, as it always has (resumed runs repeat it).
        return self.lr * 0.5 * (1.0 + math.cos(math.pi * math.floor(epoch) / max(1, self.epochs)))


def _sync_buffers(model: nn.Module, ctx: Context) -> None:
    """Give every rank rank 0's buffers (batch-norm running statistics).

    DDP broadcasts them before each forward pass, but the last training step then updates each
    rank's copy from its own batch; without this, ranks would validate (and keep) slightly
    different models from the one rank 0 saves.
    """
    if ctx.distributed:
        for buffer in unwrap(model).buffers():
            dist.broadcast(buffer, src=0)


def _param_groups(model: nn.Module, config: TrainConfig) -> list[dict]:
    """One group of all parameters, or (with ``norm_lr_scale != 1``) the batch-norm ones apart.

    Each group's ``lr_scale`` multiplies the scheduled learning rate; the norm group's weight
    decay is divided by it so that ``lr * weight_decay`` (the decay per step) is unchanged.
    """
    if config.norm_lr_scale == 1.0:
        return [{"params": list(model.parameters()), "lr_scale": 1.0}]
    norm_ids = {
        id(p)
        for module in model.modules()
        if isinstance(module, nn.modules.batchnorm._BatchNorm)
        for p in module.parameters(recurse=False)
    }
    trainable = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in trainable if id(p) not in norm_ids], "lr_scale": 1.0},
        {"params": [p for p in trainable if id(p) in norm_ids], "lr_scale": config.norm_lr_scale,
         "weight_decay": config.weight_decay / config.norm_lr_scale},
    ]


def _make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    groups = _param_groups(model, config)
    if config.optimizer == "adam":
        return torch.optim.AdamW(groups, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            groups, lr=config.lr, momentum=config.momentum, nesterov=config.nesterov, weight_decay=config.weight_decay
        )
    raise ValueError(f"unknown optimizer {config.optimizer!r}; expected 'adam' or 'sgd'")


def _logits_and_labels(
    model: nn.Module,
    dataset: Dataset,
    batch_size: int,
    transform: BatchTransform | None,
    device: torch.device,
    precision: str = "fp32",
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for xb, yb in DataLoader(dataset, batch_size=batch_size, shuffle=False):
            xb = xb.to(device)
            with autocast(device, precision):
                logits = model(transform(xb) if transform else xb)
            yield logits.float().cpu(), yb
    model.train(was_training)


def predict_logits(
    model: nn.Module,
    dataset: Dataset,
    batch_size: int = 256,
    transform: BatchTransform | None = None,
    device: torch.device | None = None,
    precision: str = "fp32",
) -> np.ndarray:
    """Logits of ``model`` (in eval mode) for every sample of ``dataset``, in order.

    Returns
    -------
    (n, k) float32
    """
    device = device or next(model.parameters()).device
    outputs = [logits for logits, _ in _logits_and_labels(model, dataset, batch_size, transform, device, precision)]
    return torch.cat(outputs).numpy()


def evaluate(
    model: nn.Module,
    dataset: Dataset,
    ctx: Context,
    batch_size: int = 256,
    transform: BatchTransform | None = None,
    precision: str = "fp32",
) -> tuple[float, float]:
    """Average cross-entropy and accuracy on ``dataset``.

    Under DDP each rank scores the samples ``rank, rank + W, ...`` and the sums are
    all-reduced, so every rank gets the exact figures for the whole set.
    """
    shard = Subset(dataset, range(ctx.rank, len(dataset), ctx.world_size)) if ctx.distributed else dataset
    loss_sum, correct = 0.0, 0.0
    for logits, labels in _logits_and_labels(model, shard, batch_size, transform, ctx.device, precision):
        loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(1) == labels).sum().item()
    loss_sum, correct = sum_across(ctx, loss_sum, correct)
    n = max(1, len(dataset))
    return loss_sum / n, correct / n


def _train_epoch(
    model: nn.Module,
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
    optimizer: torch.optim.Optimizer,
    criterion: nn.Module,
    transform: BatchTransform | None,
    device: torch.device,
    lr_at_step: Callable[[int], float],
    precision: str = "fp32",
    after_step: Callable[[int], None] | None = None,
) -> tuple[float, float, float]:
    """One pass over ``batches``; returns this process's (summed loss, correct, samples).

    Before step i every parameter group's learning rate is set to
    ``lr_at_step(i) * group["lr_scale"]``; after it, ``after_step(i)`` is called.
    """
    model.train()
    loss_sum, correct, seen = 0.0, 0.0, 0.0
    for step, (xb, yb) in enumerate(batches):
        lr = lr_at_step(step)
        for group in optimizer.param_groups:
            group["lr"] = lr * group.get("lr_scale", 1.0)
        xb, yb = xb.to(device), yb.to(device)
        if transform is not None:
            xb = transform(xb)
        with autocast(device, precision):
            logits = model(xb)
            loss = criterion(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if after_step is not None:
            after_step(step)
        loss_sum += loss.item() * len(yb)
        correct += (logits.argmax(1) == yb).sum().item()
        seen += len(yb)
        if hasattr(batches, "set_postfix"):
            batches.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}")
    return loss_sum, correct, seen


def lookahead_hook(model: nn.Module, config: TrainConfig, epoch: int, steps: int) -> Callable[[int], None] | None:
    """The ``after_step`` of one epoch that runs :class:`Lookahead` (None when it is off).

    Each epoch starts a fresh average from the model: the epoch before ended on an update, so
    the model is that average, and a resumed run needs nothing but the model.
    """
    if config.lookahead_decay <= 0.0:
        return None
    total = config.epochs * steps
    lookahead: Lookahead | None = None

    def after_step(step: int) -> None:
        nonlocal lookahead
        done = epoch * steps + step + 1
        if done < config.lookahead_start * total:
            return
        if lookahead is None:
            lookahead = Lookahead(model, config.lookahead_decay, config.lookahead_every)
        # Every `every` steps, and on the epoch's last step so the epoch ends on the average.
        if done % config.lookahead_every == 0 or step == steps - 1:
            lookahead.update(done / total)

    return after_step


def load_checkpoint(path: Path, device: torch.device | str, keys: tuple[str, ...]) -> tuple[dict, Record]:
    """A resumable state (``last.pt``) and the record of its finished epochs.

    Raises
    ------
    InputError : the file is not a state holding ``keys`` and a record (another program's, or
        an older nnrecog's).
    """
    from nnrecog.errors import InputError

    try:
        state = torch.load(path, map_location=device, weights_only=True)
        missing = [key for key in keys if key not in state]
        if missing:
            raise KeyError(", ".join(missing))
        return state, Record.from_dict(state["record"])
    except (KeyError, TypeError, ValueError, RuntimeError, EOFError) as exc:
        raise InputError(f"{path}: not a training state of this run ({type(exc).__name__}: {exc}); "
                         "start afresh without --resume") from None


def fit(
    model: nn.Module,
    train_set: Dataset,
    valid_set: Dataset,
    config: TrainConfig,
    ctx: Context,
    out_dir: str | os.PathLike | None = None,
    train_transform: BatchTransform | None = None,
    eval_transform: BatchTransform | None = None,
    resume: bool = False,
    desc: str = "train",
) -> dict[str, list[float]]:
    """Train ``model`` and leave it holding the weights of its best validation epoch.

    Minimises the mean cross-entropy ``-(1/B) sum_i log softmax(f(x_i))_{y_i}`` over shuffled
    mini-batches of size B (per process). After each epoch the validation set is scored; the
    best epoch's ``state_dict`` goes to ``out_dir/model.pt`` and the full training state (model,
    optimiser, the epochs' record) to ``out_dir/last.pt`` so ``resume=True`` continues after an
    interruption. Ctrl-C ends training after the last finished epoch, the model holding the
    best epoch's weights. Only rank 0 writes files and shows progress.

    Parameters
    ----------
    train_transform, eval_transform : callable on a batch tensor, optional
        Applied to each input batch on the device (augmentation for training; conversion such
        as uint8 -> normalised float for both).

    Returns
    -------
    history : dict
        ``train_loss, train_acc, valid_loss, valid_acc, seconds`` - one value per epoch.
    """
    from tqdm import tqdm

    model.to(ctx.device)
    if ctx.distributed:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = _make_optimizer(model, config)
    record, best_state = None, None
    out = Path(out_dir) if out_dir is not None else None
    if resume and out is not None and (out / RESUME_FILE).is_file():
        state, record = load_checkpoint(out / RESUME_FILE, ctx.device, ("model", "optimizer", "best_model"))
        unwrap(model).load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        best_state = state["best_model"]

    generator = torch.Generator().manual_seed(config.seed)
    # A trailing batch of one sample breaks batch norm ("expected more than 1 value per
    # channel"); drop it then (a different sample each epoch, as the order is reshuffled).
    per_process = math.ceil(len(train_set) / ctx.world_size)
    drop_last = per_process % config.batch_size == 1 and per_process > config.batch_size
    if ctx.distributed:
        sampler = DistributedSampler(train_set, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True, seed=config.seed)
        loader = DataLoader(train_set, batch_size=config.batch_size, sampler=sampler, drop_last=drop_last)
    else:
        sampler = None
        loader = DataLoader(train_set, batch_size=config.batch_size, shuffle=True, generator=generator, drop_last=drop_last)
    criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)

    def train_epoch(epoch: int) -> dict[str, float]:
        if sampler is not None:
            sampler.set_epoch(epoch)
        else:
            # Each epoch's shuffle depends only on (seed, epoch): resuming repeats it exactly.
            generator.manual_seed(config.seed * 1_000_003 + epoch)
        steps = max(1, len(loader))
        bar = tqdm(loader, desc=f"{desc} {epoch + 1}/{config.epochs}", leave=False, disable=not ctx.is_main, unit="batch")
        loss_sum, correct, seen = _train_epoch(
            model, bar, optimizer, criterion, train_transform, ctx.device,
            lambda step: config.lr_at(epoch + step / steps), config.precision,
            lookahead_hook(model, config, epoch, steps),
        )
        loss_sum, correct, seen = sum_across(ctx, loss_sum, correct, seen)
        _sync_buffers(model, ctx)
        valid_loss, valid_acc = evaluate(unwrap(model), valid_set, ctx, transform=eval_transform, precision=config.precision)
        return {"train_loss": loss_sum / max(1.0, seen), "train_acc": correct / max(1.0, seen),
                "valid_loss": valid_loss, "valid_acc": valid_acc}

    def save_best(epoch: int, figures: dict[str, float]) -> None:
        nonlocal best_state
        best_state = copy.deepcopy(unwrap(model).state_dict())
        if ctx.is_main and out is not None:
            save_state_dict(model, out / MODEL_FILE)

    def save_checkpoint(epoch: int, record: Record) -> None:
        if ctx.is_main and out is not None:
            state = {"model": unwrap(model).state_dict(), "optimizer": optimizer.state_dict(),
                     "record": record.as_dict(), "best_model": best_state}
            with atomic_path(out / RESUME_FILE) as tmp:
                torch.save(state, tmp)

    def describe(epoch: int, figures: dict[str, float], seconds: float) -> str:
        return (f"{desc} epoch {epoch + 1}/{config.epochs}: train loss {figures['train_loss']:.4f} "
                f"acc {figures['train_acc']:.4f} | valid loss {figures['valid_loss']:.4f} acc {figures['valid_acc']:.4f} "
                f"| {seconds:.1f} s")

    hooks = EpochHooks(train_epoch, lambda figures: figures["valid_acc"], save_best, save_checkpoint, describe)
    record, _ = run_epochs(config.epochs, hooks, record, show_bar=ctx.is_main, write_lines=ctx.is_main, desc=desc)
    if best_state is not None:
        unwrap(model).load_state_dict(best_state)
    return {**record.history, "seconds": record.seconds}


def configure(defaults: TrainConfig, **options: object) -> TrainConfig:
    """``defaults`` with each option that is not None replaced (None: keep the default)."""
    return replace(defaults, **{key: value for key, value in options.items() if value is not None})
