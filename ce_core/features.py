"""Fixed feature maps z0 = phi(x) applied to the 2D input before any trained layer.

Each map takes X of shape (n, 2) and returns Z of shape (n, F). They have no trained parameters; the ones that
depend on where the data lies (rbf, fourier) read the model's ``input_bounds`` = (x1_min, x1_max, x2_min, x2_max).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

FEATURE_MAPS = ("identity", "poly2", "poly3", "rbf", "fourier")

RBF_GRID = 6  # 6 x 6 = 36 Gaussian bumps: enough to carve spirals, few enough to read the weights
FOURIER_FEATURES = 32


def n_features(name: str) -> int:
    """Number of columns F produced by the feature map ``name``."""
    return {"identity": 2, "poly2": 5, "poly3": 9, "rbf": RBF_GRID**2, "fourier": FOURIER_FEATURES}[name]


def feature_names(name: str) -> list[str]:
    """Human-readable names of the F feature columns, e.g. ['x1', 'x2', 'x1²', ...]."""
    if name == "identity":
        return ["x1", "x2"]
    if name in ("poly2", "poly3"):
        names = ["x1", "x2", "x1²", "x1·x2", "x2²"]
        if name == "poly3":
            names += ["x1³", "x1²·x2", "x1·x2²", "x2³"]
        return names
    if name == "rbf":
        return [f"rbf{i + 1}" for i in range(RBF_GRID**2)]
    return [f"cos{i + 1}" for i in range(FOURIER_FEATURES)]


@lru_cache(maxsize=32)
def _rbf_centres(bounds: tuple[float, float, float, float]):
    """Centres (36, 2) on an even grid over the bounds, and the bump width (the grid spacing)."""
    x1 = np.linspace(bounds[0], bounds[1], RBF_GRID)
    x2 = np.linspace(bounds[2], bounds[3], RBF_GRID)
    centres = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
    width = max(x1[1] - x1[0], x2[1] - x2[0])
    return centres, width


@lru_cache(maxsize=32)
def _fourier_weights(bounds: tuple[float, float, float, float], seed: int):
    """Random frequencies (F, 2) and phases (F,), seeded so a link reproduces the same features anywhere.

    Frequencies ~ N(0, 1 / l^2) with the length scale l a quarter of the data span: a few wiggles across the plane.
    """
    rng = np.random.default_rng(seed)
    span = max(bounds[1] - bounds[0], bounds[3] - bounds[2])
    omega = rng.normal(0.0, 4.0 / span, size=(FOURIER_FEATURES, 2))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=FOURIER_FEATURES)
    return omega, phase


def apply(name: str, X: np.ndarray, bounds: tuple[float, float, float, float], seed: int = 0) -> np.ndarray:
    """Return Z = phi(X), shape (n, F), in the dtype of X. Unchecked (the model validates)."""
    if name == "identity":
        return X
    x1, x2 = X[:, 0], X[:, 1]
    if name in ("poly2", "poly3"):
        cols = [x1, x2, x1 * x1, x1 * x2, x2 * x2]
        if name == "poly3":
            cols += [x1 * x1 * x1, x1 * x1 * x2, x1 * x2 * x2, x2 * x2 * x2]
        return np.stack(cols, axis=1)
    if name == "rbf":
        centres, width = _rbf_centres(bounds)
        # ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2: one matmul instead of an (n, 36, 2) temporary.
        sq = (X * X).sum(axis=1)[:, None] - 2.0 * (X @ centres.T.astype(X.dtype)) + (centres * centres).sum(axis=1)
        np.maximum(sq, 0.0, out=sq)
        return np.exp(sq * (-0.5 / width**2)).astype(X.dtype, copy=False)
    omega, phase = _fourier_weights(bounds, seed)
    return np.cos(X @ omega.T.astype(X.dtype) + phase.astype(X.dtype))
