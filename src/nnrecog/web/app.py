"""The Starlette application of ``nnrecog serve``: the page, its files, and the JSON API.

- ``GET /``: the page; ``GET /static/...``: its script and style (package data, nothing from
  elsewhere: the page's Content-Security-Policy allows this server alone);
- ``GET /api/info``: the classifiers, engines, formats and upload limit on offer;
- ``POST /api/classify``: a drawn glyph (an image file, raw or as a form's file; or JSON
  ``{"pixels": 32 rows of 32}``) -> its 32x32 input, top classes and, for an MLP, hidden activations;
- ``POST /api/read``: a photo (raw body or a form's file) -> its reading in ``format``.

Parameters (``model``, ``format``, ``engine``, ``lexicon``) come as query parameters or form
fields. Every refusal is a 4xx (5xx for faults of ours or a busy server) with the body
``{"error": "one line"}``, and every response has the security headers of
:mod:`nnrecog.web.guard`, which also refuses other hosts, other origins' POSTs and long URLs.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePath

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from nnrecog.errors import InputError
from nnrecog.ocr.config import LINE_ENGINES
from nnrecog.ocr.document.formats import FORMATS, SUFFIXES
from nnrecog.ocr.recognition.recognize import Classifier
from nnrecog.options import OneOf
from nnrecog.web.config import ServeConfig
from nnrecog.web.glyphs import SHIPPED, GlyphClassifier, checked_input, describe, drawn_input
from nnrecog.web.guard import Guard, ReceiveBudget
from nnrecog.web.pool import PhotoPool, ReadJob
from nnrecog.web.uploads import ClientGone, Upload, UploadError, parse_upload, read_body

#: The Content-Type of each format's document.
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "json": "application/json",
    "hocr": "text/html; charset=utf-8",
    "alto": "application/xml",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "pdf": "application/pdf",
}
_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
#: A name the reader's documents give a photo: no folders, no control characters, not too long.
_MAX_NAME = 100


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(message.split())}, status_code=status)


def _photo_name(upload: Upload, given: str | None) -> str:
    name = given or upload.filename or "upload"
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable())[:_MAX_NAME]
    return name or "upload"


@dataclass
class _Request:
    """A request's upload and its parameters (form fields over query parameters)."""

    upload: Upload
    params: dict[str, str]

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.params.get(key, default)
        try:
            return OneOf(choices).parse(value)
        except ValueError as exc:
            raise UploadError(400, f"{key}: {exc}") from None

    def flag(self, key: str, default: bool) -> bool:
        value = self.params.get(key)
        if value is None:
            return default
        if value.lower() not in _BOOLEANS:
            raise UploadError(400, f"{key}: expected true or false, got {value!r}")
        return _BOOLEANS[value.lower()]


