"""The training page's player: chunks of frames computed by ce_core on the server, played by the browser.

While playing, the browser shows frames at the chosen rate and asks for the next chunk as soon as it starts
playing one (so a full chunk of time covers the round trip). The server computes a chunk with
``ce_core.play_chunk`` and keeps only the snapshot it started from: when the student pauses, the trainer is put
back exactly on the frame on screen with ``Trainer.seek`` (training is deterministic). Steps, clicks on points,
the plane's colouring and the draw mode go through the same component, so the server always knows which frame
the student was looking at.

Messages, browser -> server: the component's value, ``{"session", "have": {"points", "stream"}, "events": [...]}``,
where every event has a ``seq`` (1, 2, ...) and a ``kind`` (see :data:`EVENT_KINDS`); the value carries every event
not yet acknowledged, so an event is never lost when Streamlit merges two values into one rerun. Everything in it
is untrusted: :func:`parse_events` checks it, and a bad event is dropped, never raised.

Server -> browser: the component's arguments (see :func:`_render`): the stream (id, playing, fps, spf, how it
ended), the frames of the latest chunk (``frame_codec``), and, when the browser lacks them, the points and the
learning curves so far. ``acked`` is the last event handled.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st
import streamlit.components.v1 as components

import ce_core

from . import frame_codec, own_data, session, stage_contract, state
from .palette import CLASS_COLORS, CLASS_SYMBOLS, display_name, probability_rgb, region_rgb

KEY = "player"  # the component's key, and the session-state slot of its value
STATE = "player_state"  # the session-state slot of the Player
FRONTEND = Path(__file__).with_name("player_frontend")
CHUNK_SECONDS = 1.0  # of animation per chunk: one request a second per playing student at most
MAX_CHUNK_FRAMES = 60
MAX_STEPS_PER_PLAY = 20_000  # one press of Play runs at most this many steps, so a forgotten tab stops by itself
GRID_RESOLUTION = 80  # cells per axis of the plane's colours (the browser smooths them); see bench.frame
UNIT_CELLS = 6000  # grid cells of all the network view's unit maps together, per frame (a few KiB compressed)
KEPT_CHUNKS = 3  # chunks whose start is kept for a Pause: the one on screen, the next, one spare
MAX_EVENTS = 64  # events one value may carry
MAX_SEQ_JUMP = 10_000  # an event numbered further ahead than this is not from our player
HISTORY_ROWS = 500  # learning-curve points sent when a stream starts
EVENT_KINDS = stage_contract.EVENT_KINDS
ENDED_MESSAGES = {
    ce_core.ENDED_LIMIT: f"Auto-run paused after {MAX_STEPS_PER_PLAY:,} steps. Press Play to go on.",
    ce_core.ENDED_DIVERGED: "Auto-run stopped: the training diverged.",
}

_component = components.declare_component("player", path=str(FRONTEND))


# ----------------------------------------------------------------------------------------------------------------
# What the server remembers about the player
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class ChunkRecord:
    """A chunk the browser may still be showing: where it started and its last frame's step."""

    seq: int
    start: ce_core.Snapshot
    last_step: int


@dataclass
class Player:
    """One session's player: the stream of frames on offer, and what the browser has acknowledged."""

    secret: str = field(default_factory=lambda: secrets.token_hex(8))  # the browser must echo it in every value
    acked: int = 0  # the last event handled
    stream: str = ""  # id of the current stream of frames
    playing: bool = False
    play_started_at: int = 0  # step at which Play was pressed
    records: list = field(default_factory=list)  # ChunkRecord, oldest first
    next_seq: int = 0  # the next chunk of a playing stream
    chunk_seq: int = 0  # the chunk in ``frames``
    frames_id: int = 0  # counts the frames made, so the browser never takes new frames for ones it has
    frames: frame_codec.Packed | None = None  # the latest chunk (playing) or the still frame (paused)
    still_key: tuple = ()  # what the still frame was made from
    ended: str = ""  # how the playing stream ends: '' (it does not), 'diverged' or 'limit'
    reason: str = ""  # why, in a sentence
    show: object = "regions"  # the plane's colours: "regions" or a class index k
    network: bool = False  # the browser shows the network view: frames carry every unit's map
    trainer_version: int = -1  # the session's trainer the stream belongs to
    runs: int = 0  # Resets of that trainer (a Reset starts a new run)
    step_scale: float | None = None  # drawing scale of the next-step arrows: one per run
    notice: str = ""  # a message for the page once the stream has ended


