"""Fuzz the readers of files nnrecog did not write itself: for a time budget per reader, feed it
seeded random mutations of valid files and count what happens.

Readers: ``model`` (:func:`nnrecog.nn.load`), ``built`` (a built data set's ``nist36_open.npz``,
:func:`nnrecog.data.readers.read_built`), ``mat`` (a course ``.mat`` file,
:func:`nnrecog.data.readers.read_course_mat`), ``image`` (a photo,
:func:`nnrecog.ocr.finding.photo.load_photo`) and ``counts`` (a word-counts file of
``--word-counts``, :func:`nnrecog.ocr.recognition.wordcounts.read_word_counts`). Each input ends as *accepted* (read), *refused* (the
documented :class:`nnrecog.errors.InputError`, which ``ModelFileError`` and ``BadFileError``
are) or a *crash*: any other exception, a ``MemoryError`` under the address-space limit set
here (so an absurd allocation fails instead of swapping), or a hang past ``--hang-seconds``.
The goal is 0 crashes.

Mutations: bit flips, interesting bytes and int32s written anywhere, chunks deleted, inserted
or repeated, truncation, splices of two seeds; for the ``.npz`` readers also structure-aware
ones (a member's ``.npy`` header or bytes changed and the zip rebuilt with valid CRCs, the
model's architecture JSON edited). Inputs that were read become seeds too.

    python benchmarks/fuzz_readers.py --seconds 60
    python benchmarks/fuzz_readers.py --reader model --seconds 600 --crashes runs/fuzz
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import random
import resource
import signal
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from nnrecog import nn  # noqa: E402
from nnrecog.data.readers import read_built, read_course_mat  # noqa: E402
from nnrecog.errors import InputError  # noqa: E402
from nnrecog.ocr.finding.photo import load_photo  # noqa: E402
from nnrecog.ocr.recognition.wordcounts import read_word_counts  # noqa: E402

import fuzz_seeds  # noqa: E402  (the module beside this one)

_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x20, 0x30, 0x39)
_INT32S = (0, 1, -1, 2**31 - 1, -(2**31), 2**16, 10**9, 255, 256)
_JSON_VALUES = (0, -1, 1, 10**6, 10**18, 2.5, float("inf"), "x", "relu", "Dense", "Conv2D", None, True, [], {},
                [3, 3], "1" * 40)
_HEADER_EDITS = ((b"'shape': (", b"'shape': (10000000000, "), (b"'shape': (", b"'shape': (-1, "),
                 (b"<f4", b"|O"), (b"<f4", b"<U99999999"), (b"<f4", b"V8"), (b"<f4", b"<f4', (2,)"),
                 (b"False", b"True"), (b"|u1", b"<f8"), (b"<i8", b"<m8"))


class _Hang(Exception):
    pass


def _on_alarm(signum: int, frame: object) -> None:
    raise _Hang


# --- mutations ---------------------------------------------------------------------------------


def _mutate_bytes(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    out = bytearray(data or b"\0")
    kind = rng.randrange(8)
    at = rng.randrange(len(out))
    if kind == 0:
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
    elif kind == 1:
        out[at] = rng.choice(_BYTES)
    elif kind == 2:
        out[at : at + 4] = rng.choice(_INT32S).to_bytes(4, "little", signed=True)
    elif kind == 3:
        del out[at : at + rng.randint(1, 64)]
    elif kind == 4:
        out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif kind == 5:
        out[at:at] = out[at : at + rng.randint(1, 256)] * rng.randint(1, 8)
    elif kind == 6:
        del out[at:]
    else:
        other = rng.choice(others)
        out = out[:at] + other[rng.randrange(len(other) or 1) :]
    return bytes(out)


def _edit_json(value: object, rng: random.Random) -> object:
    """A copy of the JSON ``value`` with one random element replaced, removed or repeated."""
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(sorted(value))
        copy = dict(value)
        roll = rng.random()
        if roll < 0.2:
            del copy[key]
        elif roll < 0.6:
            copy[key] = _edit_json(value[key], rng)
        else:
            copy[key] = rng.choice(_JSON_VALUES)
        return copy
    if isinstance(value, list) and value and rng.random() < 0.7:
        i = rng.randrange(len(value))
        copy = list(value)
        roll = rng.random()
        if roll < 0.2:
            copy.insert(i, copy[i])
        elif roll < 0.3:
            del copy[i]
        else:
            copy[i] = _edit_json(value[i], rng)
        return copy
    return rng.choice(_JSON_VALUES)


def _mutate_archive(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    """Change one member of a zip archive and rebuild it (valid CRCs, random compression)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: archive.read(info) for info in archive.infolist()}
    except Exception:  # an archive already broken by an earlier mutation: plain bytes then
        return _mutate_bytes(data, rng, others)
    if not members:
        return _mutate_bytes(data, rng, others)
    name = rng.choice(sorted(members))
    roll = rng.random()
    if name == "__arch__.npy" and roll < 0.5:
        try:
            arch = json.loads(str(np.load(io.BytesIO(members[name]))))
            members[name] = _npy(np.array(json.dumps(_edit_json(arch, rng))))
        except Exception:
            members[name] = _mutate_bytes(members[name], rng, others)
    elif roll < 0.35:
        old, new = rng.choice(_HEADER_EDITS)
        members[name] = members[name].replace(old, new, 1)
    elif roll < 0.5:
        members[rng.choice(("extra.npy", "layers.0.W.npy", "train_x.npy"))] = members[name]
    elif roll < 0.6:
        del members[name]
    else:
        header = rng.random() < 0.7  # most damage goes to the header: the data is checked less
        blob = members[name]
        cut = min(len(blob), 128) if header else len(blob)
        members[name] = _mutate_bytes(blob[:cut], rng, others) + blob[cut:]
    buffer = io.BytesIO()
    compression = rng.choice((zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED))
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for member, blob in members.items():
            archive.writestr(member, blob)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


