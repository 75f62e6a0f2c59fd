"""The model's probabilities on a regular grid over the input plane: what the app paints as decision regions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import _checks
from .model import Model
from .softmax import _row_argmax, _row_max, _softmax

MAX_RESOLUTION = 400


@dataclass(frozen=True)
class DecisionGrid:
    """probs[i, j] is p(x) at the point (x1[j], x2[i]): rows follow x2, as a heat map draws them."""

    x1: np.ndarray  # (res,) grid coordinates along the first input axis
    x2: np.ndarray  # (res,) grid coordinates along the second input axis
    probs: np.ndarray  # (res, res, K)

    @property
    def predicted(self) -> np.ndarray:
        """Predicted class per cell, (res, res) uint8."""
        return _row_argmax(self.probs).astype(np.uint8)

    @property
    def confidence(self) -> np.ndarray:
        """Probability of the predicted class per cell, (res, res), between 1/K and 1."""
        return _row_max(self.probs)[..., 0]


@lru_cache(maxsize=8)
def _grid_features(model: Model, bounds: tuple, resolution: int, dtype_name: str):
    """Grid coordinates and phi(grid) (res*res, F). Cached: they depend only on the model's feature map and the
    bounds, and the app repaints the same grid every frame with new weights."""
    dtype = np.dtype(dtype_name)
    x1 = np.linspace(bounds[0], bounds[1], resolution, dtype=dtype)
    x2 = np.linspace(bounds[2], bounds[3], resolution, dtype=dtype)
    points = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)  # row-major: x1 varies fastest
    Z0 = model._features(points).astype(dtype, copy=False)
    for arr in (x1, x2, Z0):
        arr.flags.writeable = False  # shared between calls: nobody may change it
    return x1, x2, Z0


def decision_grid(model: Model, params, bounds, resolution: int, *, temperature=1.0, dtype=np.float64):
    """Evaluate p = softmax(f(x) / T) on a resolution x resolution grid covering ``bounds``.

    Parameters
    ----------
    model, params : the network and its weights.
    bounds : (x1_min, x1_max, x2_min, x2_max).
    resolution : number of grid points per axis, 2 to 400.
    dtype : float64, or float32 to halve the work and the bytes when the result is only drawn.

    Returns
    -------
    DecisionGrid with x1 (res,), x2 (res,) and probs (res, res, K).
    """
    params = model.check_params(params)
    try:
        values = np.asarray(bounds, dtype=float).ravel()
    except (TypeError, ValueError) as exc:  # e.g. text that is not a number
        raise ValueError(f"bounds must be four numbers (x1_min, x1_max, x2_min, x2_max), got {bounds!r}") from exc
    bounds = tuple(_checks.real_number(v, "bounds") for v in values)
    if len(bounds) != 4 or not (bounds[0] < bounds[1] and bounds[2] < bounds[3]):
        raise ValueError(f"bounds must be (x1_min, x1_max, x2_min, x2_max) with min < max, got {bounds}")
    resolution = _checks.integer(resolution, "resolution", low=2, high=MAX_RESOLUTION)
    temperature = _checks.positive_float(temperature, "temperature")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    x1, x2, Z0 = _grid_features(model, bounds, resolution, dtype.name)
    cast = {k: v.astype(dtype, copy=False) for k, v in params.items()}
    _, _, logits = model._hidden_and_logits(cast, Z0)
    probs = _softmax(logits, temperature).reshape(resolution, resolution, model.n_classes)
    return DecisionGrid(x1, x2, probs)
