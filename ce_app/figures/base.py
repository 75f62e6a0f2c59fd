"""What every figure shares: the house template, a fixed height, plain dicts wrapped without re-validation.

Figures are plain data in, ``go.Figure`` out, and never import streamlit. They are written as plain dicts and
wrapped without Plotly's per-property validation (it cost ~20 ms per figure); ``tests/app/test_figures.py``
validates every figure fully instead. Fixed heights and axis ranges keep the page from jumping on a rerun.

Colours of text and backgrounds are left to Streamlit's theme (``st.plotly_chart(theme="streamlit")`` fills them
into the figure's template for the viewer's light or dark theme); what a figure sets itself must read on both, so
lines and outlines use the mid greys below (at least 3:1 against white and against the dark background #171614).
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..palette import CLASS_COLORS, GRID_LINE

FONT = dict(family='"Source Sans", "Source Sans Pro", Arial, sans-serif', size=13)
# Typography only: Streamlit's theme merges its colours over the template (and a colour set outside the template
# would win over the theme, e.g. dark text on the dark background). Axes make room for their labels (automargin).
TEMPLATE = dict(layout=dict(
    font=FONT,
    title=dict(font=dict(size=15, weight=600)),
    xaxis=dict(automargin=True, title=dict(standoff=8)),  # sizes follow font.size, larger when presenting
    yaxis=dict(automargin=True, title=dict(standoff=8)),
    hoverlabel=dict(font=dict(family=FONT["family"])),
    colorway=list(CLASS_COLORS),
))  # fmt: skip
ZERO_LINE = "rgba(128, 128, 128, 0.8)"  # the axis at 0, above the grid
SMALL_HEIGHT = 260
CURVE_HEIGHT = 300


def figure(traces: list[dict], layout: dict) -> go.Figure:
    """Wrap plain trace and layout dicts in a Figure without re-validating every property (see module doc)."""
    return go.Figure(data=traces, layout=layout, _validate=False)


def _layout(height: int, *, font_size: int = 13, **extra) -> dict:
    """Shared layout: fixed height, tight margins; colours from the theme."""
    layout = dict(
        height=height,
        margin=dict(l=50, r=10, t=36, b=40),
        template=TEMPLATE,
        font=dict(size=font_size),
        showlegend=False,
        hovermode="closest",
        hoverlabel=dict(font=dict(size=font_size)),
    )
    layout.update(extra)
    return layout


def _axis(title: str, rng=None, **extra) -> dict:
    axis = dict(title=dict(text=title), gridcolor=GRID_LINE, zerolinecolor=ZERO_LINE, showline=False)
    if rng is not None:
        axis.update(range=[float(rng[0]), float(rng[1])], autorange=False)
    axis.update(extra)
    return axis


def _title(text: str, size: int | None = None) -> dict:
    title = dict(text=text, x=0.01, xanchor="left")
    if size:
        title["font"] = dict(size=size)
    return title
