"""The NumPy training behind every ``nnrecog train`` command (the epochs run by the loop every
trainer shares, :func:`nnrecog.epochs.run_epochs`).

``fit`` trains any ``nnrecog.nn`` network on 32x32 glyph images with mini-batch SGD (or the
course's momentum) over fresh random batches each epoch, optionally augmenting every batch,
and keeps, per epoch, the average training and validation loss (and accuracy for classifiers).

Files it keeps in ``out_dir`` (all written atomically, so Ctrl-C never leaves a broken one):

- ``model.npz``: the best network so far (highest validation accuracy for a classifier, lowest
  validation loss otherwise), in ``nnrecog.nn`` format with the caller's ``meta``;
- ``train_state.npz``: everything needed to continue after the last finished epoch (weights,
  momentum buffers, the random generators' states, the history), read by ``resume=True``.
  A resumed run reproduces the uninterrupted run's history bit for bit.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from nnrecog import nn
from nnrecog.epochs import EpochHooks, Record, run_epochs
from nnrecog.errors import InputError
from nnrecog.fileio import ArraySpec, atomic_open, open_npz

MODEL_FILE = "model.npz"
STATE_FILE = "train_state.npz"

#: Maps a batch of images (n, 32, 32) to the network's input (e.g. (n, 1024) or (n, 1, 32, 32)).
InputFn = Callable[[np.ndarray], np.ndarray]
#: Augments a batch of images (n, 32, 32) in [0, 1] with the given generator.
AugmentFn = Callable[[np.ndarray, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class Objective:
    """What the network learns: a summed loss and whether it is a classifier.

    ``loss(outputs, targets) -> (summed loss, d loss / d outputs)``. A classifier's targets are
    the class indices and it is judged on validation accuracy; otherwise the target is the
    network's own input (an autoencoder) and it is judged on validation loss.
    """

    loss: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]
    classifier: bool


CLASSIFICATION = Objective(nn.softmax_cross_entropy, classifier=True)
RECONSTRUCTION = Objective(nn.squared_error, classifier=False)


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters of one training run.

    Parameters
    ----------
    epochs : int
        Number of passes over the training set.
    batch_size : int
    lr : float
        Initial learning rate (the loss is summed over the batch, as in the course, so the
        step a sample contributes does not shrink with the batch size).
    seed : int
        Seeds the batch order, the augmentation and dropout (the caller seeds the init).
    momentum : float
        0 for plain SGD (``W <- W - lr g``), else the course's ``M <- m M - lr g; W <- W + M``.
    lr_decay_every, lr_decay_factor : int, float
        ``lr_epoch = lr * factor ** (epoch // every)``; ``every = 0`` keeps ``lr`` constant.
    weight_decay : float
        L2 penalty coefficient added to every gradient.
    augment : bool
        Augment every training batch (the caller supplies how).
    """

    epochs: int
    batch_size: int
    lr: float
    seed: int = 0
    momentum: float = 0.0
    lr_decay_every: int = 0
    lr_decay_factor: float = 0.9
    weight_decay: float = 0.0
    augment: bool = False

    @classmethod
    def of(cls, opts: Any, **overrides: Any) -> TrainSettings:
        """The settings a command's options (``epochs``, ``batch_size``, ``lr``, ``seed``,
        ``momentum``, ``decay_every``, ``decay_factor`` and, where it has one, ``augment``)
        give, with ``overrides`` (e.g. the ``lr`` of one run of a sweep)."""
        values = dict(epochs=opts.epochs, batch_size=opts.batch_size, lr=opts.lr, seed=opts.seed, momentum=opts.momentum,
                      lr_decay_every=opts.decay_every, lr_decay_factor=opts.decay_factor,
                      augment=getattr(opts, "augment", False))
        return cls(**{**values, **overrides})

    def lr_at(self, epoch: int) -> float:
        """Learning rate used during ``epoch`` (0-based)."""
        if self.lr_decay_every <= 0:
            return self.lr
        return nn.step_decay(self.lr, epoch, self.lr_decay_every, self.lr_decay_factor)


