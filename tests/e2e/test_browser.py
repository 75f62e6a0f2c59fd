"""The real app in headless Chromium: what AppTest cannot see (auto-run timers, clicks on charts, links, layout).

Run with ``python -m pytest tests/e2e -m e2e``. One server and one Chromium serve the whole test session; each test
opens its own browser context, hence its own Streamlit session.
"""

from __future__ import annotations

import contextlib
import re
import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from ce_app import numbers
from ce_app.stage.payload import METRICS

from . import server, ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CE_REQUIRE_E2E=1) with the reason
    expect = None

pytestmark = pytest.mark.e2e

SHARED_LINK = {"dataset": "spiral", "K": "4", "lr": "0.05", "layers": "1", "width": "8", "seed": "3"}


# Every distinct position and size of the stage's frame, checked on each animation frame until told to stop.
_RECORD_STAGE_BOX_JS = """() => {
    const rec = window.__ceBoxes = {seen: [], stop: false};
    const tick = () => {
        if (rec.stop) return;
        const frame = document.querySelector('.st-key-player iframe');
        const box = frame ? frame.getBoundingClientRect() : null;
        const text = box ? [box.x, box.y, box.width, box.height].map(Math.round).join(',') : 'gone';
        if (!rec.seen.includes(text)) rec.seen.push(text);
        requestAnimationFrame(tick);
    };
    tick();
}"""
_PLANE_PIXELS_JS = "() => document.querySelector('#plane canvas').toDataURL()"


def _link(params: dict[str, str]) -> str:
    return "/?" + "&".join(f"{name}={quote(value)}" for name, value in params.items())


def _no_errors(page) -> None:
    """No exception box and no error alert once the current run has finished (details are in the server log)."""
    ui.wait_idle(page)
    problems = ui.exceptions(page).all_inner_texts() + ui.error_alerts(page).all_inner_texts()
    assert not problems, "the page shows errors:\n" + "\n".join(text[:300] for text in problems)


def _wait_until(page, condition, what: str, timeout_s: float = ui.DEFAULT_TIMEOUT_MS / 1000) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}: {ui.player(page)}")
        page.wait_for_timeout(50)


def _play(page) -> None:
    """Press Play and wait until the stage has shown a few frames of the stream."""
    ui.button(page, "play").click()
    expect(ui.button(page, "pause")).to_contain_text("Pause")
    _wait_until(page, lambda: ui.player(page)["stats"]["shown"] >= 3, "the stage to show frames")


def _pause(page) -> int:
    """Press Pause and wait until the page is idle; returns the step then on screen."""
    ui.button(page, "pause").click()
    expect(ui.button(page, "play")).to_contain_text("Play")
    ui.wait_idle(page)
    return ui.as_int(ui.metric_value(page, "step").inner_text())


def test_page_loads_without_errors(page, app_url):
    """Test that the training page loads with its stage at step 0 and shows no exception or JavaScript error."""
    page_errors, outside = [], []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on(
        "request",
        lambda request: outside.append(request.url) if urlsplit(request.url).hostname != "127.0.0.1" else None,
    )
    ui.open_app(page, app_url)
    expect(ui.metric_value(page, "step")).to_have_text("0")
    expect(ui.button(page, "step")).to_be_enabled()
    expect(ui.button(page, "play")).to_be_enabled()
    _no_errors(page)
    assert not page_errors, f"JavaScript errors in the page: {page_errors}"
    assert not outside, f"the page fetched from other hosts (students' browsers would too): {outside}"


def test_step_button_advances_one_step(page, app_url):
    """Test that clicking Step moves the Step metric from 0 to 1 and changes the training loss."""
    ui.open_app(page, app_url)
    step, loss = ui.metric_value(page, "step"), ui.metric_value(page, "train_loss")
    expect(step).to_have_text("0")
    loss_before = loss.inner_text()
    ui.act(page, ui.button(page, "step").click, lambda: expect(step).to_have_text("1"))
    expect(loss).not_to_have_text(loss_before)
    _no_errors(page)


