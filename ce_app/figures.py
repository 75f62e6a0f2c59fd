"""Figures: plain data in, ``go.Figure`` out. No streamlit here, so every figure can be tested and reused.

Calm updates while auto-running: every figure has a fixed height, fixed axis ranges and the same traces from one
frame to the next (a trace with no points stays in place, empty), and large arrays go out as uint8/int32/float32
typed arrays. Figures are written as plain dicts and wrapped without Plotly's per-property validation, which cost
~20 ms per frame of the training page; ``tests/app/test_figures.py`` validates every figure fully instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from .palette import (
    CLASS_COLORS,
    CLASS_SYMBOL_CODES,
    GRID_LINE,
    NEUTRAL,
    OPEN_SYMBOL_OFFSET,
    PALE,
    SHADES,
    STRONG,
    class_color,
    class_label,
    mix_with_white,
    region_codes,
)

FONT = dict(family='"Source Sans", "Source Sans Pro", Arial, sans-serif', size=13, color="#31333F")
MUTED_TEXT = "#6b6f7e"  # tick labels: quieter than the titles, still 4.5:1 on white
# The look of every figure, written out rather than left to a theme: the training page draws its charts in its own
# frames (ce_app/live_chart.py), where Streamlit's theme does not reach, and the pages that use st.plotly_chart
# get the same typography. Axes make room for their labels (automargin) instead of overlapping them.
TEMPLATE = dict(layout=dict(
    font=FONT,
    title=dict(font=dict(size=15, weight=600)),
    xaxis=dict(automargin=True, tickfont=dict(color=MUTED_TEXT), title=dict(standoff=8)),  # sizes follow font.size,
    yaxis=dict(automargin=True, tickfont=dict(color=MUTED_TEXT), title=dict(standoff=8)),  # larger when presenting
    hoverlabel=dict(bgcolor="white", bordercolor="#d0d3da", font=dict(family=FONT["family"], color=FONT["color"])),
    colorway=list(CLASS_COLORS),
))  # fmt: skip
PLANE_HEIGHT = 560
SMALL_HEIGHT = 260
CURVE_HEIGHT = 300


BOTTOM_LEGEND = dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom")


def figure(traces: list[dict], layout: dict) -> go.Figure:
    """Wrap plain trace and layout dicts in a Figure without re-validating every property (see module doc)."""
    return go.Figure(data=traces, layout=layout, _validate=False)


def _layout(height: int, *, font_size: int = 13, **extra) -> dict:
    """Shared layout: fixed height, tight margins, white background."""
    layout = dict(
        height=height,
        margin=dict(l=50, r=10, t=36, b=40),
        template=TEMPLATE,
        font={**FONT, "size": font_size},
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=False,
        hovermode="closest",
        hoverlabel=dict(font=dict(size=font_size)),
    )
    layout.update(extra)
    return layout


def _axis(title: str, rng=None, **extra) -> dict:
    axis = dict(title=dict(text=title), gridcolor=GRID_LINE, zerolinecolor="#bbbbbb", showline=False)
    if rng is not None:
        axis.update(range=[float(rng[0]), float(rng[1])], autorange=False)
    axis.update(extra)
    return axis


def _title(text: str, size: int | None = None) -> dict:
    title = dict(text=text, x=0.01, xanchor="left")
    if size:
        title["font"] = dict(size=size)
    return title


# ------------------------------------------------------------------------------------------------------------------
# Input plane
# ------------------------------------------------------------------------------------------------------------------
def region_colorscale(n_classes: int) -> list:
    """Colour scale over z in [0, 255]: band k (z = 32k .. 32k + 31) runs from a pale to a strong tint of class k."""
    scale = []
    top = SHADES * n_classes - 1
    for k in range(n_classes):
        color = class_color(k)
        scale.append([SHADES * k / top, mix_with_white(color, PALE)])
        scale.append([(SHADES * k + SHADES - 1) / top, mix_with_white(color, STRONG)])
    return scale


@dataclass(frozen=True)
class PlaneView:
    """What the input plane shows. Indices refer to rows of X (the whole dataset, train and test)."""

    x1: np.ndarray  # (res,) grid coordinates
    x2: np.ndarray  # (res,) grid coordinates
    probs: np.ndarray  # (res, res, K) p on the grid
    X: np.ndarray  # (n, 2) all points
    y: np.ndarray  # (n,) true classes
    is_test: np.ndarray  # (n,) bool, held-out points
    predicted: np.ndarray  # (n,) predicted classes at the current weights
    batch: np.ndarray  # indices of the last mini-batch
    selected: int | None  # index of the selected point
    bounds: tuple  # (x1_min, x1_max, x2_min, x2_max) fixed axis ranges
    show_class: int | None = None  # None: decision regions; k: heat map of p_k
    weights: np.ndarray | None = None  # (K, 2) rows w_k, linear model only
    steps: np.ndarray | None = None  # (K, 2) the next update -lr dL/dw_k, linear model only
    class_names: tuple | None = None
    click_grid: bool = False  # draw mode: an invisible grid of points makes every spot of the plane clickable
    marker_size: int = 8
    font_size: int = 13
    height: int = PLANE_HEIGHT


def _polyline(starts: np.ndarray, ends: np.ndarray) -> tuple[list, list]:
    """Segments start->end joined into one line trace, separated by None gaps."""
    xs, ys = [], []
    for a, b in zip(starts, ends, strict=True):
        xs += [float(a[0]), float(b[0]), None]
        ys += [float(a[1]), float(b[1]), None]
    return xs, ys


def arrow_scales(weights: np.ndarray, steps: np.ndarray, bounds) -> tuple[float, float]:
    """Drawing scales for the w_k arrows and the step arrows.

    w_k shrinks (never grows) so the longest fits in the plot. The step shares that scale unless it would be too
    short to see, then it is magnified to 30% of the half-width; the legend states both factors.
    """
    half_span = 0.45 * min(bounds[1] - bounds[0], bounds[3] - bounds[2])
    longest = float(np.linalg.norm(weights, axis=1).max())
    w_scale = min(1.0, half_span / longest) if longest > 0 else 1.0
    longest_step = float(np.linalg.norm(steps, axis=1).max()) * w_scale
    step_scale = w_scale
    if 0 < longest_step < 0.15 * half_span:
        step_scale = w_scale * (0.3 * half_span / longest_step)
    return w_scale, step_scale


def _arrow_traces(weights: np.ndarray, steps: np.ndarray, bounds) -> tuple[list[dict], str]:
    """w_k drawn from the origin, the next step from the tip of w_k; returns traces and a legend note."""
    k = weights.shape[0]
    w_scale, step_scale = arrow_scales(weights, steps, bounds)
    tips = weights * w_scale
    heads = tips + steps * step_scale
    wx, wy = _polyline(np.zeros_like(tips), tips)
    sx, sy = _polyline(tips, heads)
    hover = [f"w_{i} = ({weights[i, 0]:.4g}, {weights[i, 1]:.4g})<br>next step ({steps[i, 0]:.3g}, "
             f"{steps[i, 1]:.3g})" for i in range(k)]  # fmt: skip
    traces = [
        dict(type="scatter", x=wx, y=wy, mode="lines", line=dict(color=NEUTRAL, width=3), hoverinfo="skip"),
        dict(type="scatter", x=sx, y=sy, mode="lines", line=dict(color="#C00000", width=2.5, dash="dot"),
             hoverinfo="skip"),
        dict(type="scatter", x=tips[:, 0].tolist(), y=tips[:, 1].tolist(), mode="markers", text=hover,
             marker=dict(symbol="arrow", angleref="previous", size=15, color=[class_color(i) for i in range(k)],
                         line=dict(color=NEUTRAL, width=1)),
             hovertemplate="%{text}<extra></extra>"),
    ]  # fmt: skip
    w_note = "" if w_scale == 1.0 else f" (drawn ×{w_scale:.2g})"
    s_note = "" if step_scale == 1.0 else f" (drawn ×{step_scale:.3g})"
    note = f"grey: class weight vectors w_k{w_note}; red dotted: next step −lr·dL/dw_k{s_note}"
    return traces, note


CLICK_GRID = 60  # points per side of the invisible click grid in draw mode


def _click_grid(bounds) -> dict:
    """Invisible markers on a 60 x 60 grid: Plotly reports clicks on points only (not on a heat map)."""
    g1 = np.linspace(bounds[0], bounds[1], CLICK_GRID, dtype=np.float32)
    g2 = np.linspace(bounds[2], bounds[3], CLICK_GRID, dtype=np.float32)
    x, y = np.meshgrid(g1, g2)
    return dict(type="scatter", mode="markers", x=x.ravel(), y=y.ravel(), hoverinfo="none",
                marker=dict(size=9, opacity=0, color="#000000"), name="canvas")  # fmt: skip


def input_plane(view: PlaneView) -> go.Figure:
    """Decision regions (or p_k), the data, the last batch, the selected point and, for a linear model, w_k.

    Trace order is fixed: regions, one scatter per class, misclassified rings, batch rings, selection, then three
    arrow traces (empty unless the model is linear). Clicking a class trace selects a point: customdata[0] is the
    point's index in X.
    """
    n_classes = view.probs.shape[-1]
    cells = dict(x0=float(view.x1[0]), dx=float(view.x1[1] - view.x1[0]), y0=float(view.x2[0]),
                 dy=float(view.x2[1] - view.x2[0]), hoverinfo="skip", zsmooth=False)  # fmt: skip
    if view.show_class is None:
        heat = dict(type="heatmap", z=region_codes(view.probs), zmin=0, zmax=SHADES * n_classes - 1,
                    colorscale=region_colorscale(n_classes), showscale=False, **cells)  # fmt: skip
    else:
        k = view.show_class
        heat = dict(type="heatmap", z=np.rint(view.probs[..., k] * 255).astype(np.uint8), zmin=0, zmax=255,
                    colorscale=[[0, "#ffffff"], [1, mix_with_white(class_color(k), 0.05)]],
                    colorbar=dict(title=dict(text=f"p_{k}"), thickness=12, len=0.8, tickvals=[0, 51, 102, 153, 204, 255],
                                  ticktext=["0", "0.2", "0.4", "0.6", "0.8", "1"]), **cells)  # fmt: skip
    traces = [heat]
    index = np.arange(len(view.y), dtype=np.int32)
    size = view.marker_size
    for k in range(n_classes):
        mine = view.y == k
        test = view.is_test[mine]
        traces.append(dict(
            type="scatter", mode="markers", x=view.X[mine, 0].astype(np.float32), y=view.X[mine, 1].astype(np.float32),
            marker=dict(symbol=(CLASS_SYMBOL_CODES[k] + OPEN_SYMBOL_OFFSET * test).astype(np.int32), size=size,
                        color=CLASS_COLORS[k], line=dict(color="white", width=0.8)),
            customdata=index[mine, None],
            hovertemplate=(f"point #%{{customdata[0]}}, class {class_label(k, view.class_names)}<br>"
                           "x = (%{x:.3f}, %{y:.3f})<br>click to inspect it<extra></extra>"),
        ))  # fmt: skip
    wrong = np.flatnonzero(view.predicted != view.y)
    batch = np.asarray(view.batch, dtype=np.int64)
    sel = [] if view.selected is None else [int(view.selected)]
    for rows, marker in (
        (wrong, dict(symbol="circle-open", size=size + 6, color="#C00000", line=dict(width=1.2))),
        (batch, dict(symbol="square-open", size=size + 11, color="#7B2CBF", line=dict(width=1.5))),
        (sel, dict(symbol="circle-open-dot", size=size + 20, color="#111111", line=dict(width=3))),
    ):
        traces.append(dict(type="scatter", mode="markers", x=view.X[rows, 0].astype(np.float32),
                           y=view.X[rows, 1].astype(np.float32), marker=marker, hoverinfo="skip"))  # fmt: skip
    title = "Decision regions: colour = predicted class, depth = how sure"
    if view.show_class is not None:
        title = f"p_{view.show_class}(x): the probability of {class_label(view.show_class, view.class_names)}"
    if view.weights is not None and view.steps is not None:
        arrows, note = _arrow_traces(view.weights, view.steps, view.bounds)
        title += f"<br><sup>{note}</sup>"
    else:
        arrows = [dict(type="scatter", x=[], y=[], mode="lines", hoverinfo="skip") for _ in range(3)]
    traces += arrows
    if view.click_grid:
        traces.append(_click_grid(view.bounds))
    return figure(traces, _layout(
        view.height, font_size=view.font_size, title=_title(title, view.font_size + 1),
        xaxis=_axis("x1", view.bounds[:2], constrain="domain"),
        yaxis=_axis("x2", view.bounds[2:], scaleanchor="x", scaleratio=1, constrain="domain"),
        margin=dict(l=50, r=10, t=64, b=40), clickmode="event+select", dragmode=False,
    ))  # fmt: skip


def plane_layers(view: PlaneView, playing: bool = False) -> list[list[int]]:
    """The input plane's traces as two stacked layers (``ce_app.live_chart``), bottom first.

    Bottom: everything that moves while training (regions, misclassified rings, batch, arrows). Top: the data points
    and the selected point's marker (and the click grid in draw mode), which take hover and clicks and are redrawn
    only when the data or the selection changes. When not ``playing``, the tips of the weight arrows are on top too,
    so that hovering one shows w_k and its next step; while playing they move every frame and stay below. Indices
    follow the trace order documented in ``input_plane``.
    """
    k = view.probs.shape[-1]
    points = list(range(1, k + 1))
    wrong, batch, selection, w_lines, step_lines, tips = range(k + 1, k + 7)
    bottom = [0, wrong, batch, w_lines, step_lines] + ([tips] if playing else [])
    top = [*points, selection] + ([] if playing else [tips]) + ([k + 7] if view.click_grid else [])
    return [bottom, top]


# ------------------------------------------------------------------------------------------------------------------
# One sample
# ------------------------------------------------------------------------------------------------------------------
def logit_bars(logits: np.ndarray, class_names=None, *, height: int = SMALL_HEIGHT, font_size: int = 13) -> go.Figure:
    """Bar chart of the logits u_k of one sample, one bar per class in its colour."""
    k = len(logits)
    bar = dict(type="bar", x=[class_label(i, class_names) for i in range(k)], y=np.asarray(logits, dtype=float),
               marker=dict(color=[class_color(i) for i in range(k)]), texttemplate="%{y:.3g}",
               textposition="outside", cliponaxis=False, hovertemplate="%{x}<br>u = %{y:.5g}<extra></extra>")  # fmt: skip
    return figure([bar], _layout(height, font_size=font_size, title=_title("Logits u_k = w_k·z + b_k"),
                                 yaxis=_axis("u_k", zeroline=True), xaxis=_axis("")))  # fmt: skip


def prob_target_bars(probs: np.ndarray, targets: np.ndarray, class_names=None, *, height=SMALL_HEIGHT,
                     font_size: int = 13) -> go.Figure:  # fmt: skip
    """Side-by-side bars of p_k (class colour) and the target y_k (grey outline), on a fixed 0..1 axis."""
    k = len(probs)
    labels = [class_label(i, class_names) for i in range(k)]
    traces = [
        dict(type="bar", x=labels, y=np.asarray(probs, dtype=float), name="p_k (model)",
             marker=dict(color=[class_color(i) for i in range(k)]), texttemplate="%{y:.2f}", textposition="outside",
             cliponaxis=False, hovertemplate="%{x}<br>p = %{y:.5f}<extra></extra>"),
        dict(type="bar", x=labels, y=np.asarray(targets, dtype=float), name="y_k (target)",
             marker=dict(color="rgba(0,0,0,0)", line=dict(color=NEUTRAL, width=2)),
             hovertemplate="%{x}<br>y = %{y:.4f}<extra></extra>"),
    ]  # fmt: skip
    return figure(traces, _layout(height, font_size=font_size,
                                  title=_title("Probabilities p_k and targets y_k"),
                                  yaxis=_axis("", (0, 1.15)), xaxis=_axis(""), barmode="group", showlegend=True,
                                  legend=BOTTOM_LEGEND))  # fmt: skip


def jacobian_heatmap(jacobian: np.ndarray, class_names=None, *, height=SMALL_HEIGHT + 60) -> go.Figure:
    """The softmax Jacobian dp_i/du_j as a K x K heat map with its values written in the cells."""
    k = jacobian.shape[0]
    labels = [class_label(i, class_names) for i in range(k)]
    limit = float(np.abs(jacobian).max()) or 0.25
    heat = dict(type="heatmap", z=jacobian.astype(float), x=labels, y=labels, zmin=-limit, zmax=limit,
                colorscale="RdBu_r", texttemplate="%{z:.3f}", colorbar=dict(thickness=12),
                hovertemplate="dp(%{y}) / du(%{x}) = %{z:.5f}<extra></extra>")  # fmt: skip
    return figure([heat], _layout(height, title=_title("Softmax Jacobian ∂p_i/∂u_j = p_i(1[i=j] − p_j)"),
                                  xaxis=_axis("u_j"), yaxis=_axis("p_i", autorange="reversed")))  # fmt: skip


# ------------------------------------------------------------------------------------------------------------------
# The last mini-batch
# ------------------------------------------------------------------------------------------------------------------
def batch_matrix(probs_minus_targets: np.ndarray, point_ids, class_names=None, *, height=CURVE_HEIGHT) -> go.Figure:
    """Heat map of P - Y for the batch: rows are samples, columns are classes, fixed scale [-1, 1]."""
    k = probs_minus_targets.shape[1]
    heat = dict(type="heatmap", z=probs_minus_targets.astype(np.float32),
                x=[class_label(i, class_names) for i in range(k)], y=[f"#{int(i)}" for i in point_ids], zmin=-1,
                zmax=1, colorscale="RdBu_r", colorbar=dict(title=dict(text="p−y"), thickness=12),
                hovertemplate="sample %{y}, %{x}<br>p − y = %{z:.4f}<extra></extra>")  # fmt: skip
    return figure([heat], _layout(height, title=_title("P − Y for the last mini-batch"),
                                  yaxis=_axis("sample", autorange="reversed", type="category"), xaxis=_axis("")))  # fmt: skip


def batch_contributions(per_sample: np.ndarray, mean: np.ndarray, update: np.ndarray, point_ids,
                        feature_names, class_k: int, *, height=CURVE_HEIGHT) -> go.Figure:  # fmt: skip
    """Rows: each sample's (p_ik - y_ik) z_i, then their mean (dL/dw_k), then the update applied to w_k.

    The update has its own colour scale: it is lr times smaller than the gradient.
    """
    names = list(feature_names)
    rows = [f"#{int(i)}" for i in point_ids] + ["mean: dL/dw_k"]
    z = np.vstack([per_sample, mean[None, :]]).astype(np.float32)
    limit = float(np.abs(z).max()) or 1.0
    traces = [
        dict(type="heatmap", z=z, x=names, y=rows, zmin=-limit, zmax=limit, colorscale="RdBu_r",
             colorbar=dict(title=dict(text="grad"), thickness=12, len=0.8, y=0.55),
             hovertemplate="%{y}, %{x}<br>%{z:.4g}<extra></extra>"),
        dict(type="heatmap", z=update[None, :].astype(np.float32), x=names, y=["update Δw_k"], colorscale="PRGn",
             zmid=0, showscale=False, yaxis="y2", hovertemplate="%{y}, %{x}<br>%{z:.4g}<extra></extra>"),
    ]  # fmt: skip
    # The update gets its own strip under the gradient rows (its own axis): on one category axis, a one-row heat map
    # does not line up with the rows above it.
    return figure(traces, _layout(height, title=_title(f"How the samples add up to dL/dw_{class_k}"),
                                  yaxis=_axis("", autorange="reversed", type="category", domain=[0.2, 1]),
                                  yaxis2=_axis("", type="category", domain=[0, 0.1]),
                                  xaxis=_axis("feature of z", anchor="y2")))  # fmt: skip


# ------------------------------------------------------------------------------------------------------------------
# Curves
# ------------------------------------------------------------------------------------------------------------------
def _finite_xy(x: np.ndarray, y: np.ndarray):
    """Drop rows whose value is NaN (e.g. no test set): nothing undefined is ever drawn."""
    keep = np.isfinite(y)
    return x[keep].astype(np.int32), y[keep].astype(np.float32)


def loss_curves(history: dict, *, height=CURVE_HEIGHT) -> go.Figure:
    """Train/test loss (left axis) and accuracy (right axis) against step."""
    traces = []
    for key, name, color, dash, axis in (
        ("train_loss", "train loss", "#0072B2", "solid", "y"),
        ("test_loss", "test loss", "#0072B2", "dot", "y"),
        ("train_acc", "train accuracy", "#D55E00", "solid", "y2"),
        ("test_acc", "test accuracy", "#D55E00", "dot", "y2"),
    ):
        x, y = _finite_xy(history["step"], history[key])
        traces.append(dict(type="scatter", x=x, y=y, mode="lines", name=name, yaxis=axis,
                           line=dict(color=color, dash=dash, width=2), hovertemplate="%{y:.4f}"))  # fmt: skip
    return figure(traces, _layout(
        height, title=_title("Loss (blue, left axis) and accuracy (orange, right axis)"),
        xaxis=_axis("step", rangemode="tozero"), yaxis=_axis("cross-entropy", rangemode="tozero"),
        yaxis2=_axis("accuracy", (0, 1.02), overlaying="y", side="right", showgrid=False),
        showlegend=True, legend=BOTTOM_LEGEND, hovermode="x unified",
    ))  # fmt: skip


def grad_norm_curves(history: dict, class_names=None, *, height=CURVE_HEIGHT) -> go.Figure:
    """|dJ/d(w_k, b_k)| per class against step, log scale, in the class colours."""
    norms = history["class_grad_norm"]
    traces = []
    for k in range(norms.shape[1]):
        x, y = _finite_xy(history["step"], norms[:, k])
        keep = y > 0  # a log axis cannot show 0
        traces.append(dict(type="scatter", x=x[keep], y=y[keep], mode="lines", name=class_label(k, class_names),
                           line=dict(color=class_color(k), width=1.8), hovertemplate="%{y:.3g}"))  # fmt: skip
    return figure(traces, _layout(
        height, title=_title("Gradient norm per class ‖dJ/dw_k‖ (log scale)"), xaxis=_axis("step", rangemode="tozero"),
        yaxis=_axis("norm", type="log", dtick=1, exponentformat="power"), showlegend=True, legend=BOTTOM_LEGEND,
        hovermode="x unified",
    ))  # fmt: skip


# ------------------------------------------------------------------------------------------------------------------
# The derivation page's sandbox
# ------------------------------------------------------------------------------------------------------------------
def grad_bars(values: np.ndarray, class_names=None, *, limit: float = 1.0, height=SMALL_HEIGHT) -> go.Figure:
    """Bars of dL/du_k = (p_k - y_k)/T, one per class in its colour, on a fixed axis [-limit, limit]."""
    k = len(values)
    bar = dict(type="bar", x=[class_label(i, class_names) for i in range(k)], y=np.asarray(values, dtype=float),
               marker=dict(color=[class_color(i) for i in range(k)]), texttemplate="%{y:.3f}",
               textposition="outside", cliponaxis=False,
               hovertemplate="%{x}<br>dL/du = %{y:.5f}<extra></extra>")  # fmt: skip
    top = 1.25 * float(limit)
    return figure([bar], _layout(height, title=_title("Gradient on the logits dL/du_k = (p_k − y_k)/T"),
                                 yaxis=_axis("", (-top, top), zeroline=True, zerolinewidth=2),
                                 xaxis=_axis("")))  # fmt: skip


# ------------------------------------------------------------------------------------------------------------------
# Loss landscape slices (the landscape page and the race page)
# ------------------------------------------------------------------------------------------------------------------
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


def landscape_contour(view: SliceView) -> go.Figure:
    """Filled contours of the loss over (alpha, beta), each path as a line with its end marked, (0, 0) starred."""
    z, low, cap = display_surface(view.surface)
    traces = [dict(
        type="contour", x=view.alphas.astype(np.float32), y=view.betas.astype(np.float32), z=z, zmin=low, zmax=cap,
        colorscale=view.colorscale, ncontours=24,
        line=dict(width=0.5, color="rgba(255,255,255,0.5)" if view.colorscale == LANDSCAPE_SCALE else "rgba(0,0,0,0.2)"),
        colorbar=dict(title=dict(text="loss"), thickness=12),
        hovertemplate="α = %{x:.3f}, β = %{y:.3f}<br>loss %{z:.4f}<extra></extra>",
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
        view.height, title=_title(f"{view.title}<br><sup>colours stop at loss {cap:.3g}: anything higher is drawn "
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
        hovertemplate="α = %{x:.3f}, β = %{y:.3f}<br>loss %{z:.4f}<extra></extra>",
    )]  # fmt: skip
    for path in view.paths:
        if path.losses is None:
            continue
        keep = _finite_path(path)
        traces.append(dict(
            type="scatter3d", mode="lines+markers", x=path.alphas[keep].astype(np.float32),
            y=path.betas[keep].astype(np.float32), z=np.minimum(path.losses[keep], cap).astype(np.float32),
            name=path.name, line=dict(color=path.color, width=6), marker=dict(size=2.5, color=path.color),
            customdata=path.steps[keep].astype(np.int32),
            hovertemplate=f"{path.name}<br>step %{{customdata}}<br>loss %{{z:.4f}}<extra></extra>",
        ))  # fmt: skip
    if view.center_loss is not None and np.isfinite(view.center_loss):
        traces.append(dict(
            type="scatter3d", mode="markers", x=[0.0], y=[0.0], z=[float(min(view.center_loss, cap))],
            name=view.center_label, marker=dict(symbol="diamond", size=7, color="#ffffff",
                                                line=dict(color="#111111", width=2)),
            hovertemplate=f"{view.center_label}<br>loss %{{z:.4f}}<extra></extra>",
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


# ------------------------------------------------------------------------------------------------------------------
# Optimizer race
# ------------------------------------------------------------------------------------------------------------------
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
                               hovertemplate=f"{run.name} {part}: %{{y:.4f}}<extra></extra>"))  # fmt: skip
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
            text=[f"{reason} (loss {v:.4g})" for v in last_y], hovertemplate=f"{run.name}: %{{text}}<extra></extra>",
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
        type="heatmap", z=region_codes(probs), zmin=0, zmax=SHADES * n_classes - 1,
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