class Api:
    """The endpoints, over the loaded classifiers and the photo workers.

    Parameters
    ----------
    config : the server's settings.
    classifiers : by name, :data:`~nnrecog.web.glyphs.SHIPPED` first.
    pool : the started photo workers.
    engines : the reader engines on offer (those of :data:`~nnrecog.ocr.config.LINE_ENGINES` only with a line model installed).
    """

    def __init__(self, config: ServeConfig, classifiers: dict[str, Classifier], pool: PhotoPool,
                 engines: tuple[str, ...]) -> None:
        self.config = config
        self.glyphs = {name: GlyphClassifier(c, config.top_k) for name, c in classifiers.items()}
        self.pool = pool
        self.engines = engines
        self.info = {
            "models": [describe(name, c) for name, c in classifiers.items()],
            "default_model": SHIPPED,
            "engines": list(engines),
            "default_engine": config.reader.engine,
            "formats": [{"name": fmt, "suffix": SUFFIXES[fmt]} for fmt in FORMATS],
            "max_upload_bytes": config.max_upload_bytes,
            "top_k": config.top_k,
        }
        self.budget = ReceiveBudget(config.max_receiving_bytes)
        self._page = (resources.files("nnrecog.web") / "static" / "index.html").read_text(encoding="utf-8")

    async def page(self, request: Request) -> Response:
        """``GET /``: the page, allowed to load nothing but this server's files."""
        return HTMLResponse(self._page)

    async def get_info(self, request: Request) -> Response:
        """``GET /api/info``: the classifiers (:func:`~nnrecog.web.glyphs.describe`), engines,
        formats with their file suffixes, and the upload limit."""
        return JSONResponse(self.info)

    async def _request(self, request: Request) -> _Request:
        body = await read_body(request, self.config.max_upload_bytes, self.budget, self.config.body_deadline_s)
        upload = parse_upload(body, request.headers.get("content-type"), self.config.max_form_parts)
        return _Request(upload, {**request.query_params, **upload.fields})

    async def classify(self, request: Request) -> Response:
        """``POST /api/classify``: ``{"model", **GlyphReading.export()}`` of a drawn glyph (an
        image, normalised here) or of a given 32x32 input (JSON ``{"pixels"}``, used as it is)."""
        given = await self._request(request)
        model = given.choice("model", tuple(self.glyphs), SHIPPED)
        if given.upload.filename is None and request.headers.get("content-type", "").startswith("application/json"):
            try:
                sent = json.loads(given.upload.data)
            except (ValueError, RecursionError):
                raise UploadError(400, "the body is not valid JSON (expected {\"pixels\": 32 rows of 32})") from None
            if not isinstance(sent, dict) or "pixels" not in sent:
                raise UploadError(400, "expected a JSON object {\"pixels\": 32 rows of 32 numbers in [0, 1]}")
            image = await run_in_threadpool(checked_input, sent["pixels"])
        elif not given.upload.data:
            raise UploadError(400, "empty upload: send the drawn glyph as an image (PNG) or as JSON pixels")
        else:
            image = await run_in_threadpool(drawn_input, given.upload.data, self.config.glyph_max_pixels,
                                            _photo_name(given.upload, None))
        reading = await run_in_threadpool(self.glyphs[model].read, image)
        return JSONResponse({"model": model, **reading.export()})

    async def read(self, request: Request) -> Response:
        """``POST /api/read``: the photo's reading as one document in ``format`` (default json),
        read by a worker process."""
        given = await self._request(request)
        fmt = given.choice("format", FORMATS, "json")
        if given.params.get("engine") in LINE_ENGINES and given.params["engine"] not in self.engines:
            raise UploadError(400, f"engine: the {given.params['engine']} engine needs a line model, and none is installed")
        engine = given.choice("engine", self.engines, self.config.reader.engine)
        model = given.choice("model", tuple(self.glyphs), SHIPPED)
        lexicon = given.flag("lexicon", True)
        if not given.upload.data:
            raise UploadError(400, "empty upload: send a photo (JPEG, PNG, ...)")
        name = _photo_name(given.upload, given.params.get("name"))
        result = await self.pool.read(ReadJob(given.upload.data, name, model, engine, lexicon, fmt))
        if result.error is not None:
            return _error(result.status, result.error)
        return Response(result.body, media_type=MEDIA_TYPES[fmt])


async def _upload_refused(request: Request, exc: UploadError) -> Response:
    return _error(exc.status, str(exc))


async def _client_gone(request: Request, exc: ClientGone) -> Response:
    # nobody is left to answer: one line in the log, not a traceback
    logging.getLogger("nnrecog.serve").warning("%s", exc)
    return Response(status_code=400)


async def _input_refused(request: Request, exc: InputError) -> Response:
    return _error(422, str(exc))


async def _http_refused(request: Request, exc: HTTPException) -> Response:
    return _error(exc.status_code, str(exc.detail))


async def _fault(request: Request, exc: Exception) -> Response:
    # the server's log gets the traceback (Starlette raises the exception on to uvicorn)
    return _error(500, f"internal error ({type(exc).__name__}); the server goes on")


def create_app(api: Api) -> Starlette:
    """The application serving ``api``, which stops ``api.pool`` when it shuts down. On a loopback
    address it answers only requests sent to a loopback name (a web page elsewhere cannot reach
    it by renaming its own host)."""
    hosts = None
    if api.config.loopback:
        host = api.config.host
        hosts = ("localhost", "127.0.0.1", "[::1]", f"[{host}]" if ":" in host else host)  # Host writes IPv6 in []
    middleware = [Middleware(Guard, config=api.config, hosts=hosts)]
    routes = [
        Route("/", api.page),
        Route("/api/info", api.get_info),
        Route("/api/classify", api.classify, methods=["POST"]),
        Route("/api/read", api.read, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("nnrecog.web", "static")]), name="static"),
    ]
    handlers = {UploadError: _upload_refused, ClientGone: _client_gone, InputError: _input_refused,
                HTTPException: _http_refused, Exception: _fault}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        # here, not after uvicorn returns: it raises the SIGTERM or SIGINT that stopped it again
        # once it has stopped, and the process ends there
        await run_in_threadpool(api.pool.close)

    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan)

