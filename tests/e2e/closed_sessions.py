"""Serve the app with the garbage collector off, open a session on every page, close them all, and report which of
their trainers and datasets are still alive once Streamlit has forgotten the sessions.

Run by ``tests/e2e/test_closed_sessions.py`` as ``python -m tests.e2e.closed_sessions PORT``; prints one JSON line.
The app turns off Streamlit's collection after every run (``runner.postScriptGC``), so what a closed session leaves
in a reference cycle waits for Python's own full collection, which a busy server runs rarely: here, with the
collector off, only reference counting can free anything, so whatever stays alive sits in a cycle (or is held by
something that outlives the session).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
import weakref
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.web import bootstrap

from bench.headless import Tab
from ce_app.state import Dataset
from ce_core import Trainer

from .server import healthy

ROOT = Path(__file__).resolve().parents[2]
LINK = "dataset=moons&K=2&n=60"
PAGES = ("", "derivation", "landscape", "race")  # "" is the training page
FORGET_AFTER_S = 1  # server.disconnectedSessionTTL: how long a closed session is kept for a reconnect
WAIT_S = 20.0


def finish(tab: Tab):
    """Read until the run ends; the last drawing of the stage in it, if any."""
    render, deadline = None, time.monotonic() + 60
    while time.monotonic() < deadline:
        message, drawn = tab.receive(deadline - time.monotonic())
        render = drawn or render
        if message is not None and message.WhichOneof("type") == "script_finished":
            return render
    raise RuntimeError("a run did not end within 60 s")


def open_page(url: str, page: str) -> Tab:
    """A tab on ``page``, after its first run; on the training page it also presses Step, Play and Pause, with a
    chunk asked for in between."""
    tab = Tab(url, LINK)
    tab.open()
    msg = BackMsg()
    msg.rerun_script.query_string = LINK
    msg.rerun_script.page_name = page  # what the frontend sends for a deep link such as /derivation
    msg.rerun_script.context_info.url = f"{url}/{page}?{LINK}"
    tab.ws.send(msg.SerializeToString())
    render = finish(tab)
    if render is None:
        return tab
    for kind, fields in (("step", {"n": 1}), ("play", {}), ("more", {"chunk": 1}), ("pause", {"step": 3})):
        stream = render.args["stream"]["id"]
        event = {"seq": render.args["acked"] + 1, "kind": kind, "stream": stream, **fields}
        value = {"session": render.args["session"], "have": {"points": None, "stream": stream}, "events": [event]}
        tab.rerun(render.fragment_id, (render.widget_id, json.dumps(value)))
        render = finish(tab) or render
    assert render.args["acked"] == 4 and not render.args["stream"]["playing"], "the stage did not play and pause"
    return tab


def probe(url: str) -> dict:
    while not healthy(url):
        time.sleep(0.2)
    gc.collect()
    gc.disable()
    tabs = [open_page(url, page) for page in PAGES]
    watched = [weakref.ref(o) for o in gc.get_objects() if isinstance(o, Trainer | Dataset)]
    for tab in tabs:
        tab.close()
    time.sleep(FORGET_AFTER_S + 0.5)
    # Streamlit drops expired sessions when it stores another one: one more tab, opened and closed, does that.
    last = open_page(url, "")
    last.close()
    deadline = time.monotonic() + WAIT_S
    while any(ref() is not None for ref in watched) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = [ref() for ref in watched if ref() is not None]
    return {"watched": len(watched), "alive": sorted(type(o).__name__ for o in alive), "held_by": _holders(alive)}


def _holders(alive: list) -> list[str]:
    """What holds the first object still alive, a few steps up, for the failure message."""
    if not alive:
        return []
    chain, item = [], alive[0]
    for _ in range(4):
        holders = [h for h in gc.get_referrers(item) if h is not alive and not isinstance(h, type(sys._getframe()))]
        if not holders:
            break
        item = holders[0]
        keys = f" {list(item)[:6]}" if isinstance(item, dict) else ""
        chain.append(f"{type(item).__name__}{keys}"[:160])
    return chain


def main(port: int) -> None:
    url = f"http://127.0.0.1:{port}"

    def report():
        try:
            print(json.dumps(probe(url)), flush=True)
        finally:
            os._exit(0)

    threading.Thread(target=report, daemon=True).start()
    os.chdir(ROOT)
    flags = {"server_port": port, "server_address": "127.0.0.1", "server_headless": True,
             "server_disconnectedSessionTTL": FORGET_AFTER_S, "browser_gatherUsageStats": False,
             "server_fileWatcherType": "none"}  # fmt: skip
    bootstrap.load_config_options(flag_options=flags)
    bootstrap.run(str(ROOT / "app.py"), False, [], flags)


if __name__ == "__main__":
    main(int(sys.argv[1]))
