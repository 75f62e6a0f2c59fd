"""A closed session's trainer and data are freed by reference counting alone (tests/e2e/closed_sessions.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .server import REPO_ROOT, free_port

pytestmark = pytest.mark.e2e


def test_closed_sessions_on_every_page_leave_no_trainer_or_data_behind():
    """Test that once Streamlit forgets closed sessions (one per page, the training page after a Step), none of
    their trainers or datasets is still alive with the garbage collector off: none sits in a reference cycle."""
    result = subprocess.run([sys.executable, "-m", "tests.e2e.closed_sessions", str(free_port())], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=180)  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no report (exit {result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    report = json.loads(lines[-1])
    assert report["watched"] >= 8  # a trainer and a dataset per session at least
    assert report["alive"] == [], report
