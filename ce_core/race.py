"""An optimizer race: several training runs from the same initial weights on the same data, side by side.

Every run uses model.init(seed) as its starting point and the same seed for its batch order, so two configs with
the same batch size see the same mini-batches in the same order: the only difference between the curves is the
optimizer (and the batch size, where it differs). Each run is an ordinary ce_core.Trainer.
:func:`make_optimizer` builds an optimizer from the name a user picks (a contestant's, or the sidebar's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from .model import Model
from .optim import SGD, Adam
from .trainer import Trainer

OPTIMIZER_NAMES = ("sgd", "momentum", "adam")  # the optimizers a user picks by name (sidebar, race, links)
MIN_CONFIGS, MAX_CONFIGS = 2, 4  # fewer is no race; more curves than four do not stay readable on one chart
# The longest race, 4 x 5000 steps of the largest model (two layers of 64), took ~4.5 s here with one BLAS thread.
MAX_STEPS = 5000


def make_optimizer(name: str, lr: float, *, momentum: float = 0.9, schedule: str = "constant") -> SGD | Adam:
    """The optimizer a user picks by name, with its learning rate and schedule.

    "sgd": SGD(lr) (no momentum);  "momentum": SGD(lr, momentum=mu);  "adam": Adam(lr), default betas.
    momentum (mu in [0, 1)) is used by "momentum" only. lr, momentum and schedule are checked by SGD and Adam.
    """
    name = _checks.choice(name, "name", OPTIMIZER_NAMES)
    if name == "adam":
        return Adam(lr, schedule=schedule)
    return SGD(lr, momentum=momentum if name == "momentum" else 0.0, schedule=schedule)


@dataclass(frozen=True)
class RaceConfig:
    """One contestant."""

    label: str  # legend text, unique within a race, e.g. "SGD lr 0.1"
    optimizer: SGD | Adam  # the optimizer with its learning rate, momentum, schedule...
    batch_size: int = 32  # m, 1 to n_train (checked against the data in run_race)

    def __post_init__(self):
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValueError(f"label must be a non-empty string, got {self.label!r}")
        if not isinstance(self.optimizer, SGD | Adam):
            raise ValueError(f"optimizer must be ce_core.SGD or ce_core.Adam, got {type(self.optimizer).__name__}")
        _checks.integer(self.batch_size, "batch_size", low=1)


@dataclass(frozen=True)
class RaceResult:
    """What one contestant did (t recorded trajectory points, P weights)."""

    label: str  # config.label, the legend text
    config: RaceConfig  # the contestant
    history: dict  # History.as_dict(): "step", "train_loss", "test_acc", ... arrays of equal length
    steps: np.ndarray  # (t,) step numbers of the trajectory points
    points: np.ndarray  # (t, P) flattened weights along the way (order of Model.param_shapes()), float32
    final_params: dict  # weights after the last step that ran, shapes of Model.param_shapes()
    final_metrics: dict  # Trainer.metrics() at the end: train/test loss and accuracy, grad_norm, epoch...
    steps_run: int  # n_steps, or fewer if the run diverged
    diverged: bool  # True if the trainer stopped the run
    divergence_reason: str  # why, in words for the user ("" when it did not diverge)


def _check_configs(configs, n_train: int) -> tuple[RaceConfig, ...]:
    if not isinstance(configs, list | tuple) or not MIN_CONFIGS <= len(configs) <= MAX_CONFIGS:
        raise ValueError(
            f"configs must be a list of {MIN_CONFIGS} to {MAX_CONFIGS} RaceConfig, got {_checks._short(configs)}"
        )
    for config in configs:
        if not isinstance(config, RaceConfig):
            raise ValueError(f"configs must hold RaceConfig objects, got {type(config).__name__}")
        if config.batch_size > n_train:
            raise ValueError(f"batch_size of {config.label!r} must be in [1, {n_train}], got {config.batch_size}")
    labels = [config.label for config in configs]
    if len(set(labels)) != len(labels):
        raise ValueError(f"configs must have distinct labels (they name the curves), got {labels}")
    return tuple(configs)


def run_race(model: Model, X_train, y_train, X_test, y_test, configs, n_steps: int, *, seed=0, l2=0.0,
             temperature=1.0, label_smoothing=0.0, on_progress=None) -> list[RaceResult]:  # fmt: skip
    """Train every config for n_steps from the same start, one after the other; returns one result per config.

    Parameters
    ----------
    model : Model.   X_train (n, 2), y_train (n,) : training data.   X_test, y_test : held-out data (or None).
    configs : 2 to 4 RaceConfig with distinct labels.
    n_steps : optimizer steps per config, 1 to 5000.
    seed : initial weights model.init(seed) and the batch order, shared by every config.
    l2, temperature, label_smoothing : the loss, as in Model.loss_and_grad; the same for every config.
    on_progress : optional callable, called with the fraction done (0, 1] as the race advances.

    A config that diverges stops early with diverged=True and the trainer's reason; the others are unaffected
    (each has its own Trainer, and numpy's overflow warnings are silenced: the flag is the report).
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be a ce_core.Model, got {type(model).__name__}")
    X_train = model._check_X(X_train)
    configs = _check_configs(configs, X_train.shape[0])
    n_steps = _checks.integer(n_steps, "n_steps", low=1, high=MAX_STEPS)
    seed = _checks.integer(seed, "seed", low=0)
    if on_progress is not None and not callable(on_progress):
        raise ValueError(f"on_progress must be callable or None, got {type(on_progress).__name__}")
    initial = model.init(seed)
    # Report progress about 20 times per config: often enough for a smooth bar, rarely enough to cost nothing.
    block = max(1, n_steps // 20)
    total = len(configs) * n_steps
    results = []
    for number, config in enumerate(configs):
        trainer = Trainer(
            model, X_train, y_train, X_test, y_test, optimizer=config.optimizer, batch_size=config.batch_size,
            seed=seed, l2=l2, temperature=temperature, label_smoothing=label_smoothing, params=initial,
        )  # fmt: skip
        done = 0
        while done < n_steps and not trainer.diverged:
            # A run that blows up overflows on its way; the trainer's diverged flag is the report, not warnings.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                done += trainer.step(min(block, n_steps - done))
            if on_progress is not None:
                finished = n_steps if trainer.diverged else done  # a diverged run is finished: the bar reaches 1
                on_progress((number * n_steps + finished) / total)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            metrics = trainer.metrics()
        result = RaceResult(
            label=config.label, config=config, history=trainer.history.as_dict(), steps=trainer.trajectory.steps,
            points=trainer.trajectory.points, final_params={k: v.copy() for k, v in trainer.params.items()},
            final_metrics=metrics, steps_run=trainer.step_count, diverged=trainer.diverged,
            divergence_reason=trainer.divergence_reason,
        )  # fmt: skip
        results.append(result)
    return results
