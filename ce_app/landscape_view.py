"""The loss-landscape page's computation: directions, the surface around the current weights, the projected path.

No streamlit here: the page gathers the inputs into a SliceSpec, calls :func:`compute_slice` (all numbers from
ce_core) and caches the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import ce_core

from . import numbers
from .palette import class_label

MODES = ("random", "pca", "coords")
MODE_LABELS = {
    "random": "two random directions (filter-normalised)",
    "pca": "the two main directions of the training path (PCA)",
    "coords": "two single weights",
}
MIN_PCA_POINTS = 3  # a path of 2 points is a line: it spans no plane


@dataclass(frozen=True)
class SliceSpec:
    """Which 2D slice of weight space to draw, and how finely."""

    mode: str = "random"  # one of MODES
    seed: int = 0  # random mode: d1 from seed 2s, d2 from seed 2s + 1
    normalize: str = "filter"  # random mode: ce_core.NORMALIZATIONS
    first: tuple = ("W", 0)  # coords mode: (parameter name, flat index) moved along the x axis
    second: tuple = ("W", 1)  # coords mode: the same for the y axis
    resolution: int = 31  # grid points per axis
    half_width: float = 1.0  # the view covers at least [-half_width, half_width] on both axes


@dataclass(frozen=True)
class SliceResult:
    """A computed slice (t recorded trajectory points, A x B grid)."""

    alphas: np.ndarray  # (A,) x-axis coordinates
    betas: np.ndarray  # (B,) y-axis coordinates
    surface: np.ndarray  # (B, A) training objective J, +inf where it overflowed
    path_alphas: np.ndarray  # (t,) the trajectory projected onto the slice
    path_betas: np.ndarray  # (t,)
    path_steps: np.ndarray  # (t,) step numbers
    path_losses: np.ndarray  # (t,) J at the projected points (on the slice)
    off_slice: float  # median of |point - projection| / |point - centre| over the path (0: the path lies in it)
    x_title: str
    y_title: str
    center_loss: float  # J at the current weights
    lowest_loss: float | None  # the lowest finite J on the slice, None when every point overflowed


def entry_label(model: ce_core.Model, name: str, flat_index: int, class_names=None) -> str:
    """A readable name for one weight: 'w of class 0 ●, input x2' for W, 'V1[unit 3, input x1]' for a hidden one."""
    shape = model.param_shapes()[name]
    index = np.unravel_index(int(flat_index), shape)
    inputs = ce_core.feature_names(model.features)
    if name in ("W", "b"):
        cls = class_label(int(index[0]), class_names)
        if name == "b":
            return f"b of {cls}"
        below = inputs[index[1]] if not model.hidden else f"h{len(model.hidden)} unit {index[1] + 1}"
        return f"w of {cls}, input {below}"
    layer = int(name[1:])
    if name.startswith("c"):
        return f"c{layer}[unit {index[0] + 1}]"
    below = inputs[index[1]] if layer == 1 else f"h{layer - 1} unit {index[1] + 1}"
    return f"V{layer}[unit {index[0] + 1}, input {below}]"


def default_entries(model: ce_core.Model) -> tuple[tuple, tuple]:
    """Two different entries of W: w_0's first two inputs, or the first input of w_0 and w_1 when z has length 1."""
    d = model.param_shapes()["W"][1]
    return ("W", 0), ("W", 1 if d > 1 else d)


def directions(trainer: ce_core.Trainer, spec: SliceSpec, class_names=None):
    """(d1, d2, x_title, y_title) for the spec, as dicts with the keys and shapes of the parameters."""
    model, params = trainer.model, trainer.params
    if spec.mode == "random":
        d1 = ce_core.random_direction(model, params, 2 * spec.seed, spec.normalize)
        d2 = ce_core.random_direction(model, params, 2 * spec.seed + 1, spec.normalize)
        how = {"filter": "filter-normalised", "layer": "layer-normalised", "none": "not normalised"}[spec.normalize]
        return d1, d2, f"α: random direction d1 ({how})", f"β: random direction d2 ({how})"
    if spec.mode == "pca":
        points = trainer.trajectory.points
        if len(points) < MIN_PCA_POINTS:
            raise ValueError("the training path has fewer than 3 recorded points: take a few steps on the Train page "
                             "first, or pick another kind of slice")  # fmt: skip
        d1, d2, explained = ce_core.pca_directions(points, trainer.flat_params())
        shapes = model.param_shapes()
        return (ce_core.unflatten_params(d1, shapes), ce_core.unflatten_params(d2, shapes),
                f"α: main direction of the path ({numbers.percent(explained[0])} of its spread)",
                f"β: second direction ({numbers.percent(explained[1])})")  # fmt: skip
    if tuple(spec.first) == tuple(spec.second):
        raise ValueError("pick two different weights: one weight twice spans a line, not a plane")
    shapes = model.param_shapes()
    axes = []
    for name, flat in (spec.first, spec.second):
        index = tuple(int(i) for i in np.unravel_index(int(flat), shapes[name]))
        axes.append(ce_core.coordinate_direction(model, name, index))
    return (axes[0], axes[1], f"change of {entry_label(model, *spec.first, class_names)}",
            f"change of {entry_label(model, *spec.second, class_names)}")  # fmt: skip


def compute_slice(trainer: ce_core.Trainer, spec: SliceSpec, class_names=None, on_progress=None) -> SliceResult:
    """The training objective on the slice through the current weights, and the training path projected onto it.

    Raises ValueError (from ce_core, or for a slice that cannot be drawn) with a message for the user.
    """
    model, params = trainer.model, trainer.params
    X, y = trainer.X_train, trainer.y_train
    loss_args = dict(l2=trainer.l2, temperature=trainer.temperature, label_smoothing=trainer.label_smoothing)
    d1, d2, x_title, y_title = directions(trainer, spec, class_names)
    center = trainer.flat_params()
    d1_flat, d2_flat = ce_core.flatten_direction(model, d1), ce_core.flatten_direction(model, d2)
    points, steps = trainer.trajectory.points, trainer.trajectory.steps
    path_a, path_b = ce_core.project_trajectory(points, center, d1_flat, d2_flat)
    off_slice = ce_core.off_slice_ratio(points, center, d1_flat, d2_flat)
    (a_lo, a_hi), (b_lo, b_hi) = ce_core.span_for(path_a, path_b, minimum=spec.half_width)
    alphas = np.linspace(a_lo, a_hi, spec.resolution)
    betas = np.linspace(b_lo, b_hi, spec.resolution)
    surface = ce_core.loss_surface(model, params, X, y, d1, d2, alphas, betas, on_progress=on_progress, **loss_args)
    path_losses = ce_core.loss_along_path(model, params, X, y, d1, d2, path_a, path_b, **loss_args)
    center_loss = model.loss_and_grad(params, X, y, **loss_args)[0]
    finite = surface[np.isfinite(surface)]
    return SliceResult(alphas, betas, surface, path_a, path_b, steps, path_losses, off_slice, x_title, y_title,
                       float(center_loss), float(finite.min()) if finite.size else None)  # fmt: skip
