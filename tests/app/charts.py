"""The charts of an AppTest page, whichever way they are drawn.

Pages draw charts with ``st.plotly_chart`` (a ``plotly_chart`` element with the figure JSON in ``proto.spec``) or,
on the training page, with ``ce_app.live_chart`` (a ``component_instance`` whose JSON arguments carry the figure
JSON as ``spec``). These helpers give the figure JSON of both, in page order.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

LIVE_CHART = "ce_app.live_chart.live_chart"


def _chart_nodes(at: AppTest) -> list:
    nodes = []
    for block in (at.sidebar, at.main):
        for node in block:
            if node.type == "plotly_chart" or (
                node.type == "component_instance" and node.proto.component_name == LIVE_CHART
            ):
                nodes.append(node)
    return nodes


def _spec(node) -> str:
    if node.type == "plotly_chart":
        return node.proto.spec
    return json.loads(node.proto.json_args)["spec"]


def chart_specs(at: AppTest) -> list[str]:
    """The figure JSON of every chart on the page, in page order."""
    return [_spec(node) for node in _chart_nodes(at)]


def chart_keys(at: AppTest) -> list[str | None]:
    """The ``key`` of every chart on the page (None for a chart without one), in page order."""
    return [getattr(node, "key", None) or node.proto.id.rsplit("-", 1)[-1] for node in _chart_nodes(at)]


def chart_spec(at: AppTest, key: str) -> dict:
    """The figure of the chart with this key, parsed."""
    for node, node_key in zip(_chart_nodes(at), chart_keys(at), strict=True):
        if node_key == key:
            return json.loads(_spec(node))
    raise KeyError(f"no chart with key {key!r} on the page: {chart_keys(at)}")


def live_chart_args(at: AppTest, key: str) -> dict:
    """The arguments a live chart was drawn with (spec, height, layers, clickable)."""
    for node in at.get("component_instance"):
        if node.proto.component_name == LIVE_CHART and node.proto.id.endswith(f"-{key}"):
            return json.loads(node.proto.json_args)
    raise KeyError(f"no live chart with key {key!r}")
