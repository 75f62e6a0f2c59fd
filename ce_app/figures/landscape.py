"""Figures of a 2D slice of the loss landscape (the landscape and race pages): contours, a 3D surface, paths."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from .. import numbers
from ..palette import NEUTRAL
from .base import _axis, _layout, _title, figure

LANDSCAPE_HEIGHT = 560
LANDSCAPE_SCALE = "Viridis"  # dark = low loss
LIGHT_SCALE = [[0.0, "#ffffff"], [1.0, "#6e6e6e"]]  # white = low loss, for several coloured paths on one map


@dataclass(frozen=True)
class SlicePath:
    """One training path projected onto a slice: (alphas[t], betas[t]) after steps[t] steps."""

    name: str  # legend text
    alphas: np.ndarray  # (t,) coordinate along d1
    betas: np.ndarray  # (t,) coordinate along d2
    steps: np.ndarray  # (t,) step numbers
    color: str = NEUTRAL
    symbol: str = "circle"  # marker of the path's last point
    losses: np.ndarray | None = None  # (t,) loss on the slice at each projected point (for the 3D view)


@dataclass(frozen=True)
class SliceView:
    """A loss surface J(alpha, beta) on a grid and the paths drawn on it."""

    alphas: np.ndarray  # (A,) grid coordinates along d1 (x axis)
    betas: np.ndarray  # (B,) grid coordinates along d2 (y axis)
    surface: np.ndarray  # (B, A) loss; +inf where it overflowed
    paths: tuple = ()  # SlicePath, drawn in order
    title: str = "Training loss on a 2D slice of weight space"
    x_title: str = "α (along d1)"
    y_title: str = "β (along d2)"
    center_label: str = "current weights"  # what (0, 0) is
    center_loss: float | None = None  # J at (0, 0), to mark it on the 3D surface
    colorscale: object = LANDSCAPE_SCALE  # a Plotly colour scale; LIGHT_SCALE lets coloured paths stand out
    height: int = LANDSCAPE_HEIGHT


def display_surface(surface: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The surface ready to colour: non-finite points and the top 2% of values are drawn at a cap.

    A few huge values (far corners, overflow) would otherwise squeeze every interesting contour into one colour.
    Returns (z as float32 with no NaN or inf, zmin, cap).
    """
    finite = surface[np.isfinite(surface)]
    if finite.size == 0:
        return np.zeros(surface.shape, np.float32), 0.0, 1.0
    low, cap = float(finite.min()), float(np.quantile(finite, 0.98))
    if cap <= low:
        cap = float(finite.max()) if finite.max() > low else low + 1.0
    z = np.where(np.isfinite(surface), np.minimum(surface, cap), cap)
    return z.astype(np.float32), low, cap


def _finite_path(path: SlicePath):
    keep = np.isfinite(path.alphas) & np.isfinite(path.betas)
    if path.losses is not None:
        keep &= np.isfinite(path.losses)
    return keep


def _cell_texts(view: SliceView) -> list[list[str]]:
    """Each cell's hover text: its alpha, beta and loss, written as every number is (ce_app/numbers.py)."""
    alphas, betas = numbers.texts(view.alphas, 3), numbers.texts(view.betas, 3)
    return [[f"α = {a}, β = {b}<br>loss {numbers.fmt(loss)}" for a, loss in zip(alphas, row, strict=True)]
            for b, row in zip(betas, view.surface, strict=True)]  # fmt: skip


