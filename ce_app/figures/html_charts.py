"""Small charts and tables as HTML, for ``st.html``: probability bars, gradient bars, the softmax Jacobian, tables.

Why p − y? draws only these small charts and tables; as Plotly figures and ``st.dataframe`` grids they made the page
load Plotly's 4.7 MB bundle and Streamlit's 1.2 MB data grid, ~2 s of its first paint (README, Speed). Plain data
in, an HTML string out, no Streamlit. (``st.html`` keeps HTML and inline styles but drops SVG, hence boxes
positioned in percent of the column and pixels of height.)

- Text takes the page's text colour (it is inherited), in the light and the dark theme; lines and edges are the
  mid grey ``palette.NEUTRAL`` (3:1 on both backgrounds); heat-map cells carry their own black or white text.
- A bar chart is one image to a screen reader (``role="img"``), named with its title and every value it shows; the
  Jacobian is a table with row and column headers, so a screen reader can walk it cell by cell.
- Nothing undefined is drawn: a value that is not finite gets no bar and a dash for a label.
- A table cell keeps its full value in ``data-value`` (what the tests compare with ce_core) and shows it as every
  number is shown (``ce_app/numbers.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

from .. import numbers
from ..palette import NEUTRAL, class_color, class_label

PLOT_HEIGHT = 150  # px: the bars' area
TITLE_HEIGHT, LEGEND_HEIGHT = 52, 22  # px: room for two lines of title (a phone's), one of legend
# px: a bar chart's whole height, fixed, so the page can hold its place before the chart's code has loaded
BARS_HEIGHT = TITLE_HEIGHT + 18 + PLOT_HEIGHT + 28 + LEGEND_HEIGHT
MAX_LABEL = 16  # characters of a class label under a bar (the chart's name has them all)
# Diverging colours of the heat map: negative, zero, positive (ColorBrewer RdBu's ends and its middle).
NEGATIVE, ZERO, POSITIVE = (33, 102, 172), (247, 247, 247), (178, 24, 43)
_TITLE = "font-weight: 600; font-size: 15px; line-height: 22px; padding-bottom: 8px"
_SMALL = "font-size: 12px; line-height: 14px"


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _box(left: float, width: float, top: float, height: float, style: str) -> str:
    """An absolutely placed box: left and width in % of the column, top and height in px."""
    return (f'<div style="position: absolute; left: {left:.3f}%; width: {width:.3f}%; top: {top:.1f}px; '
            f'height: {height:.1f}px; box-sizing: border-box; {style}"></div>')  # fmt: skip


def _label(center: float, top: float, text: str, style: str = "") -> str:
    """A small text centred on ``center`` % at ``top`` px."""
    return (f'<div style="position: absolute; left: {center - 10:.3f}%; width: 20%; top: {top:.1f}px; '
            f'text-align: center; white-space: nowrap; {_SMALL}; {style}">{escape(text)}</div>')  # fmt: skip


def _bars(title: str, name: str, labels: list[str], series: list[dict], low: float, high: float,
          ticks: list[float], digits: int, legend: str = "") -> str:  # fmt: skip
    """Grouped bars on a fixed axis [low, high]: one group per class, one bar per series in each group.

    A series: ``{"values": (K,), "fill": [colour per class] | None (an outline), "labels": bool}``.
    """
    top = 18  # px above the axis' top for the value labels
    y = lambda v: top + PLOT_HEIGHT * (high - float(np.clip(v, low, high))) / (high - low)  # noqa: E731 - value -> px
    left = 7.0  # %: the tick labels sit at the left edge
    group = (100.0 - left) / len(labels)
    bar = group * 0.8 / len(series)
    parts = []
    for tick in ticks:
        opacity = 0.9 if tick == 0 else 0.35
        parts.append(_box(left, 100.0 - left, y(tick), 1, f"background: {NEUTRAL}; opacity: {opacity}"))
        text = numbers.fmt(tick, 3)
        parts.append(f'<div style="position: absolute; left: 0; top: {y(tick) - 7:.1f}px; {_SMALL}">{text}</div>')
    for k, label in enumerate(labels):
        for s, part in enumerate(series):
            value = float(part["values"][k])
            x = left + group * k + group * 0.1 + bar * s
            if np.isfinite(value):
                y0, y1 = sorted((y(0.0), y(value)))
                fill = part.get("fill")
                style = (f"background: {fill[k]}; border: 1px solid {NEUTRAL}" if fill
                         else f"border: 2px solid {NEUTRAL}")  # fmt: skip
                parts.append(_box(x, bar, y0, max(y1 - y0, 1.0), style))
            if part.get("labels") or not np.isfinite(value):
                above = not np.isfinite(value) or value >= 0
                y0, y1 = sorted((y(0.0), y(value if np.isfinite(value) else 0.0)))
                parts.append(_label(x + bar / 2, y0 - 16 if above else y1 + 2, numbers.fixed(value, digits)))
        parts.append(_label(left + group * (k + 0.5), top + PLOT_HEIGHT + 8, _short(label)))
    height = top + PLOT_HEIGHT + 28
    plot = f'<div style="position: relative; height: {height}px">{"".join(parts)}</div>'
    return (f'<div role="img" aria-label="{escape(name, quote=True)}" style="height: {BARS_HEIGHT}px; overflow: hidden">'
            f'<div style="{_TITLE}">{escape(title)}</div>{plot}'
            f'<div style="height: {LEGEND_HEIGHT}px; display: flex; align-items: center">{legend}</div></div>')  # fmt: skip


def _swatch(style: str, text: str) -> str:
    return (f'<span style="display: inline-flex; align-items: center; gap: 6px; margin-right: 24px; {_SMALL}">'
            f'<span style="display: inline-block; width: 12px; height: 12px; box-sizing: border-box; {style}">'
            f"</span>{escape(text)}</span>")  # fmt: skip


def prob_target_bars(probs: np.ndarray, targets: np.ndarray, class_names=None) -> str:
    """Side-by-side bars of p_k (class colour, value written above) and the target y_k (grey outline), axis 0..1."""
    k = len(probs)
    labels = [class_label(i, class_names) for i in range(k)]
    series = [
        {"values": np.asarray(probs, dtype=float), "fill": [class_color(i) for i in range(k)], "labels": True},
        {"values": np.asarray(targets, dtype=float)},
    ]
    legend = (_swatch(f"background: {class_color(0)}; border: 1px solid {NEUTRAL}", "p_k (model)")
              + _swatch(f"border: 2px solid {NEUTRAL}", "y_k (target)"))  # fmt: skip
    values = "; ".join(f"{name}: p = {numbers.fixed(p, 3)}, y = {numbers.fixed(t, 3)}"
                       for name, p, t in zip(labels, probs, targets, strict=True))  # fmt: skip
    return _bars("Probabilities p_k and targets y_k", f"Bar chart of the probabilities p_k and targets y_k. {values}.",
                 labels, series, 0.0, 1.15, [0.0, 0.5, 1.0], 2, legend)  # fmt: skip


def grad_bars(values: np.ndarray, class_names=None, *, limit: float = 1.0) -> str:
    """Bars of dL/du_k = (p_k − y_k)/T, one per class in its colour, on the fixed axis [−1.25 limit, 1.25 limit]."""
    k = len(values)
    labels = [class_label(i, class_names) for i in range(k)]
    top = 1.25 * float(limit)
    series = [{"values": np.asarray(values, dtype=float), "fill": [class_color(i) for i in range(k)], "labels": True}]
    listed = "; ".join(f"{name}: {numbers.fixed(v, 4)}" for name, v in zip(labels, values, strict=True))
    return _bars("Gradient on the logits dL/du_k = (p_k − y_k)/T",
                 f"Bar chart of the gradient on the logits dL/du_k. {listed}.", labels, series, -top, top,
                 [-float(limit), 0.0, float(limit)], 3)  # fmt: skip


def cell_colors(value: float, limit: float) -> tuple[str, str]:
    """The heat map's background for ``value`` in [−limit, limit] and the text colour (black or white) with the
    larger contrast on it."""
    t = float(np.clip(value / limit, -1.0, 1.0)) if limit > 0 and np.isfinite(value) else 0.0
    end = POSITIVE if t >= 0 else NEGATIVE
    rgb = [round(z + (e - z) * abs(t)) for z, e in zip(ZERO, end, strict=True)]
    lin = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    ink = "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"
    return "#{:02x}{:02x}{:02x}".format(*rgb), ink


def jacobian_heatmap(jacobian: np.ndarray, class_names=None) -> str:
    """The softmax Jacobian dp_i/du_j as a K x K table of coloured cells with their values written in."""
    k = jacobian.shape[0]
    labels = [escape(_short(class_label(i, class_names))) for i in range(k)]
    finite = np.abs(jacobian[np.isfinite(jacobian)])
    limit = float(finite.max()) if finite.size and finite.max() > 0 else 0.25
    cell = "padding: 8px 6px; text-align: center; font-variant-numeric: tabular-nums"
    head = "".join(f'<th scope="col" style="{_SMALL}; padding: 4px; font-weight: 400">u of {name}</th>'
                   for name in labels)  # fmt: skip
    rows = []
    for i in range(k):
        cells = []
        for j in range(k):
            background, ink = cell_colors(float(jacobian[i, j]), limit)
            cells.append(f'<td style="{cell}; background: {background}; color: {ink}; border: 1px solid {NEUTRAL}">'
                         f"{numbers.fixed(float(jacobian[i, j]), 3)}</td>")  # fmt: skip
        rows.append(f'<tr><th scope="row" style="{_SMALL}; padding: 4px; text-align: right; font-weight: 400">'
                    f"p of {labels[i]}</th>{''.join(cells)}</tr>")  # fmt: skip
    return (f'<div style="{_TITLE}">Softmax Jacobian ∂p_i/∂u_j = p_i(1[i=j] − p_j)</div>'
            '<table style="border-collapse: collapse; width: 100%; table-layout: fixed">'
            "<caption style=\"caption-side: bottom; text-align: left; padding-top: 6px; font-size: 12px\">"
            "Row i: how p_i moves when each logit u_j goes up (red positive, blue negative).</caption>"
            f'<thead><tr><td style="width: 22%"></td>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')  # fmt: skip


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def table(columns: Mapping[str, Sequence], digits: int = 4) -> str:
    """A table, one column per entry of ``columns`` (all of one length): numbers right-aligned to ``digits``
    significant digits (the full value in ``data-value``), anything else as escaped text."""
    names = list(columns)
    rows = len(next(iter(columns.values()))) if names else 0
    line = f"border-bottom: 1px solid {NEUTRAL}; padding: 4px 8px"
    numeric = {name: all(_is_number(v) for v in columns[name]) for name in names}  # headed like their numbers
    head = "".join(f'<th scope="col" style="{line}; text-align: {"right" if numeric[name] else "left"}; '
                   f'font-weight: 600; vertical-align: bottom">{escape(str(name))}</th>' for name in names)  # fmt: skip
    body = []
    for i in range(rows):
        cells = []
        for name in names:
            value = columns[name][i]
            if _is_number(value):
                shown = numbers.fmt(value, digits)
                cells.append(f'<td data-value="{float(value)!r}" style="{line}; text-align: right">{shown}</td>')
            else:
                cells.append(f'<td style="{line}">{escape(str(value))}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table style="border-collapse: collapse; width: 100%; font-size: 14px; '
        f'font-variant-numeric: tabular-nums"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )
