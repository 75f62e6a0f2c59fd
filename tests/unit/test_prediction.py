"""Predict mode on the stage core (ce_app/stage/prediction.py), headless: which question a press asks, the short
Play and its reveal at the end, what a pause or a reset does to them, a press with no question that says why, and
every lesson's question offered through the stage at its moment (the questions themselves are checked on seeds 0-7
by test_lesson_questions.py; here, the wiring).

The AppTest side (the real app, a link, hostile answers) is tests/app/test_predict.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ce_app import lesson_questions, lessons, questions, state
from ce_app.stage import Stage, StageClient, render
from ce_app.stage import prediction as pred
from tests.stage_host import PlainHost
from tests.trainer_state import assert_same_training_state


class Student:
    """One browser on the stage core: events numbered by the stage's client model, the view of each render."""

    def __init__(self, host: PlainHost):
        self.host, self.stage, self.client = host, Stage(), StageClient()
        self.stage.follow(host)
        self.args = render(self.stage, host, None)
        self.client.receive(self.args)

    def send(self, kind: str, **fields) -> dict:
        self.client.event(kind, **fields)
        value = self.client.value()
        self.stage.handle(self.host, value)
        self.args = render(self.stage, self.host, value)
        self.client.receive(self.args)
        self.client.hold_stream(self.args["stream"]["id"])
        return self.args["view"]

    @property
    def view(self) -> dict:
        return self.args["view"]

    def answer(self, choice: str | None = None) -> dict:
        """Answer the question on screen (its first choice by default)."""
        question = self.view["question"]
        return self.send("answer", question=question["id"], choice=choice or question["choices"][0][0])

    def play_to_the_end(self) -> dict:
        """Ask for chunks as the browser does until the stream ends, then say its last frame is on screen."""
        for _ in range(50):
            stream = self.args["stream"]
            if not stream["playing"] or stream["ended"]:
                break
            self.send("more", chunk=self.args["chunk"]["seq"] + 1, stream=stream["id"])
        return self.send("ended", stream=self.args["stream"]["id"], step=self.host.trainer.step_count)


def twin(host: PlainHost):
    return state.build_trainer(host.settings, host.data)


@pytest.fixture
def student() -> Student:
    return Student(PlainHost.open(dataset="blobs", n=90, K=3, lr=0.5, smooth=0.1, predict=True, fps=20, spf=5))


def test_play_asks_about_its_50_steps_and_reveals_them_once_they_have_played(student):
    """Test that Play in predict mode asks first (nothing runs), plays exactly PLAY_STEPS steps once answered, shows
    no reveal while they play, and reveals at the end, with the trainer bitwise where 50 plain steps leave a twin."""
    reference = twin(student.host)
    view = student.send("play")
    question = view["question"]
    assert question["action"] == "play" and question["run"] == "50 steps, played"
    assert student.host.trainer.step_count == 0 and not student.args["stream"]["playing"]
    assert student.args["stream"]["limit"] == pred.PLAY_STEPS == 50
    view = student.answer()
    assert student.args["stream"]["playing"] and view["question"] is None and view["reveal"] is None
    view = student.play_to_the_end()
    assert view["reveal"]["verdict"] in ("right", "wrong") and view["notice"] == "Played 50 steps."
    reference.step(50)
    assert_same_training_state(student.host.trainer, reference)


def test_pausing_the_played_steps_leaves_no_reveal_and_says_why(student):
    """Test that a Pause before the steps asked about have all run gives no reveal (it would describe other steps),
    and the status line says so."""
    student.send("play")
    student.answer()
    frames = student.args["chunk"]["rows"]
    view = student.send("pause", step=5, stream=student.args["stream"]["id"])
    assert frames > 1 and student.host.trainer.step_count == 5
    assert view["reveal"] is None and view["notice"].startswith("Paused after 5 of the 50 steps")


def test_a_step_asks_only_kinds_that_fit_it_and_takes_them_in_turn(student):
    """Test that successive Steps ask different kinds in ROTATION's order, none of those that need 10 steps or more,
    and that a Step then runs exactly once per answer."""
    kinds = []
    for step in range(6):
        view = student.send("step", n=1)
        assert student.host.trainer.step_count == step, "a question comes before its step"
        kinds.append(view["question"]["kind"])
        student.answer()
    assert student.host.trainer.step_count == 6
    assert not set(kinds) & set(pred.LONG_KINDS) and len(set(kinds)) >= 3
    order = [pred.ROTATION.index(kind) for kind in kinds[:3]]
    assert order == sorted(order), kinds


def test_epoch_asks_about_the_steps_left_in_its_pass(student):
    """Test that Epoch in predict mode asks about exactly the steps left in the epoch, and runs them once answered."""
    student.send("step", n=1)
    student.answer()
    left = student.host.trainer.steps_left_in_epoch
    view = student.send("epoch")
    assert view["question"]["run"] == f"Epoch: {left} steps" and view["question"]["action"] == "epoch"
    student.answer()
    assert student.host.trainer.epoch == 1 and student.host.trainer.step_count == 1 + left


