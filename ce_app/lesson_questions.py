"""The questions each lesson asks, and the moment it asks them.

A lesson question is a kind of ``ce_core.predict`` question with its parameters, asked at a step (usually the
first, before the student presses anything) or at the first step where a condition on the selected point holds
(label smoothing asks when p_y is about to pass its target). The answer is always computed from the live state by
looking ahead; nothing here says what it will be. ``tests/unit/test_lesson_questions.py`` trains every lesson on
seeds 0-7 and checks that its question is asked at its moment on at least 7 of them and that training then does
what the answer says. No Streamlit here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

import ce_core
from ce_core.predict import POINT_KINDS, PointRef, Question, Skip

NEAR_TARGET = 0.03  # "p_y is about to pass its target": within this below y_y (0.84 against 0.87)


@dataclass(frozen=True)
class LessonQuestion:
    """One question a lesson asks: which kind, with which parameters, at which moment, and why then."""

    lesson: str  # the lesson's key (ce_app.lessons)
    kind: str  # a ce_core.predict kind
    params: dict = field(default_factory=dict)  # the kind's parameters: steps, threshold, lr
    at_step: int = 0  # asked at this step; with ``when``, at the first step from here on where it holds
    when: str = ""  # a name in CONDITIONS, or "" for exactly ``at_step``
    note: str = ""  # for the teacher: why this question at this moment

    @property
    def key(self) -> str:
        """A stable text id (for a session to remember which questions it asked), e.g. 'lr-too-high/loss_trend/1'."""
        return f"{self.lesson}/{self.kind}/{questions_for(self.lesson).index(self) + 1}"


def _p_y_near_target(trainer: ce_core.Trainer, point: PointRef) -> bool:
    """p_y of the point is below its target y_y = 1 - eps + eps / K, by at most NEAR_TARGET."""
    forward = trainer.model.forward(trainer.params, np.array([point.x]), temperature=trainer.temperature)
    target = trainer.model.targets_of(np.array([point.label]), trainer.label_smoothing)[0, point.label]
    return target - NEAR_TARGET <= forward.probs[0, point.label] < target


CONDITIONS = {"p_y_near_target": _p_y_near_target}

QUESTIONS = (
    LessonQuestion("linear", "region_growth", {"steps": 50},
                   note="Before the first step: which straight-edged region takes over most of the plane?"),
    LessonQuestion("xor-linear", "loss_below", {"steps": 200, "threshold": 0.6},
                   note="A straight line cannot split XOR: the loss stays near log 2 = 0.69."),
    LessonQuestion("xor-features", "loss_below", {"steps": 200, "threshold": 0.3},
                   note="The same question as for the linear XOR lesson: with x1·x2 as a feature the answer flips."),
    LessonQuestion("circles-hidden", "region_growth", {"steps": 100},
                   note="The hidden layer learns a closed boundary: which ring's region grows?"),
    LessonQuestion("spiral", "loss_below", {"steps": 100, "threshold": round(math.log(3), 3)},
                   note="log 3 is the loss of a uniform guess over 3 classes: does the network beat it quickly?"),
    LessonQuestion("lr-too-high", "loss_trend", {"steps": 1},
                   note="At lr = 10 a step overshoots: does the very first one lower the loss?"),
    LessonQuestion("lr-too-high", "loss_trend", {"steps": 20, "lr": 0.5},
                   note="The same model at lr = 0.5, as the lesson suggests after a reset."),
    LessonQuestion("label-smoothing", "dldu_sign", {"steps": 5}, when="p_y_near_target",
                   note="p_y is just below its smoothed target: will 5 more steps push it over, flipping dL/du_y?"),
    LessonQuestion("temperature", "loss_below", {"steps": 100, "threshold": 0.05},
                   note="At T = 1 the loss is near 0.01 after 100 steps; at T = 3 the gradients are a third."),
)  # fmt: skip


def lesson_point(lesson: str, X: np.ndarray, y: np.ndarray) -> int | None:
    """The point a lesson selects when it opens (a row of X (n, 2), y (n,)), or None to keep the selection.

    Label smoothing asks about "a point on the outer edge of a blob": the outermost class's farthest point,
    ``ce_core.outer_edge_points(X, y)[0]``, whose p_y is the first to pass its smoothed target.
    """
    if lesson == "label-smoothing" and len(y):
        return ce_core.outer_edge_points(X, y)[0]
    return None


def questions_for(lesson: str) -> tuple[LessonQuestion, ...]:
    """The questions of one lesson, in the order it asks them (none for an unknown key)."""
    return tuple(question for question in QUESTIONS if question.lesson == lesson)


def is_moment(question: LessonQuestion, trainer: ce_core.Trainer, point: PointRef | None) -> bool:
    """Whether the trainer is at the question's moment now (cheap: one forward pass of one point at most)."""
    if not question.when:
        return trainer.step_count == question.at_step
    return trainer.step_count >= question.at_step and CONDITIONS[question.when](trainer, point)


def due(lesson: str, trainer: ce_core.Trainer, point: PointRef | None, asked=()) -> LessonQuestion | None:
    """The lesson's first question whose moment is now and whose key is not in ``asked`` (None when there is
    none): what the stage offers before the student's next Step."""
    for question in questions_for(lesson):
        if question.key not in asked and is_moment(question, trainer, point):
            return question
    return None


def advance_to_moment(question: LessonQuestion, trainer: ce_core.Trainer, point: PointRef | None,
                      max_steps: int = 1000) -> bool:  # fmt: skip
    """Step the trainer one step at a time until the question's moment (at most ``max_steps`` steps); whether it
    got there. A teacher's "skip to the moment", and how the tests reach it."""
    for _ in range(max_steps + 1):
        if is_moment(question, trainer, point):
            return True
        if (not question.when and trainer.step_count > question.at_step) or trainer.diverged:
            return False
        trainer.step(1)
    return False


def ask(question: LessonQuestion, trainer: ce_core.Trainer, point: PointRef | None = None,
        bounds=None) -> Question | Skip:  # fmt: skip
    """The lesson question about the trainer's next steps, on the selected ``point`` and the plane's ``bounds``."""
    params = dict(question.params)
    if question.kind in POINT_KINDS:
        params["point"] = point
    if question.kind == "region_growth" and bounds is not None:
        params["bounds"] = bounds
    return ce_core.ask(trainer, question.kind, **params)
