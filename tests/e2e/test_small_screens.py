"""Phones and tablets, with touch: the training page and its stage, and Why p − y? on a phone.

A phone (390 x 844) and a tablet in portrait (820 x 1180), both with touch emulation: the sidebar starts collapsed
and opens with a tap, the stage gets the window's width, the lesson's title is readable whole, and no control or
text runs off the screen or is cut, outside the stage or in it (its colour buttons and the Draw points bar wrap,
its legends wrap, its table is split into tables that fit, every column shown); a tapped point leaves no tooltip.
"""

from __future__ import annotations

import time

import pytest

from ce_app import lessons

from . import ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CE_REQUIRE_E2E=1) with the reason
    expect = None

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 820, "height": 1180}
LESSON = "label-smoothing"  # the longest title

# Everything of the page outside the stage that sticks out of the screen (or of the open sidebar), every text a box
# cuts (inputs, buttons and labels whose text is wider than their box), and every formula that scrolls sideways
# without being focusable. The lesson picker is left out: on a phone it cuts the longest titles, which the notice
# beside it therefore starts with (checked on its own).
_CUT_JS = """() => {
    const problems = [];
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const open = sidebar && sidebar.dataset.collapsed === 'false';
    const scope = '[data-testid="stMain"] [data-testid="stElementContainer"]'
        + (open ? ', [data-testid="stSidebar"] [data-testid="stElementContainer"]' : '');
    const main = document.querySelector('[data-testid="stMain"]');
    if (main.scrollWidth > main.clientWidth + 1) problems.push(`the page scrolls sideways: ${main.scrollWidth} px`);
    for (const box of document.querySelectorAll(scope)) {
        const r = box.getBoundingClientRect();
        if (r.width === 0 || box.closest('.st-key-lesson_pick')) continue;
        const inSidebar = !!box.closest('[data-testid="stSidebar"]');
        const right = inSidebar ? sidebar.getBoundingClientRect().right : innerWidth;
        const name = [...box.classList].find((c) => c.startsWith('st-key-')) || box.innerText.trim().slice(0, 30);
        if (r.left < -1 || r.right > right + 1) problems.push(`${name} runs off the screen: ${r.left}..${r.right}`);
        for (const el of box.querySelectorAll('input, button, label, [data-testid="stMarkdownContainer"] p')) {
            if (el.clientWidth === 0 || ['file', 'checkbox', 'radio'].includes(el.type) || el.closest('.katex')) continue;
            const text = el.value ?? el.innerText;
            let width = el.scrollWidth;
            if (el.tagName === 'INPUT') {
                const cs = getComputedStyle(el), ctx = document.createElement('canvas').getContext('2d');
                ctx.font = cs.font;
                width = ctx.measureText(text).width + parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
            }
            if (width > el.clientWidth + 1) problems.push(`${name}: "${text.slice(0, 40)}" cut (${width} > ${el.clientWidth})`);
        }
    }
    for (const formula of document.querySelectorAll('.katex-display')) {
        if (formula.scrollWidth > formula.clientWidth + 1 && formula.tabIndex !== 0)
            problems.push(`a formula scrolls but cannot be focused: ${formula.textContent.slice(0, 30)}`);
    }
    return problems;
}"""


_SIDEBAR_OPEN_JS = """() => {
    const box = document.querySelector('[data-testid="stSidebar"]').getBoundingClientRect();
    return box.left >= 0 && box.width > 200 && !document.getAnimations().some((a) => a.playState === 'running');
}"""


# Inside the stage: what runs past the stage's width, text its box cuts, a legend wider than its chart, and the
# inspector's columns (the rows' names aside) as shown, to compare with the columns it has.
_STAGE_CUT_JS = """() => {
    const width = document.documentElement.clientWidth, problems = [];
    if (document.body.scrollWidth > width + 1) problems.push(`the stage is ${document.body.scrollWidth} px wide in ${width}`);
    const shown = (el) => el.getClientRects().length > 0 && !el.closest('.sr-only');
    for (const el of document.querySelectorAll('button, .metric .label, .metric .value, #status, #point-head > *, '
                                               + '#point-lines, #point-table table, #modes > *, canvas')) {
        if (!shown(el)) continue;
        const r = el.getBoundingClientRect(), name = el.id || el.dataset.key || el.textContent.trim().slice(0, 30);
        if (r.left < -1 || r.right > width + 1) problems.push(`${name} runs off: ${Math.round(r.left)}..${Math.round(r.right)}`);
        if (el.tagName !== 'CANVAS' && el.scrollWidth > el.clientWidth + 1) problems.push(`${name} is cut`);
    }
    for (const chart of [ceStage.lossChart, ceStage.gradChart]) {
        if (chart.legendRight > chart.width) problems.push(`a legend runs to ${chart.legendRight} in ${chart.width} px`);
    }
    const columns = [...document.querySelectorAll('#point-table thead th')].map((th) => th.textContent)
        .filter((text) => text !== 'class');
    return {problems, columns, expected: 4 + ceStage.meta.dw_names.length};
}"""


