"""The README's screenshots, made from the real app in headless Chromium (tests never write tracked files).

    python -m bench.screenshot

docs/screenshot.png: the training page at 1400 px wide after two epochs of the spiral lesson (network view on);
docs/presentation.png: presentation mode on a 1280 x 720 projector screen, with the spiral lesson after 600 steps;
docs/dark.png: the training page at 1440 x 900 in the dark theme, with the spiral lesson after 600 steps.
"""

from __future__ import annotations

import sys

from tests.e2e import server, ui

DOCS = server.REPO_ROOT / "docs"
# The page scrolled so that the stage's top (its toolbar) sits just below Streamlit's header.
SCROLL_TO_STAGE_JS = """() => { const main = document.querySelector('[data-testid="stMain"]');
    main.scrollTop += document.querySelector('.st-key-player iframe').getBoundingClientRect().top - 70; }"""
CONTENT_HEIGHT_JS = """() => Math.max(...['stMain', 'stSidebarContent'].map(
    id => document.querySelector(`[data-testid="${id}"]`)?.scrollHeight ?? 0))"""


def _train(page, clicks: int, button: str = "step10") -> None:
    step = ui.metric_value(page, "step")
    for _ in range(clicks):
        before = step.inner_text()
        ui.button(page, button).click()
        page.wait_for_function("([el, text]) => el.textContent !== text", arg=[step.element_handle(), before])
        ui.wait_idle(page)


def _quiet(page) -> None:
    """No hover highlight and no focus ring in the picture."""
    size = page.viewport_size
    page.mouse.move(size["width"] - 5, size["height"] - 5)
    page.evaluate("() => document.activeElement?.blur()")
    page.wait_for_timeout(500)


def main() -> int:
    problem = server.missing_requirements()
    if problem:
        print(f"cannot take the screenshots: {problem}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    DOCS.mkdir(exist_ok=True)
    with server.running_app() as app, sync_playwright() as playwright:
        browser = server.launch_chromium(playwright)
        page = browser.new_page(viewport=ui.VIEWPORT)
        ui.open_app(page, app.url, "/?lesson=spiral&sample=12")
        ui.button(page, "network").click()
        ui.wait_idle(page)
        _train(page, 60)
        for _ in range(3):  # the page scrolls inside its main area: grow the viewport to the content
            height = page.evaluate(CONTENT_HEIGHT_JS)
            if height <= page.viewport_size["height"]:
                break
            page.set_viewport_size({"width": ui.VIEWPORT["width"], "height": height})
            ui.wait_idle(page)
        _quiet(page)
        page.screenshot(path=str(DOCS / "screenshot.png"), full_page=True)

        projector = browser.new_page(viewport=ui.PROJECTOR)
        ui.open_app(projector, app.url, "/?lesson=spiral&present=1&sample=12")
        _train(projector, 60)
        _quiet(projector)
        projector.screenshot(path=str(DOCS / "presentation.png"))

        dark = browser.new_page(viewport={"width": 1440, "height": 900}, color_scheme="dark")
        ui.open_app(dark, app.url, "/?lesson=spiral&sample=12")
        _train(dark, 60)
        dark.evaluate(SCROLL_TO_STAGE_JS)
        _quiet(dark)
        dark.screenshot(path=str(DOCS / "dark.png"))
        browser.close()
    print(f"wrote {DOCS / 'screenshot.png'}, {DOCS / 'presentation.png'} and {DOCS / 'dark.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
