"""The derivation page's small charts as HTML (ce_app.figures.html_charts): what they draw, read back from the HTML.

Each chart is parsed with the standard library's HTMLParser; bars are read back from their inline styles, so the
tests check positions and values, not strings the builder wrote.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

import ce_core
from ce_app.figures import html_charts
from ce_app.palette import CLASS_COLORS


class Chart(HTMLParser):
    """Boxes (absolutely placed divs with a background or a border), texts, table cells and the image's name."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.boxes, self.texts, self.cells, self.names, self._open = [], [], [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        style = dict(part.split(":", 1) for part in attrs.get("style", "").split(";") if ":" in part)
        style = {k.strip(): v.strip() for k, v in style.items()}
        if attrs.get("role") == "img":
            self.names.append(attrs["aria-label"])
        if tag == "div" and style.get("position") == "absolute" and "height" in style:
            self.boxes.append(style)
        self._open.append((tag, style))

    def handle_endtag(self, tag):
        self._open.pop()

    def handle_data(self, data):
        if data.strip() and self._open:
            tag, style = self._open[-1]
            (self.cells if tag == "td" else self.texts).append((data.strip(), style))


def bars_of(chart: Chart, fill: str | None = None) -> list[dict]:
    """The bars (boxes with a class colour, or with only a border when ``fill`` is None), left to right."""
    if fill is None:
        found = [b for b in chart.boxes if "background" not in b and "border" in b]
    else:
        found = [b for b in chart.boxes if b.get("background") in CLASS_COLORS]
    return sorted(found, key=lambda b: float(b["left"].rstrip("%")))


def px(value: str) -> float:
    return float(value.removesuffix("px"))


def test_probability_bars_are_as_tall_as_p_and_say_their_values():
    """Test that each class's p_k bar has its class colour, a height proportional to p_k, its value above it, and
    that the target outline is as tall as y_k; the image's name lists every p and y."""
    probs, targets = np.array([0.1, 0.6, 0.3]), np.array([0.0, 1.0, 0.0])
    chart = Chart(html_charts.prob_target_bars(probs, targets))
    filled = bars_of(chart, fill="class")
    assert [b["background"] for b in filled] == list(CLASS_COLORS[:3])
    heights = np.array([px(b["height"]) for b in filled])
    np.testing.assert_allclose(heights / heights.max(), probs / probs.max(), rtol=0.02)
    outlines = bars_of(chart)
    assert px(outlines[1]["height"]) == pytest.approx(heights[1] / 0.6, rel=0.02)
    assert {"0.10", "0.60", "0.30"} <= {text for text, _ in chart.texts}
    (name,) = chart.names
    for p, y in zip(probs, targets, strict=True):
        assert f"p = {p:.3f}, y = {y:.3f}" in name


def test_gradient_bars_go_down_for_negative_values():
    """Test that a negative dL/du_k hangs below the zero line and a positive one stands on it, at the same scale."""
    chart = Chart(html_charts.grad_bars(np.array([-0.5, 0.25]), limit=1.0))
    down, up = bars_of(chart, fill="class")
    assert px(down["top"]) == pytest.approx(px(up["top"]) + px(up["height"]), abs=0.2)  # both touch the zero line
    assert px(down["height"]) == pytest.approx(2 * px(up["height"]), rel=0.02)
    assert {"−0.500", "0.250"} <= {text for text, _ in chart.texts}


def test_a_value_that_is_not_finite_is_never_drawn():
    """Test that NaN and infinity get no bar and a dash, in the bars and in the heat map."""
    chart = Chart(html_charts.grad_bars(np.array([np.nan, 0.5, np.inf])))
    assert len(bars_of(chart, fill="class")) == 1
    assert sum(text == "–" for text, _ in chart.texts) == 2
    table = Chart(html_charts.jacobian_heatmap(np.array([[0.2, np.nan], [-0.1, 0.2]])))
    assert [text for text, _ in table.cells] == ["0.200", "–", "−0.100", "0.200"]


def test_jacobian_table_shows_ce_cores_numbers_with_readable_text():
    """Test that the heat map is a table of ce_core's Jacobian, row by row, and every cell's text has 4.5:1 or more
    against its cell (WCAG AA)."""
    jac = ce_core.softmax_jacobian(ce_core.softmax(np.array([2.0, 0.5, -1.0, 0.0])))
    chart = Chart(html_charts.jacobian_heatmap(jac))
    shown = [float(text.replace("−", "-")) for text, _ in chart.cells]
    np.testing.assert_allclose(shown, jac.ravel(), atol=5e-4)
    for _, style in chart.cells:
        assert contrast(style["background"], style["color"]) >= 4.5, style


def test_class_names_are_text_not_markup():
    """Test that uploaded class names reach the chart as characters: markup defused, quotes escaped."""
    names = ["<b>x</b>", "it's"]
    html = html_charts.prob_target_bars(np.array([0.5, 0.5]), np.array([1.0, 0.0]), names)
    assert "<b>" not in html and "it's" not in html
    (name,) = Chart(html).names
    assert "class ·b·x·/b· ●" in name and "class it's ■" in name


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(color: str) -> float:
        rgb = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_a_table_shows_4_digits_and_keeps_the_full_value():
    """Test that a table cell shows 4 significant digits as every number is written (ce_app/numbers.py), keeps the exact value in data-value, text stays text
    (escaped), and a value that is not finite shows a dash."""
    html = html_charts.table({"class": ["<b>0</b>", "1"], "value": [1 / 3, np.nan], "n": [12345678, -2]})
    chart = Chart(html)
    assert [text for text, _ in chart.cells] == [
        "<b>0</b>",
        "0.3333",
        "1.235e7",
        "1",
        "–",
        "−2",
    ]  # the app's one number format
    assert "<b>" not in html
    assert re.search(r'data-value="0\.3333333333333333"', html)
