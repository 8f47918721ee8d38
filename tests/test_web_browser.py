"""The page of ``nnrecog serve`` in a real browser: Debian's Chromium, headless, driven by Selenium
through Debian's chromedriver (the pair comes from one package source, so their versions match;
nothing is downloaded). A stroke drawn with pointer events gets a top-5 list, a chosen photo gets
its text, its boxes and their confidences on hover, and a download; a screenshot of the page is
kept under the test's folder and in ``runs/test-artifacts/``.

Skips without the web extra, Selenium, or Chromium and its driver
(``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from chromium import ARTIFACTS, NEEDS_CHROMIUM, headless_chromium

from nnrecog.web.client import local_server

#: How long the page may take to show a result: a bound on a hang, not a speed test (the
#: first photo waits for the worker's first reading on a busy machine).
PATIENCE_S = 300

pytestmark = [
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("starlette", "uvicorn", "python_multipart")),
                       reason="needs the web extra: pip install -e '.[web]'"),
    *NEEDS_CHROMIUM,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_mlp: Path):
    with local_server("--workers", "1", "--model", str(tiny_mlp),
                      log=tmp_path_factory.mktemp("serve") / "server.log") as running:
        yield running


@pytest.fixture(scope="module")
def doubting_server(tmp_path_factory, tiny_mlp: Path, doubting_detector: Path):
    """A server whose detector takes every glyph for no character."""
    with local_server("--workers", "1", "--model", str(tiny_mlp), "--detector", str(doubting_detector),
                      log=tmp_path_factory.mktemp("serve") / "doubting.log") as running:
        yield running


@pytest.fixture()
def browser(tmp_path: Path):
    with headless_chromium(tmp_path, downloads=tmp_path / "downloads") as driver:
        yield driver


def _wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, PATIENCE_S, poll_frequency=0.2).until(condition, message=what)


def _open(driver, url: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url)
    _wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true",
          "the page did not start")


def _draw_l(driver) -> list[str]:
    """Draw an L on the pad with the mouse (pointerdown, pointermoves, pointerup; offsets from the
    pad's centre) and return the labels of the top-5 list that appears."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    stroke = ActionChains(driver).move_to_element_with_offset(driver.find_element(By.ID, "pad"), -50, -90)
    stroke.click_and_hold()
    for _ in range(9):
        stroke.move_by_offset(0, 20)
    for _ in range(5):
        stroke.move_by_offset(20, 0)
    stroke.release().perform()
    _wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#top5 li")) == 5, "no top-5 list appeared")
    return [label.text for label in driver.find_elements(By.CSS_SELECTOR, "#top5 .label")]


def _screenshot(driver, path: Path) -> None:
    """The whole page, as tall as it is, saved at ``path`` and copied to runs/test-artifacts/."""
    missing = driver.execute_script("return document.documentElement.scrollHeight - window.innerHeight")
    if missing > 0:  # the window's own bars take some of its height: grow it by what the page lacks
        driver.set_window_size(1280, driver.get_window_size()["height"] + missing)
    driver.save_screenshot(str(path))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / path.name)


def test_draw_a_stroke_and_read_a_photo_in_the_page(server, browser, shared_data: Path, tmp_path: Path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _open(browser, server.url)
    assert browser.find_element(By.ID, "status").text == ""
    top = _draw_l(browser)
    assert top[0] == "L", top
    inked = browser.execute_script(
        "const data = document.getElementById('input32').getContext('2d').getImageData(0, 0, 32, 32).data;"
        "let dark = 0; for (let i = 0; i < data.length; i += 4) dark += data[i] < 128; return dark;")
    assert inked > 20  # the 32x32 input shows the drawn L

    # a photo, chosen with the file input
    browser.find_element(By.ID, "file").send_keys(str(shared_data / "ocr_samples" / "04_deep.jpg"))
    _wait(browser, lambda d: "DEEP LEARNING" in d.find_element(By.ID, "photo-text").text,
          "the photo's text did not appear")
    chars = browser.find_elements(By.CSS_SELECTOR, "#boxes rect.char")
    assert len(chars) >= 30
    ActionChains(browser).move_to_element(chars[0]).perform()
    _wait(browser, lambda d: "%" in d.find_element(By.ID, "hover").text, "no confidence on hover")
    assert "characters read" in browser.find_element(By.ID, "status").text
    _screenshot(browser, tmp_path / "serve-page.png")

    browser.find_element(By.CSS_SELECTOR, '#downloads button[data-format="pdf"]').click()
    pdf = tmp_path / "downloads" / "04_deep.pdf"
    _wait(browser, lambda d: pdf.is_file() and pdf.read_bytes().startswith(b"%PDF-"), "the PDF was not downloaded")


def test_a_refused_photo_shows_the_servers_reason(server, browser, tmp_path: Path):
    from selenium.webdriver.common.by import By

    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_text("shopping: milk, eggs\n")
    _open(browser, server.url)
    browser.find_element(By.ID, "file").send_keys(str(not_a_photo))
    status = browser.find_element(By.ID, "status")
    _wait(browser, lambda d: "not an image" in status.text, "the refusal was not shown")
    assert "error" in status.get_attribute("class") and "notes.jpg" in status.text


def test_an_mlp_shows_its_hidden_layer_and_its_no_character_output(doubting_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _open(browser, doubting_server.url)
    Select(browser.find_element(By.ID, "model")).select_by_value("mlp")
    assert _draw_l(browser)[0] == "not a character"  # the doubting detector's verdict wins
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#hidden-layers canvas")) == 1,
          "no hidden layer was drawn")
    assert "16 units" in browser.find_element(By.CSS_SELECTOR, "#hidden-layers figcaption").text
