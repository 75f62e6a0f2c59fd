"""How long a link takes to become usable in headless Chromium, measured inside the page (part (a) of bench.browser).

    python -m bench.page_load            # 5 loads of each: fresh server, warm server, and the other pages
    python -m bench.page_load --runs 3
    python -m bench.page_load --app-dir /tmp/before   # the same figures for another checkout (e.g. `git archive`)

Times run from the navigation's start (``performance.timeOrigin`` of the page) to:

- usable, training page: the first moment (polled every 5 ms) the stage shows a frame and its Step button is enabled,
  i.e. a click on Step would work (noted by a script in the stage's own document, in the page's clock);
- usable, other pages: the first animation frame after the page's first script run has finished with nothing
  left loading: no skeleton, every chart drawn;
- first paint: the browser's first contentful paint (before it the window is blank).

Each load is a new browser context (an empty cache, a new session) at 1440 x 900. "Fresh server": the first page a
newly started ``streamlit run`` serves, one new server per load; "warm": a server that has served one page already.
Medians of the runs are printed; the machine's load average goes with them, since other work slows both.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.e2e import layout, server, ui

LAPTOP = {"width": 1440, "height": 900}
TRAIN_LINK = "/?dataset=spiral&K=4&n=500&layers=1&width=32"  # also bench.browser's link
OTHER_PAGES = ("/derivation", "/landscape", "/race")
BUDGETS = {"fresh_s": 3.0, "warm_s": 2.0, "page_s": 3.0}  # issue 17

# In every document of the page, before the app's code: the top document notes its first contentful paint and when
# it is usable (pages without a stage); the stage's document notes when Step would work, in the top's clock.
_RECORDER_JS = """(() => {
    const top = window.top;
    const sinceNavigation = () => performance.timeOrigin + performance.now() - top.performance.timeOrigin;
    if (window === top) {
        const rec = window.__ceLoad = {firstPaint: null, usable: null, pageUsable: null, ran: false};
        new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) {
                if (entry.name === 'first-contentful-paint') rec.firstPaint = entry.startTime;
            }
        }).observe({type: 'paint', buffered: true});
        const tick = () => {
            const app = document.querySelector('[data-testid="stApp"]');
            const state = app && app.dataset.testScriptState;
            if (state === 'running') rec.ran = true;
            const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
            if (rec.ran && state === 'notRunning' && document.querySelector('h1')
                && !document.querySelector('[data-testid="stSkeleton"]')
                && charts.every((chart) => chart.querySelector('.main-svg'))) {
                rec.pageUsable = sinceNavigation();
                return;
            }
            requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
        return;
    }
    // A timer, not animation frames: Chromium runs none in the frame while it is 0 px tall.
    const poll = setInterval(() => {
        const step = document.querySelector('#toolbar button[data-key=step]');
        if (window.cePlayer && window.cePlayer.step !== null && step && !step.disabled) {
            clearInterval(poll);
            try { if (top.__ceLoad.usable === null) top.__ceLoad.usable = sinceNavigation(); } catch (e) { }
        }
    }, 5);
})();"""


@dataclass(frozen=True)
class Load:
    """One page load, in seconds from the navigation's start."""

    usable: float  # Step would work (training page), or the page is drawn and idle (other pages)
    first_paint: float  # first contentful paint
    moved_px: int  # the largest move of a main-area element after it appeared (tests/e2e/layout.py)


def load(browser, base_url: str, path: str, timeout: float = 60.0) -> Load:
    """Open ``path`` in a new context and wait until it is usable (see the module doc)."""
    stage = path.startswith("/?") or path == "/"
    context = browser.new_context(viewport=LAPTOP)
    context.add_init_script(_RECORDER_JS)
    layout.record_movement(context)
    page = context.new_page()
    try:
        page.goto(base_url + path, wait_until="commit")
        deadline = time.monotonic() + timeout
        key = "usable" if stage else "pageUsable"
        while time.monotonic() < deadline:
            rec = page.evaluate("() => window.__ceLoad || null")
            if rec and rec[key] is not None and rec["firstPaint"] is not None:
                moved = layout.movement(page)
                return Load(rec[key] / 1000, rec["firstPaint"] / 1000, moved[0][1] if moved else 0)
            page.wait_for_timeout(100)  # rarely: every poll runs on the page's main thread
        raise RuntimeError(f"{path} did not become usable within {timeout:.0f} s")
    finally:
        context.close()


