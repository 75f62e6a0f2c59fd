"""Reading and driving the app's page in Chromium: waits, metrics, buttons, the input plane.

Shared by the browser tests and ``bench.browser``. Locators use Streamlit's ``data-testid`` attributes and the
``st-key-<key>`` class Streamlit gives every element that has a ``key``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing this module must not need playwright: the tests skip cleanly without it
    from playwright.sync_api import Locator, Page

VIEWPORT = {"width": 1400, "height": 1000}  # a laptop screen; the README screenshot is taken at this width
LIVE_CHART_NAME = "ce_app.live_chart.live_chart"  # in the address of every live chart's frame
DEFAULT_TIMEOUT_MS = 30_000  # a cold first run builds the data and imports plotly; a shared 2-core runner is slow

# A run is over when the app is connected, the script is not running and no element still shows its skeleton.
_IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.dataset.testConnectionState === 'CONNECTED'
        && app.dataset.testScriptState === 'notRunning'
        && !document.querySelector('[data-testid="stSkeleton"]');
}"""

_STATE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return {script: app?.dataset.testScriptState, connection: app?.dataset.testConnectionState,
            skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length, url: location.href};
}"""


def _wait(page: Page, condition_js: str, what: str, timeout: float) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(condition_js, timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(
            f"timed out after {timeout / 1000:.0f} s waiting for {what}: {page.evaluate(_STATE_JS)}"
        ) from None


def wait_idle(page: Page, timeout: float = DEFAULT_TIMEOUT_MS, charts: bool = True) -> None:
    """Wait until the current script run has finished and nothing is left loading, and (with ``charts``) until
    every live chart shows its last figure."""
    _wait(page, _IDLE_JS, "the script run to finish", timeout)
    if charts:
        wait_charts_drawn(page, timeout)


def act(page: Page, action, outcome, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Do ``action()`` (a click, a key press) on an idle page, then wait for ``outcome()`` and for the app to be
    idle again.

    ``outcome`` is what the action must change, as a Playwright assertion that retries until it holds (e.g.
    ``lambda: expect(step).to_have_text("1")``). Waiting for the outcome, not for a script run to be seen, is what
    makes this safe on a busy machine: a run can start and end between two polls, or merge with another run.
    """
    wait_idle(page, timeout)
    action()
    outcome()
    wait_idle(page, timeout)


def open_app(page: Page, base_url: str, path: str = "/", timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Load a page of the app (a new session) and wait for its first run to finish and its charts to be drawn."""
    page.goto(base_url + path, wait_until="domcontentloaded", timeout=timeout)
    # The first run has not started when the page has just loaded; something of it must be drawn before idle counts.
    page.locator('[data-testid="stMain"] [data-testid="stElementContainer"]').first.wait_for(timeout=timeout)
    wait_idle(page, timeout)


def _live_chart_frames(page: Page) -> list:
    return [frame for frame in page.frames if LIVE_CHART_NAME in frame.url]


def wait_charts_drawn(page: Page, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until every live chart on the page (ce_app/live_chart.py) has drawn each of its layers at least once and
    has drawn the last figure it was sent.

    A live chart loads Plotly on its own after the page's run has finished and draws each figure after the run that
    sent it, so an idle app can still show an empty or an older chart for a moment."""
    deadline = time.monotonic() + timeout / 1000
    pending: list = []
    while time.monotonic() < deadline:
        pending = []
        for frame in _live_chart_frames(page):
            try:
                draws, busy = frame.evaluate(
                    "() => window.ceLiveChart ? [window.ceLiveChart.draws(), window.ceLiveChart.busy()] : [[], true]"
                )
            except Exception:  # a frame that is being replaced: look again
                draws, busy = [], True
            if busy or not draws or min(draws) < 1:
                pending.append(frame.url.split("?")[0])
        if not pending:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out after {timeout / 1000:.0f} s waiting for live charts to be drawn: {pending}")


def metric_value(page: Page, label: str) -> Locator:
    """The value of the ``st.metric`` whose label is exactly ``label``."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]').get_by_text(label, exact=True)
    )
    return metric.locator('[data-testid="stMetricValue"]')


def button(page: Page, key: str) -> Locator:
    """The ``st.button`` with this key (Streamlit also draws a zero-width copy of a button with help, to measure it)."""
    return page.locator(f".st-key-{key} button").filter(visible=True)


def exceptions(page: Page) -> Locator:
    return page.locator('[data-testid="stException"]')


def error_alerts(page: Page) -> Locator:
    """``st.error`` boxes (an exception box draws one inside itself; those are left to ``exceptions``)."""
    return page.locator('[data-testid="stAlertContentError"]:not([data-testid="stException"] *)')


def warning_alerts(page: Page) -> Locator:
    return page.locator('[data-testid="stAlertContentWarning"]')


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


# Position of every point of the input plane in its chart's iframe, from plotly's own axes: the plot's box, plus each
# axis' offset in it, plus the axis' data-to-pixel map. The points are in the top layer of the chart (the plot that
# takes clicks). Returns the most isolated point (the largest distance to any other marker), so a click there cannot
# land on a neighbour.
_PLANE_POINT_JS = """(skip) => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')];
    const gd = plots[plots.length - 1];
    if (!gd || !gd._fullLayout || !gd._fullData) return null;
    const box = gd.getBoundingClientRect();
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const points = [];
    gd._fullData.forEach((trace, curve) => {
        if (trace.type !== 'scatter' || !trace.customdata || !trace.visible) return;
        for (let i = 0; i < trace.x.length; i++) {
            const x = xa.l2p(trace.x[i]), y = ya.l2p(trace.y[i]);
            const inside = x >= 0 && x <= xa._length && y >= 0 && y <= ya._length;
            points.push({curve, index: Number(trace.customdata[i][0]), inside,
                         px: box.left + xa._offset + x, py: box.top + ya._offset + y});
        }
    });
    let best = null, bestGap = -1;
    for (const p of points) {
        if (p.index === skip || !p.inside) continue;
        let gap = Infinity;
        for (const q of points) {
            if (q !== p) gap = Math.min(gap, Math.hypot(p.px - q.px, p.py - q.py));
        }
        if (gap > bestGap) { best = p; bestGap = gap; }
    }
    return best && {...best, gap: bestGap, count: points.length};
}"""


def chart_frame(page: Page, chart_key: str):
    """The document inside a live chart's iframe (``ce_app/live_chart.py``), as a Playwright Frame (None if absent)."""
    handle = page.query_selector(f".st-key-{chart_key} iframe")
    return handle.content_frame() if handle else None


