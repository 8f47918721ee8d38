"""``nnrecog report``: the whole course write-up, regenerated and cached step by step."""

from __future__ import annotations

import argparse

from nnrecog.cli.options import add_options, option_values
from nnrecog.report.options import ReportOptions


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nnrecog.report.runner import run_report

    report = run_report(**option_values(args, ReportOptions))
    out = Path(args.out_dir)
    not_run = len(report["sections"]) - len(report["ran"]) - len(report["reused"])
    print(f"{len(report['ran'])} steps ran, {len(report['reused'])} reused from the cache, {not_run} not run; "
          f"{report['seconds'] / 60:.1f} min")
    print(f"wrote {out / 'report.html'} and {out / 'report.json'}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``report``."""
    p = subparsers.add_parser(
        "report", help="the whole course write-up, every figure and number beside the original's",
        description="Run every experiment of the write-up (Q1-Q6) and write DIR/report.html and "
        "DIR/report.json. Each step is cached in DIR/steps with the inputs it ran with: a rerun "
        "reuses the steps whose inputs match and reruns the others; Ctrl-C loses no finished step.",
    )
    add_options(p, ReportOptions)
    p.set_defaults(handler=_report)
