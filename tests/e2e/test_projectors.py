"""Presentation mode on every projector the issue names, one page load per size: the page does not scroll; the
controls, every metric (whole, none overlapping another), the plane as the largest element, the inspector with
every class's row and the loss curve are on screen; the text a student reads is at least 18 px and grows with the
screen, the metrics' values at least 32 px. One size hides the lesson picker (the stage then starts right under
Streamlit's header), one opens the network view, one is checked with axe-core.
"""

from __future__ import annotations

import pytest

from . import a11y, ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CE_REQUIRE_E2E=1) with the reason
    expect = None

pytestmark = pytest.mark.e2e

LESSON = "spiral"  # three classes, two hidden layers: the network view has something to show
HEADER_PX = 68  # Streamlit's header at presentation mode's 18 px root size (3.75rem)
# size -> (the font layout.presentFont picks, what else this load checks)
SIZES = {
    (1024, 768): (18, "network"),
    (1280, 720): (18, "axe"),
    (1366, 768): (19, "hide=lesson"),
    (1920, 1080): (27, ""),
    (2560, 1440): (36, ""),
}

# Everything measured inside the stage, in the stage's coordinates: boxes of the parts the issue lists, the font
# sizes of the text a student reads, and the text boxes that cut what they hold.
_MEASURE_JS = """() => {
    const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
    const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const px = (el) => parseFloat(getComputedStyle(el).fontSize);
    const texts = {
        buttons: [...document.querySelectorAll('#toolbar button')].filter(visible),
        pills: [...document.querySelectorAll('#modes button, #modes .label')],
        status: [document.getElementById('status')],
        labels: [...document.querySelectorAll('.metric .label')],
        table: [...document.querySelectorAll('#point-table th, #point-table td')],
        point: [...document.querySelectorAll('#point-head label, #point-head .info, #point-lines')],
    };
    const fonts = Object.fromEntries(Object.entries(texts).map(([name, els]) => [name, Math.min(...els.map(px))]));
    const cut = [...document.querySelectorAll('#toolbar button, .metric .label, .metric .value, #modes button, #point-table table')]
        .filter(visible).filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent.slice(0, 30));
    const canvases = [...document.querySelectorAll('canvas')].filter(visible)
        .filter((c) => !c.closest('#plane') && c.width > 20).map((c) => [c.id || c.parentElement.id, ...box(c)]);
    const tables = [...document.querySelectorAll('#point-table table')];
    return {
        fonts, cut, canvases,
        values: [...document.querySelectorAll('.metric .value')].map((el) => [px(el), ...box(el)]),
        labels: [...document.querySelectorAll('.metric .label')].map(box),
        buttons: texts.buttons.map(box),
        plane: box(document.getElementById('plane')),
        rows: tables.map((t) => t.querySelectorAll('tbody tr').length),
        tableBoxes: tables.map(box),
        curve: box(document.getElementById('present-curve')),
        network: visible(document.getElementById('network')) ? box(document.querySelector('#network canvas')) : null,
        canvasFonts: {plane: ceStage.plane.font, curve: ceStage.presentChart.font},
        classes: ceStage.meta.classes.length,
    };
}"""


def _on_screen(box, frame, viewport, what: str, top: float = 0) -> None:
    """A stage box [left, top, width, height] lies within the window (below ``top``)."""
    left, y = frame["x"] + box[0], frame["y"] + box[1]
    assert box[2] > 0 and box[3] > 0, f"{what} is not shown: {box}"
    assert left >= -1 and left + box[2] <= viewport["width"] + 1, f"{what} runs off the screen sideways: {box}"
    assert y >= top - 1 and y + box[3] <= viewport["height"] + 1, f"{what} is off the screen ({top}..): {left, y, box}"


