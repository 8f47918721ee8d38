"""How nnrecog writes and reads its own files.

Writing is atomic: nothing half-written is ever left under the final name (:func:`atomic_path`,
:func:`atomic_open`, :func:`write_json`).

Reading a ``.npz`` archive goes through :func:`open_npz`, which trusts nothing in the file: it
opens the zip itself, reads every member's ``.npy`` header without allocating the array, and
refuses object and structured dtypes, a header whose declared size differs from what the zip
member holds, and archives that would unpack to more than a size cap (a header declaring 10^10
floats, a zip bomb) before any array is allocated; callers state the members, shapes and
dtypes they expect (:meth:`NpzArchive.expect`) before reading any (with ``allow_pickle=False``).

This is the one module of ours that ``nnrecog.nn`` imports; it imports only
:mod:`nnrecog.errors`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import tempfile
import tokenize
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy_format

from nnrecog.errors import InputError

#: The most an archive may unpack to (all its arrays together), in bytes.
MAX_ARCHIVE_BYTES = 1 << 30
#: The most members an archive may hold (opening each costs a header read).
MAX_MEMBERS = 10_000
#: dtype kinds an array may have: bool, integers, floats, complex, strings. Object ("O") and
#: void ("V": structured, opaque) arrays are refused.
_PLAIN_KINDS = "biufcUS"
_KIND_NAMES = {"b": "bool", "i": "int", "u": "unsigned int", "f": "float", "c": "complex", "U": "str", "S": "bytes"}
#: What a damaged zip member can raise while it is inflated or its header parsed (numpy
#: tokenizes and literal-evaluates the header's Python dict).
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError,
            SyntaxError, tokenize.TokenError, RecursionError)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create the folder ``path`` (and its parents) unless it exists; return it.

    Raises
    ------
    NotADirectoryError
        If ``path`` is an existing file (``mkdir`` alone would say a puzzling "File exists").
    OSError
        If it cannot be created; the error names ``path``.
    """
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder)) from None
    return folder


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it over ``path``.

    Writers that need a file name (``np.savez``, ``fig.savefig``) write to the yielded path.
    ``suffix`` defaults to the final name's suffix so format sniffing by extension still works.
    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    final = Path(path)
    ensure_dir(final.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{final.name}.", suffix=final.suffix if suffix is None else suffix, dir=final.parent
        )
    except OSError as exc:
        # Name the file the user asked for, not the hidden temporary one next to it.
        raise OSError(exc.errno, exc.strerror, str(final)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """``open()`` for writing that only replaces ``path`` once the block finished cleanly."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as pretty JSON, atomically."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, indent=2)
        handle.write("\n")


# --- reading .npz archives safely ----------------------------------------------------------------


class BadFileError(InputError, ValueError):
    """A file that is missing, not in the expected format, damaged, or declares more than may be
    read. The message names the file; the command line prints it as one ``nnrecog: error:`` line.
    """


@dataclass(frozen=True)
class ArrayHeader:
    """What a member's ``.npy`` header declares, read without loading the array."""

    shape: tuple[int, ...]
    dtype: np.dtype

    def __str__(self) -> str:
        return f"{self.dtype} {self.shape}"


@dataclass(frozen=True)
class ArraySpec:
    """What a caller expects of one member of an archive.

    Attributes
    ----------
    shape : the exact shape, where ``None`` entries take any size (shown as ``n``); ``None``
        for any shape at all
    dtype : the exact dtype (e.g. ``"uint8"``); None to accept any of ``kinds``
    kinds : accepted ``numpy.dtype.kind`` letters when ``dtype`` is None ("f" float, "i"/"u"
        integers, "U" str, ...)
    required : whether the member must be present
    """

    shape: tuple[int | None, ...] | None = None
    dtype: str | None = None
    kinds: str = _PLAIN_KINDS
    required: bool = True

    def accepts(self, header: ArrayHeader) -> bool:
        """Whether ``header`` declares an array of this shape and dtype."""
        if self.dtype is not None and header.dtype != np.dtype(self.dtype):
            return False
        if header.dtype.kind not in self.kinds:
            return False
        if self.shape is None:
            return True
        return len(header.shape) == len(self.shape) and all(
            want is None or want == got for want, got in zip(self.shape, header.shape)
        )

    def __str__(self) -> str:
        kind = self.dtype or " or ".join(_KIND_NAMES.get(k, k) for k in self.kinds)
        if self.shape is None:
            return kind
        dims = ", ".join("n" if d is None else str(d) for d in self.shape)
        return f"{kind} ({dims}{',' if len(self.shape) == 1 else ''})"


class NpzArchive:
    """An ``.npz`` archive whose every member header has been read and checked (see
    :func:`open_npz`); arrays are read one by one with :meth:`read`.

    Attributes
    ----------
    path : the file
    headers : member name (without ``.npy``) -> its declared shape and dtype, in archive order
    """

    def __init__(self, path: Path, what: str, error: type[BadFileError], max_bytes: int) -> None:
        self.path, self._what, self._error = path, what, error
        self._zip = zipfile.ZipFile(path)
        try:
            self._members: dict[str, zipfile.ZipInfo] = {}
            self.headers: dict[str, ArrayHeader] = {}
            self._check_members(max_bytes)
        except BaseException:
            self._zip.close()
            raise

    def _fail(self, message: str) -> BadFileError:
        return self._error(f"{self.path}: {message}")

    def _check_members(self, max_bytes: int) -> None:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self._fail(f"not {self._what} ({len(infos)} members, more than {MAX_MEMBERS})")
        total = 0
        for info in infos:
            name = info.filename[: -len(".npy")]
            if not info.filename.endswith(".npy") or name in self._members:
                raise self._fail(f"not {self._what} (member {info.filename!r} is not one .npy array)")
            total += info.file_size
            if total > max_bytes:
                raise self._fail(
                    f"{name} would unpack to more than the {max_bytes / 2**20:.0f} MiB allowed "
                    f"(refused before reading; a damaged or crafted file)"
                )
            self._members[name] = info
            self.headers[name] = self._read_header(name, info, max_bytes)

    def _read_header(self, name: str, info: zipfile.ZipInfo, max_bytes: int) -> ArrayHeader:
        """The member's header, checked against what the zip says the member holds."""
        try:
            with self._zip.open(info) as member:
                version = npy_format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = npy_format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, _, dtype = npy_format.read_array_header_2_0(member)
                else:  # 3.0 only adds UTF-8 field names, i.e. structured arrays
                    raise ValueError(f"unsupported .npy version {version}")
                offset = member.tell()
        except _DAMAGED as exc:
            raise self._fail(f"not {self._what} ({name} is not a readable .npy array: {exc})") from None
        if dtype.hasobject or dtype.kind not in _PLAIN_KINDS or dtype.fields is not None or dtype.subdtype:
            raise self._fail(f"{name} holds {dtype} values; only plain numbers and strings are read")
        count = math.prod(shape)
        stored = info.file_size - offset
        if count > max_bytes or count * dtype.itemsize != stored:
            raise self._fail(
                f"{name} declares {count} values of {dtype} but the archive stores {stored} bytes "
                "(refused before reading; a damaged or crafted file)"
            )
        return ArrayHeader(tuple(shape), dtype)

    def expect(self, specs: Mapping[str, ArraySpec], *, exact: bool = True) -> None:
        """Check the members against ``specs`` before anything is read.

        Parameters
        ----------
        specs : member name -> what it must be
        exact : refuse members that ``specs`` does not name

        Raises
        ------
        BadFileError (the class given to :func:`open_npz`)
            Naming the missing, unexpected or mismatched members.
        """
        missing = [name for name, spec in specs.items() if spec.required and name not in self.headers]
        extra = [name for name in self.headers if name not in specs] if exact else []
        if missing or extra:
            found = [f"missing arrays {', '.join(missing)}"] if missing else []
            found += [f"unexpected arrays {', '.join(extra)}"] if extra else []
            raise self._fail(f"{'; '.join(found)} (expected {self._what})")
        for name, spec in specs.items():
            header = self.headers.get(name)
            if header is not None and not spec.accepts(header):
                raise self._fail(f"{name} must be {spec}, got {header}")

    def read(self, name: str) -> np.ndarray:
        """The member ``name`` (as :attr:`headers` names it), read with ``allow_pickle=False``."""
        try:
            with self._zip.open(self._members[name]) as member:
                return npy_format.read_array(member, allow_pickle=False)
        except _DAMAGED as exc:
            raise self._fail(f"{name} is damaged ({exc})") from None

    def close(self) -> None:
        self._zip.close()


@contextlib.contextmanager
def open_npz(
    path: str | os.PathLike,
    what: str,
    *,
    error: type[BadFileError] = BadFileError,
    max_bytes: int | None = None,
) -> Iterator[NpzArchive]:
    """Open a ``.npz`` archive for reading without trusting it.

    Every member must be one ``.npy`` array of plain numbers or strings whose header agrees with
    the size the zip declares for it, and all of them together may unpack to at most
    ``max_bytes``; all of this is checked before any array is allocated.

    Parameters
    ----------
    path : the archive
    what : what it should be, with its article, for messages ("an nnrecog model file")
    error : the :class:`BadFileError` subclass to raise (the model loader's ``ModelFileError``)
    max_bytes : the size cap, in unpacked bytes (default :data:`MAX_ARCHIVE_BYTES`)

    Yields
    ------
    NpzArchive, closed when the block ends.

    Raises
    ------
    BadFileError (or ``error``)
        The file is missing, not a regular file, not a zip, damaged, holds something other than
        plain arrays, or declares more than allowed; the message names the file.
    """
    path = Path(path)
    if path.is_dir():
        raise error(f"{path}: is a directory, expected {what}")
    if path.exists() and not path.is_file():
        raise error(f"{path}: is not a regular file, expected {what}")
    if not path.is_file():
        raise error(f"{path}: no such file (expected {what})")
    # np.load would also take a lone .npy array or a pickle: only a zip can be an archive
    if not zipfile.is_zipfile(path):
        raise error(f"{path}: not {what} (expected a .npz archive)")
    try:
        archive = NpzArchive(path, what, error, MAX_ARCHIVE_BYTES if max_bytes is None else max_bytes)
    except BadFileError:
        raise
    except _DAMAGED as exc:
        raise error(f"{path}: not {what} (a damaged .npz archive: {exc})") from None
    try:
        yield archive
    finally:
        archive.close()
