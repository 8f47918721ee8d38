"""The epoch loop every trainer shares: the NumPy experiments (``experiments/training.py``), the
torch classifiers (``pytorch/train.py``) and the line recogniser (``pytorch/lines.py``).

A trainer says how to train and score one epoch and how to keep a model and a checkpoint, in
:class:`EpochHooks`; :func:`run_epochs` owns what they have in common:

- resuming: it starts after the epochs the :class:`Record` already holds (the trainer loads
  the record from its own checkpoint, beside its weights and optimiser state);
- history: each epoch's figures appended together, key by key, once the epoch has finished;
- the best epoch: the highest ``score`` so far, kept through ``save_best`` (ties keep the
  earlier epoch);
- a checkpoint after every finished epoch, written after the best model, so that a checkpoint
  never names a best epoch whose model is not on disk;
- progress: an epoch bar with the epoch's figures, and a line per epoch (on screen and, given
  a file, appended to it);
- Ctrl-C: the unfinished epoch is dropped and the loop returns ``interrupted=True``; what the
  finished epochs saved stays as it was.

Nothing here knows NumPy or torch: weights, optimisers and their files stay with the trainer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Record:
    """What a run has done: the figures of its finished epochs and its best one.

    Attributes
    ----------
    history : per-epoch lists, one per figure (``train_loss``, ``valid_acc``, ...), all as long
        as the number of finished epochs
    seconds : per-epoch wall time (training and validation), kept apart from ``history`` so that
        the history is a function of the seed and the data alone
    best_epoch : 1-based epoch of the best score (0: none finished)
    best_score : that score (higher is better; ``-inf`` before the first epoch)
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int = 0
    best_score: float = -math.inf

    @property
    def epochs_done(self) -> int:
        """How many epochs have finished (where a resumed run goes on from)."""
        return len(self.seconds)

    def as_dict(self) -> dict[str, object]:
        """The record as plain JSON-able values, for a checkpoint."""
        return {"history": self.history, "seconds": self.seconds, "best_epoch": self.best_epoch,
                "best_score": self.best_score}

    @classmethod
    def from_dict(cls, saved: Mapping[str, object]) -> Record:
        """The record :meth:`as_dict` wrote (``KeyError``, ``TypeError`` or ``ValueError`` when
        ``saved`` is not one: the trainer names the file in its refusal)."""
        history = {str(key): [float(v) for v in values] for key, values in dict(saved["history"]).items()}
        seconds = [float(s) for s in saved["seconds"]]
        if any(len(values) != len(seconds) for values in history.values()):
            raise ValueError("the history's lists and the epoch times differ in length")
        return cls(history, seconds, int(saved["best_epoch"]), float(saved["best_score"]))


@dataclass(frozen=True)
class EpochHooks:
    """What a trainer does in the loop's steps.

    Attributes
    ----------
    train_epoch : ``(epoch) -> figures``: trains the 0-based ``epoch``, scores the validation
        set and returns the epoch's figures by name (the same names every epoch)
    score : ``(figures) -> float``: how good the epoch is, higher is better (a validation
        accuracy, or minus a validation loss or error rate)
    save_best : ``(epoch, figures)``: the epoch just finished is the best so far: keep its model
    save_checkpoint : ``(epoch, record)``: after every finished epoch (and after ``save_best``),
        save what resuming needs: the trainer's weights and optimiser and the ``record``
    describe : ``(epoch, figures, seconds) -> str``: the line logged for an epoch; None logs
        no line (the epoch bar still shows the figures)
    """

    train_epoch: Callable[[int], dict[str, float]]
    score: Callable[[dict[str, float]], float]
    save_best: Callable[[int, dict[str, float]], None]
    save_checkpoint: Callable[[int, Record], None]
    describe: Callable[[int, dict[str, float], float], str] | None = None


def run_epochs(
    epochs: int,
    hooks: EpochHooks,
    record: Record | None = None,
    *,
    show_bar: bool = True,
    write_lines: bool = True,
    desc: str = "train",
    log_file: Path | None = None,
) -> tuple[Record, bool]:
    """Run epochs ``record.epochs_done .. epochs - 1`` through ``hooks``.

    Parameters
    ----------
    epochs : the run's total number of epochs (a resumed run stops there too)
    record : the finished epochs of a run being resumed; None starts afresh
    show_bar : show the epoch bar
    write_lines : print each epoch's line (``describe``) and append it to ``log_file`` (under DDP
        both flags are False on every rank but the first)
    desc : the bar's label
    log_file : where each epoch's line is appended as well

    Returns
    -------
    record : the run's record, the epochs finished here appended
    interrupted : True when Ctrl-C stopped it (the unfinished epoch left out of ``record``)
    """
    from tqdm.auto import tqdm

    record = record if record is not None else Record()
    start = record.epochs_done
    bar = tqdm(range(start, epochs), initial=start, total=epochs, desc=desc, unit="epoch", disable=not show_bar)
    interrupted = False
    try:
        for epoch in bar:
            started = time.perf_counter()
            figures = hooks.train_epoch(epoch)
            seconds = time.perf_counter() - started
            for key, value in figures.items():
                record.history.setdefault(key, []).append(float(value))
            record.seconds.append(seconds)
            score = hooks.score(figures)
            if score > record.best_score:
                hooks.save_best(epoch, figures)
                record.best_epoch, record.best_score = epoch + 1, score
            hooks.save_checkpoint(epoch, record)
            bar.set_postfix({key: f"{value:.4g}" for key, value in figures.items()}, refresh=False)
            if hooks.describe is not None and write_lines:
                line = hooks.describe(epoch, figures, seconds)
                tqdm.write(line)
                if log_file is not None:
                    with open(log_file, "a", encoding="utf-8") as log:
                        log.write(line + "\n")
    except KeyboardInterrupt:
        interrupted = True
        finished = record.epochs_done
        record.history = {key: values[:finished] for key, values in record.history.items()}
    finally:
        bar.close()
    return record, interrupted
