"""Predict mode in headless Chromium, by keyboard only: the Predict toggle, a question before the step with the focus
on its answers, an answer, the reveal in a polite live region with the part that tells highlighted, and the focus
back on Step."""

from __future__ import annotations

import re

import pytest

from ce_app.stage import prediction

from . import ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CE_REQUIRE_E2E=1) with the reason
    expect = None

pytestmark = pytest.mark.e2e

# Pixels of the highlight's colour (theme.js THEME.highlight, #C2185B) on one of the stage's canvases.
_HIGHLIGHT_PIXELS_JS = """(id) => {
    const canvas = document.getElementById(id), data = canvas.getContext('2d').getImageData(0, 0, canvas.width,
        canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] === 0xC2 && data[i + 1] === 0x18 && data[i + 2] === 0x5B) n++;
    return n;
}"""


def test_a_question_answered_with_the_keyboard_then_the_step_and_the_reveal(page, app_url):
    """Test the whole flow by keyboard: Enter on Predict (pressed, in the address, Play reads "Play 50 steps"); →
    asks before stepping, with the focus on the first answer and the run buttons held back; Tab and Enter answer;
    then the step has run once, the live region says right or wrong in words, the p bar of the point's class is
    outlined on its canvas, and the focus is back on Step."""
    ui.open_app(page, app_url, "/?dataset=blobs&K=3&n=120&seed=1")
    stage, step = ui.stage(page), ui.metric_value(page, "step")
    toggle = ui.button(page, "predict")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.focus()
    ui.act(page, lambda: page.keyboard.press("Enter"), lambda: expect(toggle).to_have_attribute("aria-pressed", "true"))
    expect(page).to_have_url(re.compile(r"[?&]predict=1"))
    expect(ui.button(page, "play")).to_contain_text(f"Play {prediction.PLAY_STEPS} steps")

    page.locator("h1").first.click()  # the focus outside the stage: → is the page-wide Step shortcut
    choices = stage.locator("#predict .choices button")
    ui.act(page, lambda: page.keyboard.press("ArrowRight"), lambda: expect(choices.first).to_be_focused())
    expect(stage.locator("#predict .ask")).to_have_attribute("data-kind", "p_y_direction")
    expect(stage.locator("#predict-text")).to_contain_text("will p_y rise or fall?")
    expect(ui.button(page, "step")).to_be_disabled()
    expect(step).to_have_text("0")

    page.keyboard.press("Tab")
    expect(choices.nth(1)).to_be_focused()
    reveal = stage.locator("#predict .reveal")
    ui.act(page, lambda: page.keyboard.press("Enter"), lambda: expect(reveal).to_contain_text("Highlighted:"))
    expect(step).to_have_text("1")
    expect(reveal).to_have_attribute("aria-live", "polite")
    expect(reveal).to_contain_text(re.compile(r"^(Right!|Not this time\.) .*the p bar of class \d\.$"))
    expect(stage.locator("#predict")).to_have_attribute("data-highlighted", "bars")
    assert ui.stage_frame(page).evaluate(_HIGHLIGHT_PIXELS_JS, "probs") > 50, "the p bar is not outlined"
    expect(ui.button(page, "step")).to_be_focused()
    page.wait_for_timeout(300)
    expect(step).to_have_text("1")  # the step ran once
