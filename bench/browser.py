"""What a student feels in the browser: click latency, auto-run frame rate and bytes per frame on the training page.

    python -m bench.browser            # 20 clicks, 10 s of auto-run
    python -m bench.browser --quick    # 5 clicks, 4 s of auto-run, for a smoke run

Starts ``streamlit run app.py`` on a free localhost port (the same way the browser tests do, ``tests/e2e/server.py``)
and drives it with headless Chromium, on the link ``/?dataset=blobs&K=4&n=500&layers=1&width=32`` (N = 500 points,
K = 4 classes, one hidden layer of 32 units):

(a) Step latency: a click on Step, until the Step metric shows the new value on the next painted frame. Timed inside
    the page (performance.now around button.click(), a MutationObserver, then one requestAnimationFrame), so the
    figure excludes Playwright's own round trips. Also reported: click until the whole run has finished.
(b) Auto-run at 10 frames/s with 10 steps per frame (``&fps=10&spf=10``): a requestAnimationFrame poller in the page
    notes each time the Step metric shows a new value; the figures are visible updates per second and the p50/p95
    time between them. For comparison, the fragment runs the server finished per second.
(c) Bytes per frame during (b): every websocket message the browser receives is parsed as a Streamlit ForwardMsg
    and counted towards the fragment run it belongs to (a run ends with its ``script_finished`` message); the figure
    is the median over those runs, in KiB.

Not run as a test: the figures depend on the machine and on whatever else it is doing (the load average is
printed next to them). The exit status is 1 if a figure misses its target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version

import numpy as np

from bench.core import cpu_model
from tests.e2e import server, ui

LINK = "/?dataset=blobs&K=4&n=500&layers=1&width=32"
AUTO_RUN = "&fps=10&spf=10"
TARGET_CLICK_MS = 300.0
TARGET_UPDATES_PER_S = 8.0
TARGET_KIB_PER_FRAME = 150.0
CLICK_TIMEOUT_MS = 10_000
FRAGMENT_RUN_DONE = 3  # ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY in streamlit/proto/ForwardMsg.proto

# One click on a button, timed in the page: until the metric shows `expected` on a painted frame, and until the run
# that the click started has finished. Resolves {shown, finished} in ms (null where it did not happen in time).
_TIMED_CLICK_JS = """async ([key, label, expected, timeoutMs]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const button = [...document.querySelectorAll(`.st-key-${key} button`)].find(b => b.getBoundingClientRect().width > 0);
    const read = () => {
        for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
            const l = m.querySelector('[data-testid="stMetricLabel"]');
            if (l && l.innerText.trim() === label) return m.querySelector('[data-testid="stMetricValue"]')?.innerText.trim();
        }
        return null;
    };
    const idle = () => app.dataset.testScriptState === 'notRunning'
        && !document.querySelector('[data-testid="stSkeleton"]');
    return await new Promise((resolve) => {
        let shown = null, runSeen = false, finished = null;
        const t0 = performance.now();
        const observer = new MutationObserver(() => {
            if (app.dataset.testScriptState === 'running') runSeen = true;
            if (shown === null && read() === expected) {
                shown = -1;  // the value is in the DOM: it is on screen at the next painted frame
                requestAnimationFrame(() => { shown = performance.now() - t0; });
            }
        });
        observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                                         attributeFilter: ['data-test-script-state']});
        const poll = () => {
            const now = performance.now() - t0;
            if (finished === null && runSeen && idle()) finished = now;
            if ((shown > 0 && finished !== null) || now > timeoutMs) {
                observer.disconnect();
                resolve({shown: shown > 0 ? shown : null, finished});
            } else {
                requestAnimationFrame(poll);
            }
        };
        button.click();
        requestAnimationFrame(poll);
    });
}"""


# Milliseconds the page's main thread spends in long tasks (> 50 ms: script, style, layout), from now on.
_LONG_TASKS_JS = """() => {
    const log = {tasks: [], start: performance.now()};
    log.observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) log.tasks.push([e.startTime, e.startTime + e.duration]);
    });
    log.observer.observe({type: 'longtask'});
    window.__ceLongTasks = log;
}"""
# Stop it; the share of the time since the start spent in long tasks (each task clipped to the window).
_LONG_TASKS_SHARE_JS = """() => {
    const log = window.__ceLongTasks, end = performance.now();
    log.observer.disconnect();
    let busy = 0;
    for (const [a, b] of log.tasks) busy += Math.max(0, Math.min(b, end) - Math.max(a, log.start));
    return busy / (end - log.start);
}"""


@dataclass
class SocketLog:
    """The websocket traffic of a measurement: messages received (time, bytes, ends a fragment run?) and the times
    at which the browser asked for a rerun."""

    recording: bool = False
    messages: list = field(default_factory=list)
    rerun_requests: list = field(default_factory=list)
    errors: int = 0

    def on_websocket(self, socket) -> None:
        socket.on("framereceived", self._received)
        socket.on("framesent", self._sent)

    def _received(self, payload) -> None:
        if not self.recording:
            return
        try:  # an exception here would surface inside Playwright's next call, far from its cause
            from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

            data = payload if isinstance(payload, bytes) else payload.encode()
            message = ForwardMsg()
            message.ParseFromString(data)
            fragment_done = (
                message.WhichOneof("type") == "script_finished" and message.script_finished == FRAGMENT_RUN_DONE
            )
            self.messages.append((time.perf_counter(), len(data), fragment_done))
        except Exception:
            self.errors += 1

    def _sent(self, payload) -> None:
        if not self.recording:
            return
        try:
            from streamlit.proto.BackMsg_pb2 import BackMsg

            message = BackMsg()
            message.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
            if message.WhichOneof("type") == "rerun_script":
                self.rerun_requests.append(time.perf_counter())
        except Exception:
            self.errors += 1

    def bytes_per_fragment_run(self) -> list[int]:
        """Bytes of each complete fragment run (the messages after one run's end, up to and including the next)."""
        runs, current, started = [], 0, False
        for _, size, fragment_done in self.messages:
            current += size
            if fragment_done:
                if started:  # the first run may have begun before recording did
                    runs.append(current)
                started, current = True, 0
        return runs

    def request_to_finish_ms(self) -> list[float]:
        """For each fragment run: ms from the browser's latest rerun request to the run's last message (the server's
        share of a frame, plus the local network)."""
        out = []
        for when, _, fragment_done in self.messages:
            asked = [t for t in self.rerun_requests if t <= when]
            if fragment_done and asked:
                out.append((when - asked[-1]) * 1000)
        return out


def machine() -> str:
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cpu_model()}, {os.cpu_count()} cores, load average {load} (1/5/15 min)"


