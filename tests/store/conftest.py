"""The classroom store's backends for the tests: a real SQLite file and a real Redis server, never a fake.

Redis: ``CE_TEST_REDIS=redis://127.0.0.1:P/0`` (``.ci/run`` starts one) names a server to use; without it, a
``redis-server`` on the PATH is started on a free loopback port for the session and stopped at its end. With
neither, the Redis tests skip with the reason, unless ``CE_REQUIRE_REDIS=1`` or ``CE_REQUIRE_E2E=1`` (CI) is set:
then they fail, so a runner without Redis cannot pass by skipping. Each test works under its own key prefix and
deletes its keys afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from ce_app.classroom.sqlite_store import SQLiteStore

REQUIRED = os.environ.get("CE_REQUIRE_REDIS") == "1" or os.environ.get("CE_REQUIRE_E2E") == "1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url():
    """The URL of a Redis server for the tests (see the module docstring)."""
    url = os.environ.get("CE_TEST_REDIS")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "no Redis for the store tests: set CE_TEST_REDIS=redis://host:port/db or install redis-server"
        if REQUIRED:
            pytest.fail(f"CE_REQUIRE_REDIS/CE_REQUIRE_E2E is set but {reason}", pytrace=False)
        pytest.skip(reason)
    import redis

    port = _free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail(f"redis-server on port {port} did not answer within 5 s", pytrace=False)
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def make_redis_store(url: str, **kwargs):
    from ce_app.classroom.redis_store import RedisStore

    return RedisStore(url, prefix=f"cetest:{uuid.uuid4().hex}:", **kwargs)


def drop_redis_keys(backend) -> None:
    keys = list(backend.client.scan_iter(match=backend.prefix + "*"))
    if keys:
        backend.client.delete(*keys)


@pytest.fixture(params=["sqlite", "redis"])
def backend_name(request) -> str:
    return request.param


@pytest.fixture
def make_backend(backend_name, tmp_path, request):
    """A function making a fresh store of the backend under test (several may share one SQLite file or prefix)."""
    made = []

    def make(**kwargs):
        if backend_name == "sqlite":
            backend = SQLiteStore(tmp_path / "classroom.sqlite3", **kwargs)
        else:
            url = request.getfixturevalue("redis_url")
            backend = make_redis_store(url, **kwargs) if not made else _same_redis(made[0], url, **kwargs)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        if backend_name == "redis":
            drop_redis_keys(backend)
            backend.client.close()
        else:
            backend.close_connection()


def _same_redis(first, url, **kwargs):
    from ce_app.classroom.redis_store import RedisStore

    return RedisStore(url, prefix=first.prefix, **kwargs)


@pytest.fixture
def backend(make_backend):
    return make_backend()


class Clock:
    """Seconds since the epoch that a test moves forward by hand (expiry without waiting 4 hours)."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()
