"""The stage's state machine on the server: play, pause, step, select, colour, draw; chunks of frames.

While playing, the browser shows frames at the chosen rate and asks for the next chunk as soon as it starts
playing one (so a full chunk of time covers the round trip). The server computes a chunk with
``ce_core.play_chunk`` and keeps only the snapshot it started from: when the student pauses, the trainer is put
back exactly on the frame on screen with ``Trainer.seek`` (training is deterministic). Steps, clicks on points, the
plane's colouring and the draw mode go through the same component, so the server always knows which frame the
student was looking at.

Nothing here imports Streamlit: the session is a :class:`Host` (the trainer, the data and the settings as they are
now, and the few changes that go through the app: selecting a point, editing drawn points). ``ce_app/player.py``
is the Streamlit side; tests drive :class:`Stage` with a plain host.
"""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

import ce_core

from .. import frame_codec, state
from ..state import Dataset
from . import hints, prediction
from .events import Event, parse_events

CHUNK_SECONDS = 1.0  # of animation per chunk: one request a second per playing student at most
MAX_CHUNK_FRAMES = 60
MAX_STEPS_PER_PLAY = 20_000  # one press of Play runs at most this many steps, so a forgotten tab stops by itself
GRID_RESOLUTION = 80  # cells per axis of the plane's colours (the browser smooths them); see bench.frame
UNIT_CELLS = 6000  # grid cells of all the network view's unit maps together, per frame (a few KiB compressed)
KEPT_CHUNKS = 3  # chunks whose start is kept for a Pause: the one on screen, the next, one spare
WORK_BUDGET_S = 0.5  # CPU seconds one value's events may take; the rest of its events are dropped (see handle)
ENDED_MESSAGES = {
    ce_core.ENDED_LIMIT: f"Auto-run paused after {MAX_STEPS_PER_PLAY:,} steps. Press Play to go on.",
    ce_core.ENDED_DIVERGED: "Auto-run stopped: the training diverged.",
}
NO_POINTS = "No points yet: click on the plane to add points (Draw points), of at least two classes to train."
ONE_CLASS = "Only one class so far: pick another class above and click on the plane to add its points, then train."


class Host(prediction.Host, Protocol):
    """The session as the stage sees it: read afresh at every use (an edit of the points replaces data and trainer).
    Predict mode's part (trainer, data, settings, trainer_version, selected, set_predict) is ``prediction.Host``."""

    @property
    def data_version(self) -> int: ...
    @property
    def draw_mode(self) -> bool: ...
    @property
    def can_undo(self) -> bool: ...  # an edit of the drawn points can be taken back

    def select(self, index: int) -> None: ...
    def set_draw_mode(self, on: bool) -> None: ...
    def draw(self, x: float, y: float, k: int, remove: bool) -> None: ...
    def undo(self) -> None: ...
    def clear(self) -> None: ...


def idle_reason(data: Dataset) -> str:
    """Why nothing can be trained on these points ('' when something can): none, or a single class."""
    if not len(data.y):
        return NO_POINTS
    if len(np.unique(data.y[data.train_idx])) < 2:
        return ONE_CLASS
    return ""


@dataclass
class ChunkRecord:
    """A chunk the browser may still be showing: where it started and its last frame's step."""

    seq: int
    start: ce_core.Snapshot
    last_step: int


