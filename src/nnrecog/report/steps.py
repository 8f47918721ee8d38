"""The steps of ``nnrecog report`` in the write-up's order (:mod:`nnrecog.report.runner` runs them
and keeps the cache): Q1-Q5 here, the PyTorch steps of Q6 in :mod:`nnrecog.report.torch_steps`.

Each step runs one of the project's experiments (the runners of :mod:`nnrecog.experiments`,
:mod:`nnrecog.ocr` and :mod:`nnrecog.pytorch`: nothing is trained here) and keeps what its
section shows, a :class:`~nnrecog.report.content.Content`.
"""

from __future__ import annotations

import json

from nnrecog.errors import InputError
from nnrecog.report.content import (
    WRITEUP,
    Content,
    Step,
    StepContext,
    confused_pairs,
    glyph_numbers,
    interrupted,
    percent,
    shared_path,
)
from nnrecog.report.options import STEP_IDS
from nnrecog.report.torch_steps import cifar10, scenes, torch_glyphs, video

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


def _mlp(ctx: StepContext) -> Content:
    """Q3: the course MLP, its learning-rate sweep, its weights and its confusion matrix."""
    from nnrecog.experiments.mlp import run_mlp
    from nnrecog.experiments.options import MlpOptions

    sweep = run_mlp(ctx.folder, sweep=True, epochs=ctx.scale.mlp_epochs, limit=ctx.scale.mlp_limit, seed=ctx.seed,
                    source=ctx.source, data_dir=ctx.data_dir, progress=ctx.progress)
    interrupted(sweep)
    base = sweep["runs"][0]
    results = json.loads((ctx.folder / base["folder"] / "results.json").read_text(encoding="utf-8"))
    content = Content()
    glyph_numbers(content, results)
    content.number("best_lr", "best learning rate (by validation)", sweep["best_lr"], f"{sweep['best_lr']:g}")
    content.number("best_test_accuracy", "test accuracy at the best learning rate", sweep["best_test_accuracy"],
                   percent(sweep["best_test_accuracy"]))
    confused_pairs(content, results["top_confused"], WRITEUP["top_confused"])
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

    folder = shared_path(ctx, "ocr_samples")
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
    interrupted(results)
    content = Content()
    content.number("psnr_valid", "validation PSNR", results["psnr_valid"], f"{results['psnr_valid']:.2f} dB",
                   WRITEUP["psnr"])
    content.number("psnr_test", "test PSNR", results["psnr_test"], f"{results['psnr_test']:.2f} dB")
    nist26 = results["psnr_nist26"]
    content.number("psnr_nist26", "PSNR on the real NIST letters", nist26, "n/a" if nist26 is None else f"{nist26:.2f} dB")
    content.figure("loss.png", "training and validation loss")
    content.figure("reconstructions.png", "5 classes x 2 validation images and their reconstructions")
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
    Step("q6-torch-fc", "Q6.1.1", "PyTorch: the course MLP (FC)", torch_glyphs("fc", WRITEUP["torch_fc"]),
         settings=lambda s: {"epochs": s.fc_epochs, "limit": s.glyph_limit, "augment": s.glyph_augment},
         glyphs=True, shared_data=True, torch=True, estimate=(10, 160)),
    Step("q6-torch-cnn", "Q6.1.2", "PyTorch: a CNN on the glyphs", torch_glyphs("cnn", WRITEUP["torch_cnn"]),
         settings=lambda s: {"epochs": s.cnn_epochs, "limit": s.glyph_limit, "augment": s.glyph_augment},
         glyphs=True, shared_data=True, torch=True, estimate=(20, 700)),
    Step("q6-cifar10", "Q6.1.3", "PyTorch: CIFAR-10", cifar10,
         settings=lambda s: {"recipe": "quick", "epochs": s.cifar_epochs},
         shared_data=True, torch=True, estimate=(90, 340)),
    Step("q6-scenes", "Q6.1.4", "PyTorch: SUN scenes, a CNN from scratch", scenes(pretrained=False),
         settings=lambda s: {"epochs": s.scenes_epochs, "train_per_class": s.scenes_train_per_class,
                             "test_per_class": s.scenes_test_per_class},
         shared_data=True, torch=True, estimate=(15, 100)),
    Step("q6-scenes-pretrained", "Q6.2", "PyTorch: SUN scenes, pretrained EfficientNet-Lite0 features",
         scenes(pretrained=True),
         settings=lambda s: {"epochs": s.pretrained_epochs, "train_per_class": s.scenes_train_per_class,
                             "test_per_class": s.scenes_test_per_class},
         shared_data=True, torch=True, estimate=(50, 170)),
    Step("q6-video", "Q6.3", "PyTorch: an ImageNet network over a video", video,
         settings=lambda s: {"every": s.video_every, "max_frames": s.video_max_frames},
         shared_data=True, torch=True, estimate=(15, 25)),
)
assert tuple(step.id for step in STEPS) == STEP_IDS, "report.options.STEP_IDS and STEPS disagree"
