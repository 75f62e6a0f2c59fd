"""The stage's near-chance hint (ce_app/stage/hints.py), checked over seeds 0-7 as a class will see them: it shows
for the README's examples after 300 steps, says which problem it is with ce_core's numbers, and what it suggests
does help; it does not show when training works."""

from __future__ import annotations

from dataclasses import replace

import pytest

import ce_core
from ce_app import numbers, state
from ce_app.settings import Settings, lesson_settings
from ce_app.stage import hints

SEEDS = range(8)


def trained(settings: Settings, steps: int = hints.HINT_AFTER_STEPS) -> ce_core.Trainer:
    data = state.generate(settings)
    trainer = state.build_trainer(settings, data)
    trainer.step(steps)
    return trainer


def hint_of(trainer: ce_core.Trainer) -> str:
    return hints.near_chance_hint(trainer, lambda: ce_core.neighbour_agreement(trainer.X_train, trainer.y_train))


@pytest.mark.parametrize("seed", SEEDS)
def test_spiral_with_five_classes_is_hinted_as_overlapping_classes(seed):
    """Test that the spiral with K = 5 at 300 points (the README's example) gets the hint after 300 steps, not
    before, naming the accuracy, the chance level and the neighbour agreement ce_core computes."""
    settings = Settings(dataset="spiral", K=5, n=300, seed=seed)
    trainer = trained(settings, hints.HINT_AFTER_STEPS - 1)
    assert hint_of(trainer) == ""
    trainer.step(1)
    hint = hint_of(trainer)
    agreement = ce_core.neighbour_agreement(trainer.X_train, trainer.y_train)
    assert "overlap" in hint and f"only {numbers.percent(agreement)} of the time" in hint
    assert f"({numbers.percent(trainer.metrics()['train_acc'])})" in hint
    assert f"near chance ({numbers.percent(hints.chance_accuracy(trainer.y_train))}" in hint


@pytest.mark.parametrize("seed", SEEDS)
def test_more_points_less_noise_or_fewer_classes_make_the_spiral_easier_to_tell_apart(seed):
    """Test what the overlap hint suggests: each of more points, less noise and fewer classes raises the training
    points' neighbour agreement, on every seed."""
    base = Settings(dataset="spiral", K=5, n=300, seed=seed)

    def agreement(settings: Settings) -> float:
        trainer = state.build_trainer(settings, state.generate(settings))
        return ce_core.neighbour_agreement(trainer.X_train, trainer.y_train)

    before = agreement(base)
    for change in ({"n": 1000}, {"noise": 0.0}, {"K": 3}):
        assert agreement(replace(base, **change)) > before + 0.05, change


@pytest.mark.parametrize("seed", SEEDS)
def test_circles_with_the_linear_model_is_hinted_as_a_model_problem(seed):
    """Test that two rings with the linear model (the README's other example) get the hint that the data are
    learnable and a linear model cuts only straight lines."""
    hint = hint_of(trained(Settings(dataset="circles", K=2, seed=seed)))
    assert "The data are learnable" in hint and "A linear model cuts the plane with straight lines only" in hint


@pytest.mark.parametrize("seed", SEEDS)
def test_no_hint_when_training_works(seed):
    """Test that the linear lesson, which trains, never gets the hint."""
    assert hint_of(trained(replace(lesson_settings("linear"), seed=seed))) == ""


def test_a_diverged_run_gets_no_hint():
    """Test that a diverged run says why it diverged instead (the hint would misread its accuracy)."""
    trainer = trained(Settings(dataset="spiral", K=4, layers=2, width=64, act="relu", lr=10.0), 300)
    assert trainer.diverged and hint_of(trainer) == ""
