"""Independent reference implementations for the unit tests: plain loops, scipy, nothing from ce_core.

They are slow and obvious on purpose, so that agreement with ce_core means something.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp


def softmax_loop(u: list[float]) -> list[float]:
    """Softmax of one row of finite logits, in plain Python floats."""
    top = max(u)
    exps = [math.exp(v - top) for v in u]
    total = sum(exps)
    return [e / total for e in exps]


def one_hot(labels, n_classes: int, label_smoothing: float = 0.0) -> np.ndarray:
    """Target rows (1 - eps) onehot + eps / K, shape (n, K), built with a loop."""
    targets = np.full((len(labels), n_classes), label_smoothing / n_classes)
    for i, label in enumerate(labels):
        targets[i, label] += 1.0 - label_smoothing
    return targets


def cross_entropy_ref(logits, targets, temperature: float = 1.0) -> np.ndarray:
    """Per-sample -sum_k y_k log p_k with log p = u / T - logsumexp(u / T) from scipy; targets (n, K)."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    log_p = scaled - logsumexp(scaled, axis=1, keepdims=True)
    return -(np.asarray(targets) * log_p).sum(axis=1)


def finite_difference(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar function f at the float64 array x, one entry at a time."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + eps
        up = f(x)
        x[idx] = original - eps
        down = f(x)
        x[idx] = original
        grad[idx] = (up - down) / (2.0 * eps)
    return grad


def relative_error(a, b) -> float:
    """max |a - b| / max(max |a|, max |b|): relative to the largest entry, so ~0 entries do not dominate."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.abs(a).max(), np.abs(b).max())
    return 0.0 if scale == 0 else float(np.abs(a - b).max() / scale)


def mlp_objective(
    params: dict, X: np.ndarray, targets: np.ndarray, *, activation: str, l2: float, temperature: float
) -> float:
    """J = mean CE + l2/2 sum ||weight matrices||^2 for identity features and any number of hidden layers,
    written from the model's documented equations with a Python loop over layers."""
    acts = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0), "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a))}
    h = X
    layer = 1
    while f"V{layer}" in params:
        h = acts[activation](h @ params[f"V{layer}"].T + params[f"c{layer}"])
        layer += 1
    logits = h @ params["W"].T + params["b"]
    penalty = sum(float((v**2).sum()) for k, v in params.items() if k[0] in "VW")
    return float(cross_entropy_ref(logits, targets, temperature).mean()) + 0.5 * l2 * penalty
