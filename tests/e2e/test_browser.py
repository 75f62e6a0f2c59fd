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

from . import server, ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CE_REQUIRE_E2E=1) with the reason
    expect = None

pytestmark = pytest.mark.e2e

SHARED_LINK = {"dataset": "spiral", "K": "4", "lr": "0.05", "layers": "1", "width": "8", "seed": "3"}
SCREENSHOT = server.REPO_ROOT / "docs" / "screenshot.png"


_CONTENT_HEIGHT_JS = """() => Math.max(...['stMain', 'stSidebarContent'].map(
    id => document.querySelector(`[data-testid="${id}"]`)?.scrollHeight ?? 0))"""
# The plotly charts of one document (the page, or a live chart's iframe) that show no non-empty trace. A live chart
# is a stack of plots (ce_app/live_chart.py): it counts as empty only if none of its layers shows anything.
_EMPTY_CHARTS_JS = """() => {
    const shows = gd => gd._fullData && gd._fullData.some(
        t => t.visible !== false && ((t.x && t.x.length) || (t.y && t.y.length) || (t.z && t.z.length)));
    const plots = [...document.querySelectorAll('.js-plotly-plot')];
    if (document.getElementById('chart') && plots.length) return plots.some(shows) ? [] : ['a live chart'];
    return plots.filter(gd => !shows(gd)).map(
        gd => gd.closest('[class*="st-key-"]')?.className.match(/st-key-(\\S+)/)?.[1] ?? 'a chart without key');
}"""


# Every distinct position and size of the plane's frame, checked on each animation frame until told to stop.
_RECORD_PLANE_BOX_JS = """() => {
    const rec = window.__ceBoxes = {seen: [], stop: false};
    const tick = () => {
        if (rec.stop) return;
        const frame = document.querySelector('.st-key-plane_chart iframe');
        const box = frame ? frame.getBoundingClientRect() : null;
        const text = box ? [box.x, box.y, box.width, box.height].map(Math.round).join(',') : 'gone';
        if (!rec.seen.includes(text)) rec.seen.push(text);
        requestAnimationFrame(tick);
    };
    tick();
}"""


def _link(params: dict[str, str]) -> str:
    return "/?" + "&".join(f"{name}={quote(value)}" for name, value in params.items())


def _no_errors(page) -> None:
    """No exception box and no error alert once the current run has finished (details are in the server log)."""
    ui.wait_idle(page)
    problems = ui.exceptions(page).all_inner_texts() + ui.error_alerts(page).all_inner_texts()
    assert not problems, "the page shows errors:\n" + "\n".join(text[:300] for text in problems)


def test_page_loads_without_errors(page, app_url):
    """Test that the training page loads with its controls and metrics and shows no exception or error."""
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    ui.open_app(page, app_url)
    expect(ui.metric_value(page, "Step")).to_have_text("0")
    expect(ui.button(page, "btn_step")).to_be_enabled()
    expect(page.locator(".st-key-plane_chart iframe")).to_have_count(1)
    # the plane is drawn as two stacked plots: the moving regions below, the data points on top
    expect(page.frame_locator(".st-key-plane_chart iframe").locator(".js-plotly-plot")).to_have_count(2)
    _no_errors(page)
    assert not page_errors, f"JavaScript errors in the page: {page_errors}"


def test_step_button_advances_one_step(page, app_url):
    """Test that clicking Step moves the Step metric from 0 to 1 and changes the training loss."""
    ui.open_app(page, app_url)
    step, loss = ui.metric_value(page, "Step"), ui.metric_value(page, "Train loss")
    expect(step).to_have_text("0")
    loss_before = loss.inner_text()
    ui.act(page, ui.button(page, "btn_step").click, lambda: expect(step).to_have_text("1"))
    expect(loss).not_to_have_text(loss_before)
    _no_errors(page)


def test_play_advances_frames_then_pause_stops(page, app_url):
    """Test that Play advances the Step metric over several frames and Pause stops it."""
    ui.open_app(page, app_url)
    step = ui.metric_value(page, "Step")
    ui.button(page, "btn_play").click()
    pause = ui.button(page, "btn_pause")
    expect(pause).to_contain_text("Pause")
    ui.start_metric_recorder(page, "Step")
    page.wait_for_timeout(3000)  # the auto-run itself is under test: let it play for 3 s
    values = [ui.as_int(value) for _, value in ui.stop_metric_recorder(page)]
    assert len(set(values)) >= 3, f"only {len(set(values))} distinct Step values in 3 s of auto-run: {values}"
    assert values == sorted(values), f"the Step metric went backwards: {values}"
    expect(ui.exceptions(page)).to_have_count(0)

    pause.click()
    play = ui.button(page, "btn_play")
    try:
        expect(play).to_contain_text("Play", timeout=10_000)
    except AssertionError:
        pytest.fail(f"Pause did not stop the auto-run: 10 s after the click Step is {step.inner_text()}")
    ui.wait_idle(page)
    stopped_at = step.inner_text()
    page.wait_for_timeout(1000)  # nothing may change while paused
    now = step.inner_text()
    assert now == stopped_at, f"Pause did not stop the auto-run: 1 s after Pause, Step went {stopped_at} -> {now}"
    _no_errors(page)


