"""The optimizer-race page's computation: presets, contestants, and a compact summary of a finished race.

Nothing is drawn here. A race result holds every run's whole weight trajectory (up to 200 x P floats each); the
summary keeps only what the page draws (thinned curves, a small decision grid, the path projected on one shared
slice), so the cached race stays small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

import ce_core

from . import numbers
from .controls import batch_options
from .palette import RUN_SYMBOLS, run_color
from .settings import OPTIMIZER_LABELS

MOMENTUM = 0.9  # momentum mu of every "momentum" contestant
STEP_CHOICES = (10, 20, 50, 100, 200, 500, 1000, 2000)
MAX_CURVE_POINTS = 400  # points per curve sent to the browser
THUMB_RESOLUTION = 60  # decision grid of the small multiples: 60 x 60 cells is plenty at 300 px
SLICE_RESOLUTION = 41
FULL = -1  # a preset's "full batch": the whole training set, whatever its size
SHORT_NAMES = {"sgd": "SGD", "momentum": "momentum", "adam": "Adam"}

# Each preset: (optimizer, lr, batch size) per contestant.
PRESETS = {
    "SGD 0.1 vs momentum 0.9 vs Adam 0.01": (("sgd", 0.1, 32), ("momentum", 0.1, 32), ("adam", 0.01, 32)),
    "Batch 1 vs 32 vs full (SGD, lr 0.1)": (("sgd", 0.1, 1), ("sgd", 0.1, 32), ("sgd", 0.1, FULL)),
    "Learning rate 0.01 vs 0.1 vs 1 vs 10 (SGD)": (("sgd", 0.01, 32), ("sgd", 0.1, 32), ("sgd", 1.0, 32),
                                                   ("sgd", 10.0, 32)),
    "Adam 0.001 vs 0.01 vs 0.1": (("adam", 0.001, 32), ("adam", 0.01, 32), ("adam", 0.1, 32)),
}  # fmt: skip


@dataclass(frozen=True)
class Contestant:
    """One run of the race as the page's widgets describe it."""

    opt: str  # "sgd", "momentum" or "adam"
    lr: float
    batch: int  # 1..n_train

    def label(self, number: int, n_train: int) -> str:
        batch = "full batch" if self.batch >= n_train else f"batch {self.batch}"
        return f"{number} · {SHORT_NAMES[self.opt]} lr {self.lr:g}, {batch}"

    def optimizer(self):
        return ce_core.make_optimizer(self.opt, self.lr, momentum=MOMENTUM)


def snap_batch(batch: int, n_train: int) -> int:
    """A preset's batch size on the batch slider of this dataset (FULL means the whole training set)."""
    options = batch_options(n_train)
    if batch == FULL or batch >= n_train:
        return n_train
    return min(options, key=lambda o: abs(o - batch))


def preset_contestants(name: str, n_train: int) -> list[Contestant]:
    return [Contestant(opt, lr, snap_batch(batch, n_train)) for opt, lr, batch in PRESETS[name]]


def preset_widgets(name: str, n_train: int) -> dict[str, object]:
    """The race page's widget values for a preset: how many runs, and each run's optimizer, learning rate and batch
    size (snapped to the data's sizes)."""
    contestants = preset_contestants(name, n_train)
    values: dict[str, object] = {"race_n": len(contestants)}
    for i, c in enumerate(contestants):
        values.update({f"race_opt_{i}": c.opt, f"race_lr_{i}": c.lr, f"race_batch_{i}": c.batch})
    return values


def describe(opt: str) -> str:
    return OPTIMIZER_LABELS[opt] + (f" (μ = {MOMENTUM:g})" if opt == "momentum" else "")


# --------------------------------------------------------------------------------------------------------------
# A finished race, summarised
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunSummary:
    """What the page draws for one contestant."""

    label: str
    color: str
    symbol: str
    steps: np.ndarray  # (<= 400,) history steps
    train_loss: np.ndarray
    test_loss: np.ndarray
    metrics: dict  # final train/test loss and accuracy
    steps_run: int
    diverged: bool
    reason: str  # why it diverged ("" otherwise)
    probs: np.ndarray  # (60, 60, K) float32 decision grid at the final weights
    grid_x1: np.ndarray
    grid_x2: np.ndarray
    path_alphas: np.ndarray  # (t,) the run's path on the shared slice (empty for a diverged run)
    path_betas: np.ndarray
    path_steps: np.ndarray


@dataclass(frozen=True)
class RaceSummary:
    runs: tuple  # RunSummary per contestant
    n_steps: int
    alphas: np.ndarray | None  # the shared slice's grid, None when no run could be drawn on it
    betas: np.ndarray | None
    surface: np.ndarray | None
    slice_note: str  # which directions the slice uses


def results_table(summary: RaceSummary) -> pd.DataFrame:
    """One row per run: steps taken, final train/test loss and accuracy, and whether it diverged."""
    return pd.DataFrame([{
        "run": run.label, "steps": run.steps_run, "train loss": run.metrics["train_loss"],
        "test loss": run.metrics["test_loss"], "train acc.": run.metrics["train_acc"],
        "test acc.": run.metrics["test_acc"], "status": "diverged" if run.diverged else "finished",
    } for run in summary.runs])  # fmt: skip


