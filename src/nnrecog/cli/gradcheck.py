"""``nnrecog gradcheck``: numerically check the gradients of the reference networks."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from nnrecog.cli.options import add_command, option_values
from nnrecog.nn.gradcheck import DEFAULT_TOLERANCE
from nnrecog.options import POSITIVE_FLOAT, SEED, Option


@dataclass(frozen=True)
class GradcheckOptions:
    """The options of :func:`nnrecog.nn.gradcheck.check_reference_networks` (``nnrecog.nn``
    imports nothing of ours but fileio, so they are declared here, with its default)."""

    seed: int = SEED(0)
    tolerance: float = Option("largest relative error that passes", POSITIVE_FLOAT)(DEFAULT_TOLERANCE)


def _gradcheck(args: argparse.Namespace) -> int:
    from nnrecog.nn.gradcheck import check_reference_networks, format_report

    options = option_values(args, GradcheckOptions)
    reports = check_reference_networks(**options)
    print(format_report(reports, options["tolerance"]))
    return 0 if all(r.passed for r in reports) else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``gradcheck``."""
    add_command(subparsers, "gradcheck", GradcheckOptions, _gradcheck,
                help="numerically check the gradients of the reference networks")
