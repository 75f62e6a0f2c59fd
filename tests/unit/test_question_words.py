"""The words of the prediction questions: numbers as the stage writes them, one sentence per question and skip."""

from __future__ import annotations

import numpy as np
import pytest

import ce_core
from ce_app import numbers
from ce_app.questions import TITLES, number, percent, point_ref, signed, skip_reason, word
from ce_core import SGD, Model, PointRef, Trainer, predict


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "0"), (0.8667, "0.867"), (1.0986, "1.1"), (12.34, "12.3"), (0.000123, "1.23e−4"), (123456.0, "1.23e5"),
     (-0.2, "−0.2"), (float("nan"), "–"), (float("inf"), "–"), (0.001, "0.001"), (2.0, "2"), (12345.6, "12346")],
)  # fmt: skip
def test_numbers_are_written_like_the_stage_writes_them(value, text):
    """Test hand-picked values: 3 significant digits, no trailing zeros, scientific below 1e-3 and from 1e5, a real
    minus sign, never rounded into the integer part: the app's one format (ce_app/numbers.py)."""
    assert number(value) == text == numbers.fmt(value, 3)


def test_signed_changes_and_percentages():
    """Test that a change always shows its sign (a real minus) and shares read as percentages."""
    assert signed(0.0161) == "+0.0161" and signed(-0.25) == "−0.25" and signed(0.0) == "0"
    assert signed(-0.000123) == "−1.23e−4"
    assert percent(0.3214) == "32.1%" and percent(1.0) == "100%"


def _trainer(K: int = 3, **kwargs) -> Trainer:
    X, y = ce_core.make_dataset("blobs", 90, K, noise=0.2, seed=1)
    return Trainer(Model.for_data(X, K), X, y, optimizer=SGD(0.5), batch_size=16, seed=1, **kwargs)


ALL = [
    ("p_y_direction", {"point": True}),
    ("dldu_sign", {"point": True}),
    ("largest_move", {}),
    ("region_growth", {"steps": 30}),
    ("loss_below", {"steps": 30, "threshold": 0.5}),
    ("in_batch", {"point": True}),
    ("loss_trend", {"steps": 20, "lr": 1.0}),
    ("point_correct", {"point": True, "steps": 30}),
]


@pytest.mark.parametrize(("kind", "params"), ALL, ids=[kind for kind, _ in ALL])
def test_every_kind_reads_as_a_question_with_a_why_from_its_numbers(kind, params):
    """Test that each kind's text is a question, its choices include the answer, and the why quotes the numbers
    after the steps (class names replace class numbers)."""
    trainer = _trainer(label_smoothing=0.2)
    if params.pop("point", False):
        index = int(trainer.next_batch_indices()[0])
        params["point"] = PointRef.training_point(trainer, index, row=index)
    question = ce_core.ask(trainer, kind, **params)
    assert isinstance(question, predict.Question), skip_reason(question)
    worded = word(question, ("cat", "dog", "fox"))
    assert worded.text.endswith("?") and worded.why.endswith(".") and "{" not in worded.text + worded.why
    assert worded.answer in dict(worded.choices) and len(worded.choices) == len(question.choices)
    assert kind in TITLES
    after = {
        "p_y_direction": question.numbers.get("p_after"), "dldu_sign": question.numbers.get("p_after"),
        "loss_below": question.numbers.get("after"), "loss_trend": question.numbers.get("after"),
        "in_batch": question.numbers.get("du_y"), "point_correct": question.numbers.get("p_y_after"),
    }.get(kind)  # fmt: skip
    if after is not None:
        assert number(abs(after)) in worded.why
    if kind in ("largest_move", "region_growth"):
        assert dict(worded.choices)[question.answer].endswith(("cat", "dog", "fox"))


def test_every_skip_reason_has_its_own_sentence():
    """Test that each way of not asking a question says why in one sentence that names its numbers."""
    trainer = _trainer(K=2)
    sentences = {
        skip_reason(ce_core.ask(trainer, "largest_move")),  # K = 2: opposite rows, a tie
        skip_reason(
            ce_core.ask(trainer, "loss_below", steps=10, threshold=ce_core.look_ahead(trainer, 10).evaluate()[0])
        ),
    }
    slow = _trainer()
    slow.configure(optimizer=SGD(1e-5))
    sentences.add(skip_reason(ce_core.ask(slow, "p_y_direction", point=PointRef.training_point(slow, 0))))
    on_boundary = (ce_core.ask(slow, "point_correct", point=PointRef.training_point(slow, i), steps=1)
                   for i in range(slow.n_train))  # fmt: skip
    sentences.add(skip_reason(next(q for q in on_boundary if isinstance(q, predict.Skip))))
    sentences.add(skip_reason(ce_core.ask(slow, "region_growth", steps=2)))
    sentences.add(skip_reason(ce_core.ask(slow, "loss_trend")))
    held_out = PointRef(5, (0.0, 0.0), 0, None)
    sentences.add(skip_reason(ce_core.ask(slow, "in_batch", point=held_out)))
    X, y = ce_core.make_dataset("moons", 90, 2, noise=0.1, seed=0)
    blown = Trainer(Model.for_data(X, 2, hidden=(16,)), X, y, optimizer=SGD(10.0), batch_size=16)  # lr-too-high
    sentences.add(skip_reason(ce_core.ask(blown, "largest_move", steps=40)))
    blown.step(40)
    sentences.add(skip_reason(ce_core.ask(blown, "largest_move")))
    assert len(sentences) == 9
    for sentence in sentences:
        assert sentence.endswith(".") and "does not apply" not in sentence
    assert any("coin toss" in s for s in sentences) and any("test point" in s for s in sentences)
    assert any("diverges within" in s for s in sentences) and any("has diverged" in s for s in sentences)


def test_point_ref_finds_a_row_among_the_training_rows():
    """Test that a training row gets its position among the training rows and a held-out row gets None."""
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 0, 1])
    train_idx = np.array([0, 2, 3, 5])
    assert point_ref(X, y, train_idx, 3) == PointRef(3, (6.0, 7.0), 1, 2)
    assert point_ref(X, y, train_idx, 4).train_index is None
    assert point_ref(X, y, train_idx, 5).train_index == 3


def test_the_why_names_the_steps_it_describes():
    """Test that a dL/du_y question about 5 steps explains the state after those 5 steps, not after 'the step'."""
    trainer = _trainer(label_smoothing=0.2)
    point = PointRef.training_point(trainer, 0)
    assert word(ce_core.ask(trainer, "dldu_sign", point=point, steps=5)).why.startswith("After 5 steps p_y = ")
    assert word(ce_core.ask(trainer, "dldu_sign", point=point)).why.startswith("After the step p_y = ")
