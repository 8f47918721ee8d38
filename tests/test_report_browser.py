"""The report opened in headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by
Selenium): every image loads, the console stays clean, and a screenshot is kept as a test
artifact (under ``runs/test-artifacts/``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the dev extra)")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or not os.access(CHROMEDRIVER, os.X_OK),
    reason="needs Chromium and its driver (apt-get install chromium chromium-driver)",
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "runs" / "test-artifacts"
#: The tallest screenshot kept (the full report is longer; the top shows the layout).
MAX_SHOT_HEIGHT = 6000


@pytest.fixture
def browser(tmp_path: Path):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    # as root Chromium needs --no-sandbox; the rest keeps it off the network and quiet
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-quic", "--disable-sync", "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


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