def test_auto_run_redraws_the_plane_in_place(page, app_url):
    """Test that while playing, the plane's moving layer is redrawn in place (no new chart, no reloaded frame, no
    move or resize) and the layer of data points is left alone."""
    ui.open_app(page, app_url)
    frame = ui.chart_frame(page, "plane_chart")
    frame.evaluate("() => { window.__ceSameDocument = true; }")  # gone if the chart were rebuilt or reloaded
    assert len(ui.chart_draws(page, "plane_chart")) == 2, "the plane should be two stacked plots"
    ui.button(page, "btn_play").click()
    expect(ui.button(page, "btn_pause")).to_contain_text("Pause")
    expect(ui.metric_value(page, "Step")).not_to_have_text("0")
    page.wait_for_timeout(500)  # Play moves the arrow tips (linear model) from the top layer down, once
    before = ui.chart_draws(page, "plane_chart")
    page.evaluate(_RECORD_PLANE_BOX_JS)
    page.wait_for_timeout(2000)  # the auto-run itself is under test: let it play for 2 s
    boxes = page.evaluate("() => { window.__ceBoxes.stop = true; return window.__ceBoxes.seen; }")
    after = ui.chart_draws(page, "plane_chart")
    ui.button(page, "btn_pause").click()
    expect(ui.button(page, "btn_play")).to_contain_text("Play", timeout=10_000)
    assert ui.chart_frame(page, "plane_chart").evaluate("() => window.__ceSameDocument === true"), (
        "the plane's frame was reloaded during the auto-run"
    )
    assert after[0] - before[0] >= 3, f"the regions were redrawn only {after[0] - before[0]} times in 2 s"
    assert after[1] == before[1], f"the data points were redrawn {after[1] - before[1]} times, though they did not move"
    assert len(boxes) == 1, f"the plane moved or changed size while playing: {boxes}"
    _no_errors(page)


def test_draw_mode_adds_a_point_where_the_plane_is_clicked(page, app_url):
    """Test that in draw mode a click on an empty spot of the plane adds a point there."""
    ui.open_app(page, app_url)
    ui.act(
        page,
        lambda: page.get_by_text("Draw points").click(),
        lambda: expect(page.get_by_text("Class of new points")).to_be_visible(),
    )
    page.locator(".st-key-plane_chart").scroll_into_view_if_needed()
    ui.wait_idle(page)  # and the plane has been redrawn with its click grid
    box = page.locator(".st-key-plane_chart iframe").bounding_box()
    before = ui.plane_point_count(page)
    # the middle of the plot, a little off-centre: the drawn canvas starts empty of points there
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.55)
    deadline = time.monotonic() + ui.DEFAULT_TIMEOUT_MS / 1000
    while ui.plane_point_count(page) != before + 1 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert ui.plane_point_count(page) == before + 1, (
        f"{before} points before the click, {ui.plane_point_count(page)} after"
    )
    _no_errors(page)


def test_click_on_plane_selects_point(page, app_url):
    """Test that clicking a data point on the input plane shows that point in the inspector."""
    ui.open_app(page, app_url)
    expect(page.get_by_text(re.compile(r"^Point #0$"))).to_be_visible()
    page.locator(".st-key-plane_chart").scroll_into_view_if_needed()
    ui.wait_idle(page)
    point = ui.isolated_plane_point(page)
    assert point is not None, "no clickable class trace found on the input plane"
    assert point["gap"] > 6, f"no data point is clear of its neighbours: {point}"
    ui.act(
        page,
        lambda: page.mouse.click(point["px"], point["py"]),
        lambda: expect(page.get_by_text(re.compile(rf"^Point #{point['index']}$"))).to_be_visible(),
    )
    _no_errors(page)
    expect(page.get_by_role("spinbutton", name="Selected point #")).to_have_value(str(point["index"]))