def row(name: str, value: float, unit: str, target: str = "", ok: bool | None = None) -> str:
    verdict = "" if ok is None else ("PASS" if ok else "MISS")
    return f"  {name:<50} {value:>8.1f} {unit:<5} {target:<12} {verdict}"


def measure_clicks(browser, url: str, link: str, clicks: int) -> tuple[list[float], list[float]]:
    """(a): ms from a click on Step until the new Step value is painted, and until the run has finished."""
    context = browser.new_context(viewport=ui.VIEWPORT)
    page = context.new_page()
    try:
        ui.open_app(page, url, link)
        shown, finished = [], []
        for _ in range(clicks + 1):  # the first click is a warm-up (first layout of the batch panels)
            expected = f"{ui.as_int(ui.metric_value(page, 'Step').inner_text()) + 1:,}"
            result = page.evaluate(_TIMED_CLICK_JS, ["btn_step", "Step", expected, CLICK_TIMEOUT_MS])
            ui.wait_idle(page)
            page.wait_for_timeout(100)  # let the browser settle, as a student would between clicks
            if result["shown"] is None:
                raise RuntimeError(f"the Step metric did not show {expected} within {CLICK_TIMEOUT_MS} ms")
            shown.append(result["shown"])
            finished.append(result["finished"] if result["finished"] is not None else float("nan"))
        return shown[1:], finished[1:]
    finally:
        context.close()


