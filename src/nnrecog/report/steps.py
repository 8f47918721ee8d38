"""The steps of ``nnrecog report`` and the cache that lets a rerun reuse them.

Each step runs one of the project's experiments (the runners of :mod:`nnrecog.experiments`,
:mod:`nnrecog.ocr` and :mod:`nnrecog.pytorch`: nothing is trained here) and keeps what its
section shows, a :class:`Content`: numbers (ours, and the write-up's beside them), tables,
texts and figures.

The cache: step ``S`` lives in ``DIR/steps/S/``: the runner's own files and ``manifest.json``,
which holds the step's inputs (its settings, the seed, the data it read, the code version) and
its content. A step runs in ``DIR/steps/.S.partial/``, the manifest is written last and the
folder is then renamed to ``S``, so ``S`` is there only once the step has finished: Ctrl-C loses
the step in progress and nothing else. A rerun compares each step's inputs with its manifest's
and reuses the step when they are equal (and every file it shows is there), else runs it again.
A step that cannot run here (no torch, no data) says why and caches nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnrecog.errors import InputError
from nnrecog.fileio import atomic_open, ensure_dir, write_json
from nnrecog.report.options import STEP_IDS, ReportOptions, Scale

MANIFEST = "manifest.json"
STEPS_FOLDER = "steps"
#: The course write-up's own numbers, shown beside ours.
WRITEUP = {
    "sigmoid_max_slope": "0.25",
    "tanh_max_slope": "1",
    "softmax_shift": "0 (exact)",
    "top_confused": "0/O, S/5, Z/2",
    "ocr_cer_no_spaces": "26 %",
    "psnr": "15.8 dB",
    "torch_fc": "77.4 %",
    "torch_cnn": "89.5 %",
    "scenes_bag_of_words": "59.25 %",
    "scenes_cnn": "74 %",
    "video_top1": "42 %",
}
#: Parts of the package that cannot change a step's results (how results are shown, the
#: command line): editing them does not make the cache stale.
_NOT_RESULTS = ("cli", "report/html.py", "report/__init__.py")
TORCH_MISSING = "needs nnrecog[torch] (pip install 'nnrecog[torch]')"


class NotRun(Exception):
    """A step that cannot run here: its section shows the reason; nothing is cached."""


def percent(value: float | None) -> str:
    """``0.7475 -> '74.8 %'``; None (not measured) -> 'n/a'."""
    return "n/a" if value is None else f"{100 * value:.1f} %"


@dataclass
class Content:
    """What one step's section shows; figure files are relative to the step's folder."""

    numbers: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    texts: list[dict[str, str]] = field(default_factory=list)
    figures: list[dict[str, str]] = field(default_factory=list)

    def number(self, key: str, label: str, value: Any, shown: str, writeup: str | None = None) -> None:
        """A measured ``value`` (in report.json) shown as ``shown``, with the write-up's beside it."""
        self.numbers.append({"key": key, "label": label, "value": value, "shown": shown, "writeup": writeup})

    def table(self, caption: str, header: list[str], rows: list[list[str]]) -> None:
        """A table of text cells under ``header``."""
        self.tables.append({"caption": caption, "header": header, "rows": rows})

    def text(self, caption: str, text: str) -> None:
        """Preformatted text (what the program printed or read)."""
        self.texts.append({"caption": caption, "text": text})

    def figure(self, file: str | os.PathLike, caption: str) -> None:
        """A PNG the step wrote, ``file`` relative to its folder."""
        self.figures.append({"file": Path(file).as_posix(), "caption": caption})


@dataclass(frozen=True)
class StepContext:
    """What a step runs with: its (temporary) folder, the scale, seed and data."""

    folder: Path
    scale: Scale
    seed: int
    source: str
    data_dir: Path
    progress: bool


