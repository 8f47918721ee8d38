"""The ``nnrecog`` command line: parse, call one function, print. No logic lives here."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from nnrecog.errors import InputError

Handler = Callable[[argparse.Namespace], int]


def _print_error(message: str) -> None:
    """The one stderr line of a failure the user can mend (bad input, a missing file)."""
    print(f"nnrecog: error: {message}", file=sys.stderr)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        default=None,
        help="shared data directory (default: $NNRECOG_DATA, else ../shared/data)",
    )


# --- gradcheck -------------------------------------------------------------------------------


def _cmd_gradcheck(args: argparse.Namespace) -> int:
    from nnrecog.nn.gradcheck import check_reference_networks, format_report

    reports = check_reference_networks(seed=args.seed, tolerance=args.tolerance)
    print(format_report(reports, args.tolerance))
    return 0 if all(r.passed for r in reports) else 1


def _add_gradcheck(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gradcheck", help="numerically check the gradients of the reference networks")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--tolerance", type=_positive(float), default=1e-5)
    p.set_defaults(handler=_cmd_gradcheck)


# --- train (mlp, cnn, autoencoder) and reconstruct ---------------------------------------------


def _seed(text: str) -> int:
    """A seed for ``numpy.random.default_rng``, which refuses negative ones."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return int(text)


def _number(kind: type, low: float, high: float | None = None, low_included: bool = False,
            what: str | None = None) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` (int or float) above ``low`` (or equal to it when
    ``low_included``) and below ``high``; NaN and infinities refused. ``what`` names the range in the message."""
    what = what or f"{'non-negative' if low_included and low == 0 else 'positive'} {kind.__name__}"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = None
        # NaN, infinities and integers beyond int32 (no count here is that large) are nonsense
        sane = value is not None and (math.isfinite(value) if isinstance(value, float) else abs(value) < 2**31)
        ok = sane and (value >= low if low_included else value > low)
        if not ok or (high is not None and not value < high):
            raise argparse.ArgumentTypeError(f"expected a {what}, got {text!r}")
        return value
    return parse


def _positive(kind: type) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` above zero."""
    return _number(kind, 0)


_NON_NEGATIVE_INT = _number(int, 0, low_included=True)
_FRACTION = _number(float, 0, 1, low_included=True, what="number in [0, 1)")


def _int_list(text: str) -> tuple[int, ...]:
    """Comma-separated positive integers, e.g. layer sizes ``512,256``."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, got {text!r}")
    return values