def test_play_moves_numbers_and_plane_and_pause_holds_the_step_that_step_continues(page, app_url):
    """Test that playing shows moving numbers and a moving plane; after Pause the step stays put, and the next
    Step adds exactly one to the step count on screen."""
    ui.open_app(page, app_url, "/?fps=10&spf=2")
    plane_before = ui.stage_frame(page).evaluate(_PLANE_PIXELS_JS)
    _play(page)
    first = ui.player(page)["step"]
    _wait_until(page, lambda: ui.player(page)["step"] >= first + 6, "the step count to move on")
    assert ui.stage_frame(page).evaluate(_PLANE_PIXELS_JS) != plane_before, "the plane did not change while playing"
    stopped_at = _pause(page)
    assert stopped_at == ui.player(page)["step"]
    page.wait_for_timeout(1000)  # nothing may change while paused
    expect(ui.metric_value(page, "step")).to_have_text(f"{stopped_at:,}")
    ui.act(page, ui.button(page, "step").click, lambda: expect(ui.metric_value(page, "step")).to_have_text(
        f"{stopped_at + 1:,}"))  # fmt: skip
    _no_errors(page)


def test_the_stage_does_not_move_or_reload_while_playing(page, app_url):
    """Test that while playing the stage's frame keeps its document, position and size."""
    ui.open_app(page, app_url)
    ui.stage_frame(page).evaluate("() => { window.__ceSameDocument = true; }")
    _play(page)
    page.evaluate(_RECORD_STAGE_BOX_JS)
    shown = ui.player(page)["stats"]["shown"]
    page.wait_for_timeout(2000)  # the playing itself is under test
    boxes = page.evaluate("() => { window.__ceBoxes.stop = true; return window.__ceBoxes.seen; }")
    assert ui.player(page)["stats"]["shown"] >= shown + 5
    assert ui.stage_frame(page).evaluate("() => window.__ceSameDocument === true"), "the stage was reloaded"
    assert len(boxes) == 1, f"the stage moved or changed size while playing: {boxes}"
    _pause(page)
    _no_errors(page)


def test_a_point_clicked_while_playing_is_selected(page, app_url):
    """Test that clicking a point during play selects it, and the stage goes on playing."""
    ui.open_app(page, app_url, "/?fps=5&spf=1")
    _play(page)
    point = ui.isolated_point(page, skip=0)
    assert point is not None and point["gap"] > 6, f"no data point is clear of its neighbours: {point}"
    page.mouse.click(point["px"], point["py"])
    expect(ui.point_input(page)).to_have_value(str(point["index"]))
    shown = ui.player(page)["stats"]["shown"]
    _wait_until(page, lambda: ui.player(page)["stats"]["shown"] >= shown + 3, "the stage to go on playing")
    assert ui.player(page)["playing"]
    _pause(page)
    _no_errors(page)


def test_click_on_plane_selects_point(page, app_url):
    """Test that clicking a data point on the paused plane shows that point in the inspector."""
    ui.open_app(page, app_url)
    expect(ui.point_input(page)).to_have_value("0")
    point = ui.isolated_point(page, skip=0)
    assert point is not None and point["gap"] > 6, f"no data point is clear of its neighbours: {point}"
    ui.act(page, lambda: page.mouse.click(point["px"], point["py"]),
           lambda: expect(ui.point_input(page)).to_have_value(str(point["index"])))  # fmt: skip
    _no_errors(page)


def test_number_input_selects_point(page, app_url):
    """Test that typing an index into "Selected point #" shows that point in the inspector."""
    ui.open_app(page, app_url)
    box = ui.point_input(page)
    box.fill("7")
    box.press("Enter")
    ui.wait_idle(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('sample') === '7'")
    expect(box).to_have_value("7")
    _no_errors(page)


def test_draw_mode_adds_a_point_where_the_plane_is_clicked(page, app_url):
    """Test that in draw mode a click on an empty spot of the plane adds a point there."""
    ui.open_app(page, app_url)
    ui.act(page, ui.button(page, "draw").click,
           lambda: expect(ui.stage(page).get_by_text("removes the nearest point")).to_be_visible())  # fmt: skip
    ui.stage(page).locator("#plane").scroll_into_view_if_needed()
    box = ui.plane_box(page)
    before = ui.point_count(page)
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.55)
    _wait_until(page, lambda: ui.point_count(page) == before + 1, "the drawn point to appear")
    _no_errors(page)