@dataclass
class FitResult:
    """What ``fit`` returns.

    Attributes
    ----------
    net : the best network (re-loaded from ``model.npz``), or the trained one if no epoch ran
    history : per-epoch lists ``train_loss``, ``valid_loss`` (average per sample), ``train_acc``,
        ``valid_acc`` (classifiers only) and ``lr``; a function of the seed and data alone
    seconds : per-epoch wall time, training and validation (kept apart so ``history`` is
        reproducible bit for bit)
    best_epoch : 1-based epoch of the best network (0 if none finished)
    interrupted : True if Ctrl-C stopped training early
    """

    net: Any
    history: dict[str, list[float]]
    seconds: list[float]
    best_epoch: int
    interrupted: bool = False


def evaluate(
    net: Any, inputs: np.ndarray, targets: np.ndarray, objective: Objective, batch_size: int = 1024
) -> tuple[float, float, np.ndarray]:
    """Average loss, accuracy and outputs of ``net`` in eval mode, in batches.

    Parameters
    ----------
    inputs : (n, ...) network inputs
    targets : (n,) class indices for a classifier, else (n, ...) like the outputs

    Returns
    -------
    mean_loss : float, ``(1/n) sum_i loss_i``
    accuracy : float (NaN for a non-classifier)
    outputs : (n, ...) the network's outputs (logits for a classifier)
    """
    net.eval()
    outputs = np.concatenate(
        [net.forward(inputs[i : i + batch_size]) for i in range(0, len(inputs), batch_size)]
    )
    total, _ = objective.loss(outputs, targets)
    acc = float((outputs.argmax(axis=1) == targets).mean()) if objective.classifier else float("nan")
    return total / len(inputs), acc, outputs


def _rng_holders(net: Any) -> list[Any]:
    """Layers that draw random numbers while training (dropout), in network order."""
    return [layer for layer in net.layers if isinstance(getattr(layer, "rng", None), np.random.Generator)]


def _save_state(
    path: Path, net: Any, opt: Any, generators: list[np.random.Generator], settings: TrainSettings, record: Record
) -> None:
    arrays = {f"param.{name}": param for name, param, _ in net.parameters()}
    arrays.update({f"velocity.{name}": v for name, v in getattr(opt, "state", {}).items()})
    state = {"settings": dataclasses.asdict(settings), "generators": [g.bit_generator.state for g in generators],
             **record.as_dict()}
    arrays["state_json"] = np.frombuffer(json.dumps(state).encode(), dtype=np.uint8)
    with atomic_open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _load_state(
    path: Path, net: Any, opt: Any, generators: list[np.random.Generator], settings: TrainSettings
) -> Record:
    if not path.is_file():
        raise InputError(f"{path}: no training state to resume (run without --resume first)")
    specs = {"state_json": ArraySpec((None,), dtype="uint8")}
    for name, param, _ in net.parameters():
        specs[f"param.{name}"] = ArraySpec(param.shape, kinds="f")
        specs[f"velocity.{name}"] = ArraySpec(param.shape, kinds="f", required=False)
    with open_npz(path, "a training state") as archive:
        archive.expect(specs)
        try:
            state = json.loads(archive.read("state_json").tobytes().decode())
            record = Record.from_dict(state)
            saved = {k: v for k, v in state["settings"].items() if k != "epochs"}
            saved_generators = state["generators"]
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise InputError(f"{path}: not a training state of this network ({exc})") from None
        for name, param, _ in net.parameters():
            param[...] = archive.read(f"param.{name}")
        if hasattr(opt, "state"):
            opt.state = {
                key[len("velocity.") :]: archive.read(key) for key in archive.headers if key.startswith("velocity.")
            }
    current = {k: v for k, v in dataclasses.asdict(settings).items() if k != "epochs"}
    if saved != current:
        raise InputError(
            f"{path}: was trained with {saved}, cannot resume with different settings {current}"
        )
    try:
        for generator, saved_state in zip(generators, saved_generators):
            generator.bit_generator.state = saved_state
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{path}: not a training state of this network ({exc})") from None
    return record