@dataclass
class Stage:
    """One session's stage: the stream of frames on offer, and what the browser has acknowledged."""

    secret: str = field(default_factory=lambda: secrets.token_hex(8))  # the browser must echo it in every value
    acked: int = 0  # the last event handled
    stream: str = ""  # id of the current stream of frames
    playing: bool = False
    play_started_at: int = 0  # step at which Play was pressed
    play_limit: int = MAX_STEPS_PER_PLAY  # the most steps this press of Play runs (predict mode plays a few)
    limit_reason: str = ENDED_MESSAGES[ce_core.ENDED_LIMIT]  # what the status line says when they have run
    records: list = field(default_factory=list)  # ChunkRecord, oldest first
    next_seq: int = 0  # the next chunk of a playing stream
    chunk_seq: int = 0  # the chunk in ``frames``
    frames_id: int = 0  # counts the frames made, so the browser never takes new frames for ones it has
    frames: frame_codec.Packed | None = None  # the latest chunk (playing) or the still frame (paused)
    still_key: tuple = ()  # what the still frame was made from
    ended: str = ""  # how the playing stream ends: '' (it does not), 'diverged' or 'limit'
    reason: str = ""  # why, in a sentence (ENDED_MESSAGES)
    show: str | int = "regions"  # the plane's colours: "regions" or a class index k
    network: bool = False  # the browser shows the network view: frames carry every unit's map
    trainer_version: int = -1  # the session's trainer the stream belongs to
    runs: int = 0  # Resets of that trainer (a Reset starts a new run)
    step_scale: float | None = None  # drawing scale of the next-step arrows: one per run
    notice: str = ""  # a message for the page once the stream has ended
    focus: int = 0  # grows when the page asks the stage to take the keyboard focus
    agreement: tuple = (-1, math.nan)  # (data_version, 5-NN agreement of its training points), for the hint
    dropped: int = 0  # events dropped because one value asked for too much work (see handle)
    prediction: prediction.Prediction = field(default_factory=prediction.Prediction)  # predict mode's question

    # ------------------------------------------------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------------------------------------------------
    def handle(self, host: Host, value) -> bool:
        """Apply the new events of the component's value; True when the whole page must be redrawn (new data).

        One value may ask for at most WORK_BUDGET_S of CPU time: its first event always runs (a click, however
        large the epoch), and once the budget is spent the events left are dropped, so that no client can hold
        the process (64 "epoch" events of batch 1 on 2,000 points once cost 18 s).
        """
        self.follow(host)
        events, last = parse_events(value, self.secret, self.acked)
        started, redraw = time.thread_time(), False
        for i, event in enumerate(events):
            if i and time.thread_time() - started > WORK_BUDGET_S:
                self.dropped += len(events) - i
                break
            redraw |= self._apply(host, event)
        self.acked = last
        self.follow(host)
        return redraw

    def _apply(self, host: Host, event: Event) -> bool:
        kind, trainer, idle = event.kind, host.trainer, idle_reason(host.data)
        if (kind in prediction.RUN_EVENTS and host.settings.predict and not idle and not self.playing
                and not trainer.diverged):  # fmt: skip
            self.prediction.ask(self, host, event)  # a question first, or the action at once
        elif kind in ("predict", "answer", "skip_question"):
            self.prediction.apply(self, host, event)
        elif kind == "play" and not idle:
            self._play(host)
        elif kind == "pause":
            self._stop(host, event.step)
        elif kind == "ended":
            if self.playing and self.ended and event.stream == self.stream:
                self.notice = self.reason
                self._stop(host, None)
        elif kind == "more":
            if self.playing and not self.ended and event.stream == self.stream and event.chunk == self.next_seq:
                self._next_chunk(host)
        elif kind in ("step", "epoch", "reset") and not idle:
            if kind == "reset":
                trainer.reset()
                self.runs += 1
                self.step_scale = None
                self.playing, self.notice = False, ""
            elif not self.playing and kind == "step":
                trainer.step(event.n)
            elif not self.playing and kind == "epoch":
                trainer.run_epoch()
            self._new_stream()
        elif kind == "select":
            if event.index < len(host.data.y):
                host.select(event.index)
                self._restart_here(host, event.step)
        elif kind == "mode":
            if event.show == "regions" or event.show < host.data.n_classes:
                self.show = event.show
                self._restart_here(host, event.step)
        elif kind == "network":
            self.network = event.on
            self._restart_here(host, event.step)
        elif kind == "draw_mode" and not self.playing:
            host.set_draw_mode(event.on)
        elif kind in ("draw", "undo", "clear") and host.draw_mode and not self.playing:
            if kind == "undo":
                host.undo()
            elif kind == "clear":
                host.clear()
            elif self._on_plane(host, event.x, event.y):
                host.draw(event.x, event.y, event.k, event.remove)
            return True
        return False

    def follow(self, host: Host) -> None:
        """A new trainer (other data or model settings) ends the stream; so does a plane colour the data lost."""
        if self.trainer_version != host.trainer_version:
            self.trainer_version, self.runs, self.step_scale = host.trainer_version, 0, None
            self.playing, self.notice = False, ""
            self._new_stream()
        if self.playing and idle_reason(host.data):  # the points changed under a playing stream
            self.playing = False
            self._new_stream()
        if self.show != "regions" and self.show >= host.data.n_classes:
            self.show = "regions"
            self._new_stream()
        self.prediction.follow(self, host)
        if not self.playing:
            self._still(host)

    def run_steps(self, host: Host, n: int) -> None:
        """Run ``n`` steps now (paused): a new still frame shows where they end."""
        host.trainer.step(n)
        self._new_stream()

    def play(self, host: Host, limit: int, reason: str) -> None:
        """Play ``limit`` steps (a short Play), then stop with ``reason`` in the status line."""
        self._play(host, limit, reason)

    def stop(self, host: Host) -> None:
        """Stop playing where the server is (for changes that do not come from the stage, e.g. another page)."""
        if self.playing:
            self._stop(host, None)

    def take_focus(self) -> None:
        """Ask the stage in the browser to take the keyboard focus (after a lesson was picked, say)."""
        self.focus += 1

    # ------------------------------------------------------------------------------------------------------------
    # Frames
    # ------------------------------------------------------------------------------------------------------------
    def _spec(self, host: Host) -> ce_core.FrameSpec:
        data, model = host.data, host.trainer.model
        return ce_core.FrameSpec(
            X=data.X, y=data.y, train_rows=data.train_idx, test_rows=data.test_idx, bounds=data.bounds,
            resolution=GRID_RESOLUTION, selected=host.selected, arrows=model.is_linear,
            unit_resolution=unit_resolution(model) if self.network and model.hidden else 0,
        )  # fmt: skip

    def _encode(self, host: Host, frames: list, spec: ce_core.FrameSpec) -> frame_codec.Packed:
        model = host.trainer.model
        units = (*model.hidden, model.n_classes) if spec.unit_resolution else ()
        weights = tuple(shape for name, shape in model.param_shapes().items() if name[0] in "VW") if units else ()
        layout = frame_codec.FrameLayout(
            n_points=len(spec.y), n_classes=model.n_classes, resolution=spec.resolution, z_size=model.n_last_inputs,
            show_class=None if self.show == "regions" else int(self.show), arrows=spec.arrows, unit_counts=units,
            unit_resolution=spec.unit_resolution, weight_shapes=weights,
        )  # fmt: skip
        return frame_codec.encode_frames(frames, spec.y, layout)

    def _new_stream(self) -> None:
        self.stream = secrets.token_hex(6)
        self.records, self.next_seq, self.chunk_seq = [], 0, 0
        self.ended = self.reason = ""
        self.still_key = ()

    def _next_chunk(self, host: Host) -> None:
        """Compute the next chunk of the playing stream from where the trainer is (the end of the previous one)."""
        settings, trainer = host.settings, host.trainer
        spec = self._spec(host)
        chunk = ce_core.play_chunk(trainer, spec, frames_per_chunk(settings.fps), settings.spf,
                                   step_limit=self.play_started_at + self.play_limit)  # fmt: skip
        self.records.append(ChunkRecord(self.next_seq, chunk.start, chunk.frames[-1].step))
        del self.records[:-KEPT_CHUNKS]
        self.frames, self.chunk_seq = self._encode(host, chunk.frames, spec), self.next_seq
        self.frames_id += 1
        self.next_seq += 1
        if chunk.ended:
            self.ended = chunk.ended
            self.reason = self.limit_reason if chunk.ended == ce_core.ENDED_LIMIT else ENDED_MESSAGES[chunk.ended]

    def _still(self, host: Host) -> None:
        """The frame of the trainer as it is, unless the one on offer already shows exactly that."""
        trainer = host.trainer
        key = (self.trainer_version, self.runs, trainer.step_count, trainer.diverged, host.settings, self.show,
               self.network, host.data_version)  # fmt: skip
        if key == self.still_key and self.frames is not None:
            return
        if idle_reason(host.data):  # nothing to train: the browser draws the points on a bare plane
            self.frames = frame_codec.pack([], {})
        else:
            spec = self._spec(host)
            self.frames = self._encode(host, [ce_core.capture_frame(trainer, spec)], spec)
        self.chunk_seq, self.still_key = 0, key
        self.frames_id += 1

    def _play(self, host: Host, limit: int | None = None, reason: str = "") -> None:
        """Play (at most MAX_STEPS_PER_PLAY steps, or ``limit`` with ``reason`` to say when they have run)."""
        trainer = host.trainer
        if self.playing or trainer.diverged:
            return
        self.playing, self.play_started_at, self.notice = True, trainer.step_count, ""
        self.play_limit = MAX_STEPS_PER_PLAY if limit is None else limit
        self.limit_reason = reason or ENDED_MESSAGES[ce_core.ENDED_LIMIT]
        self._new_stream()
        self._next_chunk(host)

    def _go_to_step(self, host: Host, step: int | None) -> None:
        """Put the trainer back on the frame of ``step`` (one the browser was shown), if a kept chunk holds it."""
        trainer = host.trainer
        if step is None or step == trainer.step_count:
            return
        for record in reversed(self.records):
            if record.start.step_count <= step <= record.last_step:
                trainer.seek(record.start, step - record.start.step_count)
                state.configure(trainer, host.settings)  # the settings in force now, not the chunk's
                return

    def _stop(self, host: Host, step: int | None) -> None:
        """Stop playing on the frame of ``step`` (the frame on screen); the stream becomes a still frame."""
        if self.playing:
            self._go_to_step(host, step)
        self.playing = False
        self._new_stream()

    def _restart_here(self, host: Host, step: int | None) -> None:
        """Apply a new view (selection, colours) from the frame on screen: a new stream from there."""
        if self.playing:
            self._go_to_step(host, step)
            self._new_stream()
            self._next_chunk(host)
        else:
            self._new_stream()

    @staticmethod
    def _on_plane(host: Host, x: float, y: float) -> bool:
        x_min, x_max, y_min, y_max = host.data.bounds
        return x_min <= x <= x_max and y_min <= y <= y_max

    # ------------------------------------------------------------------------------------------------------------
    # What the view shows besides the frames
    # ------------------------------------------------------------------------------------------------------------
    def arrow_scale(self, host: Host) -> float | None:
        """How much the next-step arrows are magnified: chosen once per run, at its first frame, so that the steps
        visibly shrink as training converges (the w_k arrows themselves are drawn to scale)."""
        trainer = host.trainer
        if idle_reason(host.data) or not trainer.model.is_linear:
            return None
        if self.step_scale is None:
            b = host.data.bounds
            half_span = 0.45 * min(b[1] - b[0], b[3] - b[2])
            longest = float(np.linalg.norm(trainer.preview_update()["W"], axis=1).max())
            self.step_scale = 1.0 if longest <= 0 or longest >= 0.15 * half_span else 0.3 * half_span / longest
        return self.step_scale

    def hint(self, host: Host) -> str:
        """The near-chance hint for the paused trainer ('' while playing: the status line says what plays)."""
        if self.playing or idle_reason(host.data):
            return ""
        trainer = host.trainer

        def agreement() -> float:
            if self.agreement[0] != host.data_version:
                self.agreement = (host.data_version, ce_core.neighbour_agreement(trainer.X_train, trainer.y_train))
            return self.agreement[1]

        return hints.near_chance_hint(trainer, agreement)


def frames_per_chunk(fps: int) -> int:
    return max(1, min(MAX_CHUNK_FRAMES, round(fps * CHUNK_SECONDS)))


def unit_resolution(model: ce_core.Model) -> int:
    """Cells per axis of each unit's map: finer for small networks, 8 to 24, UNIT_CELLS in all."""
    units = sum(model.hidden) + model.n_classes
    return max(8, min(24, int(math.sqrt(UNIT_CELLS / units))))
