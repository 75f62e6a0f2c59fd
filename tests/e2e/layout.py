"""How far things move on the page while it loads, for the browser tests and ``bench.browser``.

``record_movement(context)`` installs a script that runs in every new top-level document before the app's own code:
on each animation frame it notes where every Streamlit element (``stElementContainer``, in the main area or the
sidebar) is, in page coordinates (the main area's scroll added back), from the first frame it is on screen (it has a
size, overlaps the window and is not hidden: something below the fold or in a collapsed sidebar has not appeared
yet) to the end. ``movement(page)`` stops it and returns the elements of the main area (or the sidebar) that
moved, largest move first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing this module must not need playwright: the tests skip cleanly without it
    from playwright.sync_api import BrowserContext, Page

MAX_MOVE_PX = 50  # issue 17: nothing on the page may move more than this after it first appears

_RECORDER_JS = """(() => {
    if (window.top !== window) return;
    const seen = new Map();  // element -> {first: [x, y], max: px, name}
    const rec = window.__ceMoves = {seen, stop: false};
    const name = (el) => {
        const key = [...el.classList].find((c) => c.startsWith('st-key-'));
        const text = (el.innerText || '').trim().split('\\n')[0].slice(0, 40);
        return (key || el.querySelector('[data-testid]')?.dataset.testid || 'element') + (text ? ` "${text}"` : '');
    };
    const tick = () => {
        if (rec.stop) return;
        const main = document.querySelector('[data-testid="stMain"]');
        const scroll = main ? main.scrollTop : 0;
        for (const el of document.querySelectorAll('[data-testid="stElementContainer"]')) {
            const box = el.getBoundingClientRect();
            const onScreen = box.width > 0 && box.height > 0 && box.right > 0 && box.left < innerWidth
                && box.bottom > 0 && box.top < innerHeight
                && el.checkVisibility({visibilityProperty: true, opacityProperty: true});
            const inMain = main && main.contains(el);
            const at = [box.left, box.top + (inMain ? scroll : 0)];
            const mark = seen.get(el);
            if (!mark) {
                if (onScreen) seen.set(el, {first: at, max: 0, name: name(el), area: inMain ? 'main' : 'sidebar'});
                continue;
            }
            mark.max = Math.max(mark.max, Math.hypot(at[0] - mark.first[0], at[1] - mark.first[1]));
        }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
})();"""

_RESULT_JS = """(area) => {
    const rec = window.__ceMoves;
    rec.stop = true;
    return [...rec.seen.values()].filter((m) => m.area === area && m.max > 0.5)
        .map((m) => [m.name, Math.round(m.max)]).sort((a, b) => b[1] - a[1]);
}"""


def record_movement(context: BrowserContext) -> None:
    """Record element positions in every page this context opens from now on (call before ``goto``)."""
    context.add_init_script(_RECORDER_JS)


def movement(page: Page, area: str = "main") -> list[tuple[str, int]]:
    """Stop recording; every element of ``area`` ("main" or "sidebar") that moved since it first appeared:
    (name, largest move in px), largest first."""
    return [tuple(item) for item in page.evaluate(_RESULT_JS, area)]