def test_shared_link_restores_settings_deterministically(browser, app_url):
    """Test that a shared link sets the sidebar and gives the same initial loss in two fresh sessions."""
    losses = []
    for _ in range(2):
        context = browser.new_context(viewport=ui.VIEWPORT)
        page = context.new_page()
        try:
            ui.open_app(page, app_url, _link(SHARED_LINK))
            bar = ui.sidebar(page)
            expect(bar.get_by_role("combobox", name="Dataset")).to_have_value("spiral")
            expect(bar.get_by_role("slider", name="Classes K")).to_have_attribute("aria-valuetext", "4")
            expect(bar.get_by_role("slider", name="Learning rate lr")).to_have_attribute("aria-valuetext", "0.05")
            layers = bar.locator('[data-testid="stRadio"]').filter(has_text="Hidden layers")
            expect(layers.locator('input[type="radio"][value="1"]')).to_be_checked()
            expect(bar.get_by_role("slider", name="Units per hidden layer")).to_have_attribute("aria-valuetext", "8")
            expect(bar.get_by_role("spinbutton", name="Seed")).to_have_value("3")
            expect(ui.toasts(page)).to_have_count(0)
            _no_errors(page)
            query = {name: values[-1] for name, values in parse_qs(urlsplit(page.url).query).items()}
            assert query == SHARED_LINK, f"the URL no longer holds the shared settings: {page.url}"
            losses.append(ui.metric_value(page, "train_loss").inner_text())
        finally:
            context.close()
    assert losses[0] == losses[1], f"two loads of the same link start from different losses: {losses}"


def test_hostile_link_is_refused_with_notices(page, app_url):
    """Test that a link with bad values shows warnings, runs no script, and leaves a working page."""
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    hostile = {"K": "abc", "lr": "1e999", "dataset": "<script>alert(1)</script>"}
    ui.open_app(page, app_url, _link(hostile))
    notices = ui.toasts(page)
    for name in hostile:
        expect(notices.filter(has_text=re.compile(rf"\b{name}="))).to_have_count(1)
    expect(ui.sidebar(page).get_by_role("combobox", name="Dataset")).to_have_value("blobs")
    injected = page.evaluate("() => [...document.scripts].some(s => s.textContent.includes('alert(1)'))")
    assert not injected, "the dataset value was put into the page as a <script> element"
    _no_errors(page)

    ui.act(page, ui.button(page, "step").click, lambda: expect(ui.metric_value(page, "step")).to_have_text("1"))
    _no_errors(page)
    assert not dialogs, f"a dialog opened: {dialogs}"


@contextlib.contextmanager
def fresh_page(browser):
    """A page on a newly started server (its first session), with the server's log printed if the test fails."""
    fresh = server.start_app()
    context = browser.new_context(viewport=ui.VIEWPORT)
    try:
        yield context.new_page(), fresh.url
    except AssertionError:
        print(f"--- end of the fresh server's log ---\n{fresh.log_tail()}")
        raise
    finally:
        context.close()
        server.stop_app(fresh)


def test_first_session_on_a_fresh_server_keeps_its_settings(browser):
    """Test that the very first session of a newly started server keeps its settings when Play reruns the app."""
    with fresh_page(browser) as (page, url):
        ui.open_app(page, url)
        expect(ui.sidebar(page).get_by_role("slider", name="Classes K")).to_have_attribute("aria-valuetext", "3")
        ui.act(page, ui.button(page, "play").click, lambda: expect(ui.button(page, "pause")).to_contain_text("Pause"))
        query = parse_qs(urlsplit(page.url).query)
        assert not query, f"the first full rerun changed the settings (the URL now says {page.url})"
        expect(ui.sidebar(page).get_by_role("slider", name="Classes K")).to_have_attribute("aria-valuetext", "3")
        expect(ui.toasts(page)).to_have_count(0)
        expect(ui.button(page, "pause")).to_contain_text("Pause")


def test_a_deep_link_as_the_first_page_of_a_fresh_server(browser):
    """Test that a fresh server's very first page can be a deep link with settings: the page opens through the
    app (menu and sidebar), keeps the link's settings, and shows no file list of the pages/ folder."""
    with fresh_page(browser) as (page, url):
        ui.open_app(page, url, "/landscape?dataset=moons&K=2")
        expect(page.locator('[data-testid="stPageLink"]')).to_have_count(4)
        expect(ui.sidebar(page).get_by_role("combobox", name="Dataset")).to_have_value("moons")
        assert urlsplit(page.url).path == "/landscape" and parse_qs(urlsplit(page.url).query).get("K") == ["2"]
        assert page.get_by_text("derivation", exact=True).count() == 0, "the pages/ folder's file names are shown"
        _no_errors(page)