# --- the readers -------------------------------------------------------------------------------


def _read_model(path: Path) -> object:
    return nn.load(path)


def _read_built(path: Path) -> object:
    return read_built(path.parent)


def _read_mat(path: Path) -> object:
    return read_course_mat(path, "train")


READERS: dict[str, tuple[str, Callable[[], list[bytes]], Callable[[Path], object], bool]] = {
    # name: (file name, seed files, reader, structure-aware zip mutations)
    "model": ("model.npz", fuzz_seeds.model_seeds, _read_model, True),
    "built": ("nist36_open.npz", fuzz_seeds.built_seeds, _read_built, True),
    "mat": ("nist36_train.mat", fuzz_seeds.mat_seeds, _read_mat, False),
    "image": ("photo.img", fuzz_seeds.image_seeds, load_photo, False),
    "counts": ("counts.txt.gz", fuzz_seeds.counts_seeds, read_word_counts, False),
}


_COUNTS = ("tried", "accepted", "refused", "crashes")


def _fuzz_in_child(name: str, seconds: float, seed: int, hang_seconds: int, path: Path, counts, report) -> None:
    """The fuzzing loop, in a child process: a reader that kills its process (a segfault in a C
    extension) kills only this one. ``counts`` (shared) is updated after every input, each new
    kind of crash is sent through ``report``, and every input is in ``path`` while it is read."""
    _, make_seeds, read, structured = READERS[name]
    rng = random.Random(seed)
    seeds = make_seeds()
    pool = list(seeds)
    seen: set[str] = set()
    end = time.monotonic() + seconds
    with warnings.catch_warnings(), _quiet_stderr():
        warnings.simplefilter("ignore")  # decoders warn about every damaged file
        while time.monotonic() < end:
            data = rng.choice(pool)
            for _ in range(rng.choice((1, 1, 2, 3))):
                mutate = _mutate_archive if structured and rng.random() < 0.6 else _mutate_bytes
                data = mutate(data, rng, seeds)
            path.write_bytes(data)
            counts[0] += 1
            signal.alarm(hang_seconds)
            try:
                read(path)
                counts[1] += 1
                if len(pool) < 500:
                    pool.append(data)
                continue
            except InputError:
                counts[2] += 1
                continue
            except _Hang:
                key, message = "hang", f"no answer within {hang_seconds} s"
            except Exception as exc:  # anything else is a crash, MemoryError included
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                key, message = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}", str(exc)[:200]
            finally:
                signal.alarm(0)
            counts[3] += 1
            if key not in seen:
                seen.add(key)
                report.send((key, message, data))


def fuzz(name: str, seconds: float, seed: int, hang_seconds: int, crashes_dir: Path | None) -> dict:
    """Fuzz one reader for ``seconds``; return the counts and the distinct crashes.

    A child process that dies (a signal) counts as one crash, keeps its input, and is replaced
    by a fresh one with the next seed for the time left.
    """
    context = multiprocessing.get_context("fork")
    counts = context.Array("q", len(_COUNTS), lock=False)
    crashes: dict[str, str] = {}
    end = time.monotonic() + seconds
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / READERS[name][0]
        while (left := end - time.monotonic()) > 0.5:
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_fuzz_in_child, args=(name, left, seed, hang_seconds, path, counts, send))
            child.start()
            send.close()
            while child.is_alive() or receive.poll():
                if receive.poll(0.2):
                    try:
                        key, message, data = receive.recv()
                    except EOFError:
                        break
                    crashes.setdefault(key, message)
                    _keep(crashes_dir, name, key, data)
            child.join()
            if child.exitcode and child.exitcode < 0:
                key = f"killed by {signal.Signals(-child.exitcode).name}"
                counts[3] += 1
                crashes.setdefault(key, "the reader took the whole process down")
                _keep(crashes_dir, name, key, path.read_bytes())
            seed += 1
    result = dict(zip(_COUNTS, counts))
    return {"reader": name, **result, "per_second": result["tried"] / seconds, "distinct": crashes}


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence what C decoders (libtiff, ...) print to stderr about damaged files."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _keep(crashes_dir: Path | None, reader: str, key: str, data: bytes) -> None:
    if crashes_dir is None:
        return
    folder = crashes_dir / reader
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() else "_" for c in key)
    target = folder / f"{safe}.bin"
    if not target.exists():
        target.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="budget per reader (default 60)")
    parser.add_argument("--reader", choices=(*READERS, "all"), default="all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hang-seconds", type=int, default=20, help="one input's time limit (default 20)")
    parser.add_argument("--memory-gib", type=float, default=8,
                        help="address-space limit, so an absurd allocation fails fast (default 8)")
    parser.add_argument("--crashes", type=Path, default=None, metavar="DIR", help="keep each crash's input here")
    args = parser.parse_args(argv)

    limit = int(args.memory_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, _on_alarm)
    names = list(READERS) if args.reader == "all" else [args.reader]
    print(f"{'reader':<7} {'tried':>8} {'accepted':>9} {'refused':>8} {'crashes':>8} {'inputs/s':>9}")
    total_crashes = 0
    for name in names:
        result = fuzz(name, args.seconds, args.seed, args.hang_seconds, args.crashes)
        total_crashes += result["crashes"]
        print(f"{name:<7} {result['tried']:>8} {result['accepted']:>9} {result['refused']:>8} "
              f"{result['crashes']:>8} {result['per_second']:>9.0f}", flush=True)
        for key, message in result["distinct"].items():
            print(f"    crash: {key}: {message}")
    return 1 if total_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
