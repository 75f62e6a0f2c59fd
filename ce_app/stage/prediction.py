"""Predict mode: before a Step, Step ×10, Epoch or a short Play, the stage asks one question about what it will do;
the student answers (or skips), the steps run, and the stage reveals the answer, the part of the stage that tells
and one sentence of why.

One :class:`Prediction` per stage holds the question waiting for its answer and the last reveal. Which question: in
a lesson, the lesson's question whose moment is now (``lesson_questions.due``); otherwise the next kind of
ROTATION that fits the action and the model. A kind whose answer would be a coin toss (``ce_core`` returns a Skip)
is passed over; when none is left, the action runs at once and the status line says why there was no question.

Every answer comes from ``ce_core.ask`` looking ahead on a fork of the trainer, over exactly the steps the action
runs. Those steps must be the ones that run: a question is dropped when the trainer changed between asking and
answering (``Question.holds_for``), and a played run is revealed only if it ends exactly where the look-ahead did
(the same state digest). Nothing here imports Streamlit.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Protocol

import ce_core
from ce_core import predict
from ce_core.predict import PointRef, Question, Skip

from .. import lesson_questions, lessons, numbers, questions, stage_contract
from ..palette import display_name
from ..settings import Settings
from ..state import Dataset
from .events import Event

PLAY_STEPS = 50  # what Play runs in predict mode: enough to move the regions, short enough to watch to the end
ANIMATE_ABOVE = 10  # a lesson's question about more steps than this plays them as frames; fewer jump to the end
ASK_BUDGET_S = 0.25  # CPU seconds spent looking for a question that is not a coin toss, then the action just runs
RUN_EVENTS = ("step", "epoch", "play")
# The kinds asked in turn outside a lesson (see fits() for what each needs).
ROTATION = ("p_y_direction", "largest_move", "loss_trend", "in_batch", "region_growth", "dldu_sign",
            "point_correct", "loss_below")  # fmt: skip
LONG_KINDS = ("region_growth", "point_correct", "loss_below")  # a single step rarely changes what these ask about
LONG_STEPS = 10
BUTTON_WORDS = {"step": "Step", "step10": "Step ×10", "epoch": "Epoch", "play": "Play"}
NO_QUESTION = "No question this time. "
DROPPED = "The question was dropped: the training changed since it was asked. Press the button again for a new one."
DROPPED_POINT = "The question was about another point, so it was dropped. Press the button again for a new one."


class Host(Protocol):
    """What predict mode reads of the session (``machine.Host`` extends it with the rest of the stage's needs)."""

    @property
    def trainer(self) -> ce_core.Trainer: ...
    @property
    def data(self) -> Dataset: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def trainer_version(self) -> int: ...
    @property
    def selected(self) -> int: ...  # the selected point, a row of data

    def set_predict(self, on: bool) -> None: ...


class Stage(Protocol):
    """What predict mode uses of the stage (``machine.Stage``, which imports this module)."""

    notice: str  # the status line's message
    playing: bool
    runs: int  # Resets of the trainer

    def run_steps(self, host: Host, n: int) -> None: ...
    def play(self, host: Host, limit: int, reason: str) -> None: ...


@dataclass(frozen=True)
class Action:
    """What one press runs: its button, how many optimizer steps, and whether they play as frames."""

    button: str  # the toolbar button: step, step10, epoch or play
    steps: int
    animate: bool  # played as a short Play at the session's frame rate; else one still frame at the end

    @property
    def words(self) -> str:
        """What runs, as the question's panel names it."""
        if self.animate:
            return f"{numbers.integer(self.steps)} steps, played"
        if self.steps == 1:
            return "Step" if self.button == "step" else "1 step"
        if self.button == "step10" and self.steps == 10:
            return BUTTON_WORDS["step10"]
        if self.button == "epoch":
            return f"Epoch: {numbers.integer(self.steps)} steps"
        return f"{numbers.integer(self.steps)} steps"


def action_of(event: Event, trainer: ce_core.Trainer) -> Action:
    """The action a Step, Epoch or Play press runs in predict mode."""
    if event.kind == "step":
        return Action("step" if event.n == 1 else "step10", event.n, False)
    if event.kind == "epoch":
        return Action("epoch", trainer.steps_left_in_epoch, False)
    return Action("play", PLAY_STEPS, True)


def fits(kind: str, steps: int, trainer: ce_core.Trainer, point: PointRef) -> bool:
    """Whether asking ``kind`` about the next ``steps`` steps makes sense for this model and point."""
    if kind in LONG_KINDS:
        return steps >= LONG_STEPS
    if kind == "in_batch":  # about the very next batch; a held-out point or a full batch make it moot
        return steps == 1 and point.train_index is not None and trainer.batch_size < trainer.n_train
    if kind == "largest_move":  # the arrows w_k are drawn for linear models; with K = 2 both always move alike
        return trainer.model.is_linear and trainer.model.n_classes > 2
    if kind == "dldu_sign":  # without label smoothing y_y = 1 > p_y: always negative
        return trainer.label_smoothing > 0
    return True


def kind_params(kind: str, steps: int, point: PointRef, bounds) -> dict:
    """``ce_core.ask``'s parameters for ``kind`` about the next ``steps`` steps, the selected point and the plane."""
    params = {}
    if kind in predict.POINT_KINDS:
        params["point"] = point
    if kind != "in_batch":
        params["steps"] = steps
    if kind == "region_growth":
        params["bounds"] = bounds
    return params


@dataclass(frozen=True)
class Pending:
    """A question on screen, waiting for its answer, and what runs once it is answered."""

    id: str  # sent with the question; the answer must echo it
    question: Question
    worded: questions.Worded
    action: Action
    names: tuple  # the class names it was worded with
    lesson_key: str = ""  # LessonQuestion.key when it is the lesson's question
    lesson_title: str = ""


@dataclass(frozen=True)
class Played:
    """An answered question whose steps are playing: its reveal waits for the end of the run."""

    reveal: dict
    question: Question
    digest: str  # the state the look-ahead ended in: the reveal holds only if the run ends there too
    start: int  # the step it started from
    steps: int


@dataclass
class Prediction:
    """One stage's predict mode: the question waiting for an answer, a run playing towards its reveal, the reveal."""

    pending: Pending | None = None
    played: Played | None = None
    reveal: dict | None = None  # stage_contract.REVEAL, shown until the trainer moves on
    revealed: Question | None = None  # the question it reveals
    reveal_at: tuple = ()  # what the reveal describes (_where)
    turn: int = 0  # where ROTATION goes on
    asked: set = field(default_factory=set)  # keys of the lesson questions answered or skipped, for this trainer
    trainer_version: int = -1

    # ------------------------------------------------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------------------------------------------------
    def ask(self, stage: Stage, host: Host, event: Event) -> None:
        """Step, Epoch or Play in predict mode: ask one question about it, or run it at once and say why not."""
        stage.notice = ""  # a new action: what the status line said about the last one is stale
        self.clear()
        action = action_of(event, host.trainer)
        pending, skip = self._choose(host, action)
        if pending is not None:
            self.pending = pending
            return
        self._run(stage, host, action)
        if skip is not None:
            stage.notice = NO_QUESTION + questions.skip_reason(skip)

    def apply(self, stage: Stage, host: Host, event: Event) -> None:
        """The events of predict mode: the toggle, an answer, a skip. Anything that does not match the question on
        screen (another id, a choice it does not offer) changes nothing."""
        if event.kind == "predict":
            host.set_predict(event.on)
            if not event.on:
                self.clear()
            return
        pending = self.pending
        if pending is None or event.question != pending.id:
            return
        if event.kind == "skip_question":
            choice = None  # the steps run unanswered; the reveal still shows the answer
        elif event.kind == "answer" and event.choice in pending.question.choices:
            choice = event.choice
        else:
            return  # not one of its choices: the question stays
        self.pending = None
        if stage.playing or not pending.question.holds_for(host.trainer):
            stage.notice = DROPPED
            return
        if pending.lesson_key:
            self.asked.add(pending.lesson_key)
        self._run(stage, host, pending.action, _reveal(pending, choice), pending.question)

    def follow(self, stage: Stage, host: Host) -> None:
        """Keep up with the session: a new trainer forgets everything; a question whose state is gone is dropped; a
        played run that stopped gets its reveal (or says why not); a reveal goes once the trainer moves on."""
        if self.trainer_version != host.trainer_version:
            self.trainer_version, self.asked = host.trainer_version, set()
            self.clear()
            return
        if not host.settings.predict:
            self.clear()
            return
        if self.pending is not None and not self.pending.question.holds_for(host.trainer):
            self.pending = None
            stage.notice = DROPPED
        elif self.pending is not None and _point_of(self.pending.question) not in (None, host.selected):
            self.pending = None  # its text names the point, but the inspector would show another one
            stage.notice = DROPPED_POINT
        if self.played is not None and not stage.playing:
            self._settle(stage, host)
        if self.reveal is not None and self.reveal_at != _where(stage, host, self.revealed):
            self.reveal = None

    def clear(self) -> None:
        self.pending = self.played = self.reveal = self.revealed = None

    def question_view(self) -> dict | None:
        """VIEW.question: the question on screen, without its answer."""
        p = self.pending
        if p is None:
            return None
        return stage_contract.message(
            stage_contract.QUESTION, id=p.id, kind=p.question.kind, text=p.worded.text,
            choices=[[choice, label] for choice, label in p.worded.choices], action=p.action.button,
            run=p.action.words, lesson=p.lesson_title,
        )  # fmt: skip

    # ------------------------------------------------------------------------------------------------------------
    # Choosing and running
    # ------------------------------------------------------------------------------------------------------------
    def _choose(self, host: Host, action: Action) -> tuple[Pending | None, Skip | None]:
        """The lesson's question due now, else the next kind in turn that is not a coin toss; else the first Skip."""
        trainer, data = host.trainer, host.data
        point = questions.point_ref(data.X, data.y, data.train_idx, host.selected)
        names = tuple(
            display_name(data.class_names[k]) if k < len(data.class_names) else str(k) for k in range(data.n_classes)
        )  # as the stage names them (payload.class_names)
        started, first_skip = time.thread_time(), None
        lesson, tried = host.settings.lesson, set(self.asked)
        while lesson and (due := lesson_questions.due(lesson, trainer, point, tried)) is not None:
            tried.add(due.key)
            if "lr" in due.params and due.params["lr"] != trainer.optimizer.lr:
                continue  # asked once the student set the lesson's learning rate: then the steps that run use it
            result = lesson_questions.ask(due, trainer, point, data.bounds)
            if isinstance(result, Question):
                ran = Action(action.button, result.steps, result.steps > ANIMATE_ABOVE)
                return self._pending(result, ran, names, due.key, lessons.BY_KEY[lesson].title), None
            first_skip = first_skip or result
        for offset in range(len(ROTATION)):
            if time.thread_time() - started > ASK_BUDGET_S:
                break
            turn = (self.turn + offset) % len(ROTATION)
            kind = ROTATION[turn]
            if not fits(kind, action.steps, trainer, point):
                continue
            result = ce_core.ask(trainer, kind, **kind_params(kind, action.steps, point, data.bounds))
            if isinstance(result, Question):
                self.turn = (turn + 1) % len(ROTATION)
                return self._pending(result, action, names), None
            first_skip = first_skip or result
        return None, first_skip

    @staticmethod
    def _pending(question: Question, action: Action, names: tuple, key: str = "", title: str = "") -> Pending:
        return Pending(secrets.token_hex(6), question, questions.word(question, names), action, names, key, title)

    def _run(self, stage: Stage, host: Host, action: Action, reveal: dict | None = None,
             question: Question | None = None) -> None:  # fmt: skip
        """Run the action's steps: at once (the reveal with the new frame), or played (the reveal at its end)."""
        trainer = host.trainer
        if action.animate:
            if reveal is not None:
                end = predict.look_ahead(trainer, action.steps)
                self.played = Played(reveal, question, predict.state_digest(end), trainer.step_count, action.steps)
            stage.play(host, limit=action.steps, reason=f"Played {numbers.integer(action.steps)} steps.")
            return
        stage.run_steps(host, action.steps)
        if reveal is not None:
            self._show(stage, host, reveal, question)

    def _show(self, stage: Stage, host: Host, reveal: dict, question: Question) -> None:
        self.reveal, self.revealed, self.reveal_at = reveal, question, _where(stage, host, question)

    def _settle(self, stage: Stage, host: Host) -> None:
        played, self.played = self.played, None
        if predict.state_digest(host.trainer) == played.digest:
            self._show(stage, host, played.reveal, played.question)
            return
        ran = host.trainer.step_count - played.start
        stage.notice = (
            f"Paused after {numbers.integer(ran)} of the {numbers.integer(played.steps)} steps the question was "
            "about: no answer to reveal this time."
            if 0 <= ran < played.steps
            else "The training settings changed while the steps played: no answer to reveal this time."
        )


def _point_of(question: Question) -> int | None:
    """The point a question is about (its row), None for the others."""
    return question.numbers["row"] if question.kind in predict.POINT_KINDS else None


def _where(stage: Stage, host: Host, question: Question) -> tuple:
    """What a reveal describes: the trainer's run and step, and for a point's question the point the inspector shows
    (the highlighted bar or row is that point's)."""
    point = _point_of(question)
    return host.trainer_version, stage.runs, host.trainer.step_count, None if point is None else host.selected


def _reveal(pending: Pending, choice: str | None) -> dict:
    """VIEW.reveal for the question, answered with ``choice`` (None: skipped)."""
    worded, element = pending.worded, pending.question.element
    labels = dict(worded.choices)
    verdict = "skipped" if choice is None else "right" if choice == worded.answer else "wrong"
    return stage_contract.message(
        stage_contract.REVEAL, verdict=verdict, choice=labels.get(choice, ""),
        answer=labels[worded.answer], why=worded.why, element=element.kind, index=element.index,
        name=element.name, look=questions.look_at(element, pending.names), action=pending.action.button,
    )  # fmt: skip
