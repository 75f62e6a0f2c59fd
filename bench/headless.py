"""A student without a browser: Streamlit's websocket protocol and the training page's player, for ``bench.load``.

Two layers, each speaking one protocol the way the page does:

``Tab`` is one browser tab's connection to Streamlit (1.67): the HTTP requests a page makes before its websocket
(``/``, ``/_stcore/health``, ``/_stcore/host-config``, with the tab's own cookie jar), then ``/_stcore/stream``
(subprotocols ``streamlit`` and the XSRF token, or the frontend's placeholder when there is no cookie). Messages
are protobufs: ``BackMsg`` up, ``ForwardMsg`` down. A run is asked for with ``BackMsg.rerun_script`` = a
``ClientState``, filled as the frontend's ``sendRerunBackMsg`` does::

    query_string          the URL's query without '?', updated by every page_info_changed the app sends
    widget_states         every widget on the page with its current value (see _widget_state), the player's
                          value as json_value under the component's id
    page_script_hash      the last navigation.page_script_hash ('' on the first run, with page_name '')
    fragment_id           the Delta.fragment_id of the element that changed ('' for a full run)
    context_info          timezone, locale, url, ... (the server only keeps them)
    cached_message_hashes none: the server then never answers with a ref_hash, always with the full message
    is_auto_rerun, is_history_navigation   false

Every run, full or fragment, starts with a ``new_session`` message (its ``initialize.session_id`` stays the same
while the server keeps the session) and ends with ``script_finished``; deltas in between carry
``metadata.delta_path`` and, inside an ``@st.fragment``, ``delta.fragment_id``.

``Student`` is the player of ``ce_app/player.py`` and ``player_frontend/stage.js`` on top of a tab, numbering and
keeping its events with the stage's own client model (``ce_app.stage.StageClient``): it loads the training page
from a link, presses Play, shows each chunk's frames at ``fps`` on its own clock and asks for chunk
s + 1 when it shows frame 0 of chunk s, as ``CeStage.tick`` does (the same cadence rule, the same 4 s retry). It
records when each chunk arrived against when its first frame was due, the step of every frame shown, and anything
that went wrong. Of a chunk's frames it decodes only the ``step`` column (a few bytes of the zlib stream), so one
core runs dozens of students.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from ce_app.stage import StageClient

PLAYER = "ce_app.player.player"  # component_instance.component_name of the stage
XSRF_COOKIE = "_streamlit_xsrf"
NO_XSRF_TOKEN = "PLACEHOLDER_AUTH_TOKEN"  # what the frontend offers when it has no XSRF cookie
RETRY_S = 4.0  # stage.js RETRY_MS: a chunk asked for and not received by then is asked for again
STALL_GRACE_S = 1.5  # stage.js: an empty queue in the first 1.5 s of playing is not counted as a stall
CADENCE_SLACK_S = 0.003  # stage.js shows a frame up to 3 ms before it is due
HTTP_TIMEOUT_S = 10.0
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # above Streamlit's own limit (server.maxMessageSize, 200 MB is the cap)
FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
CONTEXT = {"timezone": "UTC", "timezone_offset": 0, "locale": "en-US", "is_embedded": False, "color_scheme": "light"}


class BenchError(Exception):
    """Something the page would show as broken: the bench records it and this student stops."""


# ---------------------------------------------------------------------------------------------------------------
# Widget values, as the frontend holds them


def _slider_state(el, state: WidgetState) -> None:
    """A slider's value: numbers, or the formatted options of a select_slider (its serde takes strings)."""
    if el.type == Slider.SELECT_SLIDER:
        state.string_array_value.data.extend(el.raw_value if el.set_value else [el.options[i] for i in el.default])
    else:
        state.double_array_value.data.extend(el.value if el.set_value else el.default)


def _number_state(el, state: WidgetState) -> None:
    value = el.value if el.set_value else el.default
    if el.data_type == NumberInput.INT:
        state.int_value = int(value)
    else:
        state.double_value = value


def _choice_state(el, state: WidgetState) -> None:
    """selectbox and radio: the formatted option, a string (what their serdes read back), not its index."""
    state.string_value = el.raw_value if el.set_value else el.options[el.default]


def _multi_state(el, state: WidgetState) -> None:
    state.string_array_value.data.extend(el.raw_values if el.set_value else [el.options[i] for i in el.default])


def _checkbox_state(el, state: WidgetState) -> None:
    state.bool_value = el.value if el.set_value else el.default


