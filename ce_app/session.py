"""The shared frame of every page: settings from the URL and sidebar, the session's data and trainer, notices.

This is the one place that decides when training restarts: a change of data or model settings builds a new
trainer (with a notice); a change of optimizer or loss settings only reconfigures the running one.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from . import controls, lessons, own_data, state, streamlit_internals
from .settings import Settings, from_query, lesson_settings, to_query
from .text import plain

MAX_NOTICES = 8  # a link with many problems shows the first few (each one a toast)


def _query_dict() -> dict[str, list[str]]:
    qp = st.query_params
    return {name: qp.get_all(name) for name in qp}


def initial_sidebar_state() -> str:
    """Presentation mode and a link that hides the sidebar (read before anything else is drawn) start with the
    sidebar collapsed."""
    if "settings" in st.session_state:
        settings = st.session_state.settings
    else:
        settings, _ = from_query(_query_dict())
    return "collapsed" if settings.present or "sidebar" in settings.hidden_controls() else "auto"


def notify(message: str) -> None:
    """Queue a message for the top of the page (kept short and bounded)."""
    notices = st.session_state.setdefault("notices", [])
    if message not in notices:
        notices.append(message)
    del notices[:-MAX_NOTICES]


def _start_session() -> None:
    """First run of a session: settings from the link, data and trainer built from them."""
    ss = st.session_state
    settings, problems = from_query(_query_dict())
    for problem in problems:
        notify(f"Link: {problem}")
    ss.settings = settings
    ss.data_version = 0
    ss.trainer_version = 0
    ss.data = state.generate(settings)
    ss.trainer = state.build_trainer(settings, ss.data)
    ss.model_key = _model_key(settings)
    controls.seed_widgets(settings)
    ss[controls.key("sample")] = min(settings.sample, max(len(ss.data.y) - 1, 0))


def _model_key(settings: Settings) -> tuple:
    """What the trainer was built from: the data (by version) and the model settings."""
    return (st.session_state.data_version, *settings.model_key()[len(settings.data_key()) :])


def replace_data(data: state.Dataset, notice: str) -> None:
    """Use new points (generated, uploaded or drawn) and restart training on them at once.

    At once, because uploads and drawing happen in callbacks, and a drawing click reruns only the live fragment,
    which does not pass through apply().
    """
    ss = st.session_state
    ss.data = data
    ss.data_version += 1
    select_point(ss.settings.sample)  # clamped to the new points
    rebuild_trainer(ss.settings)
    if notice:
        notify(notice)


def rebuild_trainer(settings: Settings) -> None:
    """Start training again on the current data, if there are points to train on."""
    ss = st.session_state
    if len(ss.data.y):
        ss.trainer = state.build_trainer(settings, ss.data)
        ss.trainer_version += 1
    ss.model_key = _model_key(settings)


def selected_point() -> int:
    """The selected point: a row of the session's data (0 when there are no points)."""
    ss = st.session_state
    return max(0, min(int(ss.settings.sample), len(ss.data.y) - 1))


def select_point(index: int) -> None:
    """Select the point ``index`` (clamped to the data): the one way the selection changes, whoever asks."""
    ss = st.session_state
    index = max(0, min(int(index), len(ss.data.y) - 1))
    ss[controls.key("sample")] = index
    ss.settings = replace(ss.settings, sample=index)
    sync_url(ss.settings)


def apply(settings: Settings) -> None:
    """Bring data and trainer in line with new settings; say so when training restarts."""
    ss = st.session_state
    old: Settings = ss.settings
    ss.settings = settings  # first: the data and trainer below are built from the new settings
    if settings.data_key() != old.data_key():
        back = " (back to generated data)" if ss.data.source != "generated" else ""
        replace_data(state.generate(settings), f"New data{back}: training restarted from step 0.")
    if _model_key(settings) != ss.model_key:
        model_changed = settings.model_key()[len(settings.data_key()) :] != old.model_key()[len(old.data_key()) :]
        rebuild_trainer(settings)
        if model_changed:
            notify("Training restarted from step 0 because the model settings changed.")
    elif settings != old:
        state.configure(ss.trainer, settings)


def start_lesson(key: str) -> None:
    """Open a lesson: its settings (keeping the presentation mode and hidden controls), new data, step 0.
    The empty key leaves the settings as they are and only forgets the lesson."""
    ss = st.session_state
    current: Settings = ss.settings
    if not key:
        ss.settings = replace(current, lesson="")
        controls.seed_widgets(ss.settings)
        return
    lesson = lessons.BY_KEY[key]
    ss.settings = replace(lesson_settings(key), present=current.present, hide=current.hide)
    controls.seed_widgets(ss.settings)
    replace_data(state.generate(ss.settings), f"Lesson {lesson.title}: training starts from step 0.")


def sync_url(settings: Settings) -> None:
    """Mirror the settings into the URL (only values that differ from the defaults), when they changed."""
    wanted = to_query(settings)
    current = {name: st.query_params.get(name) for name in st.query_params}
    if wanted != current:
        st.query_params.from_dict(wanted)


def frame() -> Settings:
    """Run the shared frame; returns the settings in force for this run."""
    ss = st.session_state
    if "settings" not in ss:
        _start_session()
    hidden = ss.settings.hidden_controls()
    settings = controls.sidebar(ss.trainer.n_train, hidden, ss.data.source)
    apply(settings)
    own_data.sidebar_sections(ss.settings)
    sync_url(ss.settings)
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
    """The base rules; presentation mode: larger text and less padding, so the stage fits one projector screen; a
    link that hides the sidebar hides it with its toggle."""
    rules = [BASE_STYLE]
    if settings.present:
        rules.append("html { font-size: 18px; } [data-testid='stMainBlockContainer'] { padding-top: 3.4rem; "
                     "padding-bottom: 0.5rem; }")  # fmt: skip
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


def ensure_frame() -> Settings:
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
    return frame()