def test_number_input_selects_point(page, app_url):
    """Test that typing an index into "Selected point #" shows that point in the inspector."""
    ui.open_app(page, app_url)
    box = page.get_by_role("spinbutton", name="Selected point #")
    box.fill("7")
    ui.act(
        page, lambda: box.press("Enter"), lambda: expect(page.get_by_text(re.compile(r"^Point #7$"))).to_be_visible()
    )
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
            expect(ui.warning_alerts(page)).to_have_count(0)
            _no_errors(page)
            query = {name: values[-1] for name, values in parse_qs(urlsplit(page.url).query).items()}
            assert query == SHARED_LINK, f"the URL no longer holds the shared settings: {page.url}"
            losses.append(ui.metric_value(page, "Train loss").inner_text())
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
    hostile = {"K": "abc", "lr": "1e999", "dataset": "<script>alert(1)</script>", "n": "-5"}
    ui.open_app(page, app_url, _link(hostile))
    notices = ui.warning_alerts(page)
    for name in hostile:
        expect(notices.filter(has_text=re.compile(rf"\b{name}="))).to_have_count(1)
    expect(ui.sidebar(page).get_by_role("combobox", name="Dataset")).to_have_value("blobs")
    injected = page.evaluate("() => [...document.scripts].some(s => s.textContent.includes('alert(1)'))")
    assert not injected, "the dataset value was put into the page as a <script> element"
    _no_errors(page)

    ui.act(page, ui.button(page, "btn_step").click, lambda: expect(ui.metric_value(page, "Step")).to_have_text("1"))
    _no_errors(page)
    assert not dialogs, f"a dialog opened: {dialogs}"


def test_first_session_on_a_fresh_server_keeps_its_settings(browser):
    """Test that the very first session of a newly started server keeps its settings when Play reruns the app."""
    fresh = server.start_app()
    context = browser.new_context(viewport=ui.VIEWPORT)
    try:
        page = context.new_page()
        ui.open_app(page, fresh.url)
        expect(ui.sidebar(page).get_by_role("slider", name="Classes K")).to_have_attribute("aria-valuetext", "3")
        ui.act(
            page,
            ui.button(page, "btn_play").click,
            lambda: expect(ui.button(page, "btn_pause")).to_contain_text("Pause"),
        )
        query = parse_qs(urlsplit(page.url).query)
        assert not query, f"the first full rerun changed the settings (the URL now says {page.url})"
        expect(ui.sidebar(page).get_by_role("slider", name="Classes K")).to_have_attribute("aria-valuetext", "3")
        expect(ui.warning_alerts(page)).to_have_count(0)
        expect(ui.button(page, "btn_pause")).to_contain_text("Pause")
    except AssertionError:
        print(f"--- end of the fresh server's log ---\n{fresh.log_tail()}")
        raise
    finally:
        context.close()
        server.stop_app(fresh)


def test_every_page_opens_without_exception(page, app_url):
    """Test that every page in the sidebar navigation opens without an exception, by click and by its URL."""
    ui.open_app(page, app_url)
    links = page.locator('[data-testid="stSidebarNav"] a')
    pages = [
        (link.inner_text().splitlines()[-1].strip(), urlsplit(link.get_attribute("href")).path) for link in links.all()
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


def test_screenshot_of_trained_circles(page, app_url):
    """Test that the training page after 10 epochs on circles renders fully, and save it as docs/screenshot.png."""
    ui.open_app(page, app_url, _link({"dataset": "circles", "layers": "1", "lr": "0.5", "batch": "8"}))
    epoch, step = ui.button(page, "btn_epoch"), ui.metric_value(page, "Step")
    # 240 training points in batches of 8: 30 steps per epoch. On a busy machine a click can land while the live
    # area is being redrawn and go unnoticed, so click until the count moves on instead of trusting each click.
    deadline = time.monotonic() + 240
    while ui.as_int(step.inner_text()) < 300 and time.monotonic() < deadline:
        before = step.inner_text()
        ui.wait_idle(page)
        epoch.click()
        with contextlib.suppress(AssertionError):
            expect(step).not_to_have_text(before, timeout=15_000)
    assert ui.as_int(step.inner_text()) >= 300, f"10 epochs did not run: Step is {step.inner_text()}"
    _no_errors(page)
    # The page scrolls inside the main area (and the sidebar inside its own): grow the viewport to the taller one.
    for _ in range(3):
        height = page.evaluate(_CONTENT_HEIGHT_JS)
        if height <= page.viewport_size["height"]:
            break
        page.set_viewport_size({"width": ui.VIEWPORT["width"], "height": height})
        ui.wait_idle(page)
    empty = [name for frame in page.frames for name in frame.evaluate(_EMPTY_CHARTS_JS)]
    assert not empty, f"charts with nothing drawn: {empty}"
    size = page.viewport_size  # the mouse to an empty corner of the main area: no hover highlight, no focus ring
    page.mouse.move(size["width"] - 20, size["height"] - 20)
    page.evaluate("() => document.activeElement?.blur()")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 50_000