def _given(args: argparse.Namespace, *names: str) -> dict:
    """Options the user set (None means: the library's default)."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


_TRAIN_OPTIONS = ("source", "data_dir", "epochs", "batch_size", "lr", "seed", "limit", "resume", "progress")


def _add_train_options(p: argparse.ArgumentParser, out: str, defaults: str, *options: str) -> None:
    p.add_argument("--data", dest="source", default="default",
                   help="'default' (the built open set), a built folder, or a folder of nist36_*.mat")
    p.add_argument("--out", default=out, help=f"output folder (default {out})")
    p.add_argument("--epochs", type=_positive(int), help=f"defaults: {defaults}")
    p.add_argument("--batch-size", type=_positive(int))
    p.add_argument("--lr", type=_positive(float), help="learning rate (the loss is summed over the batch)")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    p.add_argument("--limit", type=_positive(int), help="use at most N samples per split (quick runs)")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.add_argument("--momentum", type=_FRACTION, help="momentum of the course's update (0: plain SGD)")
    _add_data_dir(p)
    p.set_defaults(handler=_cmd_train, options=(*_TRAIN_OPTIONS, "momentum", *options))


def _cmd_train(args: argparse.Namespace) -> int:
    from nnrecog.experiments.commands import format_results, run_training

    results = run_training(args.model, args.out, **_given(args, *args.options))
    print(format_results(results))
    return 130 if results.get("interrupted") else 0


def _add_train(sub: argparse._SubParsersAction) -> None:
    train = sub.add_parser("train", help="train the course's networks (mlp, cnn, autoencoder)")
    kinds = train.add_subparsers(dest="model", required=True, metavar="MODEL")

    p = kinds.add_parser("mlp", help="the course MLP (question 3): curves, weights, confusion")
    _add_train_options(p, "runs/mlp", "50 epochs, batch 32, lr 0.01, momentum 0",
                       "hidden", "activation", "ink_bright", "augment", "sweep", "decay_every")
    p.add_argument("--hidden", type=_int_list, help="hidden sizes, e.g. 64 (default) or 512,256")
    p.add_argument("--activation", choices=("sigmoid", "tanh", "relu"), help="default sigmoid")
    p.add_argument("--ink-bright", action="store_true",
                   help="feed 1 - x (ink ~1 on 0) instead of the course's ink-dark pixels")
    p.add_argument("--augment", action="store_true", help="augment every training batch")
    p.add_argument("--lr-sweep", dest="sweep", action="store_true",
                   help="also train at 10x and 0.1x the lr; compare")
    p.add_argument("--decay-every", type=_NON_NEGATIVE_INT, help="halve the lr every N epochs (default: never)")

    p = kinds.add_parser("cnn", help="a small CNN with nnrecog.nn (the default OCR model)")
    _add_train_options(p, "runs/cnn", "30 epochs, batch 64, lr 0.001, momentum 0.9",
                       "channels", "hidden", "dropout", "decay_every", "augment")
    p.add_argument("--channels", type=_int_list, help="conv channels, default 16,32")
    p.add_argument("--hidden", type=_positive(int), help="dense units, default 128")
    p.add_argument("--dropout", type=_FRACTION, help="default 0.3")
    p.add_argument("--decay-every", type=_NON_NEGATIVE_INT, help="halve the lr every N epochs (default 10)")
    p.add_argument("--augment", action="store_true", help="augment every training batch")

    p = kinds.add_parser("autoencoder", help="the course autoencoder (question 5): PSNR, images")
    _add_train_options(p, "runs/autoencoder", "100 epochs, batch 16, lr 3e-6 (3e-5 with --init he), momentum 0.9",
                       "decay_every", "init")
    p.add_argument("--decay-every", type=_NON_NEGATIVE_INT, help="lr x0.9 every N epochs (default 10)")
    p.add_argument("--init", choices=("pca", "he"),
                   help="pca (default): start from the training set's 32-component PCA; "
                        "he: random He-normal (default lr 3e-5)")


def _cmd_reconstruct(args: argparse.Namespace) -> int:
    from nnrecog.experiments.autoencoder import reconstruct_files

    for path, psnr in reconstruct_files(args.images, args.model, args.out):
        print(f"{path}: PSNR {psnr:.2f} dB")
    print(f"wrote {args.out}/reconstructions.png")
    return 0


def _add_reconstruct(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reconstruct", help="run a trained autoencoder on glyph images")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--model", default="runs/autoencoder/model.npz")
    p.add_argument("--out", default="runs/reconstruct", help="folder for reconstructions.png")
    p.set_defaults(handler=_cmd_reconstruct)


# --- data (build, show) -----------------------------------------------------------------------


def _cmd_data_build(args: argparse.Namespace) -> int:
    from nnrecog.data.builder import build_dataset, default_dataset_dir

    out = args.out or default_dataset_dir(args.sources, args.seed, build=False)
    formats = ("npz", "mat") if args.format == "mat" else ("npz",)
    result = build_dataset(out, args.sources, seed=args.seed, formats=formats)
    print(result.report())
    return 0


def _cmd_data_show(args: argparse.Namespace) -> int:
    from nnrecog.data.show import save_sample_grid

    out = save_sample_grid(
        args.source,
        args.out,
        args.data_dir,
        split=args.split,
        per_class=args.per_class,
        classes=args.classes,
        augmented=args.augmented,
    )
    print(f"wrote {out}")
    return 0


def _add_data(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="build or look at the NIST36-format dataset")
    data_sub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    build = data_sub.add_parser("build", help="build the open NIST36-format set from the shared handwriting data")
    build.add_argument("--sources", default=None, metavar="DIR", help="shared data directory (default: as --data-dir)")
    build.add_argument("--out", default=None, metavar="DIR", help="output folder (default: the cached 'default' set)")
    build.add_argument("--format", choices=("npz", "mat"), default="npz", help="mat: also write nist36_*.mat")
    build.add_argument("--seed", type=_seed, default=0)
    build.set_defaults(handler=_cmd_data_build)
    show = data_sub.add_parser("show", help="write a grid of samples per class as a PNG")
    show.add_argument("source", metavar="SOURCE",
                      help="'default', a built folder, a folder of nist36_*.mat, or 'nist26'")
    show.add_argument("--out", required=True, help="PNG to write")
    show.add_argument("--split", choices=("train", "valid", "test"), default="train")
    show.add_argument("--per-class", type=_positive(int), default=16)
    show.add_argument("--classes", default="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", help="which classes, in order")
    show.add_argument("--augmented", action="store_true", help="follow each sample by two augmented versions")
    _add_data_dir(show)
    show.set_defaults(handler=_cmd_data_show)


# --- torch (optional extra): train, export, cifar10, scenes, video, classify ------------------


def _cmd_torch(args: argparse.Namespace) -> int:
    from nnrecog.pytorch import require_torch

    require_torch()
    return args.torch_handler(args)


def _print_run_summary(results: dict, out: str) -> int:
    """Print a torch run's summary; under torchrun only rank 0 has the written results."""
    from nnrecog.pytorch.report import summary

    if "epochs" in results:
        print(summary(results, out))
    return 0


