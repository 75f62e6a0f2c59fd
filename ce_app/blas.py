"""One BLAS thread per server process.

Streamlit runs every session's script in a thread of one process, and the server's numpy work is many small
matrix products (a mini-batch of 32 rows through a layer of 32 units, a plane of 80 x 80 cells through the model).
OpenBLAS, as numpy ships it, keeps one thread per core and hands each product out among them; for products this
small the hand-over, and the threads spinning while they wait for the next one, cost more CPU than they save, and
sessions (and a browser on the same machine) fight for the cores. ``python -m bench.frame`` on the 2-core runner:
3.95 ms of CPU per frame with OpenBLAS's default of 2 threads, 1.97 ms with 1; ``python -m bench.browser`` once
showed ~10 frames/s with one thread against ~8.5 with the default.

The limit is set through ``threadpoolctl`` after numpy has loaded, so it holds whatever imported numpy first (an
environment variable is read only when numpy loads). numpy's OpenBLAS keeps one process-wide pool (its "pthreads"
layer): a limit set from one script-run thread holds for all of them.
"""

from __future__ import annotations

import functools

from threadpoolctl import threadpool_info, threadpool_limits


@functools.cache  # once per process: app.py calls it on every full run, and finding the libraries takes ~0.2 ms
def use_one_thread() -> None:
    """Limit every BLAS library loaded in this process to one thread."""
    import numpy  # noqa: F401  (loads the BLAS library whose pool is limited)

    threadpool_limits(limits=1, user_api="blas")


def blas_threads() -> str:
    """The BLAS libraries of this process and their thread counts, e.g. 'openblas: 1 thread'."""
    libraries = [info for info in threadpool_info() if info["user_api"] == "blas"]
    return ", ".join(f"{info['internal_api']}: {info['num_threads']} thread{'s' * (info['num_threads'] != 1)}"
                     for info in libraries) or "no BLAS library loaded"  # fmt: skip