def measure_auto_run(browser, url: str, link: str, seconds: float):
    """(b) and (c): visible Step updates (time in ms, value), the websocket log, the share of long tasks and how
    often the plane's moving layer was redrawn, over `seconds` of auto-run."""
    sockets = SocketLog()
    context = browser.new_context(viewport=ui.VIEWPORT)
    page = context.new_page()
    page.on("websocket", sockets.on_websocket)
    try:
        ui.open_app(page, url, link + AUTO_RUN)
        play = ui.button(page, "btn_play")
        play.click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.st-key-btn_pause button')].some(b => b.innerText.includes('Pause'))",
            timeout=ui.DEFAULT_TIMEOUT_MS,
        )
        page.wait_for_timeout(1000)  # the first frames pay for the first layout of every chart
        sockets.recording = True
        page.evaluate(_LONG_TASKS_JS)
        ui.start_metric_recorder(page, "Step")
        draws_before = ui.chart_draws(page, "plane_chart")
        page.wait_for_timeout(seconds * 1000)
        changes = ui.stop_metric_recorder(page)
        draws_after = ui.chart_draws(page, "plane_chart")
        plane_draws = draws_after[0] - draws_before[0] if draws_before and draws_after else 0
        sockets.recording = False
        elapsed = ui.metric_recorder_seconds(page)
        busy = page.evaluate(_LONG_TASKS_SHARE_JS)
        ui.button(page, "btn_pause").click()  # pause, so the server stops stepping before the context goes
        return changes, sockets, elapsed, busy, plane_draws
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 clicks and 4 s of auto-run")
    parser.add_argument("--link", default=LINK, help=f"the page to measure (default {LINK}); "
                        f"{AUTO_RUN} is appended for the auto-run")  # fmt: skip
    args = parser.parse_args(argv)
    clicks, seconds = (5, 4.0) if args.quick else (20, 10.0)

    problem = server.missing_requirements()
    if problem:
        print(f"cannot run the browser benchmark: {problem}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with server.running_app() as app, sync_playwright() as playwright:
        browser = server.launch_chromium(playwright)
        try:
            ui.warm_up(browser, app.url)
            print("Cross-Entropy Playground, training page in headless Chromium")
            print(f"  machine: {machine()}")
            print(f"  Chromium {browser.version}, Streamlit {version('streamlit')}, Plotly {version('plotly')}")
            print(f"  link: {args.link}" + ("  (N = 500, K = 4, one hidden layer of 32)" if args.link == LINK else ""))
            shown, finished = measure_clicks(browser, app.url, args.link, clicks)
            changes, sockets, elapsed, busy, plane_draws = measure_auto_run(browser, app.url, args.link, seconds)
        finally:
            browser.close()

    results = []
    print(f"\n(a) click on Step -> Step metric shows the new value ({clicks} clicks, after one warm-up click)")
    for name, q in (("median", 50), ("p90", 90)):
        value = float(np.percentile(shown, q))
        results.append(value < TARGET_CLICK_MS)
        print(row(f"{name}", value, "ms", f"< {TARGET_CLICK_MS:.0f} ms", results[-1]))
    print(row("median, click until the whole run finished", float(np.nanmedian(finished)), "ms"))

    print(f"\n(b) auto-run at 10 frames/s, 10 steps per frame ({AUTO_RUN[1:]}), {elapsed:.1f} s")
    times = [t for t, _ in changes]
    steps = [ui.as_int(v) for _, v in changes]
    rate = len(changes) / elapsed
    results.append(rate >= TARGET_UPDATES_PER_S)
    print(row("visible Step updates per second", rate, "/s", f">= {TARGET_UPDATES_PER_S:.0f} /s", results[-1]))
    print(row("input plane redrawn per second (regions and rings)", plane_draws / elapsed, "/s"))
    gaps = np.diff(times)
    if len(gaps):
        print(row("time between visible updates, p50", float(np.percentile(gaps, 50)), "ms"))
        print(row("time between visible updates, p95", float(np.percentile(gaps, 95)), "ms"))
    runs = sockets.bytes_per_fragment_run()
    finished_runs = sum(done for _, _, done in sockets.messages)
    print(row("fragment runs finished by the server per second", finished_runs / elapsed, "/s"))
    served = sockets.request_to_finish_ms()
    if served:
        print(row("rerun request -> run finished (server), median", float(np.median(served)), "ms"))
    print(row("browser main thread busy in long tasks (> 50 ms)", 100 * busy, "%"))
    if len(steps) > 1:
        print(row("SGD steps per visible update (10 = no frame lost)", (steps[-1] - steps[0]) / (len(steps) - 1), ""))

    print("\n(c) websocket bytes received per auto-run frame (one fragment run)")
    if runs:
        kib = statistics.median(runs) / 1024
        results.append(kib < TARGET_KIB_PER_FRAME)
        print(row(f"median over {len(runs)} frames", kib, "KiB", f"< {TARGET_KIB_PER_FRAME:.0f} KiB", results[-1]))
        print(row("max", max(runs) / 1024, "KiB"))
        total = sum(size for _, size, _ in sockets.messages)
        print(row("all messages during the auto-run, per second", total / 1024 / elapsed, "KiB/s"))
    else:
        results.append(False)
        print("  no complete fragment run was seen on the websocket: MISS")
    if sockets.errors:
        print(f"  ({sockets.errors} websocket messages could not be parsed as ForwardMsg)")

    missed = results.count(False)
    print(f"\n{len(results) - missed} of {len(results)} figures within target")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
