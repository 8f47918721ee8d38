"""The PyTorch steps of ``nnrecog report`` (Q6): the torch FC and CNN on the glyphs, CIFAR-10, the
SUN scenes from scratch and from pretrained features, and a pretrained network over a video.
Without the torch extra each says so (:class:`~nnrecog.report.content.NotRun`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from nnrecog.errors import InputError
from nnrecog.fileio import atomic_open, ensure_dir
from nnrecog.report.content import (
    TORCH_MISSING,
    WRITEUP,
    Content,
    NotRun,
    StepContext,
    confused_pairs,
    glyph_numbers,
    percent,
    shared_path,
)

def require_torch() -> None:
    from nnrecog.pytorch import require_torch

    try:
        require_torch()
    except InputError:
        raise NotRun(TORCH_MISSING) from None


def _torch_figures(content: Content) -> None:
    """The figures every torch run writes (:func:`nnrecog.pytorch.report.write_run`)."""
    for name, caption in (("accuracy", "accuracy"), ("loss", "loss"), ("confusion", "test confusion matrix")):
        content.figure(f"{name}.png", caption)


def torch_glyphs(kind: str, writeup: str) -> Callable[[StepContext], Content]:
    """Q6.1.1 / Q6.1.2: the torch FC or CNN on the glyphs."""

    def run(ctx: StepContext) -> Content:
        from nnrecog.pytorch.nist import train_glyphs

        epochs = ctx.scale.fc_epochs if kind == "fc" else ctx.scale.cnn_epochs
        results = train_glyphs(kind, source=ctx.source, out_dir=ctx.folder, augment=ctx.scale.glyph_augment,
                               limit=ctx.scale.glyph_limit, data_dir=ctx.data_dir, epochs=epochs, seed=ctx.seed)
        content = Content()
        glyph_numbers(content, results, writeup)
        confused_pairs(content, results["top_confused"])
        _torch_figures(content)
        return content

    return run


def cifar10(ctx: StepContext) -> Content:
    """Q6.1.3: CIFAR-10, when its files are given: the quick recipe (the full one takes about
    30 minutes alone, more than the whole rest of the report)."""
    from nnrecog.pytorch.cifar import train_cifar10

    folder = shared_path(ctx, "cifar10_jpg")
    try:
        results = train_cifar10(folder, out_dir=ctx.folder, quick=True, epochs=ctx.scale.cifar_epochs, seed=ctx.seed)
    except InputError as exc:  # the reader refused the folder before any training
        raise NotRun(f"data not found at {folder} ({str(exc).removeprefix(f'{folder}: ')})") from None
    content = Content()
    content.text("network and schedule", f"{results['network']}, `nnrecog torch cifar10 --quick` for "
                 f"{results['epochs']} epochs ({results['seconds_per_epoch']:.0f} s each); the full recipe "
                 "(`nnrecog torch cifar10`, 12 epochs) is in the README")
    content.number("test_accuracy", "test accuracy", results["test_accuracy"], percent(results["test_accuracy"]))
    content.number("valid_accuracy", "held-out accuracy", results["valid_accuracy"], percent(results["valid_accuracy"]))
    confused_pairs(content, results["top_confused"])
    _torch_figures(content)
    return content


def _scene_lists(ctx: StepContext) -> Path:
    """The SUN folder, or with a per-class limit a folder of lists naming its first images of
    each class (absolute paths: the scene reader joins the folder with each listed name)."""
    from nnrecog.pytorch.scenes import read_split

    folder = shared_path(ctx, "sun_subset")
    limits = {"train": ctx.scale.scenes_train_per_class, "test": ctx.scale.scenes_test_per_class}
    if all(limit is None for limit in limits.values()):
        return folder
    subset = ensure_dir(ctx.folder / "subset")
    for split, limit in limits.items():
        seen: Counter[int] = Counter()
        kept = []
        for path, label in read_split(folder, split):
            seen[label] += 1
            if limit is None or seen[label] <= limit:
                kept.append((path, label))
        for suffix, column in (("files", 0), ("labels", 1)):
            with atomic_open(subset / f"{split}_{suffix}.txt", "w", encoding="utf-8") as handle:
                handle.writelines(f"{Path(pair[0]).resolve() if column == 0 else pair[1]}\n" for pair in kept)
    return subset


def scenes(pretrained: bool) -> Callable[[StepContext], Content]:
    """Q6.1.4 / Q6.2: the SUN scenes, a CNN from scratch or pretrained features."""

    def run(ctx: StepContext) -> Content:
        from nnrecog.pytorch.scenes import train_scenes

        epochs = ctx.scale.pretrained_epochs if pretrained else ctx.scale.scenes_epochs
        results = train_scenes(_scene_lists(ctx), out_dir=ctx.folder, pretrained_features=pretrained,
                               epochs=epochs, seed=ctx.seed)
        content = Content()
        content.number("test_accuracy", "test accuracy", results["test_accuracy"], percent(results["test_accuracy"]),
                       f"{WRITEUP['scenes_cnn']} (CNN); {WRITEUP['scenes_bag_of_words']} (bag of words)")
        content.number("valid_accuracy", "validation accuracy (10 % of train held out)", results["valid_accuracy"],
                       percent(results["valid_accuracy"]))
        confused_pairs(content, results["top_confused"])
        _torch_figures(content)
        return content

    return run


def video(ctx: StepContext) -> Content:
    """Q6.3: an ImageNet network over the video's frames."""
    from nnrecog.pytorch.options import VideoOptions
    from nnrecog.pytorch.video import classify_video

    results = classify_video(shared_path(ctx, "video", "bottle-detection.mp4"), label=VideoOptions.label,
                             every=ctx.scale.video_every, out_dir=ctx.folder, max_frames=ctx.scale.video_max_frames)
    content = Content()
    content.number("top1_fraction", f"frames whose top-1 class is '{results['label']}'", results["top1_fraction"],
                   percent(results["top1_fraction"]), WRITEUP["video_top1"])
    content.number("top5_fraction", "frames with it in the top 5", results["top5_fraction"],
                   percent(results["top5_fraction"]))
    content.number("mean_probability", "its mean probability", results["mean_probability"],
                   f"{results['mean_probability']:.2f}")
    content.number("frames", "frames classified", results["frames"], f"{results['frames']} (every {results['every']})")
    content.figure("probability.png", f"P({results['label']}) per frame, top-1 frames marked")
    return content
