"""Shared fixtures: the data directory, skipping cleanly where the shared data is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnrecog.paths import data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data directory; tests that need it skip where it does not exist."""
    path = data_dir()
    if not (path / "SOURCES.md").is_file():
        pytest.skip(f"shared data not found at {path} (set NNRECOG_DATA)")
    return path
