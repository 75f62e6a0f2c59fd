"""Shared helpers for the AppTest suites: a fresh app run, optionally opened from a link."""

from __future__ import annotations

from pathlib import Path, PosixPath

import pytest
import streamlit.runtime.pages_manager as pages_manager
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_app(query: dict | None = None, timeout: float = 60) -> AppTest:
    """Run app.py once, as a new session opened on ``/?<query>``."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return at.run()


class _PathWithoutLegacyPagesFolder(PosixPath):
    """A Path for which a folder named "pages" does not exist (see ``run_as_the_server_does``)."""

    def exists(self, *args, **kwargs) -> bool:
        return False if self.name == "pages" else super().exists(*args, **kwargs)


@pytest.fixture(autouse=True)
def run_as_the_server_does(monkeypatch):
    """Make AppTest treat the app as the st.navigation app it is, as the server does after its first run.

    Streamlit keeps a legacy mode for apps that have a ``pages/`` folder: it runs a page file alone, without
    app.py. The server leaves that mode for good as soon as app.py calls st.navigation, but AppTest re-detects the
    folder before every run, so from the second run on it would execute pages/train.py alone. The pages survive
    that too (``page_frame.ensure``), but their widgets get other ids, so clicks and settings would be lost
    between runs, which never happens in a browser (the e2e tests drive the real server).
    """
    monkeypatch.setattr(pages_manager, "Path", _PathWithoutLegacyPagesFolder)


@pytest.fixture(name="open_app")
def open_app_fixture():
    """The function ``open_app(query)`` for tests that open the app from a link."""
    return open_app


@pytest.fixture
def app() -> AppTest:
    return open_app()