def test_every_page_opens_without_exception(page, app_url):
    """Test that every page in the sidebar navigation opens without an exception, by click and by its URL."""
    ui.open_app(page, app_url)
    links = page.locator('[data-testid="stPageLink"] a')
    pages = [
        (link.inner_text().splitlines()[-1].strip(), "/" + urlsplit(link.get_attribute("href")).path.lstrip("/"))
        for link in links.all()
    ]
    assert len(pages) >= 2, f"the sidebar navigation lists {pages}"
    failures = []
    # Clicking the link of the page on show starts no run: visit the others first and come back to the first last.
    for title, path in pages[1:] + pages[:1]:
        # Wait for the address, then for the run: a fast page can start and finish its run between two checks
        # of a watcher, so "a run was seen" is not a reliable signal here.
        ui.wait_idle(page)
        links.filter(has_text=title).first.click()
        with contextlib.suppress(AssertionError):
            expect(page).to_have_url(re.compile(re.escape(path) + r"(\?.*)?$"), timeout=30_000)
        page.locator('[data-testid="stMain"] [data-testid="stElementContainer"]').first.wait_for()
        ui.wait_idle(page)
        if urlsplit(page.url).path != path:
            failures.append(f"{title} (clicked): the address is {page.url}, not {path}")
        if ui.exceptions(page).count():
            failures.append(f"{title} (clicked): {ui.exceptions(page).first.inner_text()[:200]}")
    cold = page.context.new_page()  # a link typed into a new tab: a new session that starts on that page
    for title, path in pages[1:]:
        ui.open_app(cold, app_url, path)
        if ui.exceptions(cold).count():
            failures.append(f"{title} (opened by URL): {ui.exceptions(cold).first.inner_text()[:200]}")
    cold.close()
    assert not failures, "pages with problems (tracebacks are in the server log):\n" + "\n".join(failures)


def test_text_from_a_link_is_never_markup(page, app_url):
    """Test that Markdown in link values reaches the page as plain text: no image fetched, no link, no bold."""
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    hostile = {"dataset": "![](http://127.0.0.1:9/x.png)", "lr": "[Log in](https://evil.example)", "K": "**b**",
               "act": ":material/home: www.evil.example"}  # fmt: skip
    ui.open_app(page, app_url, _link(hostile))
    notices = ui.toasts(page)
    expect(notices.filter(has_text="Log in")).to_have_count(1)
    for selector in ("img", "a", "strong", "[data-testid='stIconMaterial']"):
        assert notices.locator(selector).count() == 0, f"a notice renders {selector} from the link"
    outside = [url for url in requests if urlsplit(url).netloc in ("127.0.0.1:9", "evil.example", "www.evil.example")]
    assert not outside, f"the page fetched {outside}"
    _no_errors(page)


def test_teacher_link_leaves_no_gaps_and_can_hide_the_sidebar(page, app_url):
    """Test that hidden stage buttons leave no empty slot between the others, and hide=sidebar hides it."""
    ui.open_app(page, app_url, "/?hide=step10,epoch,draw,sidebar")
    step, play = ui.button(page, "step").bounding_box(), ui.button(page, "play").bounding_box()
    assert play["x"] - (step["x"] + step["width"]) < 16, (step, play)
    for key in ("step10", "epoch", "draw"):
        expect(ui.button(page, key)).to_be_hidden()
    expect(ui.sidebar(page)).to_be_hidden()
    expect(page.locator('[data-testid="stExpandSidebarButton"]')).to_be_hidden()
    _no_errors(page)


def _as_metric(name: str, value: float) -> str:
    """What a metric box must show for ``value``: ce_app/numbers.py's format for that metric (META.metrics)."""
    _, _, _, style, digits = next(metric for metric in METRICS if metric[0] == name)
    return (
        numbers.fmt(value, digits)
        if style == "fmt"
        else numbers.fixed(value, digits)
        if style == "fixed"
        else (getattr(numbers, style)(value))
    )


# Extreme values each kind of metric can take: losses and norms anything finite, accuracies 0..1, the step a uint32.
EXTREMES = {
    "fmt": [6.963e-06, 1.95e-12, 123456789.0, -0.000123456, 2.5e300, 0.999999, 100.0, 12345.6],
    "percent": [0.0, 1.0, 0.999999, 0.123456, 1e-05],
    "integer": [0, 12345, 4294967295],
    "fixed": [0.0, 0.005, 12345.678, 999999.99],
}


