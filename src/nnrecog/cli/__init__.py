"""The ``nnrecog`` command line: parse, call one function, print. No logic lives here.

One module per command group (:data:`COMMAND_GROUPS`), each with ``register(subparsers)``; a
command's options come from its runner's options dataclass through
:func:`nnrecog.cli.options.add_options`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from nnrecog.errors import InputError

Handler = Callable[[argparse.Namespace], int]
#: The command groups, in the order ``nnrecog --help`` lists them: modules of this package.
COMMAND_GROUPS = ("gradcheck", "train", "data", "torch", "ocr", "serve", "report")


def print_error(message: str) -> None:
    """The one stderr line of a failure the user can mend (bad input, a missing file)."""
    print(f"nnrecog: error: {message}", file=sys.stderr)


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
    for group in COMMAND_GROUPS:
        # imported here, not at the top: the groups import print_error from this module
        importlib.import_module(f"{__name__}.{group}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nnrecog argv`` (default ``sys.argv[1:]``); return the exit status.

    Bad input (``InputError``, which bad model and data files raise too, or an OS error)
    becomes one ``nnrecog: error:`` line on stderr and status 2; Ctrl-C status 130.
    """
    # One OpenBLAS thread unless the user chose otherwise (set before NumPy loads): the
    # matrices here are small, and on 2 cores a second thread costs more than it gives
    # (measured: 0.27 s instead of 0.53 s per course photo, and the fastest training).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except InputError as exc:
        print_error(str(exc))
        return 2
    except BrokenPipeError:
        # The reader went away (``nnrecog read ... | head``): not an error worth a message.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print_error(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return 2
    except KeyboardInterrupt:
        print("nnrecog: interrupted", file=sys.stderr)
        return 130
