"""Every lesson trains headless with ce_core and does what its sentence says."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import ce_core
from ce_app import lessons, state
from ce_app.settings import from_query, lesson_settings, to_query


def trained(key: str, steps: int, **changes) -> tuple[state.Dataset, ce_core.Trainer]:
    settings = replace(lesson_settings(key), **changes)
    data = state.generate(settings)
    trainer = state.build_trainer(settings, data)
    trainer.step(steps)
    return data, trainer


@pytest.mark.parametrize("key", lessons.KEYS)
def test_every_lesson_opens_from_its_link_without_a_notice(key):
    """Test that ?lesson=<key> gives valid settings with no fallback notice, and its link reopens the same."""
    settings, notices = from_query({"lesson": key})
    assert not notices and settings.lesson == key
    assert from_query(to_query(settings))[0] == settings
    lesson = lessons.BY_KEY[key]
    assert lesson.title and lesson.notice.endswith(".") and len(lesson.notice) < 400


def test_a_links_own_values_override_its_lesson():
    """Test that a teacher's values in the link win over the lesson's, and survive a round trip."""
    settings, notices = from_query({"lesson": "spiral", "lr": "0.02", "present": "1"})
    assert not notices and settings.lr == 0.02 and settings.present and settings.layers == 2
    assert from_query(to_query(settings))[0] == settings
    back_to_default = replace(settings, lr=0.1)  # the default lr, but not the lesson's
    assert from_query(to_query(back_to_default))[0].lr == 0.1


def test_linear_lesson_reaches_full_accuracy_with_straight_boundaries():
    """Test that softmax regression separates the blobs (>= 95%) and that the model is linear in x."""
    _, trainer = trained("linear", 300)
    assert trainer.model.is_linear and trainer.metrics()["train_acc"] >= 0.95


def test_xor_defeats_the_linear_model():
    """Test that after 1,000 steps a linear model still misclassifies a large share of XOR and its loss stays high."""
    _, trainer = trained("xor-linear", 1000)
    metrics = trainer.metrics()
    assert trainer.model.is_linear and metrics["train_acc"] <= 0.75 and metrics["train_loss"] > 0.6


def test_xor_with_degree_2_features_is_separated():
    """Test that the same linear layer on poly2 features gets >= 95% of XOR right."""
    _, trainer = trained("xor-features", 1000)
    assert not trainer.model.hidden and trainer.metrics()["train_acc"] >= 0.95


def test_circles_with_one_hidden_layer_are_separated():
    """Test that a hidden layer of 8 units (no feature map) separates the rings (>= 95%)."""
    _, trainer = trained("circles-hidden", 1000)
    assert trainer.model.features == "identity" and trainer.metrics()["train_acc"] >= 0.95


def test_spiral_lesson_passes_95_percent_in_under_2000_steps_and_one_layer_does_not():
    """Test the spiral lesson's claim: >= 95% training accuracy within 2,000 steps; one hidden layer stalls."""
    _, trainer = trained("spiral", 0)
    reached = None
    for _ in range(20):
        trainer.step(100)
        if trainer.metrics()["train_acc"] >= 0.95:
            reached = trainer.step_count
            break
    assert reached is not None and reached < 2000
    _, shallow = trained("spiral", 2000, layers=1)
    assert shallow.metrics()["train_acc"] < 0.7


def test_a_learning_rate_too_high_diverges_and_a_smaller_one_trains():
    """Test that lr = 10 makes the loss climb and the run diverge within a few steps, and lr = 0.5 trains."""
    _, trainer = trained("lr-too-high", 0)
    start = trainer.metrics()["train_loss"]
    ran = trainer.step(20)
    assert trainer.diverged and ran < 20 and trainer.metrics()["train_loss"] > start
    _, calm = trained("lr-too-high", 300, lr=0.5)
    assert not calm.diverged and calm.metrics()["train_loss"] < start


def test_label_smoothing_turns_the_true_class_gradient_positive_when_over_confident():
    """Test that the lesson's selected point starts under-confident (dL/du_y < 0) and after training has
    p_y above its smoothed target, so dL/du_y = (p_y - y_y) / T > 0."""
    data, trainer = trained("label-smoothing", 0)
    index = lesson_settings("label-smoothing").sample
    label = int(data.y[index])

    def dL_du_y():
        forward = trainer.model.forward(trainer.params, data.X[index : index + 1], temperature=trainer.temperature)
        terms = ce_core.chain_rule_terms(forward.logits[0], label, forward.z[0], label_smoothing=0.2)
        return terms.dL_du[label], terms.probs[label], terms.targets[label]

    before, _, target = dL_du_y()
    assert before < 0 and target == pytest.approx(1 - 0.2 + 0.2 / 3)
    trainer.step(300)
    after, p_y, _ = dL_du_y()
    assert p_y > target and after > 0


def test_temperature_flattens_the_probabilities_and_divides_the_gradient():
    """Test that at T = 3 the first loss is nearer log K, the gradient about a third, and training slower."""
    _, hot = trained("temperature", 0)
    _, plain = trained("temperature", 0, T=1.0)
    np.testing.assert_array_equal(hot.params["W"], plain.params["W"])  # the same start
    assert abs(hot.metrics()["train_loss"] - np.log(3)) < abs(plain.metrics()["train_loss"] - np.log(3))
    assert 0.25 < hot.metrics()["grad_norm"] / plain.metrics()["grad_norm"] < 0.4
    hot.step(100)
    plain.step(100)
    assert hot.metrics()["train_loss"] > plain.metrics()["train_loss"]