def test_metrics_are_never_cut_for_extreme_values(page, app_url):
    """Test that the stage's metric boxes show tiny, huge and negative numbers whole, at 1280 px and on a phone,
    each written as the Python number format writes it."""
    cases = [(name, value) for name, _, _, style, _ in METRICS for value in EXTREMES[style]]
    for viewport in (ui.PROJECTOR, {"width": 390, "height": 844}):
        page.set_viewport_size(viewport)
        ui.open_app(page, app_url, "/?present=1" if viewport is ui.PROJECTOR else "/")
        shown = ui.stage_frame(page).evaluate("""(cases) => cases.map(([name, v]) => {
            window.cePlayer.showMetric(name, v);
            const value = document.querySelector(`[data-metric="${name}"] .value`);
            return [name, v, value.textContent, value.scrollWidth > value.clientWidth + 1];
        })""", cases)  # fmt: skip
        cut = [(name, v, text) for name, v, text, overflows in shown if overflows or text.endswith("…")]
        assert not cut, f"metrics cut at {viewport}: {cut}"
        wrong = [(name, v, text, _as_metric(name, v)) for name, v, text, _ in shown if text != _as_metric(name, v)]
        assert not wrong, f"metrics written otherwise than ce_app/numbers.py writes them: {wrong}"


def test_the_network_view_shows_the_units_and_a_units_weights(page, app_url):
    """Test that Network draws a map per unit, follows the Step, and a click on a unit lists its weights."""
    ui.open_app(page, app_url, "/?dataset=circles&K=2&layers=1&width=4")
    ui.act(page, ui.button(page, "network").click,
           lambda: expect(ui.stage(page).locator("#network")).to_be_visible())  # fmt: skip
    network = ui.stage(page).locator("#network canvas")
    network.scroll_into_view_if_needed()
    frame = ui.stage_frame(page)
    _wait_until(page, lambda: frame.evaluate("() => ceStage.network.tiles.length") == 4 + 2, "the unit maps")
    tile = frame.evaluate("() => { const t = ceStage.network.tiles[0]; return [t.x, t.y, ceStage.network.size]; }")
    box = network.bounding_box()
    page.mouse.click(box["x"] + tile[0] + tile[2] / 2, box["y"] + tile[1] + tile[2] / 2)
    expect(ui.stage(page).locator("#network .detail")).to_contain_text("Incoming weights of h1 unit 1")
    before = frame.evaluate("() => ceStage.network.canvas.toDataURL()")
    ui.act(page, ui.button(page, "step10").click, lambda: expect(ui.metric_value(page, "step")).to_have_text("10"))
    assert frame.evaluate("() => ceStage.network.canvas.toDataURL()") != before, "the network view did not follow"
    _no_errors(page)


def test_a_restarted_server_reloads_the_page_with_its_settings(browser):
    """Test that when the server restarts under an idle page (its session gone), the stage says so and reloads
    the page by itself from its address (the settings), which then works again; no error page. The test never
    navigates after the restart: a mark left in the old document must be gone, so the page really did load anew."""
    first = server.start_app()
    port = int(first.url.rsplit(":", 1)[1])
    context = browser.new_context(viewport=ui.VIEWPORT)
    second = None
    try:
        page = context.new_page()
        ui.open_app(page, first.url, "/?dataset=moons&K=2")
        ui.act(page, ui.button(page, "step").click, lambda: expect(ui.metric_value(page, "step")).to_have_text("1"))
        # a full run last (a sidebar button): Streamlit then does not rerun the page by itself after a reconnect
        ui.act(
            page, ui.streamlit_button(page, "new_sample").click, lambda: expect(page).to_have_url(re.compile("seed=1"))
        )
        address = page.url
        assert parse_qs(urlsplit(address).query) == {"dataset": ["moons"], "K": ["2"], "seed": ["1"]}
        page.evaluate("() => { window.ceBeforeRestart = true; }")
        first.process.kill()
        first.process.wait(timeout=10)
        second = server.start_app(port=port)
        with page.expect_event("load", timeout=90_000):  # the page's own reload, after the stage's warning
            expect(ui.stage(page).locator("#status")).to_contain_text("reloading", timeout=60_000)
        assert page.evaluate("() => window.ceBeforeRestart") is None, "the old document is still there"
        assert page.url == address
        page.locator('[data-testid="stMain"] [data-testid="stElementContainer"]').first.wait_for()
        ui.wait_idle(page)
        ui.wait_stage_drawn(page)
        expect(ui.sidebar(page).get_by_role("combobox", name="Dataset")).to_have_value("moons")
        expect(ui.sidebar(page).get_by_role("spinbutton", name="Seed")).to_have_value("1")
        ui.act(page, ui.button(page, "step").click, lambda: expect(ui.metric_value(page, "step")).to_have_text("1"))
        _no_errors(page)
    finally:
        context.close()
        server.stop_app(first)
        if second is not None:
            server.stop_app(second)