# Widgets whose value the frontend keeps and sends with every rerun. Buttons (triggers, sent once), download
# buttons (ignore_rerun) and an empty file uploader send nothing; the player's value is set by Student.
_WIDGET_STATES = {
    "slider": _slider_state,
    "number_input": _number_state,
    "selectbox": _choice_state,
    "radio": _choice_state,
    "multiselect": _multi_state,
    "checkbox": _checkbox_state,
}


def _widget_state(kind: str, el) -> WidgetState | None:
    """The WidgetState the frontend would send for a widget element just drawn, or None if it sends none."""
    fill = _WIDGET_STATES.get(kind)
    if fill is None or not el.id:
        return None
    state = WidgetState(id=el.id)
    fill(el, state)
    return state


def widget_key(widget_id: str) -> str:
    """The user key in a widget id (``$$ID-<hash>-<key>``), for reading settings back by name."""
    return widget_id.rsplit("-", 1)[-1]


def widget_value(state: WidgetState):
    """A WidgetState's value as plain Python (lists for arrays)."""
    kind = state.WhichOneof("value")
    value = getattr(state, kind)
    return list(value.data) if hasattr(value, "data") else value


# ---------------------------------------------------------------------------------------------------------------
# One tab


@dataclass
class Render:
    """One drawing of the player: its arguments and bytes arguments, and when they arrived."""

    at: float  # time.monotonic() when the delta arrived
    widget_id: str
    fragment_id: str
    args: dict
    blobs: dict[str, bytes]