def _stage_fits(page, where: str) -> None:
    found = ui.stage_frame(page).evaluate(_STAGE_CUT_JS)
    assert not found["problems"], f"in the stage {where}:\n" + "\n".join(found["problems"])
    assert len(found["columns"]) == found["expected"], f"the inspector's columns {where}: {found['columns']}"


def _touch(browser, viewport):
    return browser.new_context(viewport=viewport, has_touch=True, is_mobile=True)


def _nothing_cut(page, where: str, settle_s: float = 5.0) -> None:
    """Nothing runs off the screen or is cut, once the page has settled: some of it is done a frame or more after
    the run (the page marks a formula that scrolls as focusable when it is drawn or its fonts arrive), so the
    check is repeated for up to ``settle_s`` before what it finds is a failure."""
    ui.wait_idle(page)
    deadline = time.monotonic() + settle_s
    while (problems := page.evaluate(_CUT_JS)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert not problems, f"{where}:\n" + "\n".join(problems)


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_the_training_page_on_a_small_touch_screen(browser, app_url, viewport):
    """Test that on a phone and a tablet the sidebar starts collapsed and the stage gets the window's width, the
    lesson's title is readable whole, nothing in the stage runs off or is cut (every column of its table shown, its
    legends and its Draw points bar within it), a tapped point is selected and leaves no tooltip, the sidebar opens
    with a tap, the share popover opens from it, and nothing outside the stage runs off the screen or is cut, with
    the sidebar closed or open."""
    context = _touch(browser, viewport)
    page = context.new_page()
    try:
        ui.open_app(page, app_url, f"/?lesson={LESSON}")
        expect(ui.sidebar(page)).to_have_attribute("data-collapsed", "true")
        stage = page.locator(ui.STAGE_IFRAME).bounding_box()
        assert stage["width"] >= viewport["width"] - 64, f"the stage is {stage['width']} px wide on {viewport}"
        notice = page.locator('[data-testid="stCaptionContainer"]').filter(has_text=lessons.BY_KEY[LESSON].title)
        expect(notice).to_be_in_viewport()
        _nothing_cut(page, f"on the training page at {viewport}, sidebar closed")
        _stage_fits(page, f"at {viewport}")
        ui.stage(page).locator("#plane").scroll_into_view_if_needed()
        point = ui.isolated_point(page, skip=ui.stage_frame(page).evaluate("() => ceStage.view.selected"))
        page.touchscreen.tap(point["px"], point["py"])
        expect(ui.point_input(page)).to_have_value(str(point["index"]))
        expect(ui.stage(page).locator("#plane .tooltip")).to_be_hidden()
        ui.act(
            page,
            lambda: ui.button(page, "draw").tap(),
            lambda: expect(ui.stage(page).get_by_text("Undo")).to_be_visible(),
        )
        _stage_fits(page, f"at {viewport}, drawing")

        page.locator('[data-testid="stExpandSidebarButton"]').tap()
        expect(ui.sidebar(page)).to_have_attribute("data-collapsed", "false")
        page.wait_for_function(_SIDEBAR_OPEN_JS)  # it slides in
        _nothing_cut(page, f"on the training page at {viewport}, sidebar open")
        share = ui.sidebar(page).get_by_role("button", name="Share a link")
        share.scroll_into_view_if_needed()
        share.tap()
        expect(page.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]').first).to_contain_text(
            f"lesson={LESSON}"
        )
    finally:
        context.close()


def test_why_p_minus_y_on_a_phone(browser, app_url):
    """Test that on a phone Why p − y? fits the screen: no table, chart or control runs off, and a formula too wide
    for it (a vector of 4 classes) scrolls and can be focused to scroll it."""
    context = _touch(browser, PHONE)
    page = context.new_page()
    try:
        ui.open_app(page, app_url, "/derivation?K=4")
        _nothing_cut(page, "on Why p − y? on a phone")
    finally:
        context.close()
