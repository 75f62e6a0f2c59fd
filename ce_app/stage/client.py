"""The stage's browser side as the server sees it: event numbering, unacknowledged events and ``have``.

The same model as ``player_frontend/client.js`` (the node tests hold that one to the same rules): every event gets
the next number (``seq``, going on from the server's ``acked``), is kept until the server acknowledges it, and is
sent again with every later value, so none is lost when Streamlit merges two values into one rerun. The value also
says which points and stream the browser holds (``have``), so the server sends the points and the curves only when
they are missing.

``tests/app/player.py`` (AppTest) and ``bench/headless.py`` (the load benchmark's students) drive the server with
it instead of keeping their own copies of these rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import stage_contract


@dataclass
class StageClient:
    """Events sent and not yet acknowledged, and what the browser holds."""

    secret: str | None = None  # ARGS.session of the last render (None before the first)
    seq: int = 0  # the number of the last event made
    acked: int = 0  # ARGS.acked of the last render
    events: list = field(default_factory=list)  # made and not yet acknowledged, oldest first
    points: str | None = None  # HAVE.points: VIEW.points_version of the points held
    stream: str = ""  # HAVE.stream: STREAM.id of the stream held

    def event(self, kind: str, **fields) -> dict:
        """Make the next event of ``kind`` with exactly its declared fields (a programming error raises)."""
        declared = stage_contract.EVENT_FIELDS.get(kind)
        if declared is None or set(fields) != set(declared):
            raise ValueError(f"event {kind!r} with fields {sorted(fields)} is not in the contract")
        self.seq += 1
        event = {"seq": self.seq, "kind": kind, **fields}
        self.events.append(event)
        return event

    def value(self) -> dict:
        """The component value to send now (``stage_contract.VALUE``)."""
        held = stage_contract.message(stage_contract.HAVE, points=self.points, stream=self.stream)
        return stage_contract.message(stage_contract.VALUE, session=self.secret, have=held, events=list(self.events))

    def receive(self, args: dict) -> None:
        """Take what a render says: the secret, the events handled, the points held (when it carried them)."""
        self.secret = args["session"]
        self.acked = args["acked"]
        self.seq = max(self.seq, self.acked)  # a new frame of the page goes on from the server's numbering
        self.events = [event for event in self.events if event["seq"] > self.acked]
        if "points" in args:
            self.points = args["view"]["points_version"]

    def hold_stream(self, stream_id: str) -> None:
        """The browser now plays (or shows) the stream ``stream_id``."""
        self.stream = stream_id

    def pending_control(self) -> bool:
        """An event that changes the stream is not acknowledged yet: renders until then show an older stream."""
        return any(event["kind"] in stage_contract.CONTROL_EVENTS for event in self.events)
