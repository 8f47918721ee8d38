"""``nnrecog serve``."""

from __future__ import annotations

import argparse

from nnrecog.cli.options import add_options, option_values
from nnrecog.web.options import ServeOptions


def _serve(args: argparse.Namespace) -> int:
    from nnrecog.web.server import serve

    return serve(ServeOptions(**option_values(args, ServeOptions)))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve``."""
    p = subparsers.add_parser(
        "serve", help="a local web page: draw a character or drop a photo and watch the network read it",
        description="Serve a web page (and a JSON API under it, POST /api/read and /api/classify) on which "
        "to draw a character and see the network's input, top classes and, for an MLP, hidden "
        "activations; or drop a photo and get its text, boxes and downloads (JSON, hOCR, ALTO, TSV, "
        "PDF). Listens on 127.0.0.1 unless told otherwise. Needs the web extra: pip install 'nnrecog[web]'.",
    )
    add_options(p, ServeOptions)
    p.set_defaults(handler=_serve)