def thumbnail_height(bounds: tuple, n_runs: int) -> int:
    """Height in px of one run's decision map: the data's aspect ratio on its share of the ~900 px row, so wide
    data leave no gap (120 to 300 px of plot, plus 60 for the title)."""
    x_lo, x_hi, y_lo, y_hi = bounds
    return int(np.clip(900 / n_runs * (y_hi - y_lo) / (x_hi - x_lo), 120, 300)) + 60


def _shared_slice(model: ce_core.Model, initial: dict, results, seed: int):
    """Directions of the shared slice around the common initial weights: the two main directions (PCA) of all the
    runs that did not diverge, or random filter-normalised ones when their paths span no plane."""
    shapes = model.param_shapes()
    center = ce_core.flatten_params(initial, shapes)
    kept = [r for r in results if not r.diverged and len(r.points) >= 2]
    if kept:
        try:
            d1, d2, explained = ce_core.pca_directions(np.vstack([r.points for r in kept]), center)
            note = (f"the two directions along which the runs moved most (PCA of their paths: {numbers.percent(explained[0])} and "
                    f"{numbers.percent(explained[1])} of the spread)")  # fmt: skip
            return ce_core.unflatten_params(d1, shapes), ce_core.unflatten_params(d2, shapes), center, note
        except ValueError:
            pass  # the paths lie on a line (e.g. very few steps): random directions still give a picture
    d1 = ce_core.random_direction(model, initial, 2 * seed)
    d2 = ce_core.random_direction(model, initial, 2 * seed + 1)
    note = "two random filter-normalised directions (the paths span no plane for PCA)"
    return d1, d2, center, note


def run(trainer: ce_core.Trainer, data, contestants: list[Contestant], n_steps: int, seed: int,
        on_progress=None) -> RaceSummary:  # fmt: skip
    """Race the contestants from model.init(seed) on the session's data and model, with the session's loss settings.

    on_progress gets the fraction done: the training takes the first 80%, the shared slice the rest.
    """
    model = trainer.model
    n_train = trainer.n_train
    report = on_progress or (lambda fraction: None)
    configs = [ce_core.RaceConfig(c.label(i + 1, n_train), c.optimizer(), c.batch) for i, c in enumerate(contestants)]
    loss_args = dict(l2=trainer.l2, temperature=trainer.temperature, label_smoothing=trainer.label_smoothing)
    results = ce_core.run_race(
        model, trainer.X_train, trainer.y_train, trainer.X_test if len(trainer.y_test) else None,
        trainer.y_test if len(trainer.y_test) else None, configs, n_steps, seed=seed,
        on_progress=lambda f: report(0.8 * f), **loss_args,
    )  # fmt: skip
    initial = model.init(seed)
    d1, d2, center, note = _shared_slice(model, initial, results, seed)
    d1_flat, d2_flat = ce_core.flatten_direction(model, d1), ce_core.flatten_direction(model, d2)
    paths = []
    for r in results:
        if r.diverged:
            paths.append((np.zeros(0), np.zeros(0), np.zeros(0, int)))
            continue
        a, b = ce_core.project_trajectory(r.points, center, d1_flat, d2_flat)
        paths.append((a, b, r.steps))
    drawn = [p for p in paths if len(p[0])]
    alphas = betas = surface = None
    if drawn:
        all_a, all_b = np.concatenate([p[0] for p in drawn]), np.concatenate([p[1] for p in drawn])
        extent = max(float(np.abs(all_a).max()), float(np.abs(all_b).max()), 1e-6)
        (a_lo, a_hi), (b_lo, b_hi) = ce_core.span_for(all_a, all_b, minimum=0.1 * extent, margin=0.15)
        alphas = np.linspace(a_lo, a_hi, SLICE_RESOLUTION)
        betas = np.linspace(b_lo, b_hi, SLICE_RESOLUTION)
        with np.errstate(over="ignore", invalid="ignore"):
            surface = ce_core.loss_surface(model, initial, trainer.X_train, trainer.y_train, d1, d2, alphas, betas,
                                           on_progress=lambda f: report(0.8 + 0.2 * f), **loss_args)  # fmt: skip
    runs = []
    for i, (r, (a, b, s)) in enumerate(zip(results, paths, strict=True)):
        grid = ce_core.decision_grid(model, r.final_params, data.bounds, THUMB_RESOLUTION,
                                     temperature=trainer.temperature, dtype=np.float32)  # fmt: skip
        keep = ce_core.thin_rows(len(r.history["step"]), MAX_CURVE_POINTS)
        runs.append(RunSummary(
            label=r.label, color=run_color(i), symbol=RUN_SYMBOLS[i % len(RUN_SYMBOLS)], steps=r.history["step"][keep],
            train_loss=r.history["train_loss"][keep], test_loss=r.history["test_loss"][keep],
            metrics=dict(r.final_metrics),
            steps_run=r.steps_run, diverged=r.diverged, reason=r.divergence_reason, probs=grid.probs,
            grid_x1=grid.x1, grid_x2=grid.x2, path_alphas=a, path_betas=b, path_steps=s,
        ))  # fmt: skip
    report(1.0)
    return RaceSummary(tuple(runs), n_steps, alphas, betas, surface, note)