@dataclass
class Tab:
    """One browser tab: its cookies, its websocket and what the page shows, kept from the ForwardMsgs."""

    base_url: str  # http://host:port, no trailing slash
    query: str  # the link's query, without '?'
    cookies: dict[str, str] = field(default_factory=dict)
    upstream: str = ""  # X-Upstream of the first response (a replica behind nginx), '' without a proxy
    ws: object = None
    session_id: str = ""  # new_session.initialize.session_id of the first run
    new_sessions: int = 0  # new_session messages whose session id differed from the first
    page_script_hash: str = ""
    widgets: dict[str, WidgetState] = field(default_factory=dict)  # id -> value the frontend would echo
    drawn: set = field(default_factory=set)  # widget ids drawn since the current full run started
    full_run: bool = False  # the current run is a full one (its end forgets widgets it did not draw)
    problems: list[str] = field(default_factory=list)  # exceptions and error alerts the page showed
    warnings: list[str] = field(default_factory=list)  # st.warning texts (a link the app corrected, ...)
    received_bytes: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # more headers of the websocket's request
    source_address: str | None = None  # the local address the websocket connects from (e.g. 127.0.0.7)
    auto_reruns: dict[str, float] = field(default_factory=dict)  # fragment id -> seconds, as the page's timers
    elements: list | None = None  # when a list: (kind, element, fragment id, arrival) of every element drawn

    def _http_get(self, path: str) -> None:
        """GET with this tab's cookies; keep what Set-Cookie sends, as a browser's cookie jar would."""
        request = urllib.request.Request(self.base_url + path)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            self.upstream = self.upstream or response.headers.get("X-Upstream", "")

    def open(self) -> None:
        """What a browser does before the first run: the page, the two checks, then the websocket."""
        for path in (f"/?{self.query}", "/_stcore/health", "/_stcore/host-config"):
            self._http_get(path)
        ws_url = "ws" + self.base_url[len("http") :] + "/_stcore/stream"
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        headers = {**headers, **self.headers} or None
        source = {"source_address": (self.source_address, 0)} if self.source_address else {}
        self.ws = connect(
            ws_url,
            subprotocols=["streamlit", self.cookies.get(XSRF_COOKIE, NO_XSRF_TOKEN)],
            additional_headers=headers,
            max_size=MAX_MESSAGE_BYTES,
            compression=None,  # Streamlit's server does not negotiate permessage-deflate either way
            ping_interval=None,  # browsers never ping; the server's pings are answered automatically
            open_timeout=HTTP_TIMEOUT_S,
            **source,
        )
        self.upstream = self.upstream or (self.ws.response.headers.get("X-Upstream", "") if self.ws.response else "")

    def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close()

    def rerun(self, fragment_id: str = "", player: tuple[str, str] | None = None, trigger: str = "",
              auto: bool = False) -> None:  # fmt: skip
        """Ask for a run with every widget's value, as the frontend does on any widget change.

        ``player`` is (component id, JSON value): the player's value, which replaces the one kept. ``trigger``: the
        id of a button pressed (its trigger is sent once, never kept). ``auto``: a fragment's timer asks.
        """
        if player is not None:
            self.widgets[player[0]] = WidgetState(id=player[0], json_value=player[1])
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_script_hash
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        state.widget_states.widgets.extend(self.widgets.values())
        if trigger:
            state.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        for name, value in CONTEXT.items():
            setattr(state.context_info, name, value)
        state.context_info.url = f"{self.base_url}/?{self.query}" if self.query else f"{self.base_url}/"
        self.ws.send(msg.SerializeToString())

    def receive(self, timeout: float):
        """The next ForwardMsg (None if none came within ``timeout``), after noting what it changes on the page.

        Returns (message, render): ``render`` is set when the message drew the player.
        """
        try:
            data = self.ws.recv(timeout=max(timeout, 0.0))
        except TimeoutError:
            return None, None
        except ConnectionClosed as error:
            raise BenchError(f"websocket closed by the server: {error}") from None
        at = time.monotonic()
        self.received_bytes += len(data)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        return msg, self._note(msg, at)

    def _note(self, msg: ForwardMsg, at: float) -> Render | None:
        kind = msg.WhichOneof("type")
        if kind == "delta":
            return self._note_delta(msg.delta, at)
        if kind == "new_session":
            self._note_new_session(msg)
        elif kind == "navigation":
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "auto_rerun":
            self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment_id, None)
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string  # the frontend puts it in the URL, then sends it back
        elif kind == "script_finished" and msg.script_finished == FINISHED and self.full_run:
            self.widgets = {k: v for k, v in self.widgets.items() if k in self.drawn}  # widgetMgr.removeInactive
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            self.problems.append(f"script compilation error: {msg.session_event.script_compilation_exception.message}")
        elif kind == "ref_hash":
            self.problems.append("the server sent a cached message by reference, though none was declared")
        return None

    def _note_new_session(self, msg: ForwardMsg) -> None:
        session_id = msg.new_session.initialize.session_id
        if not self.session_id:
            self.session_id = session_id
        elif session_id != self.session_id:
            self.new_sessions += 1
        self.page_script_hash = msg.new_session.page_script_hash  # as handleNewSession; navigation may follow
        self.full_run = not msg.metadata.run.fragment_ids
        if self.full_run:
            self.drawn = set()
            self.auto_reruns.clear()  # the frontend's cleanupAutoReruns: the run's fragments set them again

    def _note_delta(self, delta, at: float) -> Render | None:
        if delta.WhichOneof("type") != "new_element":
            return None
        element = delta.new_element
        kind = element.WhichOneof("type")
        el = getattr(element, kind)
        if self.elements is not None:
            self.elements.append((kind, el, delta.fragment_id, at))
        if kind == "component_instance" and el.component_name == PLAYER:
            self.drawn.add(el.id)
            blobs = {arg.key: arg.bytes for arg in el.special_args if arg.WhichOneof("value") == "bytes"}
            return Render(at, el.id, delta.fragment_id, json.loads(el.json_args), blobs)
        if kind == "exception":
            self.problems.append(f"exception on the page: {el.type}: {el.message[:200]}")
        elif kind == "alert" and el.format == el.ERROR:
            self.problems.append(f"error alert on the page: {el.body[:200]}")
        elif kind == "alert" and el.format == el.WARNING and el.body not in self.warnings:
            self.warnings.append(el.body[:200])
        state = _widget_state(kind, el)
        if state is not None:
            self.widgets[el.id] = state
            self.drawn.add(el.id)
        return None

    def settings(self) -> dict[str, object]:
        """The sidebar's values by setting name (widget keys ``w_<name>``), as the page shows them."""
        return {widget_key(k)[2:]: widget_value(v) for k, v in self.widgets.items() if widget_key(k).startswith("w_")}


# ---------------------------------------------------------------------------------------------------------------
# Chunks


def chunk_steps(header: dict, blob: bytes) -> list[int]:
    """The ``step`` column of a packed chunk (ce_app.frame_codec), inflating only up to its end."""
    column = next(c for c in header["columns"] if c["name"] == "step")
    if column["dtype"] != "uint32" or column["shape"]:
        raise BenchError(f"the step column is {column['dtype']} {column['shape']}, expected a uint32 scalar")
    rows = int(header["rows"])
    end = column["offset"] + 4 * rows
    raw = zlib.decompressobj().decompress(blob, end)
    if len(raw) < end:
        raise BenchError(f"a chunk holds {len(raw)} bytes, its step column ends at {end}")
    return [int.from_bytes(raw[i : i + 4], "little") for i in range(column["offset"], end, 4)]


