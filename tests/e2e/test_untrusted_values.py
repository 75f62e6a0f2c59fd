"""Values a browser could send that Streamlit itself parses before any app code runs, sent to the real server.

A headless client (``bench.headless.Tab``) speaks Streamlit's websocket protocol and puts any text at all where the
stage's JSON value goes; a real Chromium page posts an oversized value from inside the stage. Each bad value must
cost one line of log, show no error, and leave the session working: the next normal value is handled.
"""

from __future__ import annotations

import json
import time

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bench.headless import XSRF_COOKIE, Tab
from ce_app import frame_codec

from . import ui

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail under CE_REQUIRE_E2E=1) before a test needs it
    expect = None

pytestmark = pytest.mark.e2e

LINK = "dataset=moons&K=2&n=60"
REFUSED = "Refused the value of widget"
DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
BAD_VALUES = {
    "not JSON": "{'session': 1}",
    "empty": "",
    "an integer of 5,000 digits": "1" * 5000,
    "nested 100,000 deep": "[" * 30_000 + "]" * 30_000,
    "nested 900 deep": "[" * 900 + "]" * 900,
}


class Stage:
    """The stage's side of one headless tab: its value, events numbered as stage.js numbers them."""

    def __init__(self, app_server):
        self.tab = Tab(app_server.url, LINK)
        self.tab.open()
        self.tab.rerun()
        render = self.finish()
        self.player_id, self.secret, self.fragment = render.widget_id, render.args["session"], render.fragment_id
        self.seq = render.args["acked"]

    def finish(self, timeout: float = 60):
        """Read messages until the run ends; the last drawing of the player in it (None if none)."""
        render, deadline = None, time.monotonic() + timeout
        while time.monotonic() < deadline:
            message, drawn = self.tab.receive(deadline - time.monotonic())
            render = drawn or render
            if message is not None and message.WhichOneof("type") == "script_finished":
                assert message.script_finished in DONE, message.script_finished
                return render
        raise AssertionError(f"no end of run within {timeout} s")

    def send_text(self, text: str):
        self.tab.rerun(self.fragment, (self.player_id, text))
        return self.finish()

    def step(self):
        """Press Step: returns the drawing that answers it."""
        self.seq += 1
        value = {"session": self.secret, "have": {"points": None, "stream": ""},
                 "events": [{"seq": self.seq, "kind": "step", "n": 1}]}  # fmt: skip
        return self.send_text(json.dumps(value))


def shown_step(render) -> int:
    return int(frame_codec.unpack(render.args["chunk"], render.blobs["frames"])["step"][0])


def new_log(app_server, since: int) -> str:
    time.sleep(0.3)  # the server writes its log line from another thread
    return app_server.log_path.read_text(encoding="utf-8", errors="replace")[since:]


@pytest.fixture
def stage(app_server):
    stage = Stage(app_server)
    yield stage
    stage.tab.close()


def test_values_streamlit_cannot_parse_are_refused_in_one_log_line_and_the_session_goes_on(stage, app_server):
    """Test that each value that is not JSON, holds a huge integer or nests too deep shows no error, writes one
    line of log, and that the next Step after it is handled (it used to wedge the session until a reload)."""
    assert shown_step(stage.step()) == 1
    for number, (what, text) in enumerate(BAD_VALUES.items(), start=2):
        since = len(app_server.log_path.read_text(encoding="utf-8", errors="replace"))
        stage.send_text(text)
        log = new_log(app_server, since)
        assert log.count(REFUSED) == 1 and len(log.strip().splitlines()) == 1, f"{what}: {log[-2000:]}"
        after = stage.step()
        assert not stage.tab.problems, f"{what}: {stage.tab.problems}"
        assert after.args["acked"] == stage.seq and shown_step(after) == number, what


def test_a_message_over_the_size_limit_closes_the_connection_and_the_session_resumes(stage, app_server):
    """Test that a value over server.maxWidgetStateSize (1 MB) closes the tab's websocket with code 1009 before it
    is parsed, and that the tab reconnects to the same session, which kept its state and answers the next Step."""
    assert shown_step(stage.step()) == 1
    stage.tab.rerun(stage.fragment, (stage.player_id, json.dumps({"pad": "x" * 1_500_000})))
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            stage.tab.ws.recv(timeout=30)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    tab = stage.tab
    tab.ws = connect(
        "ws" + tab.base_url[len("http") :] + "/_stcore/stream",
        subprotocols=["streamlit", tab.cookies.get(XSRF_COOKIE, "PLACEHOLDER_AUTH_TOKEN"), tab.session_id],
        additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in tab.cookies.items())},
        compression=None,
        ping_interval=None,
    )
    after = stage.step()
    assert tab.new_sessions == 0 and not tab.problems
    assert shown_step(after) == 2  # the session kept step 1


def test_an_oversized_value_from_the_stage_leaves_the_page_working(page, app_url, app_server):
    """Test that in Chromium a stage value over the limit costs a reconnect or two, no error and no reload: the
    stage's next value replaces it and Step goes on from where it was."""
    ui.open_app(page, app_url, "/?" + LINK)
    ui.act(page, ui.button(page, "step").click, lambda: expect(ui.metric_value(page, "step")).to_have_text("1"))
    page.evaluate("() => { window.ceBeforeValue = true; }")
    since = len(app_server.log_path.read_text(encoding="utf-8", errors="replace"))
    ui.stage_frame(page).evaluate("""() => window.parent.postMessage({isStreamlitMessage: true,
        type: "streamlit:setComponentValue", dataType: "json", value: {pad: "x".repeat(1500000)}}, "*")""")
    deadline = time.monotonic() + 30
    while "exceeds the limit" not in new_log(app_server, since) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert "exceeds the limit" in new_log(app_server, since), "the server never saw the oversized value"
    ui.act(page, ui.button(page, "step").click, lambda: expect(ui.metric_value(page, "step")).to_have_text("2"))
    assert page.evaluate("() => window.ceBeforeValue") is True  # the same document: no reload was needed
    assert not ui.exceptions(page).all_inner_texts() and not ui.error_alerts(page).all_inner_texts()
