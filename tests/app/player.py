"""Driving the training page's stage in AppTest, as the browser does.

The browser talks to the stage through the component's value (``ce_app/player.py``): AppTest cannot click inside
a component, but it can set that value in session state before a run, which is exactly what the component's
``setComponentValue`` does. :class:`Browser` numbers and keeps the events with the stage's own client model
(``ce_app.stage.StageClient``, the rules ``player_frontend/client.js`` follows too), and decodes what the server
sent back with the codec the browser reads.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from ce_app import frame_codec
from ce_app.player import KEY
from ce_app.stage import StageClient

PLAYER = "ce_app.player.player"


def component_args(at: AppTest) -> dict:
    """The player's arguments of the last run: JSON arguments and bytes arguments together."""
    nodes = [n for n in at.get("component_instance") if n.proto.component_name == PLAYER]
    assert len(nodes) == 1, f"expected one player on the page, found {len(nodes)}"
    args = json.loads(nodes[0].proto.json_args)
    for special in nodes[0].proto.special_args:
        if special.WhichOneof("value") == "bytes":
            args[special.key] = special.bytes
    return args


class Browser:
    """The stage's side in the browser, reduced to what the server sees: a value with unacknowledged events."""

    def __init__(self, at: AppTest):
        self.at = at
        self.client = StageClient()
        self.client.receive(self.args)
        self.client.hold_stream(self.args["stream"]["id"])

    @property
    def args(self) -> dict:
        return component_args(self.at)

    @property
    def stream(self) -> str:
        return self.client.stream

    def frames(self) -> dict:
        """The frames of the last run's chunk (or still frame), decoded by name."""
        args = self.args
        return frame_codec.unpack(args["chunk"], args["frames"])

    def value(self, events: list[dict]) -> dict:
        """A value of this session carrying ``events`` (made by hand: tests of replays and merged values)."""
        return {**self.client.value(), "events": events}

    def send(self, kind: str, **fields) -> AppTest:
        """Send one event (with any not yet acknowledged) and run, as a click in the stage does."""
        self.client.event(kind, **fields)
        return self.deliver(self.client.value())

    def deliver(self, value) -> AppTest:
        """Run with ``value`` as the component's value (any value at all: tests of untrusted input use this)."""
        self.at.session_state[KEY] = value
        self.at.run()
        args = self.args
        self.client.receive(args)
        self.client.hold_stream(args["stream"]["id"])
        return self.at

    # the stage's controls
    def step(self, n: int = 1) -> AppTest:
        return self.send("step", n=n)

    def play(self) -> AppTest:
        return self.send("play")

    def more(self) -> AppTest:
        """Ask for the next chunk of the playing stream."""
        args = self.args
        return self.send("more", chunk=args["chunk"]["seq"] + 1, stream=args["stream"]["id"])

    def pause(self, step: int) -> AppTest:
        return self.send("pause", step=step, stream=self.args["stream"]["id"])
