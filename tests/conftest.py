"""Shared fixtures: the data directory, skipping cleanly where the shared data is absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnrecog.paths import data_dir


#: Fixtures that make a test heavy end to end: a test that uses one is marked ``slow``, left out
#: of the default run and run by ``pytest -m slow`` (``.ci/run`` runs both).
SLOW_FIXTURES = ("quick_report",)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in SLOW_FIXTURES):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data directory; tests that need it skip where it does not exist."""
    path = data_dir()
    if not (path / "SOURCES.md").is_file():
        pytest.skip(f"shared data not found at {path} (set NNRECOG_DATA)")
    return path


@pytest.fixture(scope="session")
def nist_images() -> dict[str, list[np.ndarray]]:
    """The real NIST letters of nist26_valid.mat (held out of every training set), by label:
    the letters :func:`nnrecog.data.pages.compose_page` writes test pages with."""
    from nnrecog.data import CLASSES, load_nist26
    from nnrecog.data.pages import images_by_label

    if not (data_dir() / "nist26" / "nist26_valid.mat").is_file():
        pytest.skip(f"nist26_valid.mat not found under {data_dir()} (set NNRECOG_DATA)")
    return images_by_label(*load_nist26(), CLASSES)


@pytest.fixture(scope="session")
def tiny_mlp(tmp_path_factory) -> Path:
    """An MLP character classifier file (one hidden layer of 16 sigmoid units, random weights):
    what ``nnrecog serve --model`` offers."""
    from nnrecog import nn
    from nnrecog.data import CLASSES

    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Dense(1024, 16, activation="sigmoid", rng=rng), nn.Dense(16, len(CLASSES), rng=rng))
    path = tmp_path_factory.mktemp("models") / "mlp.npz"
    net.save(path, meta={"classes": CLASSES, "input_shape": [1024], "input": "ink_dark"})
    return path


@pytest.fixture(scope="session")
def doubting_detector(tmp_path_factory) -> Path:
    """A character detector file that takes every glyph for no character (``--detector``)."""
    from nnrecog import nn
    from nnrecog.ocr.recognition.recognize import DETECTOR_KIND

    net = nn.Sequential(nn.Dense(1024, 2))
    net.layers[0].params["W"][...] = 0.0
    net.layers[0].params["b"][...] = (20.0, 0.0)
    path = tmp_path_factory.mktemp("models") / "doubting-detector.npz"
    net.save(path, meta={"kind": DETECTOR_KIND, "classes": "~C", "input_shape": [1024], "input": "ink_dark"})
    return path


@pytest.fixture(scope="session")
def quick_report(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The ``--quick`` report (the slow part of the report tests, about 2 minutes on 2 cores, run
    once): its folder and its report.json. Tests that change it work on a copy."""
    from nnrecog.report.runner import run_report

    out = tmp_path_factory.mktemp("report")
    return out, run_report(out_dir=out, quick=True, data_dir=shared_data, progress=False)
