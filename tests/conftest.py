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




@pytest.fixture(scope="session")
def quick_report(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The ``--quick`` report (the slow part of the report tests, about 2 minutes on 2 cores, run
    once): its folder and its report.json. Tests that change it work on a copy."""
    from nnrecog.report.steps import run_report

    out = tmp_path_factory.mktemp("report")
    return out, run_report(out_dir=out, quick=True, data_dir=shared_data, progress=False)
