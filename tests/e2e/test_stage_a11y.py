"""WCAG 2.1 AA inside the training stage (its own document, in its iframe), in one session that goes through the
states the issue names: fresh, after a Step, paused after Play, the network view, the dark theme and draw mode
(presentation mode is checked at each projector size in test_projectors.py). Besides axe-core: every canvas has a
role, a name and a description made from the numbers on screen; a polite live region says what Step, Pause and
Reset did; points and network units are chosen with keys; the focus ring has 3:1 against what surrounds it.
"""

from __future__ import annotations

import re

import pytest

from . import a11y, ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CE_REQUIRE_E2E=1) with the reason
    expect = None

pytestmark = pytest.mark.e2e

LINK = "/?dataset=circles&K=3&n=120&layers=1&width=4&seed=2"  # small, three classes, a hidden layer to look into

# Canvases a screen reader meets (not aria-hidden) that lack a role or a name.
_UNNAMED_CANVASES_JS = """() => [...document.querySelectorAll('canvas')]
    .filter((c) => c.getAttribute('aria-hidden') !== 'true' && !c.closest('[aria-hidden="true"]'))
    .filter((c) => !c.getAttribute('role') || !(c.getAttribute('aria-label') || '').trim())
    .map((c) => c.id || c.parentElement.id || c.outerHTML.slice(0, 80))"""

# The description of a canvas (its aria-describedby), as a reader hears it.
_DESCRIPTION_JS = """(selector) => (document.querySelector(selector).getAttribute('aria-describedby') || '').split(' ')
    .map((id) => document.getElementById(id)?.textContent || '').join(' ')"""

# The focused element's focus ring: visible by keyboard, its colour and width, and the colour around it.
_FOCUS_RING_JS = """() => {
    const el = document.activeElement, cs = getComputedStyle(el);
    return {tag: el.tagName, key: el.dataset.key || el.getAttribute('aria-label') || el.textContent.trim().slice(0, 20),
            visible: el.matches(':focus-visible'), style: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
            offset: parseFloat(cs.outlineOffset), color: cs.outlineColor,
            around: getComputedStyle(document.documentElement).backgroundColor};
}"""

_SELECTED_JS = "() => ceStage.view.selected"


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


