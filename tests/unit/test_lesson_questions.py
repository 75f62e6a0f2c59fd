"""Every lesson's question is asked at its moment on seeds 0-7, and training then does what its answer says.

The outcome is read after the real steps with numpy written here (the loss with scipy's logsumexp, the regions
on a grid of public predict_proba calls), never with ce_core.predict.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.special import logsumexp

import ce_core
from ce_app import lesson_questions, lessons, state
from ce_app.questions import point_ref, skip_reason, word
from ce_app.settings import lesson_settings
from ce_core import predict

SEEDS = range(8)
MIN_ASKED = 7  # of 8 seeds


def mean_loss(trainer: ce_core.Trainer) -> float:
    """Mean training cross-entropy, logsumexp(u/T) - sum_k y_k u_k / T with the smoothed targets, written here."""
    K, eps, n = trainer.model.n_classes, trainer.label_smoothing, trainer.n_train
    u = trainer.model.forward(trainer.params, trainer.X_train).logits / trainer.temperature
    targets = np.full((n, K), eps / K)
    targets[np.arange(n), trainer.y_train] += 1.0 - eps
    return float(np.mean(logsumexp(u, axis=1) - (targets * u).sum(axis=1)))


def region_shares(trainer: ce_core.Trainer, bounds, resolution: int) -> np.ndarray:
    x1 = np.linspace(bounds[0], bounds[1], resolution)
    x2 = np.linspace(bounds[2], bounds[3], resolution)
    grid = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
    predicted = trainer.model.predict_proba(trainer.params, grid).argmax(axis=1)
    return np.bincount(predicted, minlength=trainer.model.n_classes) / len(grid)


def dldu_y(trainer: ce_core.Trainer, point) -> float:
    """(p_y - y_y) / T of the point, with p = softmax(u / T) written out here."""
    u = trainer.model.forward(trainer.params, np.array([point.x])).logits[0] / trainer.temperature
    p = np.exp(u - logsumexp(u))
    K, eps = trainer.model.n_classes, trainer.label_smoothing
    return float((p[point.label] - (1 - eps + eps / K)) / trainer.temperature)


def what_training_does(question: lesson_questions.LessonQuestion, trainer, point, bounds) -> str:
    """Run the question's steps on the trainer itself (after a learning-rate change the lesson asks for) and
    return the answer the outcome gives."""
    kind, params = question.kind, question.params
    before_loss = mean_loss(trainer)
    before_shares = region_shares(trainer, bounds, predict.REGION_RESOLUTION) if kind == "region_growth" else None
    if "lr" in params:
        trainer.configure(optimizer=replace(trainer.optimizer, lr=params["lr"]))
    trainer.step(params["steps"])
    if kind == "region_growth":
        return str(int(np.argmax(region_shares(trainer, bounds, predict.REGION_RESOLUTION) - before_shares)))
    if kind == "loss_below":
        return "yes" if mean_loss(trainer) < params["threshold"] else "no"
    if kind == "loss_trend":
        return "diverge" if trainer.diverged else ("lower" if mean_loss(trainer) < before_loss else "higher")
    if kind == "dldu_sign":
        return "positive" if dldu_y(trainer, point) > 0 else "negative"
    raise AssertionError(f"no independent check written for {kind}")


def test_every_lesson_has_a_question_of_a_known_kind():
    """Test that each of the lessons asks at least one question, of a kind ce_core answers, at a known moment."""
    for key in lessons.KEYS:
        assert lesson_questions.questions_for(key), f"lesson {key} asks nothing"
    for question in lesson_questions.QUESTIONS:
        assert question.kind in ce_core.QUESTION_KINDS and question.note.endswith((".", "?"))
        assert not question.when or question.when in lesson_questions.CONDITIONS


def test_the_due_question_is_the_first_unasked_one_whose_moment_is_now():
    """Test that lr-too-high offers its two questions in turn at step 0 and nothing after; label smoothing offers
    nothing at step 0 (p_y is far below its target) and its question once p_y nears it."""
    settings = lesson_settings("lr-too-high")
    trainer = state.build_trainer(settings, state.generate(settings))
    first, second = lesson_questions.questions_for("lr-too-high")
    assert lesson_questions.due("lr-too-high", trainer, None) == first
    assert lesson_questions.due("lr-too-high", trainer, None, asked={first.key}) == second
    assert lesson_questions.due("lr-too-high", trainer, None, asked={first.key, second.key}) is None
    assert (first.key, second.key) == ("lr-too-high/loss_trend/1", "lr-too-high/loss_trend/2")
    trainer.step(1)
    assert lesson_questions.due("lr-too-high", trainer, None) is None
    settings = lesson_settings("label-smoothing")
    data = state.generate(settings)
    trainer = state.build_trainer(settings, data)
    point = point_ref(data.X, data.y, data.train_idx, settings.sample)
    assert lesson_questions.due("label-smoothing", trainer, point) is None
    (question,) = lesson_questions.questions_for("label-smoothing")
    assert lesson_questions.advance_to_moment(question, trainer, point)
    assert lesson_questions.due("label-smoothing", trainer, point) == question


@pytest.mark.parametrize("question", lesson_questions.QUESTIONS, ids=lambda q: f"{q.lesson}-{q.kind}")
def test_the_lesson_question_is_asked_at_its_moment_and_training_agrees(question):
    """Test that on at least 7 of seeds 0-7 the question is asked (not skipped) at its moment, that its words
    read, and that the real steps then give its answer."""
    asked, skipped = 0, []
    for seed in SEEDS:
        settings = replace(lesson_settings(question.lesson), seed=seed)
        data = state.generate(settings)
        trainer = state.build_trainer(settings, data)
        # the point the lesson selects when it opens (label smoothing: on the outer edge of a blob)
        index = lesson_questions.lesson_point(question.lesson, data.X, data.y)
        point = point_ref(data.X, data.y, data.train_idx, settings.sample if index is None else index)
        if not lesson_questions.advance_to_moment(question, trainer, point, max_steps=300):
            skipped.append(f"seed {seed}: the moment never came")
            continue
        if question.when == "p_y_near_target":  # the moment, checked here: p_y just below its target
            below = -dldu_y(trainer, point) * trainer.temperature
            assert 0 < below <= lesson_questions.NEAR_TARGET
        else:
            assert trainer.step_count == question.at_step
        result = lesson_questions.ask(question, trainer, point, data.bounds)
        if isinstance(result, predict.Skip):
            skipped.append(f"seed {seed}: {skip_reason(result)}")
            continue
        worded = word(result, data.class_names)
        assert worded.text.endswith("?") and worded.why.endswith(".") and result.answer in dict(worded.choices)
        assert result.step == trainer.step_count
        assert what_training_does(question, trainer, point, data.bounds) == result.answer, f"seed {seed}"
        asked += 1
    assert asked >= MIN_ASKED, skipped
