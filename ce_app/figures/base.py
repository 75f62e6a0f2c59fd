"""What every figure shares: the house template, a fixed height, plain dicts wrapped without re-validation.

Figures are plain data in, ``go.Figure`` out, and never import streamlit. They are written as plain dicts and
wrapped without Plotly's per-property validation (it cost ~20 ms per figure); ``tests/app/test_figures.py``
validates every figure fully instead. Fixed heights and axis ranges keep the page from jumping on a rerun.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..palette import CLASS_COLORS, GRID_LINE

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
