"""Every use of Streamlit's non-public parts, in one place. Checked against streamlit==1.67.0 (pinned in
requirements.txt); ``tests/unit/test_streamlit_internals.py`` fails with a clear message if that changes.

Two things:

- The legacy multipage mode of an app with a ``pages/`` folder. The folder has to stay (the product's layout), and
  until some session calls st.navigation, a fresh server process runs a deep link such as /landscape as the page
  file alone, without app.py. ``PagesManager.uses_pages_directory`` is what Streamlit's script runner reads to
  choose that mode, and what st.navigation itself sets to False.
- The sidebar on a tablet. Streamlit collapses it by itself only below 768 px, and a server cannot know the
  window's width: at 820 px the open sidebar left the stage 488 px. ``COLLAPSE_ON_NARROW_JS`` runs in the page and
  presses the sidebar's own collapse button once on a window narrower than ``NARROW_PX``, unless the viewer has
  opened or closed the sidebar before on this device (Streamlit keeps that choice in localStorage under
  ``stSidebarCollapsed-...`` and starts from it on every later load, before anything is drawn).
"""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager

CHECKED_VERSION = "1.67.0"


def in_legacy_pages_mode() -> bool:
    """Whether this process still runs page files alone (no session has called st.navigation yet)."""
    return bool(PagesManager.uses_pages_directory)


def leave_legacy_pages_mode() -> None:
    """What st.navigation does on its first call: from the next run on, every run goes through app.py."""
    PagesManager.uses_pages_directory = False


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
