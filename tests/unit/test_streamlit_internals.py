"""The non-public Streamlit behaviour the app leans on (ce_app/streamlit_internals.py) is still there."""

from __future__ import annotations

import inspect
from pathlib import Path

import streamlit
from streamlit.commands import navigation
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

from ce_app import streamlit_internals

RECHECK = (
    "ce_app/streamlit_internals.py was checked against Streamlit {checked}; Streamlit {found} is installed. "
    "Check that a fresh server still runs a deep link's page file alone while PagesManager.uses_pages_directory is "
    "True, and that st.navigation sets it to False; then update CHECKED_VERSION."
)


def test_the_installed_streamlit_is_the_one_checked():
    """Test that Streamlit is the version the internals were checked against (requirements.txt pins it)."""
    found = streamlit.__version__
    assert found == streamlit_internals.CHECKED_VERSION, RECHECK.format(
        checked=streamlit_internals.CHECKED_VERSION, found=found
    )


def test_the_legacy_pages_mode_is_still_chosen_by_the_flag_we_set():
    """Test that the script runner picks the legacy mode from PagesManager.uses_pages_directory, and that
    st.navigation clears that flag, as leave_legacy_pages_mode() does."""
    assert hasattr(PagesManager, "uses_pages_directory"), "PagesManager.uses_pages_directory is gone"
    assert "if PagesManager.uses_pages_directory:" in inspect.getsource(script_runner), (
        "the script runner no longer chooses the legacy pages/ mode from PagesManager.uses_pages_directory"
    )
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation), (
        "st.navigation no longer leaves the legacy pages/ mode by clearing PagesManager.uses_pages_directory"
    )
    before = PagesManager.uses_pages_directory
    try:
        PagesManager.uses_pages_directory = True
        assert streamlit_internals.in_legacy_pages_mode()
        streamlit_internals.leave_legacy_pages_mode()
        assert not streamlit_internals.in_legacy_pages_mode() and PagesManager.uses_pages_directory is False
    finally:
        PagesManager.uses_pages_directory = before


def test_the_sidebar_parts_the_page_script_uses_are_still_there():
    """Test that the installed frontend still keeps the viewer's sidebar choice under the localStorage prefix the
    page script reads, and still marks the sidebar's state and its collapse button the way the script finds them."""
    bundle = "".join(path.read_text(encoding="utf-8", errors="ignore")
                     for path in (Path(streamlit.__file__).parent / "static" / "static" / "js").glob("index.*.js"))  # fmt: skip
    for part in ("`" + streamlit_internals.SIDEBAR_CHOICE_KEY + "${", '"data-collapsed":', "`stSidebarCollapseButton`"):
        assert part in bundle, f"the frontend no longer has {part!r}: re-check COLLAPSE_ON_NARROW_JS"
