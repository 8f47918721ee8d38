"""``nnrecog serve``."""

from __future__ import annotations

import argparse

from nnrecog.cli.options import add_options, option_values
from nnrecog.web.options import ServeOptions

_HELP = "a local web page: draw a character or drop a photo and watch the network read it"
_DESCRIPTION = (
    "Serve a web page (and a JSON API under it: POST /api/read, POST /api/classify, GET /api/info) on "
    "which to draw a character and see the network's 32x32 input, its top classes and, for an MLP, "
    "its hidden activations; or drop a photo and get its text, its boxes and downloads (JSON, hOCR, "
    "ALTO, TSV, PDF). Listens on 127.0.0.1 unless told otherwise. Needs the web extra: "
    "pip install 'nnrecog[web]'."
)


def _serve(args: argparse.Namespace) -> int:
    from nnrecog.web.server import serve

    return serve(ServeOptions(**option_values(args, ServeOptions)))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve``."""
    parser = subparsers.add_parser("serve", help=_HELP, description=_DESCRIPTION)
    add_options(parser, ServeOptions)
    parser.set_defaults(handler=_serve)
