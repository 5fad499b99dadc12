"""The playground page in a real browser: headless Chromium driven by Playwright.

Skipped when Playwright (the Python package) or /usr/bin/chromium is missing; Playwright's
own browser download is never used.
"""

import os
import socket
import threading
import time

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the browser test needs the playwright package")

from chainrule.playground import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"the browser test needs {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server_url():
    """The app served by uvicorn in a background thread on a free localhost port."""
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def epoch(page) -> int:
    return int(page.get_attribute("#epoch", "data-epoch"))


# Distinct colours on a canvas, each channel quantised to 16 levels (ignores anti-aliasing).
COLOURS_JS = """(id) => {
  const c = document.getElementById(id);
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] === 0) continue;
    seen.add(((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4));
  }
  return seen.size;
}"""


def test_play_trains_and_draws(server_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 950})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server_url)
    # the first session: epoch 0, the untrained network's boundary already drawn
    page.wait_for_function("document.getElementById('architecture').textContent.includes('→')")
    assert epoch(page) == 0
    assert page.text_content("#epoch") == "000,000"
    assert page.text_content("#test-loss") == "\u2013"

    page.click("#play")
    page.wait_for_function("+document.getElementById('epoch').dataset.epoch > 20",
                           timeout=30_000)
    page.click("#play")  # pause
    page.evaluate("async () => { await app.queue; }")  # the request in flight lands
    paused_at = epoch(page)
    assert paused_at > 20
    page.wait_for_timeout(300)
    assert epoch(page) == paused_at  # paused means paused

    test_loss = float(page.text_content("#test-loss"))
    train_loss = float(page.text_content("#train-loss"))
    assert 0 < test_loss < 0.7 and 0 < train_loss < 0.7
    assert page.text_content("#test-metric").endswith("%")
    # boundary: the two class shades, white where unsure, points (colours and rings)
    assert page.evaluate(COLOURS_JS, "boundary") >= 8
    assert page.evaluate(COLOURS_JS, "loss-chart") >= 2
    assert page.evaluate(COLOURS_JS, "grad-chart") >= 3
    legend = page.text_content("#grad-legend")
    assert "hidden 1 (2→8)" in legend and "output (8→2)" in legend

    page.click("#step")
    page.wait_for_function(f"+document.getElementById('epoch').dataset.epoch === {paused_at + 1}")

    page.screenshot(path=str(tmp_path / "playground.png"), full_page=True)
    assert (tmp_path / "playground.png").stat().st_size > 10_000

    page.click("#reset")
    page.wait_for_function("document.getElementById('epoch').dataset.epoch === '0'")
    assert page.text_content("#test-loss") == "\u2013"
    assert errors == []
    page.close()


def test_settings_make_a_new_session_and_errors_show(server_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 950})
    page.goto(server_url)
    page.wait_for_function("document.getElementById('architecture').textContent.includes('→')")

    page.click("button[data-name=spiral]")  # three arms: three classes, three output units
    page.fill("#classes", "3")
    page.dispatch_event("#classes", "change")
    page.click("#add-layer")
    page.wait_for_function(
        "document.getElementById('architecture').textContent.startsWith('2 → 8 → 8 → 8 → 3')")
    assert page.text_content("#legend").count("class ") == 3
    assert page.is_hidden("#momentum-box")
    page.select_option("#optimizer", "sgd")
    assert page.is_visible("#momentum-box")

    # unticking every feature is refused by the server; the page shows its message
    for box in page.query_selector_all("#features input:checked"):
        box.uncheck()
    page.wait_for_selector("#error:not([hidden])")
    assert "features must name at least one of" in page.text_content("#error")
    page.check("#features input[value='x1']")
    page.wait_for_selector("#error", state="hidden")
    page.close()
