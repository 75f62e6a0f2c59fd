"""The training page as it loads: what moves, and what the first paint fetches. Timings are ``bench.browser``'s."""

from __future__ import annotations

import pytest

from . import layout, ui

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1440, "height": 900}  # the size bench.browser measures load times at


def test_the_training_page_holds_still_while_it_loads(browser, app_url):
    """Test that nothing in the training page's main area moves more than 50 px once it has appeared on screen,
    from the first paint until the stage is drawn, and that the first paint fetches no code of elements that are
    only drawn on request (the share link's 1.5 MB syntax highlighter)."""
    context = browser.new_context(viewport=LAPTOP)
    layout.record_movement(context)
    page = context.new_page()
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    try:
        ui.open_app(page, app_url)
        page.wait_for_timeout(300)  # the stage settles its height in a frame or two after its first drawing
        moved = [(name, px) for name, px in layout.movement(page) if px > layout.MAX_MOVE_PX]
        assert not moved, f"moved more than {layout.MAX_MOVE_PX} px after appearing (element, px): {moved}"
        highlighter = [url for url in fetched if "SyntaxHighlighter" in url]
        assert not highlighter, f"the first paint loads code only the share popover needs: {highlighter}"
    finally:
        context.close()
