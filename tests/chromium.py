"""Headless Chromium for the browser tests: Debian's ``chromium`` and ``chromium-driver`` (one
package source, so their versions match; nothing is downloaded), driven by Selenium."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
#: Where screenshots are kept after the run (git ignores runs/).
ARTIFACTS = Path(__file__).resolve().parents[1] / "runs" / "test-artifacts"

#: The marks of a test that needs the browser: skips cleanly without Selenium or Chromium.
NEEDS_CHROMIUM = [
    pytest.mark.skipif(importlib.util.find_spec("selenium") is None, reason="needs selenium (the dev extra)"),
    pytest.mark.skipif(CHROMIUM is None or not os.access(CHROMEDRIVER, os.X_OK),
                       reason="needs Chromium and its driver: apt-get install chromium chromium-driver"),
]


@contextmanager
def headless_chromium(folder: Path, downloads: Path | None = None, console_log: bool = False) -> Iterator:
    """A Selenium driver of a fresh headless Chromium whose profile lives in ``folder``; files
    it downloads go to ``downloads``; ``console_log`` keeps the page's console for
    ``driver.get_log("browser")``. Quit when the block ends."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # off the network and quiet; a fresh profile each time
    for flag in ("--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
                 "--window-size=1280,1000", f"--user-data-dir={folder / 'profile'}"):
        options.add_argument(flag)
    if os.geteuid() == 0:  # Chromium's sandbox refuses to run as root
        options.add_argument("--no-sandbox")
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
