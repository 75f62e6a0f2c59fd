"""Every use of Streamlit's non-public parts, in one place. Checked against streamlit==1.67.0 (pinned in
requirements.txt); ``tests/unit/test_streamlit_internals.py`` fails with a clear message if that changes.

Four things:

- The legacy multipage mode of an app with a ``pages/`` folder. The folder has to stay (the product's layout), and
  until some session calls st.navigation, a fresh server process runs a deep link such as /landscape as the page
  file alone, without app.py. ``PagesManager.uses_pages_directory`` is what Streamlit's script runner reads to
  choose that mode, and what st.navigation itself sets to False.
- The parse of a JSON widget value (the stage's component value). Streamlit keeps the text a browser sent and
  parses it with ``json.loads`` in ``unpack_widget_state_value`` when session state first reads it, before any
  app code runs (``WStates.__getitem__``, from ``_widget_changed`` and ``_compact_state``). Text that does not
  parse raises there, stays stored, and raises again at the start of every later run: the session shows "This
  app has encountered an error" until a reload. :func:`guard_json_widget_values` puts ``untrusted_json.parse`` in
  that place: a bad value becomes None (no value, which the player ignores) with one line in the log.
- The end of a session. Each script run leaves Streamlit's ``ScriptRunner`` in reference cycles (with its
  ``SafeSessionState``, its ``ScriptRunContext``, its fragment coordinator) that hold the session's
  ``SessionState``, so a closed session's trainer and data would wait for a full garbage collection, which the
  app no longer runs after every script run (``runner.postScriptGC = false``). The ``AppSession`` itself is
  freed by reference counting once Streamlit forgets the session; :func:`empty_session_state_at_session_end`
  empties its ``SessionState`` at that moment, so the cycles keep an empty shell.
- The sidebar on a tablet. Streamlit collapses it by itself only below 768 px, and a server cannot know the
  window's width: at 820 px the open sidebar left the stage 488 px. ``COLLAPSE_ON_NARROW_JS`` runs in the page and
  presses the sidebar's own collapse button once on a window narrower than ``NARROW_PX``, unless the viewer has
  opened or closed the sidebar before on this device (Streamlit keeps that choice in localStorage under
  ``stSidebarCollapsed-...`` and starts from it on every later load, before anything is drawn).
"""

from __future__ import annotations

import threading
import weakref

from streamlit.logger import get_logger
from streamlit.runtime import Runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state import session_state

from . import untrusted_json

CHECKED_VERSION = "1.67.0"
_LOGGER = get_logger(__name__)
_SESSIONS_WATCHED = weakref.WeakSet()  # AppSessions whose end empties their session state
_WATCHING = threading.Lock()  # script runs of several sessions register at once


def in_legacy_pages_mode() -> bool:
    """Whether this process still runs page files alone (no session has called st.navigation yet)."""
    return bool(PagesManager.uses_pages_directory)


def leave_legacy_pages_mode() -> None:
    """What st.navigation does on its first call: from the next run on, every run goes through app.py."""
    PagesManager.uses_pages_directory = False


def guard_json_widget_values() -> None:
    """From now on, in this process, parse every JSON widget value with ``untrusted_json.parse``: a value that is
    not JSON, too long or nested too deep reads as None and logs one line. Other widget values are untouched.
    Calling it again changes nothing."""
    current = session_state.unpack_widget_state_value
    if getattr(current, "guards_json", False):
        return

    def unpack(widget_state):
        if widget_state.WhichOneof("value") != "json_value":
            return current(widget_state)
        try:
            return untrusted_json.parse(widget_state.json_value)
        except untrusted_json.Refused as why:
            _LOGGER.warning("Refused the value of widget %.80r from a browser: %s", widget_state.id, why)
            return None

    unpack.guards_json = True
    session_state.unpack_widget_state_value = unpack


def empty_session_state_at_session_end() -> None:
    """Called in a script run: when Streamlit drops this run's session (a closed tab it no longer keeps for a
    reconnect), empty the session's state, so that the reference cycles Streamlit leaves behind hold nothing of
    ours. Once per session; does nothing outside a server (AppTest has no AppSession)."""
    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return
    app_session = Runtime.instance().get_app_session(ctx.session_id)
    if app_session is None:
        return
    with _WATCHING:
        if app_session in _SESSIONS_WATCHED:
            return
        _SESSIONS_WATCHED.add(app_session)
    weakref.finalize(app_session, empty_session_state, app_session.session_state)


def empty_session_state(state: session_state.SessionState) -> None:
    """Drop every value and widget callback a session's state holds (the session is gone)."""
    state.clear()
    state._new_widget_state.widget_metadata.clear()  # on_change callbacks and their arguments


NARROW_PX = 1024  # tablets in portrait (and phones): the stage needs the window's whole width
SIDEBAR_CHOICE_KEY = "stSidebarCollapsed-"  # the frontend's localStorage key prefix for the viewer's choice
COLLAPSE_BUTTON = '[data-testid="stSidebar"][data-collapsed="false"] [data-testid="stSidebarCollapseButton"] button'
COLLAPSE_ON_NARROW_JS = f"""<script>
(() => {{
    const chosen = Object.keys(localStorage).some((key) => key.startsWith('{SIDEBAR_CHOICE_KEY}'));
    if (chosen || window.innerWidth >= {NARROW_PX}) return;
    const button = document.querySelector('{COLLAPSE_BUTTON}');
    if (button) button.click();  // Streamlit stores this as the choice: later loads start collapsed
}})();
</script>"""
