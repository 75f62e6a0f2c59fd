"""Latency of the classroom store's operations, on both backends, as the app calls them (``Classroom``).

    python -m bench.store                       # SQLite in a temp dir, and Redis
    python -m bench.store --ops 500             # fewer operations per kind
    python -m bench.store --redis redis://host:6379/0

Redis: the URL given, else $CE_TEST_REDIS, else a ``redis-server`` started here on a free loopback port (and
stopped at the end); without one the Redis column is skipped. Each kind of operation runs ``--ops`` times in a
room that fills up as a class does (joins of new students; answers of distinct students to one question); the
table shows the median and the 95th percentile in milliseconds. Budget: p95 < 10 ms for join, answer, tally and
version. ``join`` includes the rate-limit count (two store calls); ``teacher poll`` is the teacher's whole view
(room, question, tally); ``version`` is a student's once-a-second poll (one small read).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from ce_app.classroom.rooms import Classroom, Posed, Started
from ce_app.classroom.sqlite_store import SQLiteStore

from .core import cpu_model

BUDGET_MS = 10.0


def _students(n: int, tag: str) -> list[str]:
    return [f"{tag}-{i:06d}-{'x' * 12}" for i in range(n)]


def measure(classroom: Classroom, ops: int) -> dict[str, list[float]]:
    """Milliseconds of each operation kind, ``ops`` of each, in one big room."""
    started = classroom.start("lesson=linear")
    assert isinstance(started, Started), started
    code, key = started.code, started.teacher_key
    times: dict[str, list[float]] = {}

    def timed(name, fn, *args):
        start = time.perf_counter()
        outcome = fn(*args)
        times.setdefault(name, []).append((time.perf_counter() - start) * 1e3)
        return outcome

    pupils = _students(ops, "s")
    for pupil in pupils:
        assert timed("join", classroom.join, code, pupil, pupil).ok
    choices = (("a", "A"), ("b", "B"), ("c", "C"))
    assert classroom.ask(code, key, Posed("region_growth", "Which?", choices, "b")).ok
    for i, pupil in enumerate(pupils):
        assert timed("answer", classroom.answer, code, pupil, 1, "abc"[i % 3]).ok
        if i % 3 == 0:
            timed("tally", classroom.store.tally, code, 1)
            timed("teacher poll", classroom.teacher_view, code, key)
        timed("version", classroom.version, code)
    for pupil in pupils[: max(ops // 3, 1)]:
        timed("student view", classroom.student_view, code, pupil)
    classroom.close(code, key)
    return times


def _start_redis() -> tuple[str, subprocess.Popen] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return f"redis://127.0.0.1:{port}/0", process
        except redis.ConnectionError:
            time.sleep(0.05)
    process.terminate()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=2000, help="operations of each kind (default 2000)")
    parser.add_argument("--redis", default=os.environ.get("CE_TEST_REDIS", ""), help="a Redis URL to use")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}; load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}; {args.ops} ops each")
    results, started_redis = {}, None
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SQLiteStore(Path(folder) / "bench.sqlite3")
        results["SQLite (WAL)"] = measure(Classroom(sqlite, max_students=10**6), args.ops)
        sqlite.close_connection()
    url = args.redis
    if not url and (started_redis := _start_redis()):
        url = started_redis[0]
    try:
        if url:
            from ce_app.classroom.redis_store import RedisStore

            backend = RedisStore(url, prefix=f"cebench:{uuid.uuid4().hex}:")
            results["Redis"] = measure(Classroom(backend, max_students=10**6), args.ops)
            keys = list(backend.client.scan_iter(match=backend.prefix + "*"))
            if keys:
                backend.client.delete(*keys)
        else:
            print("Redis: no URL and no redis-server on the PATH; skipped")
    finally:
        if started_redis:
            started_redis[1].terminate()
            started_redis[1].wait(timeout=10)
    names = list(next(iter(results.values())))
    header = "".join(f"{name:>24}" for name in results)
    print(f"{'operation (ms)':<16}{header}")
    print(f"{'':<16}" + "".join(f"{'median / p95':>24}" for _ in results))
    worst = 0.0
    for name in names:
        cells = []
        for times in results.values():
            median, p95 = np.median(times[name]), np.percentile(times[name], 95)
            if name in ("join", "answer", "tally", "version"):
                worst = max(worst, p95)
            cells.append(f"{median:10.3f} / {p95:8.3f}")
        print(f"{name:<16}" + "".join(f"{cell:>24}" for cell in cells))
    print(f"worst p95 of join, answer, tally, version: {worst:.3f} ms (budget < {BUDGET_MS:g} ms): "
          f"{'met' if worst < BUDGET_MS else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
