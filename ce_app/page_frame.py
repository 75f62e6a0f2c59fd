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
    # Notices are toasts: they never push the page down, and go by themselves. Their text may quote a link or a
    # file, so it is shown as plain text.
    for message in ss.pop("notices", []):
        st.toast(plain(message), icon=":material/info:", duration="long")
    return ss.settings


def _page_style(settings: Settings) -> None:
    """Presentation mode: larger text and less padding, so the stage fits one projector screen; a link that hides
    the sidebar hides it with its toggle."""
    rules = []
    if settings.present:
        rules.append("html { font-size: 18px; } [data-testid='stMainBlockContainer'] { padding-top: 3.4rem; "
                     "padding-bottom: 0.5rem; }")  # fmt: skip
    if "sidebar" in settings.hidden_controls():
        rules.append("[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'], "
                     "[data-testid='stExpandSidebarButton'] { display: none !important; }")  # fmt: skip
    if rules:
        st.html("<style>" + " ".join(rules) + "</style>")


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
