"""Comparing two trainers' whole training state, bit for bit (for the rewind tests of the frame player)."""

from __future__ import annotations

import numpy as np


def _flat_state(state: dict) -> list:
    """Every array of an optimizer state ({"t", "m": {...}, ...}), in a fixed order."""
    out = []
    for name in sorted(state):
        value = state[name]
        out += [value[k] for k in sorted(value)] if isinstance(value, dict) else [np.asarray(value)]
    return out


def assert_same_training_state(trainer, twin) -> None:
    """Weights, optimizer state, step, epoch, next batch and history of ``trainer`` are exactly ``twin``'s."""
    np.testing.assert_array_equal(trainer.flat_params(), twin.flat_params())
    for mine, theirs in zip(_flat_state(trainer.opt_state), _flat_state(twin.opt_state), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert (trainer.step_count, trainer.epoch) == (twin.step_count, twin.epoch)
    np.testing.assert_array_equal(trainer.next_batch_indices(), twin.next_batch_indices())
    for name, column in twin.history.as_dict().items():
        np.testing.assert_array_equal(trainer.history.column(name), column)