@dataclass(frozen=True)
class Frame:
    seq: int  # the chunk it came in
    index: int  # its place in the chunk
    last: bool  # the chunk's last frame
    step: int


# ---------------------------------------------------------------------------------------------------------------
# One student


@dataclass
class Record:
    """What one student saw, for the report."""

    index: int
    upstream: str = ""  # the replica that served this student (behind a proxy)
    replica_cookie: str = ""
    started_at: float = 0.0  # time.monotonic() at the first HTTP request
    load_s: float | None = None  # first request to the end of the first full run
    play_at: float | None = None  # Play pressed
    play_latency_s: float | None = None  # Play pressed to chunk 0 arrived
    step_at_play: int | None = None  # the still frame's step when Play was pressed
    shown: int = 0  # frames shown
    first_shown_at: float | None = None
    last_shown_at: float | None = None
    last_step: int | None = None  # step of the last frame shown
    steps_went_back: int = 0
    fps: int = 0  # as the stream says
    spf: int = 0
    chunks: int = 0  # chunks received while playing (chunk 0 included)
    lateness_s: list[float] = field(default_factory=list)  # chunks 1, 2, ...: arrival minus when frame 0 was due
    round_trip_s: list[float] = field(default_factory=list)  # "more" sent to its chunk received
    stalls: int = 0  # the queue ran dry while playing (stage.js counts the same)
    retries: int = 0  # a chunk asked for again after RETRY_S
    replays: int = 0  # Play pressed again after a stream ended (the 20,000-step limit)
    stopped_at: float | None = None  # end of playing (Pause sent)
    paused_step: int | None = None  # still frame's step once Pause took effect
    final_step: int | None = None  # still frame's step after the closing full rerun
    settings: dict = field(default_factory=dict)  # sidebar values at load
    settings_after: dict = field(default_factory=dict)  # sidebar values after the closing full rerun
    session_ids: int = 0  # new session ids seen after the first (a lost session)
    secrets: int = 0  # player secrets seen after the first (a new Player: state lost)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    received_bytes: int = 0

    def playing_s(self) -> float:
        """Play pressed to Pause pressed: the time the student watched the animation."""
        if self.play_at is None or self.stopped_at is None:
            return 0.0
        return self.stopped_at - self.play_at

    def steps_per_s(self) -> float:
        """Steps shown per second of playing: from the step at Play to the last frame shown before Pause."""
        if self.playing_s() <= 0 or self.last_step is None or self.step_at_play is None:
            return 0.0
        return (self.last_step - self.step_at_play) / self.playing_s()


