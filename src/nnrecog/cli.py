"""The ``nnrecog`` command line: parse, call one function, print. No logic lives here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from nnrecog.errors import InputError

Handler = Callable[[argparse.Namespace], int]


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
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tolerance", type=float, default=1e-5)
    p.set_defaults(handler=_cmd_gradcheck)


# --- commands added by each area register below this line -------------------------------------

_REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_gradcheck,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnrecog",
        description="Neural networks for recognition: NumPy networks and handwritten-text OCR.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from nnrecog.nn.model import ModelFileError

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (InputError, ModelFileError) as exc:
        print(f"nnrecog: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"nnrecog: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnrecog: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
