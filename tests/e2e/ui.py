"""Reading and driving the app's page in Chromium: waits, the training stage, its buttons and its plane.

Shared by the browser tests and the benchmarks. Streamlit elements are found by their ``data-testid`` and by the
``st-key-<key>`` class Streamlit gives every element that has a ``key``; the training stage lives in the player
component's frame (``ce_app/player_frontend``), whose controls carry ``data-key`` and whose metrics carry
``data-metric``, and which reports what it shows on ``window.cePlayer``.

Every wait waits for an outcome (the step count, the selected point, the address, a notice), never for having seen
a script run start: on a busy machine a run can start and end between two polls.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing this module must not need playwright: the tests skip cleanly without it
    from playwright.sync_api import Frame, FrameLocator, Locator, Page

VIEWPORT = {"width": 1400, "height": 1000}  # a laptop screen
PROJECTOR = {"width": 1280, "height": 720}
DEFAULT_TIMEOUT_MS = 30_000  # a cold first run builds the data; a shared 2-core runner is slow
STAGE_IFRAME = ".st-key-player iframe"
# How often a wait checks its condition in the page. Playwright's default checks on every animation frame, which
# keeps the page drawing 60 frames a second for as long as a test waits: on the 2-core runner that was a good part
# of the browser's CPU across the suite (and slowed the app under test); 50 ms adds at most that to a wait.
POLL_MS = 50

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
        page.wait_for_function(condition_js, timeout=timeout, polling=POLL_MS)
    except PlaywrightTimeout:
        raise AssertionError(
            f"timed out after {timeout / 1000:.0f} s waiting for {what}: {page.evaluate(_STATE_JS)}"
        ) from None


def wait_idle(page: Page, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until the current script run has finished and nothing is left loading."""
    _wait(page, _IDLE_JS, "the script run to finish", timeout)


def act(page: Page, action, outcome, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Do ``action()`` (a click, a key press) on an idle page, then wait for ``outcome()`` and for the app to be
    idle again.

    ``outcome`` is what the action must change, as a Playwright assertion that retries until it holds (e.g.
    ``lambda: expect(step).to_have_text("1")``).
    """
    wait_idle(page, timeout)
    action()
    outcome()
    wait_idle(page, timeout)


def open_app(page: Page, base_url: str, path: str = "/", timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Load a page of the app (a new session) and wait for its first run to finish (and the stage, if any)."""
    page.goto(base_url + path, wait_until="domcontentloaded", timeout=timeout)
    # The first run has not started when the page has just loaded; something of it must be drawn before idle counts.
    page.locator('[data-testid="stMain"] [data-testid="stElementContainer"]').first.wait_for(timeout=timeout)
    wait_idle(page, timeout)
    if page.locator(STAGE_IFRAME).count():
        wait_stage_drawn(page, timeout)


# ------------------------------------------------------------------------------------------------------------------
# The training stage
# ------------------------------------------------------------------------------------------------------------------
def stage(page: Page) -> FrameLocator:
    return page.frame_locator(STAGE_IFRAME)


def stage_frame(page: Page) -> Frame | None:
    """The stage's document as a Playwright Frame (None before the player is on the page)."""
    handle = page.query_selector(STAGE_IFRAME)
    return handle.content_frame() if handle else None


def wait_stage_drawn(page: Page, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until the stage shows a frame (it draws its first one after the page's run has finished)."""
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        frame = stage_frame(page)
        try:
            if frame is not None and frame.evaluate("() => !!window.cePlayer && window.cePlayer.step !== null"):
                return
        except Exception:  # a frame that is being replaced: look again
            pass
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out after {timeout / 1000:.0f} s waiting for the stage to draw a frame")


def player(page: Page) -> dict:
    """What the stage reports: the step on screen, whether it plays, and its playing statistics."""
    return stage_frame(page).evaluate(
        "() => ({step: window.cePlayer.step, playing: window.cePlayer.playing, stats: window.cePlayer.stats})"
    )


def metric_value(page: Page, key: str) -> Locator:
    """The text of one of the stage's metrics: step, epoch, train_loss, test_loss, train_acc, test_acc, grad_norm."""
    return stage(page).locator(f'[data-metric="{key}"] .value')


def button(page: Page, key: str) -> Locator:
    """A button of the stage's toolbar by its key: step, step10, epoch, play (reads pause while playing), reset."""
    return stage(page).locator(f'#toolbar button[data-key="{key}"]')


def streamlit_button(page: Page, key: str) -> Locator:
    """The ``st.button`` with this key (Streamlit also draws a zero-width copy of a button with help, to measure it)."""
    return page.locator(f".st-key-{key} button").filter(visible=True)


def point_input(page: Page) -> Locator:
    return stage(page).get_by_role("spinbutton", name="Selected point #")


def isolated_point(page: Page, skip: int = -1) -> dict | None:
    """The plane's most isolated point other than ``skip``, in page pixels: {index, px, py, gap}."""
    frame = stage_frame(page)
    points = frame.evaluate("() => window.cePlayer.pointPixels()")
    box = page.locator(STAGE_IFRAME).bounding_box()
    best, best_gap = None, -1.0
    for index, x, y in points:
        if index == skip:
            continue
        gap = min((((x - a) ** 2 + (y - b) ** 2) ** 0.5 for j, a, b in points if j != index), default=1e9)
        if gap > best_gap:
            best, best_gap = (index, x, y), gap
    if best is None or box is None:
        return None
    return {"index": best[0], "px": box["x"] + best[1], "py": box["y"] + best[2], "gap": best_gap}


def point_count(page: Page) -> int:
    return stage_frame(page).evaluate("() => window.cePlayer.pointCount()")


def plane_box(page: Page) -> dict:
    """The plane's canvas on the page: {x, y, width, height} in page pixels."""
    frame_box = page.locator(STAGE_IFRAME).bounding_box()
    inner = stage(page).locator("#plane").bounding_box()
    return {"x": inner["x"], "y": inner["y"], "width": inner["width"], "height": inner["height"], "frame": frame_box}


# ------------------------------------------------------------------------------------------------------------------
# The rest of the page
# ------------------------------------------------------------------------------------------------------------------
def exceptions(page: Page) -> Locator:
    return page.locator('[data-testid="stException"]')


def error_alerts(page: Page) -> Locator:
    """``st.error`` boxes (an exception box draws one inside itself; those are left to ``exceptions``)."""
    return page.locator('[data-testid="stAlertContentError"]:not([data-testid="stException"] *)')


def warning_alerts(page: Page) -> Locator:
    return page.locator('[data-testid="stAlertContentWarning"]')


def toasts(page: Page) -> Locator:
    """The notices of the page (``st.toast``): a link's fallbacks, restarts, uploads."""
    return page.locator('[data-testid="stToast"]')


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


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