def chart_draws(page: Page, chart_key: str) -> list[int]:
    """How many times each layer of a live chart has been drawn so far, bottom first ([] before the first draw)."""
    frame = chart_frame(page, chart_key)
    if frame is None:
        return []
    return frame.evaluate("() => window.ceLiveChart ? window.ceLiveChart.draws() : []")


def plane_point_count(page: Page, chart_key: str = "plane_chart") -> int:
    """How many data points the plane shows (its top layer's traces that carry point indices)."""
    frame = chart_frame(page, chart_key)
    if frame is None:
        return 0
    return frame.evaluate("""() => {
        const plots = [...document.querySelectorAll('.js-plotly-plot')];
        const gd = plots[plots.length - 1];
        if (!gd || !gd._fullData) return 0;
        return gd._fullData.filter(t => t.customdata && t.visible).reduce((n, t) => n + t.x.length, 0);
    }""")


def isolated_plane_point(page: Page, chart_key: str = "plane_chart", skip: int = -1) -> dict | None:
    """The plane's most isolated data point other than ``skip``: {index, px, py, gap, count} in viewport pixels."""
    frame = chart_frame(page, chart_key)
    if frame is None:
        return None
    box = page.locator(f".st-key-{chart_key} iframe").bounding_box()
    point = frame.evaluate(_PLANE_POINT_JS, skip)
    if point is None or box is None:
        return None
    return {**point, "px": point["px"] + box["x"], "py": point["py"] + box["y"]}


# Record every change of a metric's value as the browser paints it: one check per animation frame.
_RECORD_METRIC_JS = """(label) => {
    const read = () => {
        for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
            const l = m.querySelector('[data-testid="stMetricLabel"]');
            if (l && l.innerText.trim() === label) {
                const v = m.querySelector('[data-testid="stMetricValue"]');
                return v ? v.innerText.trim() : null;
            }
        }
        return null;
    };
    const rec = {label, changes: [], last: read(), stop: false, started: performance.now(), stopped: null};
    window.__ceRecorder = rec;
    const tick = () => {
        if (rec.stop) return;
        const value = read();
        if (value !== null && value !== rec.last) {
            rec.last = value;
            rec.changes.push([performance.now(), value]);
        }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}"""


def start_metric_recorder(page: Page, label: str) -> None:
    """Start recording (time in ms, value) each time the metric ``label`` shows a new value."""
    page.evaluate(_RECORD_METRIC_JS, label)


def stop_metric_recorder(page: Page) -> list[tuple[float, str]]:
    """Stop the recorder; the changes it saw, oldest first."""
    js = "() => { const r = window.__ceRecorder; r.stop = true; r.stopped = performance.now(); return r.changes; }"
    return [tuple(c) for c in page.evaluate(js)]


def metric_recorder_seconds(page: Page) -> float:
    """How long the recorder ran, by the page's clock (until now if it has not been stopped)."""
    js = "() => { const r = window.__ceRecorder; return ((r.stopped ?? performance.now()) - r.started) / 1000; }"
    return page.evaluate(js)


def as_int(text: str) -> int:
    """A metric's integer text ('1,234') as an int."""
    return int(text.replace(",", "").strip())


def warm_up(browser, base_url: str) -> None:
    """Open the app once in a throwaway context, so the first script run of the server process is behind us.

    Streamlit runs the first script run of a process with a ``pages/`` folder in its legacy multipage mode (see
    ``test_first_session_on_a_fresh_server_keeps_its_settings``); the other tests should not depend on their order.
    """
    context = browser.new_context()
    try:
        open_app(context.new_page(), base_url)
    finally:
        context.close()
