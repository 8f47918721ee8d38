"""The line recogniser: a fully convolutional network over a line image, trained with CTC in
PyTorch, exported to ``nnrecog.nn`` for NumPy reading.

Network (input ``(n, 1, 32, W)``: a normalised line, :class:`nnrecog.data.lineformat.LineFormat`,
ink bright on 0 so zero padding looks like paper; ``c = channels``)::

    conv 3x3, 1 -> c1, BN, ReLU; max-pool 2x2              (c1, 16, W/2)
    conv 3x3, c1 -> c2, BN, ReLU; max-pool 2x2             (c2, 8, W/4)
    conv 3x3, c2 -> c3, BN, ReLU; conv 3x3, c3 -> c3, BN, ReLU; max-pool (2, 1)   (c3, 4, W/4)
    conv 3x3, c3 -> c4, BN, ReLU; max-pool (2, 1)          (c4, 2, W/4)
    conv (2, 3), c4 -> c5, no row padding, BN, ReLU         (c5, 1, W/4)
    conv (1, 3), c5 -> c5, ReLU; dropout; conv 1x1, c5 -> 38  (38, 1, W/4): one frame per 4 columns

No recurrence (as the Full Stack Deep Learning LineCNN and GFCN): every layer maps onto
:mod:`nnrecog.nn` (batch norm folded into its convolution by :mod:`nnrecog.pytorch.export`),
so reading needs NumPy only. Class 0 is the CTC blank; classes 1..37 are ``LINE_CLASSES``, the
36 characters and the space between words, so word breaks are read as the letters are, from
the ink around them, not by a gap threshold. A frame sees about 50 columns (2.3 capital
heights), enough to tell where touching letters meet and how wide the line's letter gaps are.

Training lines are made afresh as it runs (:func:`nnrecog.data.linecorpus.make_shard`, in
``workers`` background processes, while the network trains on the shard before), so no line is
seen in more than one epoch (``shard_passes`` times in its own).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from nnrecog.data.linecorpus import LineCorpus, joined, resampled
from nnrecog.data.nist36 import CLASSES

if TYPE_CHECKING:
    from nnrecog.pytorch.options import TrainLinesOptions

#: The characters a line recogniser reads: the 36 classes, then the space between words.
LINE_CLASSES = CLASSES + " "
#: Output classes: the CTC blank, then ``LINE_CLASSES``.
BLANK = 0
OUTPUTS = 1 + len(LINE_CLASSES)
#: Columns of the line image per output frame (two 2x poolings of the columns).
FRAME_COLUMNS = 4
DEFAULT_CHANNELS = (16, 32, 64, 96, 128)



def _block(c_in: int, c_out: int, kernel: tuple[int, int], padding: tuple[int, int]) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, kernel, padding=padding), nn.BatchNorm2d(c_out), nn.ReLU()]


class LineNet(nn.Module):
    """The network above; ``forward(x) -> (n, 37, 1, T)`` frame scores (unnormalised)."""

    def __init__(self, channels: tuple[int, int, int, int, int] = DEFAULT_CHANNELS, dropout: float = 0.2) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = channels
        self.layers = nn.Sequential(
            *_block(1, c1, (3, 3), (1, 1)), nn.MaxPool2d(2),
            *_block(c1, c2, (3, 3), (1, 1)), nn.MaxPool2d(2),
            *_block(c2, c3, (3, 3), (1, 1)), *_block(c3, c3, (3, 3), (1, 1)), nn.MaxPool2d((2, 1)),
            *_block(c3, c4, (3, 3), (1, 1)), nn.MaxPool2d((2, 1)),
            *_block(c4, c5, (2, 3), (0, 1)),
            nn.Conv2d(c5, c5, (1, 3), padding=(0, 1)), nn.ReLU(),
            nn.Dropout(dropout),
            nn.Conv2d(c5, OUTPUTS, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def frame_log_probs(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``(T, n, 37)`` log-probabilities per frame, the layout ``torch.nn.functional.ctc_loss`` takes."""
    scores = model(x)  # (n, C, 1, T)
    return torch.log_softmax(scores.squeeze(2).permute(2, 0, 1), dim=-1)


def frames_of(width: int) -> int:
    """Output frames for a line image ``width`` columns wide."""
    return width // 2 // 2


