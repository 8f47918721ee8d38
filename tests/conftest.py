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
def report_scale():
    """A report scale smaller than ``--quick``, so the report tests take about 2 minutes on 2 busy cores."""
    import dataclasses

    from nnrecog.report.options import QUICK

    return dataclasses.replace(
        QUICK, name="test", mlp_epochs=3, mlp_limit=600, autoencoder_epochs=3, autoencoder_limit=600, fc_epochs=2,
        cnn_epochs=1, glyph_limit=600, scenes_epochs=1, pretrained_epochs=2, scenes_train_per_class=8,
        scenes_test_per_class=4, video_every=60, video_max_frames=8,
    )


@pytest.fixture(scope="session")
def quick_report(shared_data: Path, report_scale, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One report at ``report_scale`` (the slow part of the report tests, run once): its folder
    and its report.json. Tests that change it work on a copy."""
    from nnrecog.report.steps import run_report

    out = tmp_path_factory.mktemp("report")
    return out, run_report(out_dir=out, scale=report_scale, data_dir=shared_data, progress=False)
