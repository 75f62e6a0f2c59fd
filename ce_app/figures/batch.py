"""Figures of the last mini-batch: P - Y, and how each sample's row adds up to dL/dw_k and the update."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..palette import class_label
from .base import CURVE_HEIGHT, _axis, _layout, _title, figure


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
