"""Accessibility checks for the browser tests: axe-core's WCAG 2.0/2.1 A and AA rules, and chart text contrast.

axe-core (bundled by the ``axe-playwright-python`` package) is evaluated in the page and, if asked, inside the
training stage's frame (``ui.STAGE_IFRAME``); each document is checked on its own (``iframes: false``), so the
parent page's result never depends on the stage and the other way round. Violations come back as readable text:
rule, impact, the element (a CSS path) and a snippet of its HTML with axe's reason.

axe does not check text drawn in SVG, so ``chart_text_problems`` measures every label of every Plotly chart against
the page's background with the WCAG contrast formula.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ui

if TYPE_CHECKING:  # importing this module must not need playwright: the tests skip cleanly without it
    from playwright.sync_api import Frame, Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN_AXE_JS = """async (only) => {
    const result = await axe.run(document, {runOnly: only, iframes: false, resultTypes: ['violations']});
    return result.violations.map((v) => ({
        rule: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                    why: (n.failureSummary || '').split('\\n').slice(1, 3).join(' ').trim()})),
    }));
}"""

# Every label of every Plotly chart (heat-map cells excepted: Plotly picks their text colour against the cell) with
# its contrast against the chart's paper (the page's background where the paper is transparent), per WCAG 2.x:
# (L1 + 0.05) / (L2 + 0.05) of the relative luminances.
_CHART_TEXT_JS = """() => {
    const rgba = (css) => { const v = css.match(/[\\d.]+/g).map(Number); return v.length > 3 ? v : [...v, 1]; };
    const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255;
        return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const page = rgba(getComputedStyle(document.querySelector('[data-testid="stApp"]')).backgroundColor);
    const problems = [];
    for (const text of document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg text')) {
        if (!text.textContent.trim() || text.closest('.heatmap-label')) continue;
        const paper = rgba(getComputedStyle(text.closest('.main-svg')).backgroundColor);
        const back = paper[3] > 0 ? paper : page;
        const fill = rgba(getComputedStyle(text).fill);
        const [hi, lo] = [lum(fill), lum(back)].sort((a, b) => b - a);
        const ratio = (hi + 0.05) / (lo + 0.05);
        if (ratio < 4.5) problems.push(`"${text.textContent.slice(0, 30)}" ${ratio.toFixed(2)}:1 (rgb(${fill.slice(0, 3)}) on rgb(${back.slice(0, 3)}))`);
    }
    return problems;
}"""


def _axe_in(frame: Frame, colors_only: bool) -> list[dict]:
    from axe_playwright_python.base import AXE_SCRIPT

    if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
        frame.evaluate(AXE_SCRIPT)
    only = {"type": "rule", "values": ["color-contrast"]} if colors_only else {"type": "tag", "values": WCAG_TAGS}
    return frame.evaluate(_RUN_AXE_JS, only)


def violations(page: Page, *, include_stage: bool = False, colors_only: bool = False) -> list[dict]:
    """axe's WCAG A/AA violations of the page's document, and of the stage's document when ``include_stage``;
    only the colour-contrast rule with ``colors_only`` (enough after a theme switch, which changes nothing else).

    Each violation: ``{rule, impact, help, nodes: [{target, html, why}], where}`` (``where`` is "page" or "stage").
    """
    found = [dict(v, where="page") for v in _axe_in(page.main_frame, colors_only)]
    stage = ui.stage_frame(page) if include_stage else None
    if stage is not None:
        found += [dict(v, where="stage") for v in _axe_in(stage, colors_only)]
    return found


def stage_violations(page: Page, *, colors_only: bool = False) -> list[dict]:
    """axe's WCAG A/AA violations of the stage's document alone (the page around it is checked by test_a11y.py)."""
    stage = ui.stage_frame(page)
    assert stage is not None, "the page has no training stage"
    return [dict(v, where="stage") for v in _axe_in(stage, colors_only)]


def assert_stage_accessible(page: Page, state: str, *, colors_only: bool = False) -> None:
    """No axe violation inside the stage in its current ``state`` (named in the message)."""
    found = stage_violations(page, colors_only=colors_only)
    assert not found, f"axe-core finds WCAG 2.1 A/AA violations inside the stage {state}:\n{report(found)}"


def report(found: list[dict]) -> str:
    """Violations as text a failing test can print: one block per rule, one line per element."""
    lines = []
    for v in found:
        lines.append(f"[{v['where']}] {v['rule']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target'][-120:]}\n      {node['html']}\n      {node['why']}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def chart_text_problems(page: Page) -> list[str]:
    """Labels of the page's Plotly charts with less than 4.5:1 contrast against the page's background."""
    return page.evaluate(_CHART_TEXT_JS)


def assert_accessible(page: Page, state: str, *, include_stage: bool = False, colors_only: bool = False) -> None:
    """No axe violation (and no faint chart label) on the page in its current ``state`` (named in the message)."""
    ui.wait_idle(page)
    found = violations(page, include_stage=include_stage, colors_only=colors_only)
    assert not found, f"axe-core finds WCAG 2.1 A/AA violations {state}:\n{report(found)}"
    faint = chart_text_problems(page)
    assert not faint, f"chart labels under 4.5:1 {state}:\n" + "\n".join(faint)
