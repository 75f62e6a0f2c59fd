"""Numerical gradients by central differences, and a comparison with the analytic ones.

    dJ/dtheta_j ~ (J(theta + eps e_j) - J(theta - eps e_j)) / (2 eps), one entry j at a time, in float64.

The error reported for a parameter is max_j |analytic_j - numeric_j| / max(max_j |analytic_j|, max_j |numeric_j|):
relative to the largest gradient entry of that parameter, so entries that are ~0 (where a per-entry ratio would be
round-off divided by round-off) do not make a correct gradient look wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from .model import Model

DEFAULT_THRESHOLD = 1e-6


def numerical_grad(f, params, eps=1e-6) -> dict[str, np.ndarray]:
    """Central-difference gradient of the scalar function f(params) for every entry of every parameter.

    Parameters
    ----------
    f : callable taking a params dict and returning a float.
    params : dict name -> array. Not modified (f sees float64 copies).
    eps : step size > 0.

    Returns a dict with the keys and shapes of params.
    """
    eps = _checks.positive_float(eps, "eps")
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of arrays, got {type(params).__name__}")
    work = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    grads = {}
    for name, arr in work.items():
        grad = np.zeros_like(arr)
        flat, grad_flat = arr.reshape(-1), grad.reshape(-1)  # views: writing flat[j] moves arr
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            up = float(f(work))
            flat[j] = original - eps
            down = float(f(work))
            flat[j] = original
            grad_flat[j] = (up - down) / (2.0 * eps)
        grads[name] = grad
    return grads


def max_relative_error(analytic, numeric) -> float:
    """max |a - n| / max(max |a|, max |n|), and 0 when both are exactly zero everywhere."""
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    scale = max(np.abs(analytic).max(initial=0.0), np.abs(numeric).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    return float(np.abs(analytic - numeric).max() / scale)


@dataclass(frozen=True)
class GradCheck:
    """One parameter's comparison."""

    name: str  # parameter name, e.g. "W" or "V1"
    analytic: np.ndarray  # gradient from backpropagation, shape of the parameter
    numeric: np.ndarray  # central-difference gradient, same shape
    max_rel_error: float  # see the module docstring

    def passed(self, threshold: float = DEFAULT_THRESHOLD) -> bool:
        return self.max_rel_error < threshold


def compare_grads(model: Model, params, X, y, *, eps=1e-6, **loss_kwargs) -> list[GradCheck]:
    """Analytic and numerical gradients of ``model.loss_and_grad`` for every parameter, in float64.

    ``loss_kwargs`` are passed to loss_and_grad (l2, temperature, label_smoothing).
    """
    params = {k: np.asarray(v, dtype=np.float64) for k, v in model.check_params(params).items()}
    X = np.asarray(model._check_X(X), dtype=np.float64)
    _, analytic = model.loss_and_grad(params, X, y, **loss_kwargs)  # validates y and the kwargs

    def loss(p):
        return model.loss_and_grad(p, X, y, **loss_kwargs)[0]

    numeric = numerical_grad(loss, params, eps)
    return [GradCheck(k, analytic[k], numeric[k], max_relative_error(analytic[k], numeric[k])) for k in params]


def check_grads(model: Model, params, X, y, *, eps=1e-6, **loss_kwargs) -> dict[str, float]:
    """Max relative error between analytic and central-difference gradients, per parameter name."""
    return {c.name: c.max_rel_error for c in compare_grads(model, params, X, y, eps=eps, **loss_kwargs)}
