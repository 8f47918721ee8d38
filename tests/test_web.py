"""``nnrecog serve`` through its API: a real server on a free loopback port, bad uploads refused
with a 4xx and one line while it goes on serving, a photo read, glyphs classified; and what holds
without the web extra (one line and status 2; reading never imports the web stack).

The tests that talk to a server skip without the ``web`` extra.
"""

from __future__ import annotations

import ast
import asyncio
import http.client
import importlib.util
import io
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nnrecog import nn
from nnrecog.cli import main
from nnrecog.ocr.config import ENGINES
from nnrecog.ocr.document.formats import FORMATS
from nnrecog.ocr.recognition.linereader import default_line_model_path
from nnrecog.web.client import Reply, local_server, multipart, request
from nnrecog.web.config import ServeConfig
from nnrecog.web.glyphs import NOT_A_CHARACTER, model_choices
from nnrecog.web.pool import PhotoPool, ReadJob

#: The modules of the web extra: only nnrecog.web may import them.
WEB_STACK = ("starlette", "uvicorn", "python_multipart")
HAS_WEB = all(importlib.util.find_spec(name) for name in WEB_STACK)
needs_web = pytest.mark.skipif(not HAS_WEB, reason="needs the web extra: pip install -e '.[web]'")
#: The upload cap of the test server, in MiB: above 04_deep.jpg (1.4 MB), small enough to exceed cheaply.
CAP_MB = 3


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def drawn_l() -> bytes:
    """A PNG of a capital L drawn with a thick pen, as the page's pad sends it."""
    image = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(image).line([(90, 40), (90, 230), (200, 230)], fill=0, width=18)
    return _png(image)


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_mlp: Path):
    with local_server("--workers", "1", "--max-upload-mb", str(CAP_MB), "--model", str(tiny_mlp),
                      log=tmp_path_factory.mktemp("serve") / "server.log") as running:
        yield running


def _post(server, path: str, body: bytes, content_type: str = "application/octet-stream") -> Reply:
    return request("POST", server.url + path, body, content_type)


def _connect(server) -> socket.socket:
    address = urlsplit(server.url)
    return socket.create_connection((address.hostname, address.port), timeout=120)


def _still_serving(server) -> None:
    assert server.alive
    assert request("GET", server.url + "api/info").status == 200


def _refused(reply: Reply, status: int | None = None) -> str:
    assert 400 <= reply.status < 500, (reply.status, reply.body[:300])
    if status is not None:
        assert reply.status == status, reply.body
    error = reply.json()["error"]
    assert isinstance(error, str) and error and "\n" not in error and "Traceback" not in error
    return error


# --- bad uploads ----------------------------------------------------------------------------------


def _truncated_jpeg() -> bytes:
    noise = np.random.default_rng(1).integers(0, 255, (300, 400), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, "JPEG", quality=90)
    return out.getvalue()[: len(out.getvalue()) // 2]


def _bomb() -> bytes:
    """A PNG of 15000 x 15000 pixels (above PIL's limit of 179 M) that packs into 30 kB."""
    return _png(Image.new("1", (15000, 15000)))


def _form_without_file() -> tuple[bytes, str]:
    boundary = "x" * 20
    body = f'--{boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\ntext\r\n--{boundary}--\r\n'
    return body.encode(), f"multipart/form-data; boundary={boundary}"


BAD_PHOTOS = {
    "not an image": (b"this is a text file, not a photo\n" * 50, "not an image"),
    "truncated JPEG": (_truncated_jpeg(), "truncated"),
    "decompression bomb": (_bomb(), "too large"),
    "over the size cap": (bytes((CAP_MB + 1) * 2**20), "over the"),
    "empty": (b"", "empty"),
}


@needs_web
@pytest.mark.parametrize("case", list(BAD_PHOTOS))
@pytest.mark.parametrize("as_form", [False, True], ids=["raw body", "form file"])
def test_a_bad_photo_gets_a_4xx_with_one_line_and_the_server_goes_on(server, case, as_form):
    data, expected = BAD_PHOTOS[case]
    if as_form:
        body, content_type = multipart(data, "bad.jpg")
        reply = _post(server, "api/read", body, content_type)
    else:
        reply = _post(server, "api/read", data)
    error = _refused(reply, 413 if case == "over the size cap" else None)
    assert expected in error
    _still_serving(server)


@needs_web
def test_a_body_over_the_cap_without_a_declared_length_is_cut_off(server):
    with _connect(server) as sock:
        sock.sendall(b"POST /api/read HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                     b"Connection: close\r\n\r\n")
        chunk = bytes(2**20)
        try:
            for _ in range(CAP_MB + 1):
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused part-way: the answer is already there
        response = http.client.HTTPResponse(sock)
        response.begin()
        reply = Reply(response.status, response.read())
    assert "over the" in _refused(reply, 413)
    _still_serving(server)


@needs_web
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("format=docx", "format: expected one of text, json"),
        ("engine=words", "engine: expected one of"),
        ("model=nope", "model: expected one of default, mlp"),
        ("lexicon=perhaps", "lexicon: expected true or false"),
    ],
)
def test_bad_parameters_are_refused_before_reading(server, query, expected):
    assert expected in _refused(_post(server, f"api/read?{query}", drawn_l()), 400)
    _still_serving(server)


