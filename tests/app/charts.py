"""The Plotly charts of an AppTest page (``st.plotly_chart``: the figure JSON is in ``proto.spec``), in page order.

The training page's stage is not a Plotly chart: ``tests/app/player.py`` reads it.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def _chart_nodes(at: AppTest) -> list:
    return [node for block in (at.sidebar, at.main) for node in block if node.type == "plotly_chart"]


def chart_specs(at: AppTest) -> list[str]:
    """The figure JSON of every chart on the page, in page order."""
    return [node.proto.spec for node in _chart_nodes(at)]


def chart_keys(at: AppTest) -> list[str | None]:
    """The ``key`` of every chart on the page (None for a chart without one), in page order."""
    return [getattr(node, "key", None) or node.proto.id.rsplit("-", 1)[-1] for node in _chart_nodes(at)]


def chart_spec(at: AppTest, key: str) -> dict:
    """The figure of the chart with this key, parsed."""
    for node, node_key in zip(_chart_nodes(at), chart_keys(at), strict=True):
        if node_key == key:
            return json.loads(node.proto.spec)
    raise KeyError(f"no chart with key {key!r} on the page: {chart_keys(at)}")
