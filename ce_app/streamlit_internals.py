"""Every use of Streamlit's non-public parts, in one place. Checked against streamlit==1.67.0 (pinned in
requirements.txt); ``tests/unit/test_streamlit_internals.py`` fails with a clear message if that changes.

One thing only: the legacy multipage mode of an app with a ``pages/`` folder. The folder has to stay (the
product's layout), and until some session calls st.navigation, a fresh server process runs a deep link such as
/landscape as the page file alone, without app.py. ``PagesManager.uses_pages_directory`` is what Streamlit's
script runner reads to choose that mode, and what st.navigation itself sets to False.
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
