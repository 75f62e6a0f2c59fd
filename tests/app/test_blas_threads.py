"""The server process runs numpy's BLAS on one thread (ce_app/blas.py says why; bench.frame measures it)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.app.conftest import APP

# A fresh process, as a server is: numpy loaded with a pool of two BLAS threads, then one run of app.py.
_SCRIPT = f"""
import numpy
from streamlit.testing.v1 import AppTest
from ce_app import blas
print(blas.blas_threads())
AppTest.from_file({APP!r}, default_timeout=60).run()
print(blas.blas_threads())
"""


def test_a_run_of_the_app_leaves_blas_on_one_thread():
    """Test that a process which starts with two BLAS threads (as a server on a 2-core machine does) has one
    after app.py's first run: the limit is the app's doing, not the environment's."""
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=os.path.dirname(APP),
        env={**os.environ, "OPENBLAS_NUM_THREADS": "2"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    before, after = result.stdout.strip().splitlines()[-2:]
    assert before.endswith(": 2 threads") and after.endswith(": 1 thread"), (before, after)
