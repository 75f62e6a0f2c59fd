"""The stage in headless Chromium, where only a browser shows it: the keyboard and the focus, the Point # message,
the empty canvas after Clear, and uploaded class names in every view of the stage."""

from __future__ import annotations

import pytest

from ce_app.stage import machine

from . import ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CE_REQUIRE_E2E=1) with the reason
    expect = None

pytestmark = pytest.mark.e2e

_SCROLL_JS = "() => document.querySelector('[data-testid=\"stMain\"]').scrollTop"
_ACTIVE_JS = "() => [document.activeElement.tagName, document.activeElement.dataset.key || '']"


def test_the_keyboard_works_wherever_the_focus_is_not_in_a_text_field(page, app_url):
    """Test the shortcuts from outside the stage (→ steps, Space plays and pauses, the page does not scroll), Space
    on a focused stage button (it presses that button), Point # (its keys are its own; a number out of range says
    why and the box shows the selected point again), and picking a lesson (the focus comes back to the stage)."""
    ui.open_app(page, app_url)
    step = ui.metric_value(page, "step")
    page.locator("h1").first.click()  # the page around the stage takes the focus (Streamlit's main section)
    ui.act(page, lambda: page.keyboard.press("ArrowRight"), lambda: expect(step).to_have_text("1"))
    before = page.evaluate(_SCROLL_JS)
    page.keyboard.press(" ")
    expect(ui.button(page, "pause")).to_contain_text("Pause")
    assert page.evaluate(_SCROLL_JS) == before, "the space bar scrolled the page"
    page.keyboard.press(" ")
    expect(ui.button(page, "play")).to_contain_text("Play")
    ui.wait_idle(page)
    shown = ui.as_int(step.inner_text())

    ui.button(page, "step").focus()
    ui.act(page, lambda: page.keyboard.press(" "), lambda: expect(step).to_have_text(f"{shown + 1:,}"))
    assert not ui.player(page)["playing"], "Space on the focused Step button started Play"

    box = ui.point_input(page)
    box.fill("99999")
    box.press("Enter")
    error = ui.stage(page).locator("#point-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("There is no point 99999")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_value("0")
    box.press("ArrowRight")
    page.wait_for_timeout(300)
    expect(step).to_have_text(f"{shown + 1:,}")  # a key in a text field is the field's
    box.fill("3")
    box.press("Enter")
    expect(error).to_be_hidden()
    expect(box).to_have_attribute("aria-invalid", "false")

    page.locator(".st-key-lesson_pick").get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text="Straight boundaries").click()
    expect(step).to_have_text("0")
    ui.wait_idle(page)
    page.wait_for_function("() => document.activeElement && document.activeElement.tagName === 'IFRAME'")
    assert ui.stage_frame(page).evaluate(_ACTIVE_JS) == ["BUTTON", "play"]
    ui.act(page, lambda: page.keyboard.press("ArrowRight"), lambda: expect(step).to_have_text("1"))


def test_uploaded_names_label_every_view_and_clear_then_undo(page, app_url, tmp_path):
    """Test that after uploading a CSV with named classes, the inspector's table, the colour buttons, the last
    batch, the plane's tooltips and the network view call the classes by those names; that Draw points and Clear
    then leave no stale number, no 'undefined', 'NaN' or '–', no arrows and no table, say to click on the plane and
    let nothing train; and that Undo brings the uploaded points back, names and all."""
    rows = [f"{x:.2f},{y:.2f},{name}" for name, (cx, cy) in (("bird", (0, 0)), ("cat", (3, 0)), ("dog", (0, 3)))
            for x, y in ((cx, cy), (cx + 0.3, cy), (cx, cy + 0.3), (cx - 0.3, cy), (cx, cy - 0.3))]  # fmt: skip
    path = tmp_path / "animals.csv"
    path.write_text("x1,x2,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ui.open_app(page, app_url, "/?layers=1&width=3")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    cells = ui.stage(page).locator("#point-table table:first-child tbody th")  # each row is headed by its class
    expect(cells).to_have_text(["class bird", "class cat", "class dog"])
    expect(ui.stage(page).locator("#modes button")).to_contain_text(["p(class bird)", "p(class cat)", "p(class dog)"])
    ui.act(page, ui.button(page, "step").click, lambda: expect(ui.metric_value(page, "step")).to_have_text("1"))
    expect(ui.stage(page).locator("#batch-head button")).to_have_text(["class bird", "class cat", "class dog"])
    _, px, py = ui.stage_frame(page).evaluate("() => window.cePlayer.pointPixels()")[0]
    frame_box = page.locator(ui.STAGE_IFRAME).bounding_box()
    page.mouse.move(frame_box["x"] + px, frame_box["y"] + py)
    expect(ui.stage(page).locator("#plane .tooltip")).to_contain_text("class bird")
    ui.act(page, ui.button(page, "network").click, lambda: expect(ui.stage(page).locator("#network")).to_be_visible())
    ui.stage(page).locator("#network canvas").scroll_into_view_if_needed()
    frame = ui.stage_frame(page)
    frame.wait_for_function("() => ceStage.network.tiles.length === 3 + 3")
    tile, size = frame.evaluate("() => [ceStage.network.tiles[3], ceStage.network.size]")
    box = ui.stage(page).locator("#network canvas").bounding_box()
    page.mouse.click(box["x"] + tile["x"] + size / 2, box["y"] + tile["y"] + size / 2)
    expect(ui.stage(page).locator("#network .detail")).to_contain_text("u_0 (class bird)")

    ui.act(page, ui.button(page, "draw").click, lambda: expect(ui.stage(page).get_by_text("Undo")).to_be_visible())
    clear = ui.stage(page).locator("#modes").get_by_role("button", name="Clear", exact=True)
    ui.act(page, clear.click, lambda: expect(ui.stage(page).locator("#status")).to_contain_text(machine.NO_POINTS))
    assert ui.point_count(page) == 0
    values = frame.evaluate("() => [...document.querySelectorAll('[data-metric] .value')].map(v => v.textContent)")
    assert values == [""] * 7, values
    text = frame.evaluate("() => document.getElementById('stage').innerText")
    for stale in ("undefined", "NaN", "–", "true class"):
        assert stale not in text, f"the empty stage shows {stale!r}: {text[:400]}"
    assert "click on the plane to add points" in ui.stage(page).locator("#point-head").inner_text()
    assert frame.evaluate("() => ceStage.plane.arrowNote === null && ceStage.el.table.children.length === 0")
    for key in ("step", "step10", "epoch", "play", "reset", "network"):
        expect(ui.button(page, key)).to_be_disabled()
    expect(ui.button(page, "draw")).to_be_enabled()
    undo = ui.stage(page).locator("#modes").get_by_role("button", name="Undo", exact=True)
    ui.act(page, undo.click, lambda: expect(ui.button(page, "step")).to_be_enabled())
    assert ui.point_count(page) == len(rows)
    expect(cells).to_have_text(["class bird", "class cat", "class dog"])