@dataclass(frozen=True)
class Step:
    """One cached unit of the report.

    Attributes
    ----------
    id : one of :data:`~nnrecog.report.options.STEP_IDS`
    question, title : where it sits in the write-up ("Q3", "the course MLP")
    run : ``run(context) -> Content``; raises :class:`NotRun` when it cannot run here
    settings : the step's share of the scale (what its manifest records)
    glyphs : reads the ``--data`` glyph source
    shared_data : reads the shared data directory
    torch : needs the torch extra
    estimate : about how many seconds it takes at the quick and the full scale (2 busy cores),
        for the progress bar until a run of it has been timed
    """

    id: str
    question: str
    title: str
    run: Callable[[StepContext], Content]
    settings: Callable[[Scale], dict[str, Any]] = lambda scale: {}
    glyphs: bool = False
    shared_data: bool = False
    torch: bool = False
    estimate: tuple[float, float] = (5.0, 5.0)


# --- the steps ---------------------------------------------------------------------------------


def _activations(ctx: StepContext) -> Content:
    """Q1: sigmoid and tanh with their derivatives; softmax's translation invariance."""
    import numpy as np

    from nnrecog.nn import functional as F
    from nnrecog.viz import plots

    content = Content()
    x = np.linspace(-8.0, 8.0, 801)
    for name, (f, derivative) in (("sigmoid", F.ELEMENTWISE["sigmoid"]), ("tanh", F.ELEMENTWISE["tanh"])):
        y = f(x)
        slope = derivative(y)
        plots.plot_functions(x, {name: y, f"{name}' (from its output)": slope}, ctx.folder / f"{name}.png",
                             title=f"{name} and its derivative")
        content.figure(f"{name}.png", f"{name}(x) and its derivative: flat, so gradients vanish, for large |x|")
        content.number(f"{name}_max_slope", f"largest slope of {name}", float(slope.max()), f"{slope.max():.4f}",
                       WRITEUP[f"{name}_max_slope"])
    sigmoid_slope = float(F.sigmoid_deriv(F.sigmoid(x)).max())
    content.number("sigmoid_10_layers", "largest factor through 10 sigmoid layers (slope^10)", sigmoid_slope**10,
                   f"{sigmoid_slope**10:.1e}")
    scaled = float(np.abs(F.tanh(x) - (2 * F.sigmoid(2 * x) - 1)).max())
    content.number("tanh_as_sigmoid", "max |tanh(x) - (2 sigmoid(2x) - 1)|", scaled, f"{scaled:.1e}")
    rng = np.random.default_rng(ctx.seed)
    scores = rng.normal(0.0, 10.0, (1000, 36))
    shifts = (-1000.0, -1.0, 1.0, 1000.0)
    worst = max(float(np.abs(F.softmax(scores + c) - F.softmax(scores)).max()) for c in shifts)
    content.number("softmax_shift", "max |softmax(x + c) - softmax(x)|, 1000 random x, c = ±1, ±1000", worst,
                   f"{worst:.1e}", WRITEUP["softmax_shift"])
    content.text("why", "softmax(x + c)_i = e^c e^(x_i) / (e^c sum_j e^(x_j)) = softmax(x)_i: the library "
                 "subtracts max(x) before exponentiating, so no exponent is positive and nothing overflows.")
    return content


def _gradcheck(ctx: StepContext) -> Content:
    """Q2: central-difference gradient check of the reference networks."""
    from nnrecog.nn.gradcheck import DEFAULT_TOLERANCE, check_reference_networks, format_report

    reports = check_reference_networks(seed=ctx.seed)
    content = Content()
    for r in reports:
        content.number(f"max_error.{r.network}", f"{r.network}: largest error", r.max_error, f"{r.max_error:.1e}")
    passed = all(r.passed for r in reports)
    content.number("passed", f"all within {DEFAULT_TOLERANCE:.0e}", passed, "yes" if passed else "NO")
    content.text("largest relative error per parameter (central differences, eps 1e-6, float64), as "
                 "nnrecog gradcheck prints it", format_report(reports, DEFAULT_TOLERANCE))
    return content


def _interrupted(results: dict[str, Any]) -> None:
    # The NumPy runners catch Ctrl-C to keep their best model and return early: the report
    # must not take that for a finished step.
    if results.get("interrupted"):
        raise KeyboardInterrupt