def test_another_point_drops_a_question_about_the_point_and_its_reveal(student):
    """Test that selecting another point drops a question whose text names the selected one (the inspector would
    show another point's bars), and takes away a reveal whose highlight is on that point's bars; a question about
    the whole model stays."""
    view = student.send("step", n=1)
    assert view["question"]["kind"] == "p_y_direction"
    view = student.send("select", index=student.host.selected + 1, step=0)
    assert view["question"] is None and view["notice"] == pred.DROPPED_POINT
    view = student.send("step", n=1)
    assert view["question"]["kind"] == "largest_move"
    view = student.send("select", index=0, step=0)
    assert view["question"]["kind"] == "largest_move", "a question about the weights does not depend on the point"
    student.answer()
    view = student.send("select", index=1, step=1)
    assert view["reveal"] is not None
    view = student.send("step", n=1)
    assert view["question"]["kind"] == "loss_trend"
    student.answer()
    view = student.send("step", n=1)
    assert view["question"]["kind"] == "in_batch"  # about point 1, a training point
    student.answer()
    assert student.view["reveal"]["element"] == "batch"
    view = student.send("select", index=2, step=3)
    assert view["reveal"] is None


def test_what_fits_a_press():
    """Test the rules of fits(): long kinds need 10 steps, in_batch one step on a training point of a partial batch,
    largest_move a linear model of K > 2, dldu_sign label smoothing."""
    host = PlainHost.open(dataset="blobs", n=90, K=3)
    trainer, data = host.trainer, host.data
    train_point = questions.point_ref(data.X, data.y, data.train_idx, int(data.train_idx[0]))
    test_point = questions.point_ref(data.X, data.y, data.train_idx, int(data.test_idx[0]))
    assert pred.fits("region_growth", 10, trainer, train_point) and not pred.fits("loss_below", 9, trainer, train_point)
    assert pred.fits("in_batch", 1, trainer, train_point) and not pred.fits("in_batch", 1, trainer, test_point)
    assert not pred.fits("in_batch", 10, trainer, train_point)
    assert pred.fits("largest_move", 1, trainer, train_point) and not pred.fits("dldu_sign", 1, trainer, train_point)
    two = PlainHost.open(dataset="blobs", n=90, K=2, layers=1, smooth=0.1)
    assert not pred.fits("largest_move", 10, two.trainer, train_point) and pred.fits(
        "dldu_sign", 1, two.trainer, train_point
    )


def test_a_press_with_no_question_runs_at_once_and_the_status_line_says_why():
    """Test that when every kind that fits is a coin toss (K = 2, a test point, lr = 1e-4: nothing visibly moves)
    the Step runs once without a question and the status line gives the first kind's reason."""
    host = PlainHost.open(dataset="blobs", n=90, K=2, lr=0.0001, predict=True)
    host.select(int(host.data.test_idx[0]))
    student = Student(host)
    view = student.send("step", n=1)
    assert view["question"] is None and host.trainer.step_count == 1
    assert view["notice"].startswith(pred.NO_QUESTION + "p_y changes by only") and "coin toss" in view["notice"]


def test_predict_off_drops_the_question_and_a_reset_drops_a_stale_one(student):
    """Test that switching predict mode off takes the question away without running its step, and that a question
    asked at step 1 is dropped (with a word why) once Reset goes back to step 0."""
    student.send("step", n=1)
    view = student.send("predict", on=False)
    assert view["question"] is None and view["predict"] is False and student.host.trainer.step_count == 0
    student.send("predict", on=True)
    student.send("step", n=1)
    student.answer()
    assert student.view["reveal"] is not None
    view = student.send("step", n=1)
    assert view["question"] is not None and view["reveal"] is None
    view = student.send("reset")
    assert view["question"] is None and view["notice"] == pred.DROPPED and student.host.trainer.step_count == 0


def _played(student: Student, before: int, steps: int) -> dict:
    if student.args["stream"]["playing"]:
        return student.play_to_the_end()
    assert student.host.trainer.step_count == before + steps
    return student.view


@pytest.mark.parametrize("question", lesson_questions.QUESTIONS, ids=lambda q: q.key)
def test_each_lesson_offers_its_question_through_the_stage_at_its_moment(question):
    """Test that with predict mode on, a Step at the lesson question's moment offers that question (with the
    lesson's title), runs the steps it is about once answered and reveals them; and that the lesson does not ask it
    again. lr-too-high's second question comes after its first, a reset and lr = 0.5, as the lesson says."""
    host = PlainHost.lesson(question.lesson, predict=True)
    student = Student(host)
    point = questions.point_ref(host.data.X, host.data.y, host.data.train_idx, host.selected)
    first, *_ = lesson_questions.questions_for(question.lesson)
    if question is not first:  # the first question, answered; then the lesson's learning rate and a reset
        student.send("step", n=1)
        student.answer()
        host.settings = replace(host.settings, lr=question.params["lr"])
        state.configure(host.trainer, host.settings)
        student.send("reset")
    assert lesson_questions.advance_to_moment(question, host.trainer, point)
    before = host.trainer.step_count
    view = student.send("step", n=1)
    offered = view["question"]
    assert offered is not None and offered["kind"] == question.kind, offered
    assert offered["lesson"] == lessons.BY_KEY[question.lesson].title and host.trainer.step_count == before
    steps = question.params["steps"]
    assert offered["run"] == ("Step" if steps == 1 else f"{steps} steps" + (", played" if steps > 10 else ""))
    student.answer()
    view = _played(student, before, steps)
    assert view["reveal"] is not None and host.trainer.step_count == before + steps
    assert question.key in student.stage.prediction.asked
    if question.when:
        return
    student.send("reset")
    view = student.send("step", n=1)
    assert view["question"] is None or view["question"]["lesson"] == "", "a lesson question was asked twice"
