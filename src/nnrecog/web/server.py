"""``nnrecog serve``: load the classifiers, start the photo workers, listen, serve until Ctrl-C."""

from __future__ import annotations

import socket
import sys

from nnrecog.errors import InputError
from nnrecog.web.options import ServeOptions

#: What ``nnrecog serve`` says, and how it exits, without the ``web`` extra.
NEEDS_WEB = "nnrecog serve needs nnrecog[web]: pip install 'nnrecog[web]'"


def _listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A socket listening on ``host:port`` (IPv4 or IPv6): a port in use is one clear error line
    before anything starts, port 0 gives a free port the server can name, and a client that
    reads the printed address can connect at once (it waits in the backlog until uvicorn runs)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def serve(options: ServeOptions) -> int:
    """Serve the page and the API with ``options`` until interrupted; return the exit status.

    Raises
    ------
    InputError : the ``web`` extra is missing, a model file is unusable, the address cannot be
        listened on.
    """
    try:
        import uvicorn

        from nnrecog.web.app import Api, create_app
        from nnrecog.web.guard import JsonErrorProtocol
    except ImportError as exc:
        raise InputError(f"{NEEDS_WEB} ({exc})") from None
    from nnrecog.ocr.config import ENGINES, LINE_ENGINES
    from nnrecog.ocr.recognition.lexicon import default_lexicon
    from nnrecog.ocr.recognition.linereader import default_line_model_path
    from nnrecog.web.glyphs import load_models, model_choices
    from nnrecog.web.pool import PhotoPool

    config = options.config()
    choices = model_choices(config.models)
    classifiers = load_models(choices, config.detector)  # here first: a bad file is one error line, not a dead worker
    lexicon = default_lexicon()  # built and cached once here, not by every worker at the same time
    lines = default_line_model_path() is not None
    if lines and config.reader.decode.spelling_weight > 0:
        lexicon.spelling()  # likewise (its build takes 1 GB for some seconds)
    engines = tuple(engine for engine in ENGINES if lines or engine not in LINE_ENGINES)
    with _listening_socket(config.host, config.port, config.backlog) as sock:
        pool = PhotoPool(choices, config, lines)
        try:
            pool.start()
            app = create_app(Api(config, classifiers, pool, engines))
            if not config.loopback:
                print(f"nnrecog: note: listening on {config.host}: every machine that can reach this one "
                      "can use the page", file=sys.stderr)
            print(f"nnrecog serve: {_url(sock)} (Ctrl-C stops)", flush=True)
            # the Guard answers busy in JSON at max_connections; uvicorn's own plain 503 is a backstop
            settings = uvicorn.Config(app, log_level="info", limit_concurrency=4 * config.max_connections,
                                      backlog=config.backlog, http=JsonErrorProtocol)
            uvicorn.Server(settings).run(sockets=[sock])
        finally:
            pool.close()
    return 0