def _batches(widths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Index batches of lines of similar widths (little padding), in random order: shuffled,
    sorted by width within pools of 50 batches, cut into batches, the batches shuffled."""
    order = rng.permutation(len(widths))
    pool = 50 * batch_size
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(widths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _tensors(corpus: LineCorpus, indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A padded batch: ink-bright images (n, 1, H, W), frames per line, the targets
    concatenated, and the target lengths."""
    widths = corpus.widths[indices]
    width = int(-(-widths.max() // FRAME_COLUMNS) * FRAME_COLUMNS)
    images = np.zeros((len(indices), 1, corpus.pixels.shape[0], width), np.float32)
    targets: list[int] = []
    lengths = []
    for row, i in enumerate(indices):
        images[row, 0, :, : widths[row]] = 1.0 - corpus.image(int(i))
        labels = [1 + LINE_CLASSES.index(c) for c in corpus.texts[int(i)]]
        targets += labels
        lengths.append(len(labels))
    frames = torch.tensor([frames_of(int(w)) for w in widths], dtype=torch.long)
    return torch.from_numpy(images), frames, torch.tensor(targets, dtype=torch.long), torch.tensor(lengths, dtype=torch.long)


def character_error_rate(model: nn.Module, corpus: LineCorpus, batch_size: int = 64) -> tuple[float, float]:
    """Greedy-decoded CER on a corpus, with the spaces between words and without
    (Levenshtein distance over all characters)."""
    from nnrecog.ocr.evaluate import alignment_counts
    from nnrecog.ocr.recognition.ctc import best_path

    model.eval()
    errors, errors_nosp, total, total_nosp = 0, 0, 0, 0
    order = np.argsort(corpus.widths, kind="stable")
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            indices = order[start : start + batch_size]
            images, frames, _, _ = _tensors(corpus, indices)
            log_probs = frame_log_probs(model, images).permute(1, 0, 2).numpy()
            for lp, n, i in zip(log_probs, frames.tolist(), indices):
                read = " ".join("".join(LINE_CLASSES[k - 1] for k in best_path(lp[:n], BLANK)[0]).split())
                truth = corpus.texts[int(i)]
                errors += alignment_counts(read, truth)[0]
                errors_nosp += alignment_counts(read.replace(" ", ""), truth.replace(" ", ""))[0]
                total += len(truth)
                total_nosp += len(truth.replace(" ", ""))
    return errors / max(total, 1), errors_nosp / max(total_nosp, 1)


class ShardStream(torch.utils.data.Dataset):
    """Shard ``i`` of the training stream (:func:`~nnrecog.data.linecorpus.make_shard`), made
    in a loader worker; the glyph sources are read once per worker."""

    def __init__(self, shard_lines: int, seed: int, source: str | os.PathLike, data_dir: str | os.PathLike | None) -> None:
        self.shard_lines, self.seed, self.source, self.data_dir = shard_lines, seed, source, data_dir
        self._sources = None

    def __len__(self) -> int:
        return 1 << 30  # the stream has no end; each epoch's sampler names its own shards

    def __getitem__(self, index: int) -> LineCorpus:
        from nnrecog.data.linecorpus import make_shard
        from nnrecog.data.lines import line_sources

        if self._sources is None:
            self._sources = line_sources(self.source, self.data_dir, "train")
        return make_shard(index, self.shard_lines, self._sources, self.seed)


def warm_start(model: LineNet, path: str | os.PathLike, images: torch.Tensor) -> None:
    """Start ``model`` from an exported line recogniser (``model.npz``, batch norm folded into
    its convolutions): each convolution takes its weights, and each batch norm is set to
    give back, on ``images``, what it is given (its scale and shift the batch's own spread and
    mean), so the network starts out reading as the exported one does. Outputs the exported
    network lacks (the space, for a recogniser of characters only) start at zero weight and
    the lowest bias it has."""
    from nnrecog import nn as npnn
    from nnrecog.errors import InputError

    exported = [layer for layer in npnn.load(path).layers if isinstance(layer, npnn.Conv2D)]
    convolutions = [m for m in model.layers if isinstance(m, nn.Conv2d)]
    if len(exported) != len(convolutions):
        raise InputError(f"{path}: {len(exported)} convolutions, the line network has {len(convolutions)}")
    with torch.no_grad():
        for conv, layer in zip(convolutions, exported):
            W, b = torch.from_numpy(layer.params["W"]), torch.from_numpy(layer.params["b"])
            rows = min(len(W), conv.weight.shape[0])
            if W.shape[1:] != conv.weight.shape[1:]:
                raise InputError(f"{path}: a convolution of shape {tuple(W.shape)} where the network has {tuple(conv.weight.shape)}")
            conv.weight.zero_()
            conv.bias.fill_(float(b.min()))
            conv.weight[:rows], conv.bias[:rows] = W[:rows], b[:rows]
        x = images
        for module in model.layers:
            if isinstance(module, nn.BatchNorm2d):
                mean, var = x.mean(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False)
                module.running_mean.copy_(mean)
                module.running_var.copy_(var)
                module.weight.copy_(torch.sqrt(var + module.eps))
                module.bias.copy_(mean)
                x = torch.nn.functional.batch_norm(x, mean, var, module.weight, module.bias, False, 0.0, module.eps)
            elif not isinstance(module, nn.Dropout):
                x = module(x)


def _as_is(item: LineCorpus) -> LineCorpus:
    return item


def _batches_per_shard(shard_lines: int, batch_size: int) -> int:
    """How many batches :func:`_batches` cuts a shard into (the same for any widths and order)."""
    return len(_batches(np.zeros(shard_lines, np.int64), batch_size, np.random.default_rng(0)))


def _real_lines(opts: TrainLinesOptions) -> LineCorpus:
    """The real lines of ``opts.real_photos`` (:func:`nnrecog.ocr.labelled.labelled_lines`),
    each photo left out said on stderr; empty without such folders."""
    import sys

    from nnrecog.ocr.labelled import labelled_lines

    if not opts.real_photos:
        return LineCorpus.of([], [])
    found = labelled_lines(opts.real_photos, progress=opts.progress)
    for reason in found.left_out:
        print(f"left out {reason}", file=sys.stderr)
    print(f"{len(found.corpus)} real lines from {len(set(found.photos))} photos", file=sys.stderr)
    return found.corpus


def line_model_meta() -> dict[str, object]:
    """The meta of an exported line recogniser (read by :mod:`nnrecog.ocr.recognition.linereader`)."""
    import dataclasses

    from nnrecog.data.lineformat import LineFormat

    return {"kind": "line_recognizer", "classes": LINE_CLASSES, "blank": BLANK, "frame_columns": FRAME_COLUMNS,
            "input": "ink_bright", "line_format": dataclasses.asdict(LineFormat())}


def train_lines(**options: object) -> dict[str, object]:
    """``nnrecog train lines``: train the line recogniser with CTC on a stream of fresh
    synthetic lines.

    Every epoch takes its own ``shards_per_epoch`` shards of new lines and the validation lines
    are read (greedy decoding); the epoch with the lowest validation CER (spaces included) is
    kept as ``model.pt`` and exported as ``model.npz`` (``nnrecog.nn``, what ``nnrecog read
    --line-model`` takes); ``last.pt`` holds everything ``--resume`` needs after an
    interruption (Ctrl-C loses no finished epoch); ``results.json`` and ``loss.png`` /
    ``cer.png`` hold the history, ``log.txt`` a line per epoch.

    Returns
    -------
    The contents of ``results.json``.
    """
    import dataclasses
    import math

    from tqdm.auto import tqdm

    from nnrecog.data.linecorpus import line_corpus
    from nnrecog.epochs import EpochHooks, Record, run_epochs
    from nnrecog.fileio import atomic_path, ensure_dir, write_json
    from nnrecog.pytorch.context import save_state_dict, set_threads
    from nnrecog.pytorch.export import to_numpy_model
    from nnrecog.pytorch.options import TrainLinesOptions
    from nnrecog.pytorch.train import MODEL_FILE, RESUME_FILE, load_checkpoint
    from nnrecog.viz import plots

    opts = TrainLinesOptions(**options)
    out = ensure_dir(opts.out_dir)
    set_threads()
    torch.manual_seed(opts.seed)
    # the real photos first: a folder that is not there is said before minutes of making lines
    real = _real_lines(opts)
    real_count = round(opts.shard_lines * opts.real_share / (1 - opts.real_share)) if len(real) else 0
    valid = line_corpus("valid", opts.valid_lines, opts.seed, opts.source, opts.data_dir, opts.progress)
    stream = ShardStream(opts.shard_lines, opts.seed, opts.source, opts.data_dir)
    model = LineNet()
    if opts.init is not None:
        warm_start(model, opts.init, _tensors(valid, np.arange(min(len(valid), 256)))[0])
    optimizer = torch.optim.AdamW(model.parameters(), lr=opts.lr, weight_decay=1e-4)
    rng = np.random.default_rng(opts.seed)
    steps_per_epoch = opts.shards_per_epoch * opts.shard_passes * _batches_per_shard(opts.shard_lines + real_count,
                                                                                      opts.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=opts.lr, total_steps=opts.epochs * steps_per_epoch,
                                                   pct_start=0.15)
    record = None
    if opts.resume and (out / RESUME_FILE).is_file():
        state, record = load_checkpoint(out / RESUME_FILE, "cpu", ("model", "optimizer", "schedule", "rng"))
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        rng.bit_generator.state = state["rng"]

    def train_epoch(epoch: int) -> dict[str, float]:
        loss_sum, seen = 0.0, 0
        model.train()
        shards = range(epoch * opts.shards_per_epoch, (epoch + 1) * opts.shards_per_epoch)
        loader = torch.utils.data.DataLoader(stream, batch_size=None, sampler=list(shards), num_workers=opts.workers,
                                             collate_fn=_as_is, prefetch_factor=2 if opts.workers else None)
        with tqdm(total=steps_per_epoch, desc=f"train lines {epoch + 1}/{opts.epochs}", unit="batch", leave=False,
                  disable=not opts.progress) as bar:
            for shard in loader:
                if real_count:
                    shard = joined([shard, resampled(real, real_count, rng)])
                for _ in range(opts.shard_passes):
                    for indices in _batches(shard.widths, opts.batch_size, rng):
                        images, frames, targets, lengths = _tensors(shard, indices)
                        log_probs = frame_log_probs(model, images)
                        loss = torch.nn.functional.ctc_loss(log_probs, targets, frames, lengths, blank=BLANK,
                                                            reduction="sum", zero_infinity=True) / len(indices)
                        optimizer.zero_grad(set_to_none=True)
                        loss.backward()
                        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                        optimizer.step()
                        schedule.step()
                        loss_sum += loss.item() * len(indices)
                        seen += len(indices)
                        bar.update()
        cer, cer_nosp = character_error_rate(model, valid)
        return {"train_loss": loss_sum / max(seen, 1), "valid_cer": cer, "valid_cer_nosp": cer_nosp}

    def save_best(epoch: int, figures: dict[str, float]) -> None:
        save_state_dict(model, out / MODEL_FILE)
        meta = {**line_model_meta(), "valid_cer": figures["valid_cer"], "valid_cer_nosp": figures["valid_cer_nosp"],
                "epoch": epoch + 1, "command": "nnrecog train lines", "seed": opts.seed, "real_lines": len(real)}
        to_numpy_model(model.layers, meta).save(out / "model.npz")

    def save_checkpoint(epoch: int, record: Record) -> None:
        with atomic_path(out / RESUME_FILE) as tmp:
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                        "record": record.as_dict(), "rng": rng.bit_generator.state}, tmp)

    def describe(epoch: int, figures: dict[str, float], seconds: float) -> str:
        return (f"train lines epoch {epoch + 1}/{opts.epochs}: loss {figures['train_loss']:.3f} | valid CER "
                f"{figures['valid_cer']:.2%} ({figures['valid_cer_nosp']:.2%} without spaces) | {seconds:.0f} s")

    hooks = EpochHooks(train_epoch, lambda figures: -figures["valid_cer"], save_best, save_checkpoint, describe)
    record, interrupted = run_epochs(opts.epochs, hooks, record, show_bar=opts.progress, desc="train lines",
                                     log_file=out / "log.txt")
    history = {**record.history, "seconds": record.seconds}
    results = {
        "model": "line recogniser " + "-".join(map(str, DEFAULT_CHANNELS)),
        "best_valid_cer": -record.best_score if record.best_epoch else math.inf,
        "best_valid_cer_nosp": history["valid_cer_nosp"][record.best_epoch - 1] if record.best_epoch else math.inf,
        "best_epoch": record.best_epoch,
        "epochs": record.epochs_done,
        "n_params": sum(p.numel() for p in model.parameters()),
        "train_lines_per_epoch": opts.shards_per_epoch * (opts.shard_lines + real_count),
        "real_lines": len(real),
        "valid_lines": len(valid),
        "seconds_per_epoch": float(np.mean(record.seconds)) if record.seconds else 0.0,
        "interrupted": interrupted,
        "settings": {k: str(v) if isinstance(v, os.PathLike) else v for k, v in dataclasses.asdict(opts).items()},
        "history": history,
    }
    write_json(out / "results.json", results)
    if record.epochs_done:
        plots.plot_curves({"train": history["train_loss"]}, out / "loss.png", "CTC loss per line", title="line recogniser")
        plots.plot_curves({"valid": history["valid_cer"], "valid, no spaces": history["valid_cer_nosp"]}, out / "cer.png",
                          "character error rate", title="line recogniser")
    return results