def landscape_contour(view: SliceView) -> go.Figure:
    """Filled contours of the loss over (alpha, beta), each path as a line with its end marked, (0, 0) starred."""
    z, low, cap = display_surface(view.surface)
    traces = [dict(
        type="contour", x=view.alphas.astype(np.float32), y=view.betas.astype(np.float32), z=z, zmin=low, zmax=cap,
        colorscale=view.colorscale, ncontours=24,
        line=dict(width=0.5, color="rgba(255,255,255,0.5)" if view.colorscale == LANDSCAPE_SCALE else "rgba(0,0,0,0.2)"),
        colorbar=dict(title=dict(text="loss"), thickness=12), text=_cell_texts(view),
        hovertemplate="%{text}<extra></extra>",
    )]  # fmt: skip
    for path in view.paths:
        keep = _finite_path(path)
        x, y, steps = path.alphas[keep], path.betas[keep], path.steps[keep].astype(np.int32)
        traces.append(dict(
            type="scatter", mode="lines+markers", x=x.astype(np.float32), y=y.astype(np.float32), name=path.name,
            line=dict(color=path.color, width=2.5), marker=dict(size=4, color=path.color), customdata=steps,
            hovertemplate=f"{path.name}<br>step %{{customdata}}<extra></extra>",
        ))  # fmt: skip
        ends_x, ends_y = (x[-1:], y[-1:]) if len(x) else ([], [])
        traces.append(dict(
            type="scatter", mode="markers", x=list(map(float, ends_x)), y=list(map(float, ends_y)), showlegend=False,
            marker=dict(symbol=path.symbol, size=13, color=path.color, line=dict(color="white", width=1.5)),
            hovertemplate=f"{path.name}: last step %{{customdata}}<extra></extra>",
            customdata=[int(s) for s in steps[-1:]],
        ))  # fmt: skip
    traces.append(dict(
        type="scatter", mode="markers", x=[0.0], y=[0.0], name=view.center_label,
        marker=dict(symbol="star", size=18, color="#ffffff", line=dict(color="#111111", width=2)),
        hovertemplate=f"{view.center_label} (α = β = 0)<extra></extra>",
    ))  # fmt: skip
    return figure(traces, _layout(
        view.height, title=_title(f"{view.title}<br><sup>colours stop at loss {numbers.fmt(cap, 3)}: anything higher is drawn "
                                  "in the top colour</sup>"),
        xaxis=_axis(view.x_title, (view.alphas[0], view.alphas[-1])),
        yaxis=_axis(view.y_title, (view.betas[0], view.betas[-1])),
        showlegend=True, legend=dict(orientation="h", y=-0.14, x=0), margin=dict(l=60, r=10, t=64, b=40),
    ))  # fmt: skip


def landscape_surface(view: SliceView) -> go.Figure:
    """The same slice as a 3D surface; paths with ``losses`` are drawn on it."""
    z, low, cap = display_surface(view.surface)
    traces = [dict(
        type="surface", x=view.alphas.astype(np.float32), y=view.betas.astype(np.float32), z=z, cmin=low, cmax=cap,
        colorscale=view.colorscale, colorbar=dict(title=dict(text="loss"), thickness=12), opacity=0.92,
        text=_cell_texts(view), hovertemplate="%{text}<extra></extra>",
    )]  # fmt: skip
    for path in view.paths:
        if path.losses is None:
            continue
        keep = _finite_path(path)
        traces.append(dict(
            type="scatter3d", mode="lines+markers", x=path.alphas[keep].astype(np.float32),
            y=path.betas[keep].astype(np.float32), z=np.minimum(path.losses[keep], cap).astype(np.float32),
            name=path.name, line=dict(color=path.color, width=6), marker=dict(size=2.5, color=path.color),
            text=[f"step {numbers.integer(s)}<br>loss {numbers.fmt(v)}" for s, v in zip(path.steps[keep],
                                                                                      path.losses[keep], strict=True)],
            hovertemplate=f"{path.name}<br>%{{text}}<extra></extra>",
        ))  # fmt: skip
    if view.center_loss is not None and np.isfinite(view.center_loss):
        traces.append(dict(
            type="scatter3d", mode="markers", x=[0.0], y=[0.0], z=[float(min(view.center_loss, cap))],
            name=view.center_label, marker=dict(symbol="diamond", size=7, color="#ffffff",
                                                line=dict(color="#111111", width=2)),
            hovertemplate=f"{view.center_label}<br>loss {numbers.fmt(view.center_loss)}<extra></extra>",
        ))  # fmt: skip
    # Axis titles in 3D collide with the tick labels when long: keep the symbol, the 2D map has the full text.
    short_x, short_y = view.x_title.split(":")[0], view.y_title.split(":")[0]
    return figure(traces, _layout(
        view.height, title=_title(f"{view.title}<br><sup>x: {view.x_title}; y: {view.y_title}</sup>"),
        showlegend=True, legend=dict(orientation="h", y=0.0, x=0), margin=dict(l=0, r=0, t=64, b=0),
        scene=dict(xaxis=dict(title=dict(text=short_x)), yaxis=dict(title=dict(text=short_y)),
                   zaxis=dict(title=dict(text="loss"), range=[low, cap]), aspectmode="cube",
                   camera=dict(eye=dict(x=1.35, y=-1.35, z=0.9))),
    ))  # fmt: skip
