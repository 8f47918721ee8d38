"""Where a torch process runs: its threads, its device, its rank under ``torchrun`` (the process
group joined and left), bf16 autocast, and the model's weights saved and loaded (unwrapped from
DDP); :mod:`nnrecog.pytorch.train` trains in it."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from nnrecog.errors import InputError
from nnrecog.fileio import atomic_path

MAX_THREADS = 2
THREADS_ENV = "NNRECOG_TORCH_THREADS"


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """The autocast context for ``precision`` ("fp32": none; "bf16": bfloat16 autocast).

    Under bf16 autocast convolutions and matrix products run in bfloat16 (on CPUs with
    AVX512-BF16 or AMX about twice as fast here), while batch norm, softmax and the loss stay
    in float32; the weights and their gradients stay float32.
    """
    if precision == "fp32":
        return contextlib.nullcontext()
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    raise ValueError(f"unknown precision {precision!r}; expected 'fp32' or 'bf16'")


@dataclass
class Context:
    """Where this process runs: its rank among ``world_size`` processes and its device."""

    rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def pick_device(local_rank: int = 0) -> torch.device:
    """The CUDA device ``local_rank`` when CUDA is present, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


def set_threads(local_processes: int = 1) -> int:
    """Give torch its share of the CPU: ``$NNRECOG_TORCH_THREADS`` (default 1) threads, at most
    ``MAX_THREADS`` and at most the cores per local process.

    One thread is the default because on a busy shared machine torch's intra-op threads
    spin-wait for each other: measured here, an epoch of the glyph CNN took 19 s with one
    thread and 209 s with two while other jobs held the cores.
    """
    wanted = int(os.environ.get(THREADS_ENV, "1"))
    threads = max(1, min(wanted, MAX_THREADS, (os.cpu_count() or 1) // max(1, local_processes)))
    torch.set_num_threads(threads)
    return threads


def start(seed: int) -> Context:
    """Set threads and seeds; join the process group when launched by ``torchrun``.

    ``torchrun`` sets ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK``; the backend is NCCL when
    CUDA is present, gloo otherwise. The CPU's threads are shared among the local processes.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world_size)))
    set_threads(local_world)
    device = pick_device(local_rank)
    if world_size > 1 and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    torch.manual_seed(seed)
    np.random.seed(seed)
    return Context(rank=rank, world_size=world_size, device=device)


def finish(ctx: Context) -> None:
    """Leave the process group (if this process joined one)."""
    if ctx.distributed and dist.is_initialized():
        dist.destroy_process_group()


def sum_across(ctx: Context, *values: float) -> list[float]:
    if not ctx.distributed:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64, device=ctx.device)
    dist.all_reduce(t)
    return t.tolist()


def save_state_dict(model: nn.Module, path: str | os.PathLike) -> None:
    """``torch.save(model.state_dict())`` written atomically (never a half-written file)."""
    with atomic_path(path) as tmp:
        torch.save(unwrap(model).state_dict(), tmp)


def load_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a checkpoint with ``weights_only=True``; a bad file is one clear error."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: checkpoint not found (expected a model.pt written by `nnrecog torch`)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a corrupt or foreign file
        raise InputError(f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__}: {exc})") from exc
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(f"{path}: expected a state_dict (a mapping of names to tensors)")
    return state


def unwrap(model: nn.Module) -> nn.Module:
    """The plain module inside a ``DistributedDataParallel`` wrapper (or the module itself)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
