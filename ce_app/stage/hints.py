"""The stage's hint: a plain sentence when training looks hopeless, saying whether the data or the model is the
problem and what to try. Every claim in it is checked over seeds 0-7 in ``tests/unit/test_stage_hints.py``.

Near chance: after HINT_AFTER_STEPS steps the training accuracy is less than STUCK_SHARE of the way from chance
(always guessing the largest class) to 100%. Then the 5-nearest-neighbour agreement of the training points
(``ce_core.neighbour_agreement``) tells overlapping or sparse classes (agreement below OVERLAP_SHARE of the way from
chance to 1) from learnable ones the model has not learned.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import ce_core

from .. import numbers

HINT_AFTER_STEPS = 300  # before that, a low accuracy says nothing yet
STUCK_SHARE = 0.25  # "near chance": less than a quarter of the way from chance to 100%
OVERLAP_SHARE = 0.375  # neighbours that agree less than this share of the way from chance to 1: the data are hard


def chance_accuracy(y_train: np.ndarray) -> float:
    """The accuracy of always guessing the largest class of the training points."""
    counts = np.bincount(y_train)
    return float(counts.max() / counts.sum())


def near_chance_hint(trainer: ce_core.Trainer, agreement: Callable[[], float]) -> str:
    """The hint for the trainer as it is ('' when training is fine, too young, or diverged).

    ``agreement()`` is the training points' 5-nearest-neighbour agreement (asked for only when needed: it costs
    an (n, n) distance matrix, so the caller keeps it per dataset).
    """
    if trainer.step_count < HINT_AFTER_STEPS or trainer.diverged or not trainer.n_train:
        return ""
    chance = chance_accuracy(trainer.y_train)
    accuracy = trainer.metrics()["train_acc"]
    if accuracy > chance + STUCK_SHARE * (1 - chance):
        return ""
    share = agreement()
    start = (f"Hint: after {numbers.integer(trainer.step_count)} steps the training accuracy "
             f"({numbers.percent(accuracy)}) is still near chance ({numbers.percent(chance)}: always guessing the "
             "largest class).")  # fmt: skip
    if share < chance + OVERLAP_SHARE * (1 - chance):
        return (f"{start} These classes overlap or are too sparse for their shape: a training point's 5 nearest "
                f"neighbours mostly share its class only {numbers.percent(share)} of the time. More points, less "
                "noise or fewer classes make them easier to tell apart.")  # fmt: skip
    learnable = (f"The data are learnable (a training point's 5 nearest neighbours mostly share its class "
                 f"{numbers.percent(share)} of the time), so the model is the problem.")  # fmt: skip
    if trainer.model.is_linear:
        return (f"{start} {learnable} A linear model cuts the plane with straight lines only: try a hidden layer or "
                "the degree-2 features, or another learning rate.")  # fmt: skip
    return (f"{start} {learnable} Try more hidden units or layers, another learning rate or optimizer, or the "
            "lesson Spiral: depth and width.")  # fmt: skip
