"""Extreme settings through the real page: no NaN on screen, divergence reported, bounded memory."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from tests.app.player import Browser

MAX_SESSION_BYTES = 8 * 1024 * 1024  # stated in the README: a session's training state stays under 8 MB
SHOWN_NUMBERS = ("epoch", "lr", "train_loss", "train_acc", "grad_norm", "class_grad_norm", "point_logits",
                 "point_probs", "point_targets", "point_dL_du", "point_dL_dw", "point_z", "point_loss")  # fmt: skip


def assert_nothing_non_finite_shown(at, browser: Browser) -> None:
    """No exception, and every number the stage was sent is finite (test figures are NaN only without a test set)."""
    assert not at.exception, [e.value for e in at.exception]
    frames = browser.frames()
    for name in SHOWN_NUMBERS:
        assert np.isfinite(frames[name]).all(), name


DIVERGING = [
    {"opt": "adam", "lr": "10", "dataset": "spiral", "layers": "1", "width": "32"},
    {"T": "0.01", "dataset": "xor", "layers": "1"},
    {"lr": "10", "dataset": "circles", "K": "5", "layers": "2", "width": "64", "act": "relu"},
]
SURVIVING = [  # huge steps that these models survive: the weights grow, but the loss stays bounded
    {"lr": "10", "features": "poly3", "dataset": "moons"},
    {"lr": "10", "opt": "momentum", "momentum": "0.99", "features": "rbf"},
]


@pytest.mark.parametrize("query", DIVERGING)
def test_exploding_settings_end_in_a_divergence_message_with_only_finite_numbers(query, open_app):
    """Test that learning rates and temperatures that blow up stop training with the reason, all shown numbers
    finite, and Step refused until Reset."""
    at = open_app(query)
    browser = Browser(at)
    browser.step(10)
    trainer = at.session_state["trainer"]
    assert trainer.diverged and 1 <= trainer.step_count < 10
    view = browser.args["view"]
    assert view["diverged"] is True and "lower the learning rate" in view["divergence"]
    assert_nothing_non_finite_shown(at, browser)
    stopped_at = trainer.step_count
    browser.step(10)
    assert trainer.step_count == stopped_at
    browser.send("reset")
    assert not trainer.diverged and not browser.args["view"]["diverged"]


@pytest.mark.parametrize("query", SURVIVING)
def test_huge_steps_that_do_not_diverge_keep_every_number_finite(query, open_app):
    """Test that settings which only make the weights large train on with every number on screen finite."""
    at = open_app(query)
    browser = Browser(at)
    for _ in range(5):
        browser.step(10)
        assert_nothing_non_finite_shown(at, browser)
    trainer = at.session_state["trainer"]
    assert not trainer.diverged and trainer.step_count == 50
    assert all(np.isfinite(v).all() for v in trainer.params.values())


def test_largest_model_and_data_step_and_redraw(open_app):
    """Test that 2,000 points, 8 classes and two hidden layers of 64 step and redraw (speed: ``bench.frame``)."""
    at = open_app({"n": "2000", "K": "8", "layers": "2", "width": "64", "dataset": "spiral"})
    browser = Browser(at)
    browser.step(10)
    assert_nothing_non_finite_shown(at, browser)
    assert at.session_state["trainer"].step_count == 10 and browser.frames()["step"][0] == 10


@pytest.mark.slow
def test_batch_size_one_for_ten_thousand_steps(open_app):
    """Test that per-sample SGD for 10,000 steps stays finite and the page still renders."""
    at = open_app({"batch": "1", "dataset": "moons", "layers": "1", "width": "16", "lr": "0.5"})
    trainer = at.session_state["trainer"]
    trainer.step(10_000)
    browser = Browser(at)
    browser.step(1)
    assert_nothing_non_finite_shown(at, browser)
    assert trainer.step_count == 10_001 and not trainer.diverged


@pytest.mark.slow
def test_session_state_stays_bounded_over_100k_steps(open_app):
    """Test that a session's trainer (history, trajectory, data) stays under the stated size after 100,000 steps."""
    at = open_app({"dataset": "blobs", "K": "4", "n": "500", "layers": "1", "width": "32"})
    trainer = at.session_state["trainer"]
    trainer.step(1_000)
    size_early = len(pickle.dumps(trainer))
    trainer.step(99_000)
    at.run()
    size_late = len(pickle.dumps(trainer))
    assert trainer.step_count == 100_000
    assert size_late < MAX_SESSION_BYTES
    assert size_late < 1.5 * size_early  # thinning keeps it flat, it does not grow with the run
    assert len(trainer.history) <= trainer.history.capacity