@needs_web
def test_every_engine_is_on_offer_with_the_shipped_line_model(server):
    assert default_line_model_path() is not None
    assert request("GET", server.url + "api/info").json()["engines"] == list(ENGINES)
    for engine in ENGINES:
        reply = _post(server, f"api/read?engine={engine}", drawn_l())
        assert reply.status == 200 and isinstance(reply.json()["lines"], list), (engine, reply.body[:300])


@needs_web
def test_a_form_without_a_file_and_a_malformed_form_are_refused(server):
    assert "no file" in _refused(_post(server, "api/read", *_form_without_file()), 400)
    assert "malformed" in _refused(_post(server, "api/read", b"--x\r\nnonsense", "multipart/form-data; boundary=y"), 400)
    _still_serving(server)


@needs_web
@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"not a png", "image/png", "not an image"),
        (_bomb(), "image/png", "too large"),
        (b"{not json", "application/json", "not valid JSON"),
        (json.dumps({"pixels": [[0.5] * 32] * 31}).encode(), "application/json", "got shape (31, 32)"),
        (json.dumps({"pixels": [[2.0] * 32] * 32}).encode(), "application/json", "in [0, 1]"),
        (json.dumps([1, 2]).encode(), "application/json", "expected a JSON object"),
        (b"", "image/png", "empty"),
    ],
    ids=["not an image", "bomb", "bad JSON", "wrong shape", "out of range", "not an object", "empty"],
)
def test_a_bad_glyph_gets_a_4xx_with_one_line(server, body, content_type, expected):
    assert expected in _refused(_post(server, "api/classify", body, content_type))
    _still_serving(server)


@needs_web
def test_unknown_paths_and_methods_and_foreign_hosts_are_refused(server):
    assert _refused(request("GET", server.url + "nope"), 404) == "Not Found"
    assert _refused(request("GET", server.url + "api/read"), 405)
    # a page elsewhere that renames its own host to 127.0.0.1 still sends its own Host header
    with _connect(server) as sock:
        sock.sendall(b"GET /api/info HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
        assert sock.makefile("rb").readline().split()[1] == b"400"


# --- the page -------------------------------------------------------------------------------------


@needs_web
def test_the_page_loads_nothing_from_elsewhere(server):
    page = request("GET", server.url)
    assert page.status == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    html = page.body.decode()
    for name in ("common.js", "pad.js", "app.js", "style.css"):
        assert f'"/static/{name}"' in html
        text = request("GET", f"{server.url}static/{name}").body.decode()
        assert "@import" not in text and "url(" not in text
        # the one address in them is the SVG namespace, a name that is never fetched
        assert text.replace("http://www.w3.org/2000/svg", "").count("http") == 0
    assert "http" not in html


def _hidden_units(model: Path) -> list[int]:
    return [layer.params["W"].shape[1] for layer in nn.load(model).layers[:-1]]


@needs_web
def test_info_lists_the_models_engines_and_formats(server, tiny_mlp: Path):
    info = request("GET", server.url + "api/info").json()
    models = {m["name"]: m for m in info["models"]}
    assert models["default"]["kind"] == "cnn" and info["default_model"] == "default"
    assert models["mlp"]["kind"] == "mlp" and models["mlp"]["hidden"] == _hidden_units(tiny_mlp)
    # every classifier is vetted by the shipped character detector, when the package has one
    from nnrecog.ocr.recognition.recognize import default_detector_path

    assert models["mlp"]["not_a_character"] is (default_detector_path() is not None)
    assert [f["name"] for f in info["formats"]] == list(FORMATS)
    assert info["max_upload_bytes"] == CAP_MB * 2**20 and "chars" in info["engines"]


# --- reading and classifying ------------------------------------------------------------------


@needs_web
def test_a_photo_is_read_from_a_form_and_from_a_raw_body(server, shared_data: Path):
    photo = (shared_data / "ocr_samples" / "04_deep.jpg").read_bytes()
    reply = _post(server, "api/read", *multipart(photo, "04_deep.jpg", {"lexicon": "true"}))
    assert reply.status == 200 and reply.headers["content-type"] == "application/json"
    document = reply.json()
    assert document["file"] == "04_deep.jpg" and len(document["size"]) == 2
    text = "\n".join(line["text"] for line in document["lines"])
    assert "DEEP LEARNING" in text
    chars = [c for line in document["lines"] for w in line["words"] for c in w["chars"]]
    assert chars and all(len(c["box"]) == 4 and 0 <= c["confidence"] <= 1 for c in chars)
    assert "rejected" in document
    raw = _post(server, "api/read?format=text&name=note.jpg", photo, "image/jpeg")
    assert raw.status == 200 and "DEEP LEARNING" in raw.body.decode()


@needs_web
@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "json"])
def test_every_download_format_is_rendered(server, shared_data: Path, fmt):
    photo = (shared_data / "ocr_samples" / "04_deep.jpg").read_bytes()
    reply = _post(server, "api/read", *multipart(photo, "04_deep.jpg", {"format": fmt}))
    assert reply.status == 200, reply.body[:300]
    signature = {"text": b"DEEP LEARNING", "hocr": b"ocrx_word", "alto": b"<alto", "tsv": b"level\tpage_num",
                 "pdf": b"%PDF-"}[fmt]
    assert signature in reply.body[:4000] if fmt != "text" else signature in reply.body
    if fmt == "pdf":
        from pypdf import PdfReader

        assert "DEEP" in PdfReader(io.BytesIO(reply.body)).pages[0].extract_text()


