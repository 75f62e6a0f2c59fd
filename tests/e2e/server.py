"""Start the app and a headless Chromium for the browser tests and ``bench.browser``.

Used by ``tests/e2e/conftest.py`` (fixtures) and ``python -m bench.browser`` (one run), so both drive the app the
same way: ``streamlit run app.py`` from the repo root on a free localhost port, Debian's Chromium through the pip
``playwright`` package (no ``playwright install``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The app's pages and the stage's frame are all one site, so site isolation protects nothing here; without it
    # Chromium starts fewer processes, and a page opens for about a tenth less CPU on the 2-core runner.
    "--disable-site-isolation-trials",
]
HEALTH_TIMEOUT_S = 60.0


def missing_requirements() -> str:
    """Why the browser tests cannot run here ('' when they can): no Chromium binary or no pip playwright."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} not found (install it with `apt-get install -y chromium`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the pip package `playwright` is not installed (pip install -r requirements-dev.txt)"
    return ""


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it; a tiny race with other processes is accepted)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AppServer:
    """A running ``streamlit run app.py``: its base URL, process and log file."""

    url: str  # http://127.0.0.1:PORT, no trailing slash
    process: subprocess.Popen
    log_path: Path  # the server's stdout and stderr, read back when it fails
    data_dir: Path | None = None  # its CE_DATA_DIR (the class store's file), removed when it stops

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


def healthy(url: str) -> bool:
    """Whether the app at ``url`` answers ``ok`` on /_stcore/health."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (OSError, urllib.error.URLError):
        return False


def app_command(port: int) -> list[str]:
    """The command line that serves the app on localhost:port (run it from the repo root)."""
    return [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip


def start_app(timeout: float = HEALTH_TIMEOUT_S, port: int | None = None) -> AppServer:
    """Start the app from the repo root (on ``port``, or a free one) and wait until ``/_stcore/health`` answers.

    The server gets its own CE_DATA_DIR (a new temp dir): its class rooms are its own, never another run's."""
    port = port or free_port()
    log = tempfile.NamedTemporaryFile(prefix="ce-app-", suffix=".log", delete=False)  # noqa: SIM115 - kept open by Popen
    data_dir = Path(tempfile.mkdtemp(prefix="ce-data-"))
    env = {**os.environ, "CE_DATA_DIR": str(data_dir)}
    env.pop("CE_STORE", None)
    process = subprocess.Popen(
        app_command(port), cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
    )
    log.close()
    server = AppServer(f"http://127.0.0.1:{port}", process, Path(log.name), data_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stop_app(server)
            raise RuntimeError(f"streamlit exited with code {process.returncode}:\n{server.log_tail()}")
        if healthy(server.url):
            return server
        time.sleep(0.25)
    stop_app(server)
    raise RuntimeError(
        f"streamlit did not answer {server.url}/_stcore/health within {timeout:.0f} s:\n{server.log_tail()}"
    )


def stop_app(server: AppServer, grace: float = 10.0) -> None:
    """Terminate the server; kill it if it has not exited after ``grace`` seconds."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=grace)
    with contextlib.suppress(OSError):
        server.log_path.unlink()
    if server.data_dir is not None:
        shutil.rmtree(server.data_dir, ignore_errors=True)


@contextlib.contextmanager
def running_app() -> Iterator[AppServer]:
    server = start_app()
    try:
        yield server
    finally:
        stop_app(server)


def launch_chromium(playwright):
    """Debian's Chromium, headless, driven by the pip playwright package."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
