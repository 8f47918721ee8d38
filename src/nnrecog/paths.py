"""Where nnrecog finds the shared data and keeps its caches."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "NNRECOG_DATA"
CACHE_ENV = "NNRECOG_CACHE"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The shared data directory.

    Resolution order: ``override`` (the ``--data-dir`` option), the ``NNRECOG_DATA`` environment
    variable, then ``../shared/data`` relative to the working directory and to the source tree.
    The first candidate that exists wins; if none exists, the first candidate is returned so
    that error messages name the place the user asked for.
    """
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    candidates = [
        Path.cwd().parent / "shared" / "data",
        Path(__file__).resolve().parents[3] / "shared" / "data",
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def cache_dir() -> Path:
    """User cache directory for built datasets (``NNRECOG_CACHE`` or ``~/.cache/nnrecog``)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nnrecog"