def current() -> Player:
    ss = st.session_state
    if STATE not in ss:
        ss[STATE] = Player()
    return ss[STATE]


def playing() -> bool:
    return STATE in st.session_state and st.session_state[STATE].playing


# ----------------------------------------------------------------------------------------------------------------
# Events from the browser (untrusted)
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    """A checked event: its number, kind and the fields that kind may carry."""

    seq: int
    kind: str
    step: int | None = None  # the step of the frame on screen (pause, select, mode)
    stream: str = ""  # the stream the browser was playing
    chunk: int | None = None  # more: the chunk wanted
    n: int = 1  # step: how many steps
    index: int | None = None  # select: the point
    show: object = None  # mode: "regions" or a class index
    x: float | None = None  # draw: where the plane was clicked
    y: float | None = None
    on: bool = False  # network, draw_mode: switched on or off
    k: int = 0  # draw: the class of the new point
    remove: bool = False  # draw: remove the nearest point instead


def _int(value, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        return None
    number = int(value)
    return number if low <= number <= high else None


def _float(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _event(raw, acked: int) -> Event | None:
    """One event, checked; None if it is not one we could have sent."""
    if not isinstance(raw, dict):
        return None
    seq = _int(raw.get("seq"), acked + 1, acked + MAX_SEQ_JUMP)
    kind = raw.get("kind")
    if seq is None or kind not in EVENT_KINDS:
        return None
    stream = raw.get("stream")
    show = raw.get("show")
    if not (show == "regions" or _int(show, 0, ce_core.datasets.MAX_CLASSES - 1) is not None):
        show = None
    return Event(
        seq=seq, kind=kind, step=_int(raw.get("step"), 0, 2**53), stream=stream if isinstance(stream, str) else "",
        chunk=_int(raw.get("chunk"), 0, 2**31), n=_int(raw.get("n"), 1, 10) or 1,
        index=_int(raw.get("index"), 0, 2**31), show=show, x=_float(raw.get("x")), y=_float(raw.get("y")),
        on=raw.get("on") is True, k=_int(raw.get("k"), 0, own_data.MAX_DRAW_CLASSES - 1) or 0,
        remove=raw.get("remove") is True,
    )  # fmt: skip


def parse_events(value, secret: str, acked: int) -> list[Event]:
    """The new events in the component's value, in order: none unless the value comes from this session's player.

    Events already handled (seq <= acked: a value Streamlit sends again, a replay) are skipped, and so is
    anything malformed; a value of another session, or garbage, yields nothing.
    """
    if not isinstance(value, dict) or value.get("session") != secret:
        return []
    raw_events = value.get("events")
    if not isinstance(raw_events, list):
        return []
    events = []
    for raw in raw_events[:MAX_EVENTS]:
        event = _event(raw, events[-1].seq if events else acked)
        if event is not None:
            events.append(event)
    return events


def _have(value) -> tuple[object, str]:
    """(points version, stream id) the browser says it holds, from an untrusted value."""
    have = value.get("have") if isinstance(value, dict) else None
    if not isinstance(have, dict):
        return None, ""
    stream = have.get("stream")
    return have.get("points"), stream if isinstance(stream, str) else ""


# ----------------------------------------------------------------------------------------------------------------
# Frames
# ----------------------------------------------------------------------------------------------------------------
def _spec(player: Player) -> ce_core.FrameSpec:
    ss = st.session_state
    data, trainer = ss.data, ss.trainer
    return ce_core.FrameSpec(
        X=data.X, y=data.y, train_rows=data.train_idx, test_rows=data.test_idx, bounds=data.bounds,
        resolution=GRID_RESOLUTION,
        selected=session.selected_point(), arrows=trainer.model.is_linear,
        unit_resolution=unit_resolution(trainer.model) if player.network and trainer.model.hidden else 0,
    )  # fmt: skip


def unit_resolution(model: ce_core.Model) -> int:
    """Cells per axis of each unit's map: finer for small networks, 8 to 24, UNIT_CELLS in all."""
    units = sum(model.hidden) + model.n_classes
    return max(8, min(24, int(math.sqrt(UNIT_CELLS / units))))


def _layout(player: Player, spec: ce_core.FrameSpec) -> frame_codec.FrameLayout:
    model = st.session_state.trainer.model
    units = (*model.hidden, model.n_classes) if spec.unit_resolution else ()
    weights = tuple(shape for name, shape in model.param_shapes().items() if name[0] in "VW") if units else ()
    return frame_codec.FrameLayout(
        n_points=len(spec.y), n_classes=model.n_classes, resolution=spec.resolution, z_size=model.n_last_inputs,
        show_class=None if player.show == "regions" else int(player.show), arrows=spec.arrows, unit_counts=units,
        unit_resolution=spec.unit_resolution, weight_shapes=weights,
    )  # fmt: skip


def _encode(player: Player, frames: list, spec: ce_core.FrameSpec) -> frame_codec.Packed:
    return frame_codec.encode_frames(frames, spec.y, _layout(player, spec))


def frames_per_chunk(fps: int) -> int:
    return max(1, min(MAX_CHUNK_FRAMES, round(fps * CHUNK_SECONDS)))


def _new_stream(player: Player) -> None:
    player.stream = secrets.token_hex(6)
    player.records, player.next_seq, player.chunk_seq = [], 0, 0
    player.ended = player.reason = ""
    player.still_key = ()


def _next_chunk(player: Player) -> None:
    """Compute the next chunk of the playing stream from where the trainer is (the end of the previous one)."""
    ss = st.session_state
    settings, trainer = ss.settings, ss.trainer
    spec = _spec(player)
    chunk = ce_core.play_chunk(trainer, spec, frames_per_chunk(settings.fps), settings.spf,
                               step_limit=player.play_started_at + MAX_STEPS_PER_PLAY)  # fmt: skip
    player.records.append(ChunkRecord(player.next_seq, chunk.start, chunk.frames[-1].step))
    del player.records[:-KEPT_CHUNKS]
    player.frames, player.chunk_seq = _encode(player, chunk.frames, spec), player.next_seq
    player.frames_id += 1
    player.next_seq += 1
    if chunk.ended:
        player.ended, player.reason = chunk.ended, chunk.reason


def _still(player: Player) -> None:
    """The frame of the trainer as it is, unless the one on offer already shows exactly that."""
    ss = st.session_state
    trainer = ss.trainer
    key = (player.trainer_version, player.runs, trainer.step_count, trainer.diverged, ss.settings, player.show,
           player.network, ss.data_version)  # fmt: skip
    if key == player.still_key and player.frames is not None:
        return
    if not len(ss.data.y):  # an empty canvas: nothing to compute, the browser draws the bare plane
        player.frames, player.chunk_seq, player.still_key = frame_codec.pack([], {}), 0, key
        player.frames_id += 1
        return
    spec = _spec(player)
    player.frames = _encode(player, [ce_core.capture_frame(trainer, spec)], spec)
    player.chunk_seq, player.still_key = 0, key
    player.frames_id += 1


def _play(player: Player) -> None:
    trainer = st.session_state.trainer
    if player.playing or trainer.diverged or not len(st.session_state.data.y):
        return
    player.playing, player.play_started_at, player.notice = True, trainer.step_count, ""
    _new_stream(player)
    _next_chunk(player)


def _go_to_step(player: Player, step: int | None) -> None:
    """Put the trainer back on the frame of ``step`` (one the browser was shown), if a kept chunk holds it."""
    trainer = st.session_state.trainer
    if step is None or step == trainer.step_count:
        return
    for record in reversed(player.records):
        if record.start.step_count <= step <= record.last_step:
            trainer.seek(record.start, step - record.start.step_count)
            state.configure(trainer, st.session_state.settings)  # the settings in force now, not the chunk's
            return


def _stop(player: Player, step: int | None) -> None:
    """Stop playing on the frame of ``step`` (the frame on screen); the stream becomes a still frame."""
    if player.playing:
        _go_to_step(player, step)
    player.playing = False
    _new_stream(player)


def stop_playing() -> None:
    """Stop playing where the server is (for changes that do not come from the player, e.g. another page)."""
    if playing():
        _stop(current(), None)


def _restart_here(player: Player, step: int | None) -> None:
    """Apply a new view (selection, colours) from the frame on screen: a new stream from there."""
    if player.playing:
        _go_to_step(player, step)
        _new_stream(player)
        _next_chunk(player)
    else:
        _new_stream(player)


def _on_plane(x: float | None, y: float | None) -> bool:
    x_min, x_max, y_min, y_max = st.session_state.data.bounds
    return x is not None and y is not None and x_min <= x <= x_max and y_min <= y <= y_max


def _handle(player: Player, event: Event) -> bool:
    """Apply one event; True when the sidebar must be redrawn too (new data: a full rerun)."""
    ss = st.session_state
    trainer = ss.trainer
    if event.kind == "play":
        _play(player)
    elif event.kind == "pause":
        _stop(player, event.step)
    elif event.kind == "ended":
        if player.playing and player.ended and event.stream == player.stream:
            player.notice = ENDED_MESSAGES[player.ended]
            _stop(player, None)
    elif event.kind == "more":
        if player.playing and not player.ended and event.stream == player.stream and event.chunk == player.next_seq:
            _next_chunk(player)
    elif event.kind in ("step", "epoch", "reset"):
        if event.kind == "reset":
            trainer.reset()
            player.runs += 1
            player.step_scale = None
            player.playing, player.notice = False, ""
        elif not player.playing and event.kind == "step" and event.n in (1, 10):
            trainer.step(event.n)
        elif not player.playing and event.kind == "epoch":
            trainer.run_epoch()
        _new_stream(player)
    elif event.kind == "select":
        if event.index is not None and event.index < len(ss.data.y):
            session.select_point(event.index)
            _restart_here(player, event.step)
    elif event.kind == "mode":
        if event.show is not None and (event.show == "regions" or event.show < ss.data.n_classes):
            player.show = event.show
            _restart_here(player, event.step)
    elif event.kind == "network":
        player.network = event.on
        _restart_here(player, event.step)
    elif event.kind == "draw_mode" and not player.playing:
        ss.draw_mode = event.on
    elif event.kind in ("draw", "undo", "clear") and ss.get("draw_mode") and not player.playing:
        if event.kind == "undo":
            own_data.undo()
        elif event.kind == "clear":
            own_data.clear()
        elif _on_plane(event.x, event.y):
            own_data.draw(event.x, event.y, event.k, event.remove)
        return True
    return False


def _follow_the_session(player: Player) -> None:
    """A new trainer (other data or model settings) ends the stream; so does a plane colour the data lost."""
    ss = st.session_state
    if player.trainer_version != ss.trainer_version:
        player.trainer_version, player.runs, player.step_scale = ss.trainer_version, 0, None
        player.playing, player.notice = False, ""
        _new_stream(player)
    if player.show != "regions" and player.show >= ss.data.n_classes:
        player.show = "regions"
        _new_stream(player)
    if not player.playing:
        _still(player)


# ----------------------------------------------------------------------------------------------------------------
# Drawing the component
# ----------------------------------------------------------------------------------------------------------------
def _step_scale(player: Player) -> float | None:
    """How much the next-step arrows are magnified: chosen once per run, at its first frame, so that the steps
    visibly shrink as training converges (the w_k arrows themselves are drawn to scale)."""
    trainer = st.session_state.trainer
    if not trainer.model.is_linear:
        return None
    if player.step_scale is None:
        b = st.session_state.data.bounds
        half_span = 0.45 * min(b[1] - b[0], b[3] - b[2])
        longest = float(np.linalg.norm(trainer.preview_update()["W"], axis=1).max())
        player.step_scale = 1.0 if longest <= 0 or longest >= 0.15 * half_span else 0.3 * half_span / longest
    return player.step_scale


def _meta() -> dict:
    """What the browser needs to label the stage: classes, axes, names of z's entries."""
    ss = st.session_state
    data, model = ss.data, ss.trainer.model
    k = data.n_classes
    names = (
        ce_core.feature_names(model.features) if not model.hidden else [f"h{i + 1}" for i in range(model.n_last_inputs)]
    )
    return {
        "classes": [display_name(data.class_names[i]) if i < len(data.class_names) else str(i) for i in range(k)],
        "colors": [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k)],
        "symbols": [CLASS_SYMBOLS[i % len(CLASS_SYMBOLS)] for i in range(k)],
        "palette": list(CLASS_COLORS[: own_data.MAX_DRAW_CLASSES]),  # the classes a drawn point may have
        "palette_symbols": list(CLASS_SYMBOLS[: own_data.MAX_DRAW_CLASSES]),
        "axes": [display_name(name) for name in data.axis_names],
        "bounds": list(data.bounds),
        "z_names": names[: frame_codec.Z_SHOWN_MAX],
        "z_all": names,
        "z_size": model.n_last_inputs,
        "dw_names": names if model.n_last_inputs <= frame_codec.DW_COLUMNS_MAX else ["‖dL/dw_k‖"],
        "layers": list(model.hidden),
        "inputs": ce_core.feature_names(model.features),
        "activation": model.activation,
        "linear": model.is_linear,
        "source": data.source,
    }


HINT_AFTER_STEPS = 300  # before that, a low accuracy says nothing yet
STUCK_SHARE = 0.25  # "near chance": less than a quarter of the way from chance to 100%


def _hint() -> str:
    """A plain sentence when training looks hopeless: accuracy still near chance after a few hundred steps. It says
    whether the data themselves are the problem (classes that overlap) or the model, and what to try."""
    ss = st.session_state
    trainer, data = ss.trainer, ss.data
    if trainer.step_count < HINT_AFTER_STEPS or trainer.diverged or not len(data.y):
        return ""
    counts = np.bincount(trainer.y_train)
    chance = counts.max() / counts.sum()
    accuracy = trainer.metrics()["train_acc"]
    if accuracy > chance + STUCK_SHARE * (1 - chance):
        return ""
    cached = ss.get("neighbour_agreement")
    if cached is None or cached[0] != ss.data_version:
        cached = (ss.data_version, ce_core.neighbour_agreement(trainer.X_train, trainer.y_train))
        ss.neighbour_agreement = cached
    agreement = cached[1]
    if agreement < chance + 1.5 * STUCK_SHARE * (1 - chance):
        return (f"Hint: the classes overlap. A training point's 5 nearest neighbours mostly share its class only "
                f"{agreement:.0%} of the time, so no model will do much better than that here. Fewer classes, more "
                "points or less noise make these data learnable.")  # fmt: skip
    return (f"Hint: after {trainer.step_count:,} steps the training accuracy ({accuracy:.0%}) is still near what "
            f"always guessing the largest class gives ({chance:.0%}), though the data are learnable (5 nearest "
            f"neighbours agree {agreement:.0%} of the time). Try more hidden units or layers, another learning rate "
            "or optimizer, or the lesson Spiral: depth and width.")  # fmt: skip


def _render(player: Player, value) -> None:
    ss = st.session_state
    settings, trainer, data = ss.settings, ss.trainer, ss.data
    has_points, has_stream = _have(value)
    points_version = f"{ss.data_version}"
    args: dict = {
        "session": player.secret,
        "acked": player.acked,
        "stream": {
            "id": player.stream,
            "playing": player.playing,
            "fps": settings.fps,
            "spf": settings.spf,
            "ended": player.ended,
            "reason": player.reason,
            "limit": MAX_STEPS_PER_PLAY,
        },
        "chunk": {"seq": player.chunk_seq, "id": player.frames_id, **player.frames.header},
        "frames": player.frames.blob,
        "lut": (
            region_rgb(data.n_classes) if player.show == "regions" else probability_rgb(int(player.show))
        ).tobytes(),
        "view": {
            "present": settings.present,
            "hidden": sorted(settings.hidden_controls()),
            "show": player.show,
            "selected": session.selected_point(),
            "draw": bool(ss.get("draw_mode")),
            "network": player.network,
            "diverged": trainer.diverged,
            "divergence": trainer.divergence_reason,
            "step_scale": _step_scale(player),
            "notice": player.notice,
            "points_version": points_version,
        },
        "meta": _meta(),
    }
    if has_points != points_version:
        packed = frame_codec.encode_points(data.X, data.y, data.is_test)
        args["points"], args["points_blob"] = packed.header, packed.blob
    if not player.playing and trainer.last_batch is not None and len(data.y):
        info, packed = frame_codec.encode_batch(trainer.last_batch, data.train_idx)
        args["batch"], args["batch_blob"] = {**info, **packed.header}, packed.blob
    if not (player.playing and has_stream == player.stream):
        history = trainer.history.as_dict()
        packed = frame_codec.encode_history(history, ce_core.thin_rows(len(history["step"]), HISTORY_ROWS))
        args["history"], args["history_blob"] = packed.header, packed.blob
    _component(**args, key=KEY, default=None)


def stage() -> None:
    """The player: handle what the browser sent, then draw the stage with the frames on offer.

    Call it first in a fragment that also holds the views that follow the paused state: a chunk request, a Step
    or a Pause then reruns only that fragment. A point drawn on the plane reruns the whole app (the sidebar says
    which data are in use).
    """
    ss = st.session_state
    player = current()
    value = ss.get(KEY)
    _follow_the_session(player)
    redraw_all = False
    for event in parse_events(value, player.secret, player.acked):
        redraw_all |= _handle(player, event)
        player.acked = event.seq
    _follow_the_session(player)
    if redraw_all:
        st.rerun()
    _render(player, value)
