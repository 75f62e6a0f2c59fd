"""The live chart's Python side: the files it serves and how it reads a click that the browser reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ce_app import live_chart
from ce_app.live_chart import Click, parse_click


def test_serving_dir_holds_the_frontend_and_plotly_and_is_remade_when_gone():
    """Test that the served directory has index.html, live_chart.js and plotly.min.js, and comes back if deleted."""
    first = Path(live_chart._serving_dir())
    assert {p.name for p in first.iterdir()} == {"index.html", "live_chart.js", "plotly.min.js"}
    assert (first / "plotly.min.js").stat().st_size == live_chart.PLOTLY_JS.stat().st_size
    assert 'fetch("plotly.min.js")' in (first / "live_chart.js").read_text()  # fetched from next to it
    assert live_chart._serving_dir() == str(first)  # made once per process
    shutil.rmtree(first)
    again = Path(live_chart._serving_dir())
    assert (again / "plotly.min.js").is_file() and (again / "index.html").is_file()


def test_a_click_on_a_point_is_read_with_its_trace_and_index():
    """Test that a well-formed click gives its coordinates, trace and point index."""
    assert parse_click({"x": 0.5, "y": -1, "curve": 2, "index": 17, "seq": 3}) == Click(0.5, -1.0, 2, 17)
    assert parse_click({"x": 1, "y": 2}) == Click(1.0, 2.0, None, None)  # a click on the draw grid
    assert parse_click({"x": 1, "y": 2, "curve": 3.0, "index": 4.0}) == Click(1.0, 2.0, 3, 4)


@pytest.mark.parametrize(
    "value",
    [None, [], "x", 3, {}, {"x": 1}, {"x": "1", "y": 2}, {"x": True, "y": 2}, {"x": float("nan"), "y": 0},
     {"x": float("inf"), "y": 0}, {"x": 10**400, "y": 0}, {"x": [1], "y": 0}, {"x": None, "y": None}],
)  # fmt: skip
def test_a_malformed_click_is_ignored(value):
    """Test that anything without finite numeric x and y (the browser is not trusted) reads as no click."""
    assert parse_click(value) is None


@pytest.mark.parametrize("bad", [1.5, "3", True, None, float("nan"), 10**400, [3]])
def test_a_curve_or_index_that_is_not_a_whole_number_is_dropped(bad):
    """Test that a non-integral or non-numeric curve or index becomes None, while the coordinates still count."""
    assert parse_click({"x": 0, "y": 0, "curve": bad, "index": 1}) == Click(0.0, 0.0, None, 1)
    assert parse_click({"x": 0, "y": 0, "curve": 1, "index": bad}) == Click(0.0, 0.0, 1, None)