def _check(page, viewport, font: int, under_header: bool, what: str) -> dict:
    frame = page.locator(ui.STAGE_IFRAME).bounding_box()
    m = ui.stage_frame(page).evaluate(_MEASURE_JS)
    scroll = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]'); "
                           "return m.scrollHeight - m.clientHeight; }")  # fmt: skip
    assert scroll <= 1, f"{what}: the page scrolls by {scroll} px"
    assert not m["cut"], f"{what}: text cut by its box: {m['cut']}"
    top = HEADER_PX if under_header else 0
    for i, button in enumerate(m["buttons"]):
        _on_screen(button, frame, viewport, f"{what}: toolbar button {i}", top)
    for i, (label, value) in enumerate(zip(m["labels"], m["values"], strict=True)):
        _on_screen(label, frame, viewport, f"{what}: metric label {i}", top)
        _on_screen(value[1:], frame, viewport, f"{what}: metric value {i}", top)
    for a, b in zip(m["labels"], m["labels"][1:], strict=False):  # side by side, none running into the next
        assert a[0] + a[2] <= b[0] + 0.5 or a[1] + a[3] <= b[1], f"{what}: metric labels collide: {a} {b}"
    _on_screen(m["plane"], frame, viewport, f"{what}: the plane")
    return {"m": m, "frame": frame}


@pytest.mark.parametrize("size", list(SIZES), ids=[f"{w}x{h}" for w, h in SIZES])
def test_presentation_mode_fits_the_projector(browser, app_url, size):
    """Test that at this projector size presentation mode shows, without a scroll, the controls, every metric
    (none cut, none colliding, none under Streamlit's header), the plane as the largest element, all K rows of the
    inspector's table and the loss curve; that the text a student reads is at least 18 px and as large as the
    screen allows (layout.presentFont), the metrics' values at least 32 px; and, per size, the network view in
    the inspector's place, or axe-core inside the stage, or the stage under the header with the lesson hidden."""
    width, height = size
    font, extra = SIZES[size]
    viewport = {"width": width, "height": height}
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        hide = "&hide=lesson" if extra == "hide=lesson" else ""
        ui.open_app(page, app_url, f"/?lesson={LESSON}&present=1{hide}")
        what = f"presentation mode at {width}x{height}"
        checked = _check(page, viewport, font, under_header=bool(hide), what=what)
        m, frame = checked["m"], checked["frame"]
        low = {name: px for name, px in m["fonts"].items() if px < font}
        assert not low, f"{what}: text under {font} px: {low}"
        assert m["canvasFonts"]["plane"] >= font and m["canvasFonts"]["curve"] - 1 >= font, m["canvasFonts"]
        assert min(v[0] for v in m["values"]) >= max(32, 1.75 * font), f"{what}: metric values {m['values']}"
        assert m["rows"] and all(rows == m["classes"] for rows in m["rows"]), f"{what}: table rows {m['rows']}"
        for i, table in enumerate(m["tableBoxes"]):
            _on_screen(table, frame, viewport, f"{what}: the inspector's table, part {i + 1}")
        _on_screen(m["curve"], frame, viewport, f"{what}: the loss curve")
        plane_area = m["plane"][2] * m["plane"][3]
        others = [(name, w * h) for name, _, _, w, h in m["canvases"]] + [
            ("table", t[2] * t[3]) for t in m["tableBoxes"]
        ]
        larger = [(name, area) for name, area in others if area >= plane_area]
        assert not larger, f"{what}: larger than the plane ({plane_area:.0f} px²): {larger}"

        if extra == "axe":
            a11y.assert_stage_accessible(page, f"in {what}")
        if extra == "network":
            ui.act(page, ui.button(page, "network").click,
                   lambda: expect(ui.stage(page).locator("#network")).to_be_visible())  # fmt: skip
            checked = _check(page, viewport, font, under_header=False, what=f"{what}, network view")
            network = checked["m"]["network"]
            _on_screen(network, checked["frame"], viewport, f"{what}: the network view")
            assert network[0] >= checked["m"]["plane"][0] + checked["m"]["plane"][2], "the network beside the plane"
            expect(ui.stage(page).locator("#inspector")).to_be_hidden()
    finally:
        context.close()