def _cmd_torch_train(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.nist import train_glyphs

    results = train_glyphs(args.model, args.data, args.out, augment=args.augment, resume=args.resume,
                           limit=args.limit, data_dir=args.data_dir, **_given(args, *_TORCH_FIT_OPTIONS))
    return _print_run_summary(results, args.out)


def _cmd_torch_export(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.export import export_checkpoint

    exported = export_checkpoint(args.checkpoint, args.out)
    print("\n".join(exported["layers"]))
    print(f"wrote {exported['out']} ({exported['bytes'] / 1e6:.2f} MB, torch {exported['kind']} as nnrecog.nn)")
    return 0


def _cmd_torch_cifar10(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.cifar import train_cifar10

    results = train_cifar10(args.data, args.out, resume=args.resume, quick=args.quick, data_dir=args.data_dir,
                            **_given(args, *_TORCH_FIT_OPTIONS, "precision"))
    return _print_run_summary(results, args.out)


def _cmd_torch_scenes(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.scenes import train_scenes

    results = train_scenes(args.data, args.out, pretrained_features=args.pretrained, size=args.size,
                           resume=args.resume, data_dir=args.data_dir, **_given(args, *_TORCH_FIT_OPTIONS))
    return _print_run_summary(results, args.out)


def _cmd_torch_video(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.video import classify_video, video_summary

    results = classify_video(args.video, args.label, every=args.every, out_dir=args.out, full_frame=args.full_frame)
    print(video_summary(results, args.out))
    return 0


def _cmd_torch_classify(args: argparse.Namespace) -> int:
    from nnrecog.pytorch.pretrained import classify_images

    for result in classify_images(args.images, top=args.top):
        print(f"{result['path']}: " + ", ".join(f"{name} {p:.1%}" for name, p in result["top"]))
    return 0


_TORCH_FIT_OPTIONS = ("epochs", "batch_size", "lr", "seed")


def _add_torch_fit_options(p: argparse.ArgumentParser, out: str) -> None:
    p.add_argument("--out", default=out, help=f"output folder (default {out})")
    p.add_argument("--epochs", type=_positive(int))
    p.add_argument("--batch-size", type=_positive(int))
    p.add_argument("--lr", type=_positive(float), help="peak learning rate (cosine schedule)")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out (last.pt)")


def _add_torch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("torch", help="PyTorch counterparts (needs the nnrecog[torch] extra)")
    p.set_defaults(handler=_cmd_torch)
    torch_sub = p.add_subparsers(dest="torch_command", required=True, metavar="ACTION")

    q = torch_sub.add_parser("train", help="the course MLP (fc) or a CNN on NIST36-format glyphs; torchrun-ready")
    q.add_argument("model", choices=("fc", "cnn"))
    q.add_argument("--data", default="default",
                   help="'default' (the built open set), a built folder, or a folder of nist36_*.mat")
    q.add_argument("--augment", action="store_true", help="distort training glyphs (as nnrecog train --augment)")
    q.add_argument("--limit", type=_positive(int), help="use at most N samples per split (quick runs)")
    _add_torch_fit_options(q, "runs/torch-train")
    _add_data_dir(q)
    q.set_defaults(torch_handler=_cmd_torch_train)

    q = torch_sub.add_parser("export", help="write a `torch train` checkpoint as an nnrecog.nn model (.npz)")
    q.add_argument("checkpoint", metavar="CHECKPOINT", help="model.pt from `nnrecog torch train`")
    q.add_argument("--out", required=True, help="nnrecog.nn model file to write (.npz)")
    q.set_defaults(torch_handler=_cmd_torch_export)

    q = torch_sub.add_parser("cifar10", help="fast CNN on CIFAR-10 (official python batches or an image folder)")
    q.add_argument("--data", default=None, metavar="DIR",
                   help="cifar-10-batches-py folder, or a folder with train/<class>/ and test/<class>/ "
                        "(default: cifar10_jpg in --data-dir)")
    q.add_argument("--quick", action="store_true", help="the short recipe (a half-width net, 5 epochs)")
    q.add_argument("--precision", choices=("auto", "bf16", "fp32"),
                   help="bf16 autocast or fp32 (default auto: bf16 where the CPU supports it natively)")
    _add_torch_fit_options(q, "runs/torch-cifar10")
    _add_data_dir(q)
    q.set_defaults(torch_handler=_cmd_torch_cifar10)

    q = torch_sub.add_parser("scenes", help="8-class SUN scenes: CNN from scratch or pretrained features")
    q.add_argument("--data", default=None, metavar="DIR", help="sun_subset folder (default: in --data-dir)")
    q.add_argument("--pretrained", action="store_true", help="EfficientNet-Lite0 features + linear head")
    q.add_argument("--size", type=_number(int, 32, 1025, low_included=True, what="size from 32 to 1024 px"), default=64,
                   help="image side for the from-scratch CNN, 32 to 1024 (five 2x poolings; default 64)")
    _add_torch_fit_options(q, "runs/torch-scenes")
    _add_data_dir(q)
    q.set_defaults(torch_handler=_cmd_torch_scenes)

    q = torch_sub.add_parser("video", help="ImageNet top-1/top-5 of a label over the frames of a video")
    q.add_argument("video", metavar="VIDEO")
    q.add_argument("--label", default="water bottle", help="ImageNet class name (default 'water bottle')")
    q.add_argument("--every", type=_positive(int), default=1, metavar="K", help="classify every K-th frame")
    q.add_argument("--full-frame", action="store_true",
                   help="squeeze the whole frame to 224x224 (default: centre crop)")
    q.add_argument("--out", default="runs/torch-video", help="folder for results.json and probability.png")
    q.set_defaults(torch_handler=_cmd_torch_video)

    q = torch_sub.add_parser("classify", help="ImageNet top classes of still images (EfficientNet-Lite0)")
    q.add_argument("images", nargs="+", metavar="IMAGE")
    q.add_argument("--top", type=_positive(int), default=5)
    q.set_defaults(torch_handler=_cmd_torch_classify)


# --- read and eval-ocr ---------------------------------------------------------------------------


def _add_ocr_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--model", default=None, metavar="PATH",
                   help="classifier model file (default: the model shipped in the package)")
    p.add_argument("--no-lexicon", action="store_true",
                   help="read glyph by glyph, without the English word-list decoder")


def _cmd_read(args: argparse.Namespace) -> int:
    import json

    from nnrecog.ocr.pipeline import read_photos

    failures, pages = 0, []
    for reading in read_photos(args.photos, args.model, not args.no_lexicon, args.overlay):
        if reading.error:
            _print_error(reading.error)
            failures += 1
        if reading.page is None:
            continue
        if args.json:
            pages.append({"file": str(reading.path), **reading.page.export()})
        elif len(args.photos) > 1:
            print(f"==> {reading.path} <==\n{reading.page.text}\n")
        else:
            print(reading.page.text)
    if len(args.photos) > 1 and args.json:
        print(json.dumps(pages, indent=2))
    elif args.json and pages:  # one photo: just its {"lines"}; nothing if it failed
        print(json.dumps({"lines": pages[0]["lines"]}, indent=2))
    return 2 if failures else 0


def _add_read(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "read", help="read handwritten block letters from photos",
        description="Print each photo's text, one handwritten line per line. With several photos, "
        "text output has a '==> PHOTO <==' header per photo and --json prints a list of "
        "{'file', 'lines'} objects (one photo: just {'lines'}). A photo that cannot be read gives "
        "one error line; the others are still read and the exit status is 2.",
    )
    p.add_argument("photos", nargs="+", metavar="PHOTO")
    p.add_argument("--overlay", default=None, metavar="OUT.png",
                   help="write the photo with every box and label drawn; with several photos "
                   "OUT-<photo name>.png each (OUT-<n>-<name>.png when names repeat)")
    _add_ocr_options(p)
    p.set_defaults(handler=_cmd_read)


def _cmd_eval_ocr(args: argparse.Namespace) -> int:
    import json

    from nnrecog.ocr.evaluate import evaluate_folder, format_report

    report = evaluate_folder(args.folder, args.model, not args.no_lexicon, data_dir=args.data_dir)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    for error in report["failed"]:
        _print_error(error)
    return 2 if report["failed"] else 0


def _add_eval_ocr(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval-ocr", help="CER and box coverage of the OCR on photos with NAME.gt.txt files",
        description="For every image with a NAME.gt.txt beside it: CER with and without spaces, "
        "true characters that got a box, boxes that matched nothing, seconds per photo; totals. "
        "A photo that cannot be read is scored as an empty reading and gets one error line; "
        "the others are still scored and the exit status is 2.",
    )
    p.add_argument("folder", nargs="?", default=None, metavar="DIR",
                   help="folder of photos and NAME.gt.txt files (default: ocr_samples in --data-dir)")
    _add_ocr_options(p)
    _add_data_dir(p)
    p.set_defaults(handler=_cmd_eval_ocr)


# --- commands added by each area register below this line -------------------------------------

_REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_gradcheck,
    _add_train,
    _add_reconstruct,
    _add_data,
    _add_torch,
    _add_read,
    _add_eval_ocr,
]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage mistakes are one line on stderr (the usage is in --help),
    naming the (sub)command they belong to."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def parse_known_args(
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        namespace, extras = super().parse_known_args(args, namespace)
        # the innermost subcommand returns first: remember it, so that its help is the one named
        if extras and not hasattr(namespace, "_innermost_prog"):
            namespace._innermost_prog = self.prog
        return namespace, extras

    def parse_args(  # type: ignore[override]  # always returns the namespace
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            prog = getattr(namespace, "_innermost_prog", self.prog)
            self.exit(2, f"{prog}: error: unrecognized arguments: {' '.join(extras)} (see '{prog} --help')\n")
        return namespace


def build_parser() -> argparse.ArgumentParser:
    """The ``nnrecog`` parser with every registered command."""
    parser = _Parser(
        prog="nnrecog",
        description="Neural networks for recognition: NumPy networks and handwritten-text OCR.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nnrecog argv`` (default ``sys.argv[1:]``); return the exit status.

    Bad input (``InputError``, a bad model file, an OS error) becomes one ``nnrecog: error:``
    line on stderr and status 2; Ctrl-C status 130.
    """
    # One OpenBLAS thread unless the user chose otherwise (set before NumPy loads): the
    # matrices here are small, and on 2 cores a second thread costs more than it gives
    # (measured: 0.27 s instead of 0.53 s per course photo, and the fastest training).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from nnrecog.nn.model import ModelFileError

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (InputError, ModelFileError) as exc:
        _print_error(str(exc))
        return 2
    except BrokenPipeError:
        # The reader went away (``nnrecog read ... | head``): not an error worth a message.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        _print_error(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return 2
    except KeyboardInterrupt:
        print("nnrecog: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
