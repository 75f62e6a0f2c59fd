"""Figures of the optimizer race: every run's loss curves, and small decision-region maps side by side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

import ce_core

from .. import numbers
from ..palette import (
    CLASS_COLORS,
    CLASS_SYMBOL_CODES,
    OPEN_SYMBOL_OFFSET,
    PALE,
    SHADES,
    STRONG,
    class_color,
    mix_with_white,
    region_codes,
)
from .base import CURVE_HEIGHT, SMALL_HEIGHT, _axis, _layout, _title, figure


def _summary(x1, x2, probs) -> tuple:
    grid = ce_core.DecisionGrid(x1, x2, probs)
    return grid.predicted, grid.confidence


def region_colorscale(n_classes: int) -> list:
    """Colour scale over z in [0, 255]: band k (z = 32k .. 32k + 31) runs from a pale to a strong tint of class k."""
    scale = []
    top = SHADES * n_classes - 1
    for k in range(n_classes):
        color = class_color(k)
        scale.append([SHADES * k / top, mix_with_white(color, PALE)])
        scale.append([(SHADES * k + SHADES - 1) / top, mix_with_white(color, STRONG)])
    return scale


def _finite_xy(x: np.ndarray, y: np.ndarray):
    """Drop rows whose value is NaN (e.g. no test set): nothing undefined is ever drawn."""
    keep = np.isfinite(y)
    return x[keep].astype(np.int32), y[keep].astype(np.float32)


@dataclass(frozen=True)
class RunCurves:
    """One race run's learning curves."""

    name: str  # legend text
    steps: np.ndarray  # (t,)
    train_loss: np.ndarray  # (t,)
    test_loss: np.ndarray  # (t,) NaN when there is no test set
    color: str
    symbol: str = "circle"
    diverged_reason: str = ""  # non-empty: the run stopped, marked with a cross at its last point


def race_curves(runs, *, height=CURVE_HEIGHT + 80) -> go.Figure:
    """Train (solid) and test (dotted) loss of every run against step, one colour per run.

    The y axis stops at 2.5 times the largest starting loss, so one exploding run does not flatten the others. A
    diverged run stops at its last finite point, marked with a cross that says why on hover; the cross is pinned to
    the top of the axis when that point lies above it, so it is always in view.
    """
    traces, starts, tops, ends = [], [], [], []
    for run in runs:
        for values, dash, part in ((run.train_loss, "solid", "train"), (run.test_loss, "dot", "test")):
            x, y = _finite_xy(np.asarray(run.steps), np.asarray(values, dtype=float))
            traces.append(dict(type="scatter", mode="lines", x=x, y=y, name=f"{run.name} · {part}",
                               legendgroup=run.name, line=dict(color=run.color, dash=dash, width=2),
                               customdata=numbers.texts(y),
                               hovertemplate=f"{run.name} {part}: %{{customdata}}<extra></extra>"))  # fmt: skip
            if part == "train" and len(y):
                starts.append(float(y[0]))
            if len(y):
                tops.append(float(y.max()))
        x, y = _finite_xy(np.asarray(run.steps), np.asarray(run.train_loss, dtype=float))
        ends.append((run, x[-1:].tolist(), y[-1:].tolist()))
    top = max(tops, default=1.0)
    if starts:
        top = min(top, 2.5 * max(starts))
    top = 1.05 * top if top > 0 else 1.0
    for run, last_x, last_y in ends:
        reason = run.diverged_reason or "finished"
        shown_y = [min(v, 0.98 * top) for v in last_y]
        traces.append(dict(
            type="scatter", mode="markers", x=last_x, y=shown_y, showlegend=False, legendgroup=run.name,
            marker=dict(symbol="x" if run.diverged_reason else run.symbol, size=13 if run.diverged_reason else 9,
                        color=run.color, line=dict(color="white", width=1)),
            text=[f"{reason} (loss {numbers.fmt(v)})" for v in last_y], hovertemplate=f"{run.name}: %{{text}}<extra></extra>",
        ))  # fmt: skip
    return figure(traces, _layout(
        height, title=_title("Loss per step: training (solid) and test (dotted), one colour per run"),
        xaxis=_axis("step", rangemode="tozero"), yaxis=_axis("cross-entropy", (0.0, top)),
        showlegend=True, legend=dict(orientation="h", y=-0.22, x=0), hovermode="x unified",
    ))  # fmt: skip


def region_thumbnail(x1: np.ndarray, x2: np.ndarray, probs: np.ndarray, X: np.ndarray, y: np.ndarray,
                     is_test: np.ndarray, title: str, bounds, *, height=SMALL_HEIGHT + 40) -> go.Figure:  # fmt: skip
    """A small decision-region map: the input plane without selection, batch or arrows (for small multiples)."""
    n_classes = probs.shape[-1]
    traces = [dict(
        type="heatmap", z=region_codes(*_summary(x1, x2, probs), n_classes), zmin=0, zmax=SHADES * n_classes - 1,
        colorscale=region_colorscale(n_classes), showscale=False, x0=float(x1[0]), dx=float(x1[1] - x1[0]),
        y0=float(x2[0]), dy=float(x2[1] - x2[0]), hoverinfo="skip", zsmooth=False,
    )]  # fmt: skip
    for k in range(n_classes):
        mine = y == k
        traces.append(dict(
            type="scatter", mode="markers", x=X[mine, 0].astype(np.float32), y=X[mine, 1].astype(np.float32),
            marker=dict(symbol=(CLASS_SYMBOL_CODES[k] + OPEN_SYMBOL_OFFSET * is_test[mine]).astype(np.int32), size=5,
                        color=CLASS_COLORS[k], line=dict(color="white", width=0.5)),
            hoverinfo="skip",
        ))  # fmt: skip
    return figure(traces, _layout(
        height, font_size=12, title=_title(title, 13), margin=dict(l=10, r=10, t=48, b=10),
        xaxis=_axis("", bounds[:2], showticklabels=False, ticks="", showgrid=False, zeroline=False,
                    constrain="domain"),
        yaxis=_axis("", bounds[2:], showticklabels=False, ticks="", showgrid=False, zeroline=False,
                    scaleanchor="x", scaleratio=1, constrain="domain"),
        dragmode=False,
    ))  # fmt: skip
