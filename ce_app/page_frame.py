"""The frame every page shares: the sidebar (settings, your own data, downloads), notices and page style.

``app.py`` runs it before the chosen page. It reads and changes the session only through ``session``; the
sidebar sections of ``own_data`` are drawn here, so that ``own_data`` can use ``session`` without a cycle.
"""

from __future__ import annotations

import streamlit as st

from . import controls, own_data, session, streamlit_internals
from .settings import Settings, from_query
from .text import plain


def initial_sidebar_state() -> str:
    """Presentation mode and a link that hides the sidebar (read before anything else is drawn) start with the
    sidebar collapsed."""
    if "settings" in st.session_state:
        settings = st.session_state.settings
    else:
        settings, _ = from_query(session.query_dict())
    return "collapsed" if settings.present or "sidebar" in settings.hidden_controls() else "auto"


def run() -> Settings:
    """Run the shared frame; returns the settings in force for this run."""
    ss = st.session_state
    if "settings" not in ss:
        session.start()
        streamlit_internals.empty_session_state_at_session_end()  # a closed session's trainer is freed at once
    session.take_followed()  # settings a class's teacher chose, left by the previous run
    hidden = ss.settings.hidden_controls()
    settings = controls.sidebar(ss.trainer.n_train, hidden, ss.data.source)
    session.apply(settings)
    own_data.sidebar_sections(ss.settings)
    session.sync_url(ss.settings)
    _page_style(ss.settings)
    _page_script(ss.settings)
    # Notices are toasts: they never push the page down, and go by themselves. Their text may quote a link or a
    # file, so it is shown as plain text.
    for message in ss.pop("notices", []):
        st.toast(plain(message), icon=":material/info:", duration="long")
    return ss.settings


# Rules every page gets, each for WCAG 2.1 AA or a steady layout (checked by axe-core in tests/e2e/test_a11y.py).
BASE_STYLE = (
    # KaTeX's vertical lists stick out 2 px, and a display formula wider than its column scrolls: a scroll box a
    # keyboard cannot reach. A little padding and line breaks at top-level relations (=, ⟹) keep formulas whole.
    ".katex-display { padding-inline: 4px; } .katex-display > .katex { white-space: normal; }"
    # Slider values are drawn in the primary colour, which cannot pass 4.5:1 as text on the dark background and
    # also under the white text of primary buttons: the text colour instead.
    " [data-testid='stSliderThumbValue'] { color: inherit; }"
    # Streamlit's chart theme writes tick labels and axis titles in a fixed grey (3.8:1 on white): the theme's text
    # colour instead, in the light and the dark theme alike (heat-map cells keep their own contrasting text).
    " [data-testid='stPlotlyChart'] :is(.xtick, .ytick, .cbaxis, .g-xtitle, .g-ytitle, .cbtitle) text,"
    " [data-testid='stPlotlyChart'] text.bartext { fill: currentColor !important; }"
)


def _page_style(settings: Settings) -> None:
    """The base rules; presentation mode: larger text and less padding, so the stage fits one projector screen (its
    top below Streamlit's header, 3.75rem; at the sides 3rem, not the 5rem of the page: a padding that shrinks more
    moves what the page drew before this style arrived by more than 50 px); a link that hides the sidebar hides it
    with its toggle."""
    rules = [BASE_STYLE]
    if settings.present:
        rules.append("html { font-size: 18px; } [data-testid='stMainBlockContainer'] { padding: 4rem 3rem 0.5rem; "
                     "max-width: none; }")  # fmt: skip
    if "sidebar" in settings.hidden_controls():
        rules.append("[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'], "
                     "[data-testid='stExpandSidebarButton'] { display: none !important; }")  # fmt: skip
    st.html("<style>" + " ".join(rules) + "</style>")


# A display formula wider than its column (a long vector on a phone) scrolls sideways: it becomes focusable, so a
# keyboard can reach and scroll it (WCAG 2.1.1; axe's scrollable-region-focusable), and stops being so once it fits.
SCROLLING_FORMULAS_JS = """<script>
(() => {
    if (window.ceScrollingFormulas) return;
    window.ceScrollingFormulas = true;
    const mark = () => {
        for (const formula of document.querySelectorAll('.katex-display')) {
            const scrolls = formula.scrollWidth > formula.clientWidth + 1;
            if (scrolls === formula.hasAttribute('tabindex')) continue;
            if (scrolls) {
                formula.tabIndex = 0;
                formula.setAttribute('role', 'group');
                formula.setAttribute('aria-label', 'Formula, scrolls sideways');
            } else {
                for (const name of ['tabindex', 'role', 'aria-label']) formula.removeAttribute(name);
            }
        }
    };
    let queued = false;
    const soon = () => {
        if (queued) return;
        queued = true;
        requestAnimationFrame(() => { queued = false; mark(); });
    };
    new MutationObserver(soon).observe(document.body, {childList: true, subtree: true});
    addEventListener('resize', soon);
    // KaTeX's fonts arriving widen a formula that is already on the page, with no change to the DOM.
    document.fonts.addEventListener('loadingdone', soon);
    mark();
})();
</script>"""


def _page_script(settings: Settings) -> None:
    """The page's own scripts, at the end of the sidebar (where they take no visible room): focusable scrolling
    formulas, and the sidebar collapsed on a narrow window (not needed when presenting or hiding the sidebar: it
    starts collapsed or hidden then)."""
    scripts = SCROLLING_FORMULAS_JS
    if not settings.present and "sidebar" not in settings.hidden_controls():
        scripts += streamlit_internals.COLLAPSE_ON_NARROW_JS
    st.sidebar.html(scripts, unsafe_allow_javascript=True)


def ensure() -> Settings:
    """Run the shared frame unless app.py already ran it in this script run; every page calls this first.

    app.py runs the frame and then the page, except in Streamlit's legacy mode for apps with a ``pages/`` folder
    (see ``streamlit_internals``), where a fresh server's first run of a deep link runs the page file alone. Then
    we leave that mode, as st.navigation does, and rerun once through app.py; if that rerun lands here again
    (AppTest re-detects the folder before every run), the frame runs from the page.
    """
    if not streamlit_internals.in_legacy_pages_mode():
        return st.session_state.settings
    if not st.session_state.get("left_legacy_pages_mode"):
        st.session_state.left_legacy_pages_mode = True
        streamlit_internals.leave_legacy_pages_mode()
        st.rerun()
    return run()
