"""A replica restarted under a class: only its own sessions are lost, and they reload cleanly.

    python -m bench.failover        # needs nginx (apt-get install nginx) and /usr/bin/chromium

Starts ``deploy/local_cluster.sh 2`` and two headless Chromium pages that land on different replicas (the
``ce_replica`` cookie), takes a few steps in both, then restarts the first page's replica with
``deploy/restart_replica.sh``. Checks: the other page's session goes on (its step count and settings unchanged,
Step still answers); the first page shows no error page, says its session is gone, reloads from its address and
works again on the replica it lands on. Prints PASS or FAIL per check; exit status 1 on a failure. Not run as a
test: it needs nginx, which CI does not install.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

from tests.e2e import server, ui

LINK = "/?dataset=moons&K=2&seed=3"


def _cluster(port: int) -> subprocess.Popen:
    process = subprocess.Popen(["bash", str(server.REPO_ROOT / "deploy" / "local_cluster.sh"), "2", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not server.healthy(f"http://127.0.0.1:{port}"):
        if process.poll() is not None:
            raise RuntimeError(f"local_cluster.sh exited: {process.stdout.read()}")
        time.sleep(0.5)
    return process


def _replica(context) -> str:
    return next((c["value"] for c in context.cookies() if c["name"] == "ce_replica"), "")


def _step(page, expected: str) -> None:
    from playwright.sync_api import expect

    ui.act(page, ui.button(page, "step").click, lambda: expect(ui.metric_value(page, "step")).to_have_text(expected))


def main() -> int:
    problem = server.missing_requirements()
    if problem or subprocess.run(["which", "nginx"], capture_output=True).returncode:
        print(f"cannot run: {problem or 'nginx is not installed (apt-get install nginx)'}", file=sys.stderr)
        return 2
    from playwright.sync_api import expect, sync_playwright

    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    cluster = _cluster(port)
    results = []
    try:
        with sync_playwright() as playwright:
            browser = server.launch_chromium(playwright)
            pages = {}
            for _ in range(20):  # new browsers are placed at random: open contexts until both replicas have one
                context = browser.new_context(viewport=ui.VIEWPORT)
                page = context.new_page()
                ui.open_app(page, url, LINK)
                pages.setdefault(_replica(context), page)
                if len(pages) == 2:
                    break
            (lost_replica, lost), (_, kept) = sorted(pages.items())
            for page in (lost, kept):
                _step(page, "1")
                _step(page, "2")
            index = int(re.sub(r"\D", "", lost_replica))
            subprocess.run(["bash", str(server.REPO_ROOT / "deploy" / "restart_replica.sh"), str(index), "--port",
                            str(port)], check=True, timeout=120)  # fmt: skip
            expect(ui.stage(lost).locator("#status")).to_contain_text("reloading", timeout=60_000)
            lost.wait_for_load_state("domcontentloaded")
            ui.open_app(lost, url, LINK)  # the reload lands on the same address; wait for it as a test would
            _step(lost, "1")
            results.append(("the restarted replica's page reloads from its address and works again", True))
            ok = ui.metric_value(kept, "step").inner_text() == "2" and "seed=3" in kept.url
            _step(kept, "3")
            results.append(("the other replica's session keeps its step and settings, and Step answers", ok))
            errors = ui.exceptions(lost).count() + ui.exceptions(kept).count()
            results.append(("no error page or exception on either page", errors == 0))
            browser.close()
    except Exception as error:  # a check that cannot finish is a failure, said plainly
        results.append((f"the check ran to the end ({type(error).__name__}: {str(error)[:200]})", False))
    finally:
        cluster.send_signal(signal.SIGTERM)
        cluster.wait(timeout=60)
    for name, ok in results:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if results and all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