@dataclass
class Student:
    """One student on the training page: load the link, press Play, play for ``seconds``, Pause, leave."""

    record: Record
    tab: Tab
    seconds: float
    load_timeout: float = 120.0
    answer_timeout: float = 30.0  # for Play, Pause and the closing run
    player_id: str = ""
    fragment_id: str = ""
    args: dict = field(default_factory=dict)  # the player's latest arguments
    client: StageClient = field(default_factory=StageClient)  # event numbering, unacknowledged events, have
    stream: dict | None = None
    last_frames_id: int = -1
    queue: deque = field(default_factory=deque)
    frame: Frame | None = None
    animating: bool = False
    next_due: float | None = None
    started_at: float = 0.0
    stall_since: float | None = None
    requested: tuple[int, float] | None = None  # (chunk, when) asked for and not yet received
    renders: int = 0
    last_render: Render | None = None
    finished: int | None = None  # script_finished status of the last run

    # -- talking to the player's server side ---------------------------------------------------------------
    def _value(self) -> str:
        return json.dumps(self.client.value(), separators=(",", ":"), ensure_ascii=False)  # JSON.stringify's form

    def _send(self, kind: str, **fields) -> None:
        """Add an event and send every unacknowledged one (stage.js send)."""
        self.client.event(kind, **fields)
        self.tab.rerun(self.fragment_id, (self.player_id, self._value()))

    def _apply(self, render: Render) -> None:
        """stage.js apply(): take the arguments, drop acknowledged events, queue a new chunk's frames."""
        args, rec = render.args, self.record
        self.renders += 1
        self.last_render = render
        self.player_id, self.fragment_id, self.args = render.widget_id, render.fragment_id, args
        if self.client.secret is not None and args["session"] != self.client.secret:
            rec.secrets += 1
        self.client.receive(args)
        if self.client.points is None:
            self._send("hello")
            return
        if self.client.pending_control():
            return  # the server has not seen our last click yet: its stream is older
        stream = args["stream"]
        new_stream = self.stream is None or self.stream["id"] != stream["id"]
        chunk = args["chunk"]
        if chunk["id"] == self.last_frames_id and not new_stream:
            self.stream = stream
            self.client.hold_stream(stream["id"])
            return
        self.last_frames_id = chunk["id"]
        steps = chunk_steps(chunk, render.blobs["frames"]) if chunk["rows"] else []
        frames = [Frame(chunk["seq"], i, i == len(steps) - 1, s) for i, s in enumerate(steps)]
        if new_stream:
            self.queue.clear()
        if stream["playing"]:
            self.stream = stream
            self._take_chunk(frames, render.at)
        else:
            self.animating = False
            self.queue.clear()
            self.frame = frames[0] if frames else None
        self.stream, self.requested = stream, None
        self.client.hold_stream(stream["id"])

    def _take_chunk(self, frames: list[Frame], at: float) -> None:
        """Queue a playing chunk's frames; note how early or late it came against the player's schedule."""
        rec = self.record
        rec.chunks += 1
        rec.fps, rec.spf = self.stream["fps"], self.stream["spf"]
        if self.requested is not None and frames and frames[0].seq == self.requested[0]:
            rec.round_trip_s.append(at - self.requested[1])
        if frames and frames[0].seq == 0:
            if rec.play_latency_s is None and rec.play_at is not None:
                rec.play_latency_s = at - rec.play_at
        elif frames and self.next_due is not None:
            interval = 1.0 / max(1, self.stream["fps"])
            rec.lateness_s.append(at - (self.next_due + len(self.queue) * interval))  # when its frame 0 is due
        self.queue.extend(frames)
        if not self.animating:
            self.animating, self.next_due, self.started_at = True, None, at

    def _request(self, chunk: int, now: float, retry: bool = False) -> None:
        self.record.retries += retry
        self.requested = (chunk, now)
        self._send("more", chunk=chunk, stream=self.stream["id"])

    # -- the player's clock --------------------------------------------------------------------------------
    def _show(self, frame: Frame, now: float) -> None:
        rec = self.record
        if rec.last_step is not None and frame.step < rec.last_step:
            rec.steps_went_back += 1
        self.frame = frame
        rec.shown += 1
        rec.first_shown_at = rec.first_shown_at or now
        rec.last_shown_at, rec.last_step = now, frame.step

    def _tick(self, now: float) -> None:
        """stage.js tick(): show the next frame when it is due, ask for chunks, retry, note stalls."""
        stream = self.stream
        if not self.animating or not stream or not stream["playing"]:
            return
        interval = 1.0 / max(1, stream["fps"])
        if self.next_due is None:
            self.next_due = now
        if now < self.next_due - CADENCE_SLACK_S:
            return
        if self.queue:
            frame = self.queue.popleft()
            self.stall_since = None
            self._show(frame, now)
            # keep the cadence, but never try to catch up with frames that came late
            self.next_due = now + interval if now - self.next_due > interval else self.next_due + interval
            if frame.index == 0 and not (stream["ended"] and frame.last):
                self._request(frame.seq + 1, now)
            return
        if self.frame and self.frame.last and stream["ended"]:
            self.animating = False
            self._send("ended", stream=stream["id"], step=self.frame.step)
            return
        if self.stall_since is None and self.record.shown > 0 and now - self.started_at > STALL_GRACE_S:
            self.stall_since = now
            self.record.stalls += 1
        if self.frame and (self.requested is None or now - self.requested[1] > RETRY_S):
            self._request(self.frame.seq + 1, now, retry=self.requested is not None)

    def _wait(self) -> float:
        """Seconds until the player's clock needs us (a frame due, a retry), else a short poll."""
        now = time.monotonic()
        if self.animating and self.queue and self.next_due is not None:
            return max(self.next_due - CADENCE_SLACK_S - now, 0.0)
        if self.animating and self.requested is not None:
            return min(max(self.requested[1] + RETRY_S - now, 0.0) + 0.001, 0.25)
        return 0.25

    def _pump(self, until: float) -> None:
        """Receive and play until ``until`` (time.monotonic()), or until a stream that ended has stopped."""
        while (now := time.monotonic()) < until and (self.animating or self.stream["playing"]):
            _, render = self.tab.receive(min(self._wait(), until - now))
            if render is not None:
                self._apply(render)
            self._tick(time.monotonic())
            self._check_tab()

    def _until(self, done, timeout: float, what: str) -> None:
        """Receive (and keep playing) until ``done()``; a BenchError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise BenchError(f"{what}: no answer within {timeout:g} s")
            msg, render = self.tab.receive(min(self._wait(), deadline - time.monotonic()))
            if render is not None:
                self._apply(render)
            self._tick(time.monotonic())
            self._check_tab()
            if msg is not None and msg.WhichOneof("type") == "script_finished":
                self.finished = msg.script_finished

    def _check_tab(self) -> None:
        rec, tab = self.record, self.tab
        rec.session_ids = tab.new_sessions
        if tab.problems:
            rec.problems += tab.problems
            tab.problems.clear()

    # -- the lesson ----------------------------------------------------------------------------------------
    def _load(self) -> None:
        """Open the link and wait for its first full run to finish with the player drawn."""
        rec = self.record
        rec.started_at = time.monotonic()
        try:
            self.tab.open()
        except (OSError, urllib.error.URLError) as error:
            raise BenchError(f"could not open the page: {error}") from None
        rec.upstream, rec.replica_cookie = self.tab.upstream, self.tab.cookies.get("ce_replica", "")
        self.finished = None
        self.tab.rerun()
        self._until(lambda: self.finished == FINISHED and self.renders > 0, self.load_timeout, "loading the page")
        rec.load_s = time.monotonic() - rec.started_at
        rec.settings = self.tab.settings()

    def _play(self) -> None:
        rec = self.record
        if self.frame is None:
            raise BenchError("the player showed no frame to start from")
        rec.step_at_play = rec.step_at_play if rec.step_at_play is not None else self.frame.step
        rec.play_at = rec.play_at or time.monotonic()
        self.animating, self.next_due, self.started_at = True, None, time.monotonic()
        self._send("play")
        self._until(lambda: self.stream and self.stream["playing"] and rec.shown, self.answer_timeout, "Play")

    def _pause(self) -> None:
        """Pause on the frame on screen, wait for the still frame, and check that it is that frame."""
        rec = self.record
        rec.stopped_at = time.monotonic()
        self.animating = False
        self._send("pause", step=self.frame.step if self.frame else 0, stream=self.stream["id"])
        self._until(lambda: not self.stream["playing"] and not self.client.events, self.answer_timeout, "Pause")
        rec.paused_step = self.frame.step if self.frame else None
        if rec.paused_step != rec.last_step:
            rec.problems.append(f"paused on step {rec.paused_step}, the frame on screen was step {rec.last_step}")

    def _full_rerun(self) -> None:
        """A full run with every widget echoed (what touching the sidebar does): nothing may change."""
        rec = self.record
        self.finished, renders = None, self.renders
        self.tab.rerun()
        self._until(lambda: self.finished == FINISHED and self.renders > renders, self.answer_timeout, "a full rerun")
        chunk = self.last_render.args["chunk"]
        steps = chunk_steps(chunk, self.last_render.blobs["frames"]) if chunk["rows"] else [None]
        rec.final_step = steps[0]  # read from this run's drawing, not the frame kept from before
        rec.settings_after = self.tab.settings()
        if rec.final_step != rec.paused_step:
            rec.problems.append(f"a full rerun moved the paused step {rec.paused_step} to {rec.final_step}")
        if rec.settings_after != rec.settings:
            changed = {k: (rec.settings.get(k), v) for k, v in rec.settings_after.items() if rec.settings.get(k) != v}
            rec.problems.append(f"a full rerun changed the sidebar: {changed}")

    def run(self) -> None:
        """The whole visit; any failure ends it and is recorded, never raised (one thread per student)."""
        rec = self.record
        try:
            self._load()
            self._play()
            end = rec.play_at + self.seconds
            while time.monotonic() < end:
                self._pump(end)
                if not self.animating and self.stream and not self.stream["playing"]:
                    rec.replays += 1  # the stream ended at the step limit: press Play again
                    self._play()
            self._pause()
            self._full_rerun()
        except BenchError as error:
            rec.problems.append(str(error))
        except Exception as error:  # a bug of the bench or a malformed message: record it, keep the others going
            rec.problems.append(f"bench error: {type(error).__name__}: {error}")
        finally:
            rec.stopped_at = rec.stopped_at or time.monotonic()
            self._check_tab()
            rec.warnings = list(self.tab.warnings)
            rec.received_bytes = self.tab.received_bytes
            self.tab.close()
