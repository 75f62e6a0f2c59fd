"""Figures of one sample and of the softmax: probability bars, the Jacobian, the gradient on the logits."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..palette import NEUTRAL, class_color, class_label
from .base import BOTTOM_LEGEND, SMALL_HEIGHT, _axis, _layout, _title, figure

BAR_EDGE = dict(color=NEUTRAL, width=1)  # class 7's black bar would vanish on the dark background without an edge


def prob_target_bars(probs: np.ndarray, targets: np.ndarray, class_names=None, *, height=SMALL_HEIGHT,
                     font_size: int = 13) -> go.Figure:  # fmt: skip
    """Side-by-side bars of p_k (class colour) and the target y_k (grey outline), on a fixed 0..1 axis."""
    k = len(probs)
    labels = [class_label(i, class_names) for i in range(k)]
    traces = [
        dict(type="bar", x=labels, y=np.asarray(probs, dtype=float), name="p_k (model)",
             marker=dict(color=[class_color(i) for i in range(k)], line=BAR_EDGE), texttemplate="%{y:.2f}",
             textposition="outside", cliponaxis=False, hovertemplate="%{x}<br>p = %{y:.5f}<extra></extra>"),
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


def grad_bars(values: np.ndarray, class_names=None, *, limit: float = 1.0, height=SMALL_HEIGHT) -> go.Figure:
    """Bars of dL/du_k = (p_k - y_k)/T, one per class in its colour, on a fixed axis [-limit, limit]."""
    k = len(values)
    bar = dict(type="bar", x=[class_label(i, class_names) for i in range(k)], y=np.asarray(values, dtype=float),
               marker=dict(color=[class_color(i) for i in range(k)], line=BAR_EDGE), texttemplate="%{y:.3f}",
               textposition="outside", cliponaxis=False,
               hovertemplate="%{x}<br>dL/du = %{y:.5f}<extra></extra>")  # fmt: skip
    top = 1.25 * float(limit)
    return figure([bar], _layout(height, title=_title("Gradient on the logits dL/du_k = (p_k − y_k)/T"),
                                 yaxis=_axis("", (-top, top), zeroline=True, zerolinewidth=2),
                                 xaxis=_axis("")))  # fmt: skip