@needs_web
def test_a_drawn_glyph_is_classified(server):
    reading = _post(server, "api/classify", drawn_l(), "image/png").json()
    assert reading["model"] == "default" and not reading["blank"]
    assert len(reading["top"]) == 5 and reading["top"][0]["label"] == "L"
    assert all(a["p"] >= b["p"] for a, b in zip(reading["top"], reading["top"][1:]))
    image = np.array(reading["input"])
    assert image.shape == (32, 32) and image.min() < 0.1 and image.max() == 1.0
    assert reading["hidden"] == []  # a CNN
    blank = _post(server, "api/classify", _png(Image.new("RGBA", (280, 280))), "image/png").json()
    assert blank["blank"]


@pytest.fixture(scope="module")
def doubting_server(tmp_path_factory, tiny_mlp: Path, doubting_detector: Path):
    """A server whose detector takes every glyph for no character."""
    with local_server("--workers", "1", "--model", str(tiny_mlp), "--detector", str(doubting_detector),
                      log=tmp_path_factory.mktemp("serve") / "doubting.log") as running:
        yield running


@needs_web
def test_an_mlp_shows_its_hidden_activations_and_its_no_character_output(doubting_server, tiny_mlp: Path):
    server = doubting_server
    pixels = np.ones((32, 32))
    pixels[4:28, 14:18] = 0.0  # an I
    reply = _post(server, "api/classify?model=mlp", json.dumps({"pixels": pixels.tolist()}).encode(),
                  "application/json")
    reading = reply.json()
    assert reading["model"] == "mlp" and reading["input"] == pixels.tolist()
    assert [len(layer) for layer in reading["hidden"]] == _hidden_units(tiny_mlp)
    assert all(0 <= unit <= 1 for unit in reading["hidden"][0])  # sigmoid units
    assert reading["top"][0]["label"] == NOT_A_CHARACTER
    assert all(len(t["label"]) == 1 for t in reading["top"][1:])
    form = _post(server, "api/classify", *multipart(drawn_l(), "glyph.png", {"model": "mlp"}, file_field="glyph"))
    assert form.json()["model"] == "mlp"


# --- the worker pool ------------------------------------------------------------------------------


def test_a_worker_that_dies_costs_one_503_and_the_next_photo_is_read():
    pool = PhotoPool(model_choices([]), ServeConfig(workers=1), lines=False)
    pool.start()
    try:
        job = ReadJob(_png(Image.new("L", (300, 200), 255)), "blank.png", "default", "chars", False, "json")
        assert asyncio.run(pool.read(job)).status == 200
        for pid in list(pool._pool._processes):  # noqa: SLF001  (the one way to reach the worker)
            os.kill(pid, signal.SIGKILL)
        died = asyncio.run(pool.read(job))
        assert died.status == 503 and "stopped" in died.error
        again = asyncio.run(pool.read(job))
        assert again.status == 200 and json.loads(again.body)["lines"] == []
    finally:
        pool.close()


# --- without the extra --------------------------------------------------------------------------


def test_serve_without_the_web_extra_says_so_in_one_line(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now raises ImportError
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnrecog: error: nnrecog serve needs nnrecog[web]") and err.count("\n") == 1


def test_reading_does_not_import_the_web_stack():
    code = ("import json, sys; from nnrecog.cli import build_parser; build_parser(); import nnrecog.ocr; "
            "print(json.dumps(sorted(name for name, module in sys.modules.items() if module is not None)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    loaded = set(json.loads(done.stdout))
    assert not {m for m in loaded if m.split(".")[0] in WEB_STACK or m in ("nnrecog.web.app", "nnrecog.web.server")}


def test_only_the_web_package_imports_the_framework():
    root = Path(__file__).resolve().parents[1] / "src" / "nnrecog"
    for path in root.rglob("*.py"):
        if path.is_relative_to(root / "web"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.split(".")[0] in WEB_STACK], f"{path} imports {names}"