def _contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast of two CSS colours."""

    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    hi, lo = sorted((luminance(_rgb(a)), luminance(_rgb(b))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _tab_to(page, before: str) -> dict:
    """Focus ``before`` in the stage, press Tab (a keyboard's focus, so :focus-visible), and describe the ring."""
    frame = ui.stage_frame(page)
    frame.focus(before)
    page.keyboard.press("Tab")
    return frame.evaluate(_FOCUS_RING_JS)


def _assert_ring(ring: dict, what: str) -> None:
    assert ring["visible"] and ring["style"] != "none" and ring["width"] >= 2, f"{what}: no visible focus ring {ring}"
    assert ring["offset"] >= 1, f"{what}: the ring touches the control (its colour must stand out from it) {ring}"
    ratio = _contrast(ring["color"], ring["around"])
    assert ratio >= 3, f"{what}: focus ring {ring['color']} on {ring['around']} is {ratio:.2f}:1"


def _key_selects(page, key: str, before: int) -> int:
    """Press ``key`` and wait until another point than ``before`` is selected and said aloud; returns it."""
    page.keyboard.press(key)
    page.wait_for_function("(i) => document.querySelector('.st-key-player iframe').contentWindow.ceStage.view.selected !== i",
                           arg=before)  # fmt: skip
    selected = ui.stage_frame(page).evaluate(_SELECTED_JS)
    expect(ui.stage(page).locator("#announce")).to_contain_text(f"Selected: point {selected},")
    return selected


def test_the_stage_is_accessible_in_every_state(page, app_url):
    """Test, in one session: axe finds nothing inside the stage fresh, after a Step, paused after Play, with the
    network view, in the dark theme and in draw mode; the frame has a meaningful title; every canvas has a role, a
    name and a description with the numbers on screen; the live region says what Step, Pause and Reset did; ], m
    and an arrow key on the plane choose points and say which; a unit of the network is reached and chosen with
    keys; and the focus ring has 3:1 on the Play button, the chosen pill, the plane and a unit."""
    ui.open_app(page, app_url, LINK)
    frame = ui.stage_frame(page)
    title = page.locator(ui.STAGE_IFRAME).get_attribute("title")
    assert title.startswith("Training stage"), f"the stage's frame is titled {title!r}"
    a11y.assert_stage_accessible(page, "as it opens")
    assert frame.evaluate(_UNNAMED_CANVASES_JS) == [], "canvases without a role or a name"

    announce = ui.stage(page).locator("#announce")
    loss = ui.metric_value(page, "train_loss")
    ui.act(page, ui.button(page, "step").click, lambda: expect(announce).to_contain_text("One step: now step 1"))
    expect(announce).to_contain_text(f"train loss {loss.inner_text()}")
    plane = frame.evaluate(_DESCRIPTION_JS, "#plane canvas[role]")
    accuracy = ui.metric_value(page, "train_acc").inner_text()
    assert f"Training accuracy {accuracy}" in plane and "The model predicts class" in plane, plane
    assert "Selected: point 0" in plane, plane
    assert "From step 0 to 1: train loss" in frame.evaluate(_DESCRIPTION_JS, "#loss-curve"), "the curves' description"
    a11y.assert_stage_accessible(page, "after a Step")

    _assert_ring(_tab_to(page, '#toolbar button[data-key="epoch"]'), "the Play button")
    _assert_ring(_tab_to(page, '#toolbar button[data-key="draw"]'), "the chosen colour pill")
    ring = _tab_to(page, "#modes button:last-of-type")
    assert ring["tag"] == "CANVAS", f"Tab after the pills reaches {ring['tag']} {ring['key']}, not the plane"
    _assert_ring(ring, "the plane")

    assert _key_selects(page, "]", 0) == 1, "] on the plane: the next point"
    wrong = _key_selects(page, "m", 1)
    assert frame.evaluate("(i) => (ceStage.frame.wrong[i >> 3] >> (i & 7)) & 1", wrong) == 1, "m chose a right point"
    expect(announce).to_contain_text("wrong: misclassified")
    x_before = frame.evaluate("(i) => ceStage.plane.pixels[2 * i]", wrong)
    left = _key_selects(page, "ArrowLeft", wrong)
    assert frame.evaluate("(i) => ceStage.plane.pixels[2 * i]", left) < x_before, "← chose a point further right"

    ui.button(page, "play").click()
    page.wait_for_function(
        "() => document.querySelector('.st-key-player iframe').contentWindow.cePlayer.stats.shown >= 3"
    )
    ui.button(page, "pause").click()
    expect(announce).to_contain_text("Paused at step")
    ui.wait_idle(page)
    a11y.assert_stage_accessible(page, "paused after Play")

    ui.act(page, ui.button(page, "network").click, lambda: expect(ui.stage(page).locator("#network")).to_be_visible())
    units = ui.stage(page).locator("#network button.unit")
    expect(units).to_have_count(4 + 3)
    assert frame.evaluate("() => document.querySelectorAll('#network button.unit[tabindex=\"0\"]').length") == 1
    ring = _tab_to(page, '#toolbar button[data-key="draw"]')  # from the toolbar, past the pills and the plane
    for _ in range(8):
        if ring["tag"] == "BUTTON" and ring["key"].startswith("h1 unit"):
            break
        page.keyboard.press("Tab")
        ring = frame.evaluate(_FOCUS_RING_JS)
    assert ring["key"].startswith("h1 unit 1"), f"Tab does not reach the network's units: {ring}"
    _assert_ring(ring, "a unit of the network")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(ui.stage(page).locator("#network .detail")).to_contain_text("Incoming weights of h1 unit 2")
    expect(announce).to_contain_text("Incoming weights of h1 unit 2")
    frame.wait_for_function("() => document.querySelectorAll('#network table tbody tr').length === 4 + 3")  # when idle
    rows = frame.evaluate("() => [...document.querySelectorAll('#network table tbody tr')].map((r) => r.textContent)")
    assert len(rows) == 4 + 3 and "incoming" not in rows[0] and "x1" in rows[0], rows
    a11y.assert_stage_accessible(page, "with the network view")

    page.emulate_media(color_scheme="dark")
    frame.wait_for_function("() => ceStage && getComputedStyle(document.body).backgroundColor !== 'rgb(255, 255, 255)'")
    colours = frame.evaluate(
        "() => [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]"
    )
    assert _contrast(*colours) >= 4.5, f"the stage's text in the dark theme: {colours}"
    a11y.assert_stage_accessible(page, "in the dark theme, with the network view")

    ui.act(page, ui.button(page, "reset").click, lambda: expect(announce).to_contain_text("Reset to step 0"))
    ui.act(page, ui.button(page, "draw").click, lambda: expect(ui.stage(page).get_by_text("Undo")).to_be_visible())
    a11y.assert_stage_accessible(page, "in draw mode (dark theme)")