def _glyph_numbers(content: Content, results: dict[str, Any], writeup: str | None = None) -> None:
    content.number("valid_accuracy", "validation accuracy", results["valid_accuracy"],
                   percent(results["valid_accuracy"]), writeup)
    content.number("test_accuracy", "test accuracy", results["test_accuracy"], percent(results["test_accuracy"]))
    content.number("nist26_accuracy", "real NIST letters (nist26, never trained on)", results.get("nist26_accuracy"),
                   percent(results.get("nist26_accuracy")))


def _confused_pairs(content: Content, pairs: list[list[Any]], writeup: str | None = None) -> None:
    shown = ", ".join(f"{true}→{predicted} ({count})" for true, predicted, count in pairs[:3])
    content.number("top_confused", "most confused pairs on test (true→predicted)", pairs, shown, writeup)


def _mlp(ctx: StepContext) -> Content:
    """Q3: the course MLP, its learning-rate sweep, its weights and its confusion matrix."""
    from nnrecog.experiments.mlp import run_mlp
    from nnrecog.experiments.options import MlpOptions

    sweep = run_mlp(ctx.folder, sweep=True, epochs=ctx.scale.mlp_epochs, limit=ctx.scale.mlp_limit, seed=ctx.seed,
                    source=ctx.source, data_dir=ctx.data_dir, progress=ctx.progress)
    _interrupted(sweep)
    base = sweep["runs"][0]
    results = json.loads((ctx.folder / base["folder"] / "results.json").read_text(encoding="utf-8"))
    content = Content()
    _glyph_numbers(content, results)
    content.number("best_lr", "best learning rate (by validation)", sweep["best_lr"], f"{sweep['best_lr']:g}")
    content.number("best_test_accuracy", "test accuracy at the best learning rate", sweep["best_test_accuracy"],
                   percent(sweep["best_test_accuracy"]))
    _confused_pairs(content, results["top_confused"], WRITEUP["top_confused"])
    content.table("learning-rate sweep", ["lr", "valid", "test", "epochs"],
                  [[f"{run['lr']:g}" + (" (best)" if run["lr"] == sweep["best_lr"] else ""),
                    percent(run["valid_accuracy"]), percent(run["test_accuracy"]), str(run["epochs"])]
                   for run in sweep["runs"]])
    for run, factor in zip(sweep["runs"], ("x1", "x10", "x0.1")):
        for kind in ("accuracy", "loss"):
            content.figure(f"{run['folder']}/{kind}.png", f"{kind}, lr {run['lr']:g} ({factor} the course's "
                           f"{MlpOptions.lr:g})")
    content.figure("sweep_valid_accuracy.png", "validation accuracy of the three learning rates")
    content.figure(f"{base['folder']}/weights_init.png", "first-layer weights at initialisation")
    content.figure(f"{base['folder']}/weights_trained.png", "first-layer weights after training")
    content.figure(f"{base['folder']}/confusion_test.png", "test confusion matrix")
    content.table("top confused pairs on test", ["true", "predicted", "count"],
                  [[str(t), str(p), str(n)] for t, p, n in results["top_confused"]])
    return content


def _ocr(ctx: StepContext) -> Content:
    """Q4: the course photos read, boxed and scored."""
    from nnrecog.ocr.batch import read_photos
    from nnrecog.ocr.evaluate import evaluate_folder, labelled_photos

    folder = _shared(ctx, "ocr_samples")
    report = evaluate_folder(folder, data_dir=ctx.data_dir)
    photos = [image for image, _ in labelled_photos(folder)]
    content = Content()
    total = report["total"]
    content.number("cer", "CER (with spaces), all photos", total["cer"], percent(total["cer"]))
    content.number("cer_no_spaces", "CER without spaces, all photos", total["cer_no_spaces"],
                   percent(total["cer_no_spaces"]), WRITEUP["ocr_cer_no_spaces"])
    content.table("per photo (the write-up gives only its total, 26 % without spaces)",
                  ["photo", "CER", "CER without spaces", "characters boxed", "spurious boxes"],
                  [[p["name"], percent(p["cer"]), percent(p["cer_no_spaces"]), f"{p['boxed']}/{p['length_no_spaces']}",
                    str(p["spurious"])] for p in report["photos"]])
    scores = {p["name"]: p for p in report["photos"]}
    for reading in read_photos(photos, overlay=ctx.folder / "boxes.png"):
        name = reading.path.name
        if reading.error is not None:
            raise InputError(reading.error)
        content.figure(reading.overlay.relative_to(ctx.folder), f"{name}: every character box and its label")
        content.text(f"{name}: read (CER {percent(scores[name]['cer'])})", reading.page.text)
    return content


