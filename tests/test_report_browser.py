"""The report opened in headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by
Selenium): every image loads, the console stays clean, and a screenshot is kept as a test
artifact (under ``runs/test-artifacts/``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from chromium import ARTIFACTS, NEEDS_CHROMIUM, headless_chromium

pytestmark = NEEDS_CHROMIUM
#: The tallest screenshot kept (the full report is longer; the top shows the layout).
MAX_SHOT_HEIGHT = 6000


@pytest.fixture
def browser(tmp_path: Path):
    with headless_chromium(tmp_path, console_log=True) as driver:
        yield driver


def test_the_report_opens_offline_with_every_image_and_no_console_error(quick_report, browser, tmp_path: Path):
    out, report = quick_report
    browser.get((out / "report.html").resolve().as_uri())
    browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Promise.all(Array.from(document.images, i => i.decode().catch(() => null))).then(() => done());"
    )
    images = browser.execute_script(
        "return Array.from(document.images, i => [i.getAttribute('src'), i.complete, i.naturalWidth]);")
    assert len(images) == sum(len(s["figures"]) for s in report["sections"]) > 0
    not_loaded = [src for src, complete, width in images if not (complete and width > 0)]
    assert not not_loaded, not_loaded
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    assert browser.find_element("css selector", "h1").text.startswith("Neural Networks for Recognition")

    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(1280, min(height, MAX_SHOT_HEIGHT))
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "report.png")
