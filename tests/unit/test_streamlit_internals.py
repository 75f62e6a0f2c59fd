"""The non-public Streamlit behaviour the app leans on (ce_app/streamlit_internals.py) is still there."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

import pytest
import streamlit
from streamlit.commands import navigation
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime import Runtime, app_session
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner
from streamlit.runtime.state import common, session_state

from ce_app import streamlit_internals

RECHECK = (
    "ce_app/streamlit_internals.py was checked against Streamlit {checked}; Streamlit {found} is installed. "
    "Check that a fresh server still runs a deep link's page file alone while PagesManager.uses_pages_directory is "
    "True, and that st.navigation sets it to False; that session state still parses a JSON widget value with "
    "session_state.unpack_widget_state_value (tests/e2e/test_untrusted_values.py sends it bad ones); and that a "
    "closed session's trainer is freed without a garbage collection (tests/e2e/test_closed_sessions.py); then "
    "update CHECKED_VERSION."
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


def test_session_state_still_parses_json_widget_values_where_the_guard_sits():
    """Test that WStates.__getitem__ still reads a widget's stored value through the module-level name
    session_state.unpack_widget_state_value, and that Streamlit's own version parses json_value with json.loads
    (so that is the one parse to guard, and raises on text that is not JSON)."""
    assert "unpack_widget_state_value(" in inspect.getsource(session_state.WStates.__getitem__), (
        "WStates.__getitem__ no longer calls unpack_widget_state_value"
    )
    assert session_state.unpack_widget_state_value.__module__ in (common.__name__, streamlit_internals.__name__)
    assert "json.loads(value)" in inspect.getsource(common.unpack_widget_state_value)
    with pytest.raises(ValueError):
        common.unpack_widget_state_value(WidgetState(id="w", json_value="not json"))


@pytest.fixture
def guarded(monkeypatch):
    """The guard installed for one test, then Streamlit's own parse back."""
    monkeypatch.setattr(session_state, "unpack_widget_state_value", common.unpack_widget_state_value)
    streamlit_internals.guard_json_widget_values()
    return session_state.unpack_widget_state_value


def test_the_guard_turns_a_bad_json_value_into_none_with_one_log_line(guarded, caplog):
    """Test that, guarded, a value that is not JSON reads as None and logs one warning (no traceback); a JSON value
    and other kinds of value read as before; installing the guard twice wraps once."""
    with caplog.at_level(logging.WARNING, logger=streamlit_internals.__name__):
        streamlit_internals.guard_json_widget_values()
        assert session_state.unpack_widget_state_value is guarded
        assert guarded(WidgetState(id="w", json_value='{"events": [1]}')) == {"events": [1]}
        assert guarded(WidgetState(id="w", int_value=5)) == 5
        assert guarded(WidgetState(id="w", json_value="[" * 900 + "]" * 900)) is None
    records = [r for r in caplog.records if r.name == streamlit_internals.__name__]
    assert len(records) == 1 and "nested more than" in records[0].getMessage() and not records[0].exc_info


def test_guarded_session_state_reads_a_bad_value_as_none_and_keeps_it_so(guarded):
    """Test the guard where Streamlit calls it: a WStates holding the text of a bad value gives None when read,
    and stores that, so the next run does not parse the text again (unguarded, every read raised)."""
    states = session_state.WStates()
    states.set_widget_metadata(common.WidgetMetadata("w", lambda value: value, lambda value: value, "json_value"))
    states.set_widget_from_proto(WidgetState(id="w", json_value="1" * 5000))
    assert states["w"] is None and isinstance(states.states["w"], session_state.Value)


def test_the_parts_the_session_end_hook_uses_are_still_there():
    """Test that the runtime still hands out a session's AppSession and its SessionState, and that the script
    runner still wraps the session state with a callback bound to itself (the cycle that keeps a closed session's
    state until a full collection, which empty_session_state_at_session_end works around)."""
    assert callable(Runtime.get_app_session) and isinstance(app_session.AppSession.session_state, property)
    assert "yield_callback=self._maybe_handle_execution_control_request" in inspect.getsource(script_runner), (
        "ScriptRunner no longer binds its SafeSessionState to itself: check whether the hook is still needed"
    )
    state = session_state.SessionState()
    assert isinstance(state._new_widget_state.widget_metadata, dict)


def test_emptying_a_session_state_drops_its_values_and_widget_callbacks():
    """Test that empty_session_state leaves nothing of the app in a SessionState: values, widget values and the
    widgets' on_change callbacks (which may hold a page's data) are gone."""
    state = session_state.SessionState()
    state["trainer"] = object()
    state._new_widget_state.set_widget_metadata(
        common.WidgetMetadata("w", lambda v: v, lambda v: v, "json_value", callback=lambda: None)
    )
    state._new_widget_state.set_from_value("w", {"events": []})
    streamlit_internals.empty_session_state(state)
    assert "trainer" not in state and not state._new_widget_state.states
    assert not state._new_widget_state.widget_metadata and not state._old_state


def test_the_session_end_hook_does_nothing_outside_a_server():
    """Test that outside a script run (unit tests, AppTest without a runtime) the hook returns quietly."""
    streamlit_internals.empty_session_state_at_session_end()


def test_the_sidebar_parts_the_page_script_uses_are_still_there():
    """Test that the installed frontend still keeps the viewer's sidebar choice under the localStorage prefix the
    page script reads, and still marks the sidebar's state and its collapse button the way the script finds them."""
    bundle = "".join(path.read_text(encoding="utf-8", errors="ignore")
                     for path in (Path(streamlit.__file__).parent / "static" / "static" / "js").glob("index.*.js"))  # fmt: skip
    for part in ("`" + streamlit_internals.SIDEBAR_CHOICE_KEY + "${", '"data-collapsed":', "`stSidebarCollapseButton`"):
        assert part in bundle, f"the frontend no longer has {part!r}: re-check COLLAPSE_ON_NARROW_JS"