def _autoencoder(ctx: StepContext) -> Content:
    """Q5: the autoencoder's loss, reconstructions and PSNR."""
    from nnrecog.experiments.autoencoder import run_autoencoder

    results = run_autoencoder(ctx.folder, epochs=ctx.scale.autoencoder_epochs, limit=ctx.scale.autoencoder_limit,
                              seed=ctx.seed, source=ctx.source, data_dir=ctx.data_dir, progress=ctx.progress)
    _interrupted(results)
    content = Content()
    content.number("psnr_valid", "validation PSNR", results["psnr_valid"], f"{results['psnr_valid']:.2f} dB",
                   WRITEUP["psnr"])
    content.number("psnr_test", "test PSNR", results["psnr_test"], f"{results['psnr_test']:.2f} dB")
    nist26 = results["psnr_nist26"]
    content.number("psnr_nist26", "PSNR on the real NIST letters", nist26, "n/a" if nist26 is None else f"{nist26:.2f} dB")
    content.figure("loss.png", "training and validation loss")
    content.figure("reconstructions.png", "5 classes x 2 validation images and their reconstructions")
    return content


def _require_torch() -> None:
    from nnrecog.pytorch import require_torch

    try:
        require_torch()
    except InputError:
        raise NotRun(TORCH_MISSING) from None


def _torch_figures(content: Content) -> None:
    """The figures every torch run writes (:func:`nnrecog.pytorch.report.write_run`)."""
    for name, caption in (("accuracy", "accuracy"), ("loss", "loss"), ("confusion", "test confusion matrix")):
        content.figure(f"{name}.png", caption)


def _torch_glyphs(kind: str, writeup: str) -> Callable[[StepContext], Content]:
    """Q6.1.1 / Q6.1.2: the torch FC or CNN on the glyphs."""

    def run(ctx: StepContext) -> Content:
        from nnrecog.pytorch.nist import train_glyphs

        epochs = ctx.scale.fc_epochs if kind == "fc" else ctx.scale.cnn_epochs
        results = train_glyphs(kind, source=ctx.source, out_dir=ctx.folder, augment=ctx.scale.glyph_augment,
                               limit=ctx.scale.glyph_limit, data_dir=ctx.data_dir, epochs=epochs, seed=ctx.seed)
        content = Content()
        _glyph_numbers(content, results, writeup)
        _confused_pairs(content, results["top_confused"])
        _torch_figures(content)
        return content

    return run


def _shared(ctx: StepContext, *parts: str) -> Path:
    """A path in the shared data; :class:`NotRun` when it is not there."""
    path = ctx.data_dir.joinpath(*parts)
    if not path.exists():
        raise NotRun(f"data not found at {path}")
    return path


def _cifar10(ctx: StepContext) -> Content:
    """Q6.1.3: CIFAR-10, when its files are given: the quick recipe (the full one takes about
    30 minutes alone, more than the whole rest of the report)."""
    from nnrecog.pytorch.cifar import train_cifar10

    folder = _shared(ctx, "cifar10_jpg")
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
    _confused_pairs(content, results["top_confused"])
    _torch_figures(content)
    return content


def _scene_lists(ctx: StepContext) -> Path:
    """The SUN folder, or with a per-class limit a folder of lists naming its first images of
    each class (absolute paths: the scene reader joins the folder with each listed name)."""
    from nnrecog.pytorch.scenes import read_split

    folder = _shared(ctx, "sun_subset")
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


