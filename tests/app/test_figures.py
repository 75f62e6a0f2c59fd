"""Plotly figure builders of the landscape and race pages: full Plotly validation, fixed heights, no NaN drawn.

ce_app.figures wraps plain dicts without Plotly's validation for speed; here every figure goes through
``go.Figure(fig.to_dict())``, which validates every property and raises on anything Plotly does not know.
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import pytest

import ce_core
from ce_app import figures

RNG = np.random.default_rng(0)


def validated(fig: go.Figure) -> go.Figure:
    """The figure rebuilt with full validation; its height must be a fixed number of pixels."""
    assert isinstance(fig, go.Figure)
    checked = go.Figure(fig.to_dict())
    assert isinstance(checked.layout.height, int) and checked.layout.height > 0
    return checked


def drawn_numbers(fig: go.Figure) -> np.ndarray:
    """Every number of every trace's x, y and z (typed arrays decoded), for NaN checks."""
    values = []
    for trace in fig.to_dict()["data"]:
        for name in ("x", "y", "z"):
            data = trace.get(name)
            if isinstance(data, dict):  # Plotly's typed array: {"dtype": "f4", "bdata": base64, "shape": ...}
                data = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
            if data is not None:
                values += [float(v) for v in np.ravel(np.asarray(data, dtype=object)) if v is not None]
    return np.array(values)


def slice_view(surface=None, **extra) -> figures.SliceView:
    alphas, betas = np.linspace(-1, 1, 7), np.linspace(-2, 2, 5)
    if surface is None:
        surface = np.add.outer(betas**2, alphas**2)
    path = figures.SlicePath("path", np.array([0.5, 0.2, 0.0]), np.array([1.0, 0.4, 0.0]), np.array([0, 5, 10]),
                             losses=np.array([1.2, 0.5, 0.1]))  # fmt: skip
    return figures.SliceView(alphas, betas, surface, (path,), **extra)


@pytest.mark.parametrize("builder", [figures.landscape_contour, figures.landscape_surface])
def test_landscape_figures(builder):
    """Test the contour and 3D views of a slice: valid, fixed height, the path and the centre drawn."""
    fig = validated(builder(slice_view(center_loss=0.3)))
    assert len(fig.data) >= 3
    assert all(np.isfinite(drawn_numbers(fig)))


@pytest.mark.parametrize("builder", [figures.landscape_contour, figures.landscape_surface])
def test_landscape_figures_draw_no_nan_or_inf(builder):
    """Test that overflowed (+inf) and NaN points of a surface are drawn at the colour cap, never as NaN."""
    surface = np.add.outer(np.linspace(0, 1, 5), np.linspace(0, 1, 7))
    surface[0, 0], surface[1, 1] = np.inf, np.nan
    fig = validated(builder(slice_view(surface, colorscale=figures.LIGHT_SCALE)))
    assert all(np.isfinite(drawn_numbers(fig)))


def test_display_surface_caps_outliers():
    """Test that a few huge values are capped so the rest keep their contours, and an all-inf surface is safe."""
    surface = np.linspace(0, 1, 100).reshape(10, 10)
    surface[9, 9] = 1e9
    z, low, cap = figures.display_surface(surface)
    assert low == 0 and cap < 2 and z.max() == pytest.approx(cap)
    z, low, cap = figures.display_surface(np.full((3, 3), np.inf))
    assert np.isfinite(z).all() and cap > low


def test_race_curves_with_a_diverged_run_and_no_test_set():
    """Test the race curves: valid, no NaN drawn (an empty test set is NaN), a diverged run's cross kept in view."""
    steps = np.arange(5)
    runs = [
        figures.RunCurves("1 · SGD", steps, np.linspace(1.1, 0.5, 5), np.full(5, np.nan), "#332288"),
        figures.RunCurves("2 · SGD lr 10", steps[:3], np.array([1.1, 5.0, 80.0]), np.full(3, np.nan), "#CC6677",
                          diverged_reason="the loss exploded"),
    ]  # fmt: skip
    fig = validated(figures.race_curves(runs))
    assert all(np.isfinite(drawn_numbers(fig)))
    top = fig.layout.yaxis.range[1]
    cross = fig.data[-1]
    assert cross.marker.symbol == "x" and cross.y[0] <= top


def test_region_thumbnail():
    """Test the small decision-region map of the race page: valid, fixed height, one scatter per class."""
    X, y = ce_core.make_dataset("blobs", 60, 3, seed=1)
    model = ce_core.Model.for_data(X, 3)
    grid = ce_core.decision_grid(model, model.init(0), (-3.0, 3.0, -3.0, 3.0), 20)
    fig = validated(figures.region_thumbnail(grid.x1, grid.x2, grid.probs, X, y, np.zeros(60, bool), "run 1",
                                             (-3.0, 3.0, -3.0, 3.0), height=240))  # fmt: skip
    assert fig.layout.height == 240
    assert len(fig.data) == 1 + 3
