"""ImageNet classification of video frames (PyAV decoding, EfficientNet-Lite0)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nnrecog.errors import InputError
from nnrecog.fileio import write_json
from nnrecog.pytorch import pretrained

TOP_K = 5


def iter_frames(path: str | os.PathLike, every: int = 1) -> Iterator[tuple[int, float, Any]]:
    """Decode every ``every``-th frame of the first video stream.

    Yields
    ------
    (index, seconds, PIL.Image)
        Frame number in decoding order, presentation time, the frame as RGB.
    """
    import av

    if every < 1:
        raise InputError(f"--every must be >= 1, got {every}")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: video not found")
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise InputError(f"{path}: not a readable video ({exc})") from exc
    with container:
        if not container.streams.video:
            raise InputError(f"{path}: has no video stream")
        stream = container.streams.video[0]
        rate = float(stream.average_rate or 30)
        try:
            for index, frame in enumerate(container.decode(stream)):
                if index % every == 0:
                    seconds = float(frame.time) if frame.time is not None else index / rate
                    yield index, seconds, frame.to_image()
        except av.error.FFmpegError as exc:
            # A file whose header opens but whose data does not decode (a renamed image, a
            # truncated download) fails here, not at av.open.
            raise InputError(f"{path}: not a decodable video ({exc})") from None


def _frame_count(path: Path) -> int | None:
    """Frames the container header announces (None if unknown or unreadable)."""
    import av

    try:
        with av.open(str(path)) as container:
            return container.streams.video[0].frames or None
    except (av.error.FFmpegError, IndexError):
        return None


def plot_probability(times: np.ndarray, probs: np.ndarray, top1: np.ndarray, label: str, path: Path) -> None:
    """The label's softmax probability per frame, frames where it is the top-1 class marked."""
    from matplotlib.figure import Figure

    from nnrecog.viz.plots import save_figure

    fig = Figure(figsize=(8, 3.5))
    ax = fig.add_subplot()
    ax.plot(times, probs, lw=1, label=f"P({label})")
    ax.scatter(times[top1], probs[top1], s=6, color="tab:green", label="top-1", zorder=3)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    ax.set_title(f"EfficientNet-Lite0: '{label}' over the video")
    save_figure(fig, path)


@torch.no_grad()
def classify_video(
    path: str | os.PathLike,
    label: str = "water bottle",
    every: int = 1,
    out_dir: str | os.PathLike | None = None,
    batch_size: int = 16,
    max_frames: int | None = None,
    full_frame: bool = False,
) -> dict[str, Any]:
    """Classify frames of a video and count how often ``label`` is in the top-1 / top-5.

    Each kept frame goes through the still-image pipeline: the centre 224 x 224 crop, or with
    ``full_frame`` the whole 16:9 frame squeezed to 224 x 224 (objects near the left and right
    edges are outside the centre crop).
    With ``out_dir``: ``results.json`` and ``probability.png`` are written there.

    Returns
    -------
    dict
        ``label``, ``frames`` (number classified), ``top1_fraction``, ``top5_fraction``,
        ``mean_probability``, ``top1_classes`` (most frequent top-1 names) and ``per_frame``
        (index, seconds, label probability, label rank, top-1 name).
    """
    from tqdm import tqdm

    path = Path(path)
    target = pretrained.class_index(label)
    names = pretrained.imagenet_classes()
    model = pretrained.load_lite0()
    total = _frame_count(path) if path.is_file() else None
    per_frame: list[dict[str, Any]] = []

    def flush(batch: list[tuple[int, float, Any]]) -> None:
        probs = model(pretrained.preprocess((image for _, _, image in batch), full_frame=full_frame)).softmax(dim=1)
        ranks = (probs > probs[:, target : target + 1]).sum(dim=1) + 1
        for (index, seconds, _), p, rank in zip(batch, probs, ranks.tolist()):
            per_frame.append(
                {"index": index, "seconds": seconds, "probability": p[target].item(), "rank": rank, "top1": names[int(p.argmax())]}
            )

    batch: list[tuple[int, float, Any]] = []
    expected = None if total is None else -(-total // every)
    if max_frames is not None:
        expected = max_frames if expected is None else min(expected, max_frames)
    for item in tqdm(iter_frames(path, every), total=expected, desc="frames", unit="frame"):
        batch.append(item)
        if len(batch) == batch_size:
            flush(batch)
            batch = []
        if max_frames is not None and len(per_frame) + len(batch) >= max_frames:
            break
    if batch:
        flush(batch)
    if not per_frame:
        raise InputError(f"{path}: no frames decoded")
    ranks = np.array([f["rank"] for f in per_frame])
    probs = np.array([f["probability"] for f in per_frame])
    results = {
        "video": str(path),
        "label": names[target],
        "label_index": target,
        "every": every,
        "crop": "full frame" if full_frame else "centre",
        "frames": len(per_frame),
        "top1_fraction": float(np.mean(ranks == 1)),
        "top5_fraction": float(np.mean(ranks <= TOP_K)),
        "mean_probability": float(probs.mean()),
        "top1_classes": Counter(f["top1"] for f in per_frame).most_common(5),
        "per_frame": per_frame,
    }
    if out_dir is not None:
        out = Path(out_dir)
        times = np.array([f["seconds"] for f in per_frame])
        plot_probability(times, probs, ranks == 1, names[target], out / "probability.png")
        write_json(out / "results.json", results)
    return results


def video_summary(results: dict[str, Any], out_dir: str | os.PathLike | None) -> str:
    """The closing lines of ``nnrecog torch video``; the last one is the headline."""
    lines = [f"most frequent top-1 classes: {', '.join(f'{name} ({n})' for name, n in results['top1_classes'])}"]
    if out_dir is not None:
        lines.append(f"wrote {Path(out_dir)}/results.json and probability.png")
    lines.append(
        f"{results['label']}: top-1 in {results['top1_fraction']:.1%} and top-5 in "
        f"{results['top5_fraction']:.1%} of {results['frames']} frames (every {results['every']}, {results['crop']})"
    )
    return "\n".join(lines)