def _scenes(pretrained: bool) -> Callable[[StepContext], Content]:
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
        _confused_pairs(content, results["top_confused"])
        _torch_figures(content)
        return content

    return run


def _video(ctx: StepContext) -> Content:
    """Q6.3: an ImageNet network over the video's frames."""
    from nnrecog.pytorch.options import VideoOptions
    from nnrecog.pytorch.video import classify_video

    results = classify_video(_shared(ctx, "video", "bottle-detection.mp4"), label=VideoOptions.label,
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


STEPS: tuple[Step, ...] = (
    Step("q1-activations", "Q1", "activations and softmax", _activations, estimate=(2, 2)),
    Step("q2-gradcheck", "Q2", "gradient check of the reference networks", _gradcheck, estimate=(30, 30)),
    Step("q3-mlp", "Q3", "the course MLP: curves, learning-rate sweep, weights, confusion", _mlp,
         settings=lambda s: {"epochs": s.mlp_epochs, "limit": s.mlp_limit}, glyphs=True, shared_data=True,
         estimate=(10, 15)),
    Step("q4-ocr", "Q4", "reading the course photos", _ocr, shared_data=True, estimate=(10, 10)),
    Step("q5-autoencoder", "Q5", "the autoencoder", _autoencoder,
         settings=lambda s: {"epochs": s.autoencoder_epochs, "limit": s.autoencoder_limit}, glyphs=True,
         shared_data=True, estimate=(5, 25)),
    Step("q6-torch-fc", "Q6.1.1", "PyTorch: the course MLP (FC)", _torch_glyphs("fc", WRITEUP["torch_fc"]),
         settings=lambda s: {"epochs": s.fc_epochs, "limit": s.glyph_limit, "augment": s.glyph_augment},
         glyphs=True, shared_data=True, torch=True, estimate=(10, 160)),
    Step("q6-torch-cnn", "Q6.1.2", "PyTorch: a CNN on the glyphs", _torch_glyphs("cnn", WRITEUP["torch_cnn"]),
         settings=lambda s: {"epochs": s.cnn_epochs, "limit": s.glyph_limit, "augment": s.glyph_augment},
         glyphs=True, shared_data=True, torch=True, estimate=(20, 700)),
    Step("q6-cifar10", "Q6.1.3", "PyTorch: CIFAR-10", _cifar10,
         settings=lambda s: {"recipe": "quick", "epochs": s.cifar_epochs},
         shared_data=True, torch=True, estimate=(90, 340)),
    Step("q6-scenes", "Q6.1.4", "PyTorch: SUN scenes, a CNN from scratch", _scenes(pretrained=False),
         settings=lambda s: {"epochs": s.scenes_epochs, "train_per_class": s.scenes_train_per_class,
                             "test_per_class": s.scenes_test_per_class},
         shared_data=True, torch=True, estimate=(15, 100)),
    Step("q6-scenes-pretrained", "Q6.2", "PyTorch: SUN scenes, pretrained EfficientNet-Lite0 features",
         _scenes(pretrained=True),
         settings=lambda s: {"epochs": s.pretrained_epochs, "train_per_class": s.scenes_train_per_class,
                             "test_per_class": s.scenes_test_per_class},
         shared_data=True, torch=True, estimate=(50, 170)),
    Step("q6-video", "Q6.3", "PyTorch: an ImageNet network over a video", _video,
         settings=lambda s: {"every": s.video_every, "max_frames": s.video_max_frames},
         shared_data=True, torch=True, estimate=(15, 25)),
)
assert tuple(step.id for step in STEPS) == STEP_IDS, "report.options.STEP_IDS and STEPS disagree"


# --- the cache ---------------------------------------------------------------------------------


def code_version() -> str:
    """``<package version>+<digest>``: the digest covers every source and model file of the
    package that can change a result (not the command line or the HTML rendering)."""
    import nnrecog

    root = Path(nnrecog.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or "__pycache__" in relative or relative.startswith(_NOT_RESULTS):
            continue
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{nnrecog.__version__}+{digest.hexdigest()[:12]}"


def step_inputs(step: Step, opts: ReportOptions, data_dir: Path, code: str) -> dict[str, Any]:
    """What a step's result depends on: equal inputs, equal numbers (timings aside)."""
    data: dict[str, str] = {}
    if step.glyphs:
        data["source"] = str(opts.source)
    if step.shared_data:
        data["data_dir"] = str(data_dir.resolve())
    return {"step": step.id, "settings": step.settings(opts.steps_scale), "seed": opts.seed, "data": data, "code": code}


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A finished step's manifest, or None (never run, or unreadable: then it runs again)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and {"inputs", "content", "seconds"} <= manifest.keys() else None


def is_reusable(manifest: dict[str, Any] | None, inputs: dict[str, Any], folder: Path) -> bool:
    """Whether a manifest was written for exactly these inputs and every figure is still there."""
    if manifest is None or manifest["inputs"] != inputs:
        return False
    return all((folder / figure["file"]).is_file() for figure in manifest["content"].get("figures", []))


def run_step(step: Step, ctx_fields: dict[str, Any], inputs: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Run ``step`` in a temporary folder, write its manifest, then move it to ``folder``.

    Returns
    -------
    The manifest: ``inputs``, ``content`` (:class:`Content` as a dict), ``seconds``.

    Raises
    ------
    NotRun : the step cannot run here; ``folder`` keeps what it held.
    """
    if step.torch:
        _require_torch()
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)  # what an interrupted run left
    ensure_dir(partial)
    started = time.perf_counter()
    try:
        content = step.run(StepContext(folder=partial, **ctx_fields))
    except NotRun:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    manifest = {"inputs": inputs, "content": dataclasses.asdict(content), "seconds": time.perf_counter() - started,
                "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
    write_json(partial / MANIFEST, manifest)
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(partial, folder)
    return manifest


# --- the whole report --------------------------------------------------------------------------


@dataclass
class _Planned:
    """A step, its inputs and manifest, and what this run does with it: "run", "reuse", "skip"."""

    step: Step
    folder: Path
    inputs: dict[str, Any]
    manifest: dict[str, Any] | None
    action: str


def _plan(opts: ReportOptions, data_dir: Path, steps_root: Path, code: str) -> list[_Planned]:
    plan = []
    for step in STEPS:
        folder = steps_root / step.id
        inputs = step_inputs(step, opts, data_dir, code)
        manifest = read_manifest(folder)
        if is_reusable(manifest, inputs, folder):
            action = "reuse"
        elif opts.only is not None and step.id not in opts.only:
            action = "skip"
        else:
            action = "run"
        plan.append(_Planned(step, folder, inputs, manifest, action))
    return plan


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _section(planned: _Planned, status: str, note: str | None, manifest: dict[str, Any] | None) -> dict[str, Any]:
    """One step as report.json holds it; figure files relative to the report's folder."""
    step = planned.step
    content = dataclasses.asdict(Content()) if manifest is None else manifest["content"]
    prefix = f"{STEPS_FOLDER}/{step.id}"
    content = {**content, "figures": [{**f, "file": f"{prefix}/{f['file']}"} for f in content["figures"]]}
    return {
        "id": step.id, "question": step.question, "title": step.title, "status": status, "note": note,
        "seconds": None if manifest is None else round(manifest["seconds"], 1),
        "inputs": planned.inputs, **content,
    }


def _write_report(out: Path, report: dict[str, Any]) -> None:
    from nnrecog.report.html import render

    write_json(out / "report.json", report)
    with atomic_open(out / "report.html", "w", encoding="utf-8") as handle:
        handle.write(render(report))


def run_report(**options: Any) -> dict[str, Any]:
    """``nnrecog report``: bring every step up to date (reusing what the cache holds for the same
    inputs), then write ``report.html`` and ``report.json`` into ``out_dir``.

    ``options`` are the fields of :class:`~nnrecog.report.options.ReportOptions`. Ctrl-C or an
    error stops the run after writing the report of what is finished (the rest marked not run),
    and is raised again.

    Returns
    -------
    dict
        ``report.json``: ``options``, ``scale`` (its settings), ``code_version``, ``seconds``,
        ``load`` (the 1-minute load average at the start and the end), ``ran`` / ``reused``
        (step ids) and ``sections`` (one per step, in the write-up's order: ``status`` "ran",
        "reused" or "not run", ``note``, ``numbers``, ``tables``, ``texts``, ``figures``).

    Raises
    ------
    InputError : a bad option, or glyph data (``source``) that cannot be loaded, before any step runs.
    """
    from tqdm.auto import tqdm

    from nnrecog.paths import data_dir as data_dir_of

    opts = ReportOptions(**options)
    started, load_at_start = time.perf_counter(), os.getloadavg()[0]
    out = ensure_dir(opts.out_dir)
    data_dir = data_dir_of(opts.data_dir)
    code = code_version()
    plan = _plan(opts, data_dir, out / STEPS_FOLDER, code)
    if any(p.action == "run" and p.step.glyphs for p in plan):
        from nnrecog.data import load

        load(opts.source, data_dir)  # a bad --data is one error line now, not one per step later
    scale = opts.steps_scale
    ctx_fields = {"scale": scale, "seed": opts.seed, "source": opts.source, "data_dir": data_dir,
                  "progress": opts.progress}
    full = scale.name == "full"
    estimates = {p.step.id: p.manifest["seconds"] if p.manifest else p.step.estimate[full]
                 for p in plan if p.action == "run"}
    bar = tqdm(total=round(sum(estimates.values())), disable=not opts.progress, unit="s",
               bar_format="{desc} |{bar}| {percentage:3.0f}%")
    sections: list[dict[str, Any]] = []
    done_estimate = done_seconds = 0.0
    try:
        for planned in plan:
            step = planned.step
            if planned.action == "reuse":
                note = f"reused: same inputs as the run of {planned.manifest.get('finished', 'an earlier run')}"
                sections.append(_section(planned, "reused", note, planned.manifest))
            elif planned.action == "skip":
                sections.append(_section(planned, "not run", "not run: not selected (--only)", None))
            else:
                left = sum(estimates.values()) - done_estimate
                pace = done_seconds / done_estimate if done_estimate else 1.0
                bar.set_description_str(f"report: {step.id} ({len(sections) + 1}/{len(plan)}), "
                                        f"about {_minutes(left * pace)} left")
                step_started = time.perf_counter()
                try:
                    manifest = run_step(step, ctx_fields, planned.inputs, planned.folder)
                except NotRun as reason:
                    sections.append(_section(planned, "not run", f"not run: {reason}", None))
                else:
                    sections.append(_section(planned, "ran", None, manifest))
                done_estimate += estimates[step.id]
                done_seconds += time.perf_counter() - step_started
                bar.update(round(estimates[step.id]))
            last = sections[-1]
            tqdm.write(f"{step.id}: " + (last["note"] or f"ran in {last['seconds']:.1f} s"))
    except BaseException as stop:
        reason = "interrupted" if isinstance(stop, KeyboardInterrupt) else f"stopped by an error ({stop})"
        for planned in plan[len(sections):]:
            sections.append(_section(planned, "not run", f"not run: {reason}", None))
        raise
    finally:
        bar.close()
        report = {
            "title": "Neural Networks for Recognition (CMU 16-720 HW5), regenerated by nnrecog",
            "options": {"out_dir": str(opts.out_dir), "quick": opts.quick, "source": opts.source,
                        "data_dir": str(data_dir), "seed": opts.seed, "only": opts.only},
            "scale": dataclasses.asdict(scale),
            "code_version": code,
            "generated": time.strftime("%Y-%m-%d %H:%M:%S"),
            "seconds": round(time.perf_counter() - started, 1),
            "load": {"start": load_at_start, "end": os.getloadavg()[0]},
            "ran": [s["id"] for s in sections if s["status"] == "ran"],
            "reused": [s["id"] for s in sections if s["status"] == "reused"],
            "sections": sections,
        }
        _write_report(out, report)
    return report
