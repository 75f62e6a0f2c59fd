"""AppTest of predict mode in the real app, driven through the stage's value as the browser sends it: a link with
predict=1 (and the label-smoothing lesson's point), a question before the step, the answer, the reveal right or
wrong, the step run exactly once and bitwise as a Step without predict mode; the toggle in the address; a stale
answer and hostile answers that run nothing."""

from __future__ import annotations

import copy

import numpy as np

import ce_core
from ce_app import state
from ce_app.stage import prediction
from tests.app.player import Browser
from tests.trainer_state import assert_same_training_state


def no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def twin_of(at) -> ce_core.Trainer:
    """A fresh trainer built from the same settings and data as the session's (so it starts identical)."""
    return state.build_trainer(at.session_state["settings"], at.session_state["data"])


def truth(kind: str, before: ce_core.Trainer, after: ce_core.Trainer, x: np.ndarray, label: int) -> str:
    """The answer one real step gave, read off two twin trainers with public calls (never ce_core.predict)."""
    p = [t.model.predict_proba(t.params, x[None], temperature=t.temperature)[0, label] for t in (before, after)]
    if kind == "p_y_direction":
        return "rise" if p[1] > p[0] else "fall"
    if kind == "dldu_sign":
        target = 1 - after.label_smoothing + after.label_smoothing / after.model.n_classes
        return "positive" if p[1] > target else "negative"
    if kind == "largest_move":
        return str(int(np.argmax(np.linalg.norm(after.params["W"] - before.params["W"], axis=1))))
    if kind == "loss_trend":
        return "lower" if after.metrics()["train_loss"] < before.metrics()["train_loss"] else "higher"
    if kind == "in_batch":
        rows = np.flatnonzero(np.all(before.X_train == x, axis=1))
        return "in" if np.isin(rows, after.last_batch.indices).any() else "out"
    raise AssertionError(f"no independent check written for {kind}")


def test_a_link_with_predict_asks_before_the_step_and_reveals_after_it(open_app):
    """Test ?lesson=label-smoothing&predict=1: the lesson's point is selected; Step asks first and steps nothing;
    the right answer is revealed right and a wrong one wrong, each after exactly one step, the trainer bitwise a
    twin's after plain Steps; a replayed or repeated answer runs nothing; the toggle follows in the address."""
    at = open_app({"lesson": "label-smoothing", "predict": "1"})
    browser = Browser(at)
    no_errors(at)
    data, trainer = at.session_state["data"], at.session_state["trainer"]
    selected = browser.args["view"]["selected"]
    assert browser.args["view"]["predict"] is True and selected == ce_core.outer_edge_points(data.X, data.y)[0]
    reference = twin_of(at)
    for step, right in ((1, True), (2, False)):
        browser.step()
        no_errors(at)
        question = browser.args["view"]["question"]
        assert question is not None and question["action"] == "step" and question["run"] == "Step"
        assert trainer.step_count == step - 1 and browser.frames()["step"][0] == step - 1
        ahead = copy.deepcopy(reference)
        ahead.step(1)
        answer = truth(question["kind"], reference, ahead, data.X[selected], int(data.y[selected]))
        choice = answer if right else next(c for c, _ in question["choices"] if c != answer)
        browser.send("answer", question=question["id"], choice=choice)
        no_errors(at)
        view = browser.args["view"]
        assert view["question"] is None and view["reveal"]["verdict"] == ("right" if right else "wrong")
        assert view["reveal"]["why"].endswith(".") and view["reveal"]["look"]
        if question["kind"] == "p_y_direction":
            assert (view["reveal"]["element"], view["reveal"]["index"]) == ("bar", int(data.y[selected]))
        reference.step(1)
        assert_same_training_state(trainer, reference)
        assert browser.frames()["step"][0] == step
    replay = browser.value(
        [{"seq": browser.client.acked, "kind": "answer", "question": question["id"], "choice": choice}]
    )
    browser.deliver(replay)
    browser.send("answer", question=question["id"], choice=choice)
    no_errors(at)
    assert trainer.step_count == 2, "an answer ran its step twice"
    browser.send("predict", on=False)
    assert at.session_state["settings"].predict is False and "predict" not in at.query_params
    assert browser.args["view"]["predict"] is False and browser.args["stream"]["limit"] > prediction.PLAY_STEPS
    browser.send("predict", on=True)
    assert at.query_params["predict"] in ("1", ["1"])
    browser.send("select", index=3, step=2)
    at.selectbox(key="lesson_pick").set_value("linear").run()
    at.selectbox(key="lesson_pick").set_value("label-smoothing").run()  # the lesson again, from the picker
    no_errors(at)
    assert at.session_state["settings"].predict is True, "a lesson picked keeps predict mode"
    assert at.session_state["trainer"].step_count == 0 and Browser(at).args["view"]["selected"] == selected


def test_stale_and_hostile_answers_run_nothing(open_app):
    """Test that answers that do not fit the question on screen (another id, a choice it does not offer, a wrong
    type, a field missing or extra, too long) are dropped whole and leave the question; that a new learning rate
    drops the question with a word why; and that an answer after a Reset in the same value runs nothing."""
    at = open_app({"dataset": "blobs", "K": "3", "n": "90", "predict": "1", "sample": "5"})
    browser = Browser(at)
    trainer = at.session_state["trainer"]
    assert browser.args["view"]["selected"] == 5
    browser.step()
    question = browser.args["view"]["question"]
    first = question["choices"][0][0]
    hostile = [
        {"kind": "answer", "question": "0" * 12, "choice": first},
        {"kind": "answer", "question": question["id"], "choice": "maybe"},
        {"kind": "answer", "question": question["id"], "choice": 0},
        {"kind": "answer", "question": question["id"]},
        {"kind": "answer", "question": question["id"], "choice": first, "n": 1},
        {"kind": "answer", "question": question["id"] * 3, "choice": first},
        {"kind": "answer", "question": question["id"], "choice": first * 20},
        {"kind": "skip_question", "question": [question["id"]]},
        {"kind": "skip_question", "question": ""},
        {"kind": "predict", "on": "no"},
    ]
    for event in hostile:
        browser.deliver(browser.value([{"seq": browser.client.seq + 1, **event}]))
        no_errors(at)
        assert trainer.step_count == 0 and browser.args["view"]["question"]["id"] == question["id"], event
    at.sidebar.select_slider(key="w_lr").set_value(0.5).run()
    no_errors(at)
    view = browser.args["view"]
    assert view["question"] is None and view["notice"] == prediction.DROPPED
    browser.send("answer", question=question["id"], choice=first)
    assert trainer.step_count == 0
    browser.step()
    browser.send("skip_question", question=browser.args["view"]["question"]["id"])
    assert trainer.step_count == 1 and browser.args["view"]["reveal"]["verdict"] == "skipped"
    browser.step()
    question = browser.args["view"]["question"]
    events = [{"seq": browser.client.seq + 1, "kind": "reset"},
              {"seq": browser.client.seq + 2, "kind": "answer", "question": question["id"],
               "choice": question["choices"][0][0]}]  # fmt: skip
    browser.deliver(browser.value(events))
    no_errors(at)
    assert trainer.step_count == 0 and browser.args["view"]["reveal"] is None
    assert browser.args["view"]["notice"] == prediction.DROPPED
