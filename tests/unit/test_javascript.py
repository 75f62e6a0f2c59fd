"""The stage's JavaScript (``ce_app/player_frontend``), run from the README's test command: its unit tests under
Node's own test runner (``tests/js``, fed by fixtures the Python side makes, ``tests/js/fixtures.py``), ESLint and
the TypeScript checker on its JSDoc types. ``npm ci`` installs the two tools (``package.json``, ``package-lock.json``);
Node itself is on the machine (``.ci/run`` installs it when missing)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.js import fixtures

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, **kwargs)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the stage's JavaScript tests need Node 20 or later", pytrace=False)
    return node


def _installed(tool: str) -> str:
    path = ROOT / "node_modules" / ".bin" / tool
    if not path.exists():
        pytest.fail(f"{tool} is not installed: run `npm ci` (the README's test command does)", pytrace=False)
    return str(path)


def test_node_unit_tests(tmp_path):
    """Test that every node test of the stage passes, none skipped, with fixtures from the Python side."""
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(fixtures.make()), encoding="utf-8")
    result = _run([_node(), "--test", "--test-reporter=tap", *sorted(str(p) for p in (ROOT / "tests" / "js").glob("*.test.js"))],
                  env={**os.environ, "CE_JS_FIXTURES": str(path)})  # fmt: skip
    summary = {line.split()[1]: int(line.split()[2]) for line in result.stdout.splitlines()
               if line.startswith("# ") and len(line.split()) == 3 and line.split()[2].isdigit()}  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert summary.get("pass", 0) >= 30 and summary.get("fail") == 0 and summary.get("skipped") == 0, summary


def test_eslint_finds_nothing():
    """Test that ESLint (eslint.config.js) passes the stage's code and its tests."""
    result = _run([_node(), _installed("eslint"), "--max-warnings", "0"])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_jsdoc_types_check():
    """Test that the TypeScript checker finds no type error in the stage's JSDoc-typed modules (jsconfig.json)."""
    result = _run([_node(), _installed("tsc"), "-p", "jsconfig.json"])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
