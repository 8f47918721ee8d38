"""The epoch loop every trainer shares (nnrecog.epochs): history, best epoch, checkpoint order,
resume and Ctrl-C, with hooks that record what the loop asked of them; and the cache of the
line trainer's validation lines, keyed by the glyphs they are made of."""

from __future__ import annotations

import math

import pytest

from nnrecog.epochs import EpochHooks, Record, run_epochs


def _hooks(scores: list[float], calls: list[str], interrupt_at: int | None = None) -> EpochHooks:
    def train_epoch(epoch: int) -> dict[str, float]:
        calls.append(f"train {epoch}")
        if epoch == interrupt_at:
            raise KeyboardInterrupt
        return {"valid_acc": scores[epoch], "lr": 0.1}

    return EpochHooks(
        train_epoch,
        score=lambda figures: figures["valid_acc"],
        save_best=lambda epoch, _: calls.append(f"best {epoch}"),
        save_checkpoint=lambda epoch, record: calls.append(f"checkpoint {epoch} best {record.best_epoch}"),
        describe=lambda epoch, figures, _: f"epoch {epoch + 1}: {figures['valid_acc']}",
    )


def test_the_best_epoch_is_kept_before_each_checkpoint_and_ties_keep_the_earlier(tmp_path):
    calls: list[str] = []
    log = tmp_path / "log.txt"
    record, interrupted = run_epochs(4, _hooks([0.5, 0.7, 0.7, 0.6], calls), show_bar=False, log_file=log)
    assert not interrupted and record.epochs_done == 4
    assert record.history == {"valid_acc": [0.5, 0.7, 0.7, 0.6], "lr": [0.1] * 4}
    assert (record.best_epoch, record.best_score) == (2, 0.7)
    assert calls == ["train 0", "best 0", "checkpoint 0 best 1", "train 1", "best 1", "checkpoint 1 best 2",
                     "train 2", "checkpoint 2 best 2", "train 3", "checkpoint 3 best 2"]
    assert log.read_text().splitlines() == ["epoch 1: 0.5", "epoch 2: 0.7", "epoch 3: 0.7", "epoch 4: 0.6"]


def test_ctrl_c_drops_the_unfinished_epoch_and_a_resumed_run_goes_on_after_the_last_finished():
    calls: list[str] = []
    record, interrupted = run_epochs(4, _hooks([0.5, 0.4, 0.9, 0.8], calls, interrupt_at=2), show_bar=False,
                                     write_lines=False)
    assert interrupted and record.epochs_done == 2 and record.history["valid_acc"] == [0.5, 0.4]
    saved = Record.from_dict(record.as_dict())  # as a checkpoint holds it
    calls.clear()
    resumed, interrupted = run_epochs(4, _hooks([0.5, 0.4, 0.9, 0.8], calls), saved, show_bar=False,
                                      write_lines=False)
    assert not interrupted and calls[0] == "train 2" and resumed.history["valid_acc"] == [0.5, 0.4, 0.9, 0.8]
    assert resumed.best_epoch == 3 and len(resumed.seconds) == 4
    finished, _ = run_epochs(4, _hooks([], calls), resumed, show_bar=False)
    assert finished.epochs_done == 4  # nothing left to run


def test_a_record_that_does_not_hold_together_is_refused():
    assert Record().best_score == -math.inf and Record().epochs_done == 0
    with pytest.raises(ValueError):
        Record.from_dict({"history": {"loss": [1.0, 2.0]}, "seconds": [1.0], "best_epoch": 1, "best_score": 0.0})
    with pytest.raises(KeyError):
        Record.from_dict({"history": {}})


def test_cached_training_lines_of_other_glyphs_never_stand_in_for_the_defaults(tmp_path, monkeypatch):
    from nnrecog.data.linecorpus import corpus_path

    monkeypatch.setenv("NNRECOG_CACHE", str(tmp_path))
    default = corpus_path("valid", 100, 0)
    assert default == corpus_path("valid", 100, 0, "default", None) and default.parent == tmp_path
    other = {corpus_path("valid", 100, 0, tmp_path / "a"), corpus_path("valid", 100, 0, tmp_path / "b"),
             corpus_path("valid", 100, 0, "default", tmp_path / "shared")}
    assert len(other) == 3 and default not in other
