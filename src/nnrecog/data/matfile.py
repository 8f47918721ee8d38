"""Read the numeric matrices of a MATLAB version-5 ``.mat`` file without trusting it.

``scipy.io.loadmat`` is not safe on crafted files: ``benchmarks/fuzz_readers.py`` found inputs
that crash the interpreter (a segfault in ``scipy.io.matlab._mio5_utils`` on an unknown data
type code) and others that ask it for any amount of memory. The course files are simple: a
128-byte header, then one matrix per variable, each maybe zlib-compressed, holding a real (or
complex) numeric array. This reader parses exactly that, checks every tag, dimension and byte
count against what the file holds, inflates compressed variables only up to a size cap, and
refuses everything else (cells, structs, sparse and text arrays, version 4 and 7.3 files).

It returns what ``scipy.io.loadmat(path)`` returns for such a file: each variable as a 2-D (or
n-D) array in MATLAB's column-major order, of the dtype it is stored in.
"""

from __future__ import annotations

import math
import os
import zlib
from pathlib import Path

import numpy as np

from nnrecog import fileio
from nnrecog.fileio import BadFileError

_HEADER_BYTES = 128
_MI_MATRIX, _MI_COMPRESSED = 14, 15
#: Storage type codes of numeric data (miINT8 .. miUINT64) and their element types.
_STORAGE = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8"}
#: Array classes that hold numbers: mxDOUBLE .. mxUINT64 (logical arrays are uint8 ones).
_NUMERIC_CLASSES = range(6, 16)
_COMPLEX_FLAG = 0x0800


class _Element:
    """A cursor over the data elements of one byte string, in the file's byte order."""

    def __init__(self, data: bytes, order: str, fail) -> None:
        self.data, self.order, self.fail, self.at = data, order, fail, 0

    def next(self) -> tuple[int, bytes]:
        """The next element's type code and payload (small and full tag formats both)."""
        if self.at + 8 > len(self.data):
            raise self.fail("a data element's tag runs past the end of the file")
        first, second = np.frombuffer(self.data, f"{self.order}u4", 2, self.at)
        if first >> 16:  # small element: type and size in one word, the data in the next
            kind, size, start, step = int(first & 0xFFFF), int(first >> 16), self.at + 4, 8
            if size > 4:
                raise self.fail(f"a small data element declares {size} bytes (at most 4 fit)")
        else:
            kind, size, start = int(first), int(second), self.at + 8
            step = 8 + size + (-size % 8 if kind != _MI_COMPRESSED else 0)
        if start + size > len(self.data):
            raise self.fail(f"a data element declares {size} bytes, more than the file holds")
        self.at += step
        return kind, self.data[start : start + size]

    @property
    def done(self) -> bool:
        return self.at >= len(self.data)


def _inflate(payload: bytes, max_bytes: int, fail) -> bytes:
    inflater = zlib.decompressobj()
    try:
        inner = inflater.decompress(payload, max_bytes + 1)
    except zlib.error as exc:
        raise fail(f"a compressed variable is damaged ({exc})") from None
    if len(inner) > max_bytes:
        raise fail(f"a compressed variable would unpack to more than the {max_bytes / 2**20:.0f} MiB allowed")
    return inner


def _numeric(element: _Element, dims: tuple[int, ...], fail) -> np.ndarray:
    kind, payload = element.next()
    if kind not in _STORAGE:
        raise fail(f"a variable's data has storage type {kind}, not a number type")
    dtype = np.dtype(f"{element.order}{_STORAGE[kind]}")
    if len(payload) != math.prod(dims) * dtype.itemsize:
        raise fail(f"a {dims} variable stores {len(payload)} bytes of {dtype}, not {math.prod(dims) * dtype.itemsize}")
    return np.frombuffer(payload, dtype).reshape(dims, order="F")


def _matrix(payload: bytes, order: str, fail) -> tuple[str, np.ndarray]:
    """The name and the array of one miMATRIX element."""
    element = _Element(payload, order, fail)
    kind, flags = element.next()
    if kind != 6 or len(flags) != 8:
        raise fail("a variable's array flags are malformed")
    word = int(np.frombuffer(flags, f"{order}u4", 1)[0])
    if word & 0xFF not in _NUMERIC_CLASSES:
        raise fail(f"a variable is of MATLAB class {word & 0xFF}, not a numeric array")
    kind, raw_dims = element.next()
    if kind != 5 or len(raw_dims) < 8 or len(raw_dims) % 4:
        raise fail("a variable's dimensions are malformed")
    dims = tuple(int(d) for d in np.frombuffer(raw_dims, f"{order}i4"))
    if min(dims) < 0:
        raise fail(f"a variable has negative dimensions {dims}")
    kind, raw_name = element.next()
    if kind != 1:
        raise fail("a variable's name is malformed")
    try:
        name = raw_name.decode("ascii")
    except UnicodeDecodeError:
        raise fail("a variable's name is not ASCII") from None
    values = _numeric(element, dims, fail)
    if word & _COMPLEX_FLAG:
        values = values + 1j * _numeric(element, dims, fail)
    if not element.done:
        raise fail(f"variable {name!r} holds more than its data")
    return name, values


def read_numeric_mat(path: str | os.PathLike, max_bytes: int | None = None) -> dict[str, np.ndarray]:
    """The variables of the version-5 ``.mat`` file ``path``, by name.

    Parameters
    ----------
    path : the file
    max_bytes : the most one compressed variable may unpack to (default
        :data:`nnrecog.fileio.MAX_ARCHIVE_BYTES`)

    Raises
    ------
    BadFileError
        The file is not a version-5 MATLAB file, holds anything but numeric arrays, or any tag,
        dimension or size in it disagrees with what it holds; the message names the file.
    """
    path = Path(path)
    max_bytes = fileio.MAX_ARCHIVE_BYTES if max_bytes is None else max_bytes

    def fail(reason: str) -> BadFileError:
        return BadFileError(f"{path}: not a readable MATLAB .mat file ({reason})")

    if path.stat().st_size > max_bytes:
        raise fail(f"larger than the {max_bytes / 2**20:.0f} MiB allowed")
    data = path.read_bytes()
    marks = data[_HEADER_BYTES - 4 : _HEADER_BYTES]
    if len(data) < _HEADER_BYTES or marks[2:] not in (b"IM", b"MI"):
        raise fail("not a version-5 MAT-file; version 4 and 7.3 files are not read")
    order = "<" if marks[2:] == b"IM" else ">"
    if int(np.frombuffer(marks[:2], f"{order}u2")[0]) != 0x0100:
        raise fail("not a version-5 MAT-file")
    variables: dict[str, np.ndarray] = {}
    element = _Element(data[_HEADER_BYTES:], order, fail)
    while not element.done:
        kind, payload = element.next()
        if kind == _MI_COMPRESSED:
            inner = _Element(_inflate(payload, max_bytes, fail), order, fail)
            kind, payload = inner.next()
        if kind != _MI_MATRIX:
            raise fail(f"a top-level element of type {kind}, not a variable")
        name, values = _matrix(payload, order, fail)
        variables[name] = values
    return variables