@contextlib.contextmanager
def serving(app_dir: Path) -> Iterator[str]:
    """``streamlit run app.py`` from ``app_dir`` on a free port (as tests/e2e/server.py does); yields its URL."""
    port = server.free_port()
    process = subprocess.Popen(server.app_command(port), cwd=app_dir, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + server.HEALTH_TIMEOUT_S
        while not server.healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app in {app_dir} did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def fresh_loads(browser, app_dir: Path, path: str, runs: int) -> list[Load]:
    """The first page of ``runs`` newly started servers."""
    loads = []
    for _ in range(runs):
        with serving(app_dir) as url:
            loads.append(load(browser, url, path))
    return loads


def warm_loads(browser, base_url: str, path: str, runs: int) -> list[Load]:
    """``runs`` loads of ``path`` on a server that has served a page already (each a new session)."""
    return [load(browser, base_url, path) for _ in range(runs)]


def summary(name: str, loads: list[Load], budget: float | None) -> tuple[str, bool]:
    usable = float(np.median([x.usable for x in loads]))
    paint = float(np.median([x.first_paint for x in loads]))
    moved = max(x.moved_px for x in loads)
    ok = budget is None or usable <= budget
    verdict = "" if budget is None else f"<= {budget:g} s {'PASS' if ok else 'MISS'}"
    line = (f"  {name:<44} usable {usable:5.2f} s  first paint {paint:4.2f} s  largest move {moved:4d} px  "
            f"{verdict}  (runs: {', '.join(f'{x.usable:.2f}' for x in loads)})")  # fmt: skip
    return line, ok


def measure(browser, runs: int, app_dir: Path = server.REPO_ROOT) -> list[tuple[str, bool]]:
    """Every load figure: the training page fresh and warm, the other pages warm and the first of them fresh."""
    with serving(app_dir) as base_url:
        ui.warm_up(browser, base_url)
        warm = [warm_loads(browser, base_url, path, runs) for path in (TRAIN_LINK, *OTHER_PAGES)]
    lines = [
        summary(
            f"training page, fresh server (median of {runs})",
            fresh_loads(browser, app_dir, TRAIN_LINK, runs),
            BUDGETS["fresh_s"],
        ),
        summary(f"training page, warm server (median of {runs})", warm[0], BUDGETS["warm_s"]),
    ]
    for path, loads in zip(OTHER_PAGES, warm[1:], strict=True):
        lines.append(summary(f"{path}, warm server (median of {runs})", loads, BUDGETS["page_s"]))
    lines.append(summary(f"{OTHER_PAGES[0]}, fresh server (median of {runs})",
                         fresh_loads(browser, app_dir, OTHER_PAGES[0], runs), BUDGETS["page_s"]))  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    from bench.browser import machine

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="loads per figure (default 5)")
    parser.add_argument("--app-dir", type=Path, default=server.REPO_ROOT, help="serve the app from this checkout")
    args = parser.parse_args(argv)
    problem = server.missing_requirements()
    if problem:
        print(f"cannot run the load benchmark: {problem}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = server.launch_chromium(playwright)
        try:
            print(f"Page loads in headless Chromium {browser.version} at 1440 x 900, app from {args.app_dir}")
            print(f"  machine: {machine()}")
            lines = measure(browser, args.runs, args.app_dir)
        finally:
            browser.close()
    for line, _ in lines:
        print(line)
    return 0 if all(ok for _, ok in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
