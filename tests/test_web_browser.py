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


#: Wraps the page's fetch so that the first photo's answer arrives DELAY_MS late: a slow photo.
_SLOW_FIRST_READ = """
const original = window.fetch;
let reads = 0;
window.fetch = async (url, options) => {
  const response = await original(url, options);
  if (String(url).startsWith('/api/read') && String(url).includes('format=json') && reads++ === 0) {
    await new Promise((resolve) => setTimeout(resolve, %d));
  }
  return response;
};
"""


def test_a_slow_photo_then_a_fast_one_shows_the_fast_ones_own_reading(server, browser, shared_data: Path, tmp_path):
    from selenium.webdriver.common.by import By

    _open(browser, server.url)
    browser.execute_script(_SLOW_FIRST_READ % 3000)
    slow, fast = shared_data / "ocr_samples" / "04_deep.jpg", shared_data / "ocr_samples" / "02_letters.jpg"
    browser.find_element(By.ID, "file").send_keys(str(slow))
    _wait(browser, lambda d: "reading 04_deep.jpg" in d.find_element(By.ID, "status").text, "the slow photo did not start")
    browser.find_element(By.ID, "file").send_keys(str(fast))
    queue = browser.find_element(By.ID, "queue")
    _wait(browser, lambda d: queue.text.count("characters") == 2, "both photos were not read")
    # what is on show is the fast photo, with its own reading: text, boxes and downloads
    text = browser.find_element(By.ID, "photo-text")
    assert text.get_attribute("data-file") == "02_letters.jpg"
    assert "DEEP" not in text.text and "02_letters.jpg" in browser.find_element(By.ID, "status").text
    assert browser.find_element(By.CSS_SELECTOR, "#queue li.selected").text.startswith("02_letters.jpg")
    browser.find_element(By.CSS_SELECTOR, '#downloads button[data-format="json"]').click()
    download = tmp_path / "downloads" / "02_letters.json"
    _wait(browser, lambda d: download.is_file() and download.stat().st_size > 0, "the JSON was not downloaded")
    assert '"02_letters.jpg"' in download.read_text()
    # the slow one keeps its own reading, shown when chosen from the list
    browser.find_element(By.XPATH, "//ol[@id='queue']//button[contains(., '04_deep.jpg')]").click()
    _wait(browser, lambda d: "DEEP LEARNING" in text.text, "the slow photo's reading was lost")


def test_several_photos_queue_and_cancel_drops_the_rest(server, browser, shared_data: Path):
    from selenium.webdriver.common.by import By

    _open(browser, server.url)
    browser.execute_script(_SLOW_FIRST_READ % 4000)
    photos = [shared_data / "ocr_samples" / name for name in ("01_list.jpg", "02_letters.jpg", "03_haiku.jpg")]
    browser.find_element(By.ID, "file").send_keys("\n".join(map(str, photos)))
    items = lambda d: d.find_elements(By.CSS_SELECTOR, "#queue li")  # noqa: E731
    _wait(browser, lambda d: len(items(d)) == 3, "the three photos were not queued")
    assert "waiting" in browser.find_element(By.ID, "queue").text
    assert browser.find_element(By.ID, "progress").is_displayed()
    browser.find_element(By.ID, "cancel").click()
    _wait(browser, lambda d: d.find_element(By.ID, "queue").text.count("cancelled") == 3, "cancel left photos queued")
    assert not browser.find_element(By.ID, "progress").is_displayed()
    assert all(b.get_attribute("disabled") for b in browser.find_elements(By.CSS_SELECTOR, "#downloads button"))
    # a photo chosen after a cancel is read as usual
    browser.find_element(By.ID, "file").send_keys(str(photos[1]))
    _wait(browser, lambda d: d.find_element(By.ID, "queue").text.count("characters") == 1, "no reading after cancel")
    assert not browser.find_element(By.ID, "copy").get_attribute("disabled")


def test_an_error_shows_no_broken_image_and_no_downloads(server, browser, tmp_path: Path):
    from selenium.webdriver.common.by import By

    truncated = tmp_path / "cut.png"
    truncated.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(6))
    _open(browser, server.url)
    browser.find_element(By.ID, "file").send_keys(str(truncated))
    status = browser.find_element(By.ID, "status")
    _wait(browser, lambda d: "cut.png" in status.text and "error" in status.get_attribute("class"),
          "the refusal was not shown")
    assert "processed" not in status.text, "Pillow's own wording reached the page"
    assert not browser.find_element(By.ID, "photo-img").is_displayed()
    assert all(b.get_attribute("disabled") for b in browser.find_elements(By.CSS_SELECTOR, "#downloads button"))
    assert browser.find_element(By.ID, "copy").get_attribute("disabled")


def test_a_page_on_another_origin_cannot_make_the_server_work(server, browser, tmp_path: Path):
    """A page served from another localhost port POSTs to the server (as text/plain, which needs no
    preflight): Chromium sends it, the server answers 403 and reads nothing."""
    import http.server
    import re
    import threading

    page = tmp_path / "evil" / "index.html"
    page.parent.mkdir()
    page.write_text(f"""<!doctype html><script>
fetch("{server.url}api/read?format=text", {{method: "POST", mode: "no-cors",
  headers: {{"Content-Type": "text/plain"}}, body: "not a photo"}})
  .finally(() => {{ document.title = "sent"; }});
</script>""")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(page.parent), **k)  # noqa: E731
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{evil.server_address[1]}/index.html")
        _wait(browser, lambda d: d.title == "sent", "the other page did not send its request")
    finally:
        evil.shutdown()
    text = server.log.read_text(errors="replace")
    assert re.search(r'"POST /api/read\?format=text HTTP/1.1" 403', text), text[-1500:]