def fit(
    net: Any,
    train: tuple[np.ndarray, np.ndarray],
    valid: tuple[np.ndarray, np.ndarray],
    objective: Objective,
    settings: TrainSettings,
    out_dir: str | Path,
    *,
    to_input: InputFn,
    meta: dict[str, Any],
    augment: AugmentFn | None = None,
    resume: bool = False,
    progress: bool = True,
    desc: str = "train",
) -> FitResult:
    """Train ``net`` and keep the best network and a resumable state in ``out_dir``.

    Parameters
    ----------
    net : nnrecog.nn.Sequential
        Freshly initialised (its weights are replaced by the saved ones when resuming).
    train, valid : (images (n, 32, 32) float32 in [0, 1], labels (n,) int64)
    objective : CLASSIFICATION or RECONSTRUCTION
    settings : TrainSettings
    out_dir : folder for ``model.npz`` and ``train_state.npz``
    to_input : maps images to network inputs (applied after augmentation)
    meta : saved in ``model.npz`` (the classes / input convention of the project)
    augment : used on every training batch when ``settings.augment`` is set
    resume : continue from ``out_dir/train_state.npz`` up to ``settings.epochs``
    progress : show tqdm bars (epochs, and batches within an epoch)

    Returns
    -------
    FitResult
        On Ctrl-C the partial epoch is dropped and the result holds the best network and the
        history of the finished epochs, with ``interrupted=True``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if settings.augment and augment is None:
        raise ValueError("settings.augment is set but no augment function was given")
    batch_seq, augment_seq = np.random.SeedSequence(settings.seed).spawn(2)
    batch_rng, augment_rng = np.random.default_rng(batch_seq), np.random.default_rng(augment_seq)
    generators = [batch_rng, augment_rng] + [layer.rng for layer in _rng_holders(net)]
    opt = (
        nn.Momentum(net, settings.lr, momentum=settings.momentum, weight_decay=settings.weight_decay)
        if settings.momentum
        else nn.SGD(net, settings.lr, weight_decay=settings.weight_decay)
    )
    record = _load_state(out_dir / STATE_FILE, net, opt, generators, settings) if resume else None
    X_train, y_train = train
    valid_inputs = to_input(valid[0])
    valid_targets = valid[1] if objective.classifier else valid_inputs

    def train_epoch(epoch: int) -> dict[str, float]:
        opt.lr = settings.lr_at(epoch)
        net.train()
        loss_sum, correct = 0.0, 0
        batches = nn.random_batches(X_train, y_train, settings.batch_size, batch_rng)
        for images, labels in tqdm(batches, leave=False, unit="batch", disable=not progress):
            if settings.augment:
                images = augment(images, augment_rng)
            inputs = to_input(images)
            outputs = net.forward(inputs)
            loss, d_outputs = objective.loss(outputs, labels if objective.classifier else inputs)
            net.backward(d_outputs, input_grad=False)
            opt.step()
            loss_sum += loss
            if objective.classifier:
                correct += int((outputs.argmax(axis=1) == labels).sum())
        valid_loss, valid_acc, _ = evaluate(net, valid_inputs, valid_targets, objective)
        figures = {"train_loss": loss_sum / len(X_train), "valid_loss": valid_loss}
        if objective.classifier:
            figures.update(train_acc=correct / len(X_train), valid_acc=valid_acc)
        return {**figures, "lr": opt.lr}

    hooks = EpochHooks(
        train_epoch,
        score=lambda figures: figures["valid_acc"] if objective.classifier else -figures["valid_loss"],
        save_best=lambda epoch, _: net.save(out_dir / MODEL_FILE, meta={**meta, "epoch": epoch + 1}),
        save_checkpoint=lambda _, record: _save_state(out_dir / STATE_FILE, net, opt, generators, settings, record),
    )
    record, interrupted = run_epochs(settings.epochs, hooks, record, show_bar=progress, desc=desc)
    best_epoch = record.best_epoch
    best = nn.load(out_dir / MODEL_FILE) if best_epoch else net
    return FitResult(best, record.history, record.seconds, best_epoch, interrupted)
