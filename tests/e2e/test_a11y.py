"""WCAG 2.1 AA in the real app: axe-core on every page, in the light and the dark theme, fresh and after an action.

The app follows the viewer's theme (System / Light / Dark in the app menu; System by default), so switching the
browser's colour scheme switches the page live: each test checks one page in one session, in both themes, as it
opens and after something that changes what it shows (where the page after the action holds everything it held
before, only after it: the axe runs cost time). The training stage's inside is checked by its own tests; here the
page around it.
"""

from __future__ import annotations

import pytest

from . import a11y, ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CE_REQUIRE_E2E=1) with the reason
    expect = None

pytestmark = pytest.mark.e2e

SMALL_DATA = "dataset=moons&K=2&n=100"  # quick races and slices

# The app's background is dark (relative luminance under 0.2) in the dark theme and light in the light one.
_THEME_IS_JS = """(scheme) => {
    const [r, g, b] = getComputedStyle(document.querySelector('[data-testid="stApp"]')).backgroundColor
        .match(/\\d+/g).map(Number);
    return ((0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.5) === (scheme === 'dark');
}"""


def _use_theme(page, scheme: str) -> None:
    """Set the system colour scheme and wait until the app has switched to that theme."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_function(_THEME_IS_JS, arg=scheme)


def _check_both_themes(page, state: str, first: str = "light") -> None:
    """Every WCAG A/AA rule and the chart labels on the page as it is in ``first``'s theme; then, in the other
    theme, the colours (a theme changes nothing else)."""
    for scheme, colors_only in ((first, False), ("dark" if first == "light" else "light", True)):
        _use_theme(page, scheme)
        a11y.assert_accessible(page, f"{state}, {scheme} theme", colors_only=colors_only)


def test_training_page_around_the_stage(page, app_url):
    """Test that the training page's document (the stage's frame aside) has no WCAG A/AA violation in either theme,
    when it opens and after a Step; and that the app menu offers System, Light and Dark, the viewer's choice
    winning over the device's."""
    ui.open_app(page, app_url)
    _check_both_themes(page, "on the training page as it opens")
    ui.act(page, ui.button(page, "step").click, lambda: expect(ui.metric_value(page, "step")).to_have_text("1"))
    _check_both_themes(page, "on the training page after a Step", first="dark")
    _use_theme(page, "dark")
    page.locator('[data-testid="stMainMenu"] button').click()
    choices = page.get_by_role("menuitemradio")
    expect(choices).to_have_count(3)
    expect(choices).to_contain_text(["System", "Light", "Dark"])
    choices.filter(has_text="Light").click()
    page.wait_for_function(_THEME_IS_JS, arg="light")


def test_derivation_page(page, app_url):
    """Test that Why p − y? has no WCAG A/AA violation in either theme with a gradient check's results on screen
    (the page as it opens, plus the check's table and verdict)."""
    ui.open_app(page, app_url, f"/derivation?{SMALL_DATA}")
    ui.act(page, ui.streamlit_button(page, "btn_gradcheck").click,
           lambda: expect(page.get_by_text("Every parameter passes")).to_be_visible())  # fmt: skip
    _check_both_themes(page, "on Why p − y? after a gradient check")


def test_landscape_page(page, app_url):
    """Test that the loss landscape has no WCAG A/AA violation in either theme with the slice it computes as it
    opens (its chart, metrics and every control on screen)."""
    ui.open_app(page, app_url, f"/landscape?{SMALL_DATA}")
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)
    _check_both_themes(page, "on the loss landscape with a computed slice")


def test_race_page(page, app_url):
    """Test that the optimizer race has no WCAG A/AA violation in either theme after a race (the page as it opens,
    plus the results: table, curves, region maps, the shared landscape)."""
    ui.open_app(page, app_url, f"/race?{SMALL_DATA}")
    ui.act(page, ui.streamlit_button(page, "btn_race").click,
           lambda: expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(5))  # fmt: skip
    _check_both_themes(page, "on the optimizer race after a race")
