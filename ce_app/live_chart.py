"""Charts that update in place: a Streamlit component that hands each new figure to ``Plotly.react``.

``st.plotly_chart`` rebuilds a chart in the browser whenever its figure changes (the element id hashes the figure).
For the training page's auto-run that rebuild was the bottleneck: Chromium's main thread was 75-90% busy and showed
about 4 frames per second. ``live_chart`` keeps one plot per key alive across reruns and lets Plotly redraw only what
changed (``python -m bench.browser`` measures the difference).

The frontend is two small files in ``chart_frontend/`` (no build step) plus the ``plotly.min.js`` that ships with
the installed plotly package. Streamlit serves a component's files from one directory and refuses symlinks out of
it, so the three files are copied into a private temporary directory once per server process.
"""

from __future__ import annotations

import atexit
import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import plotly
import plotly.io as pio
import streamlit as st
import streamlit.components.v1 as components

FRONTEND = Path(__file__).with_name("chart_frontend")
PLOTLY_JS = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"


_served: list[Path] = []  # the directory of this process, once made


def _serving_dir() -> str:
    """A private directory (mode 0700) holding index.html, live_chart.js and plotly.min.js; removed at exit.

    Made again if it has gone (a server that runs for weeks may see its temporary files cleaned up)."""
    if _served and (_served[0] / PLOTLY_JS.name).is_file():
        return str(_served[0])
    target = Path(tempfile.mkdtemp(prefix="ce-playground-chart-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    for source in (*FRONTEND.iterdir(), PLOTLY_JS):
        shutil.copyfile(source, target / source.name)
    _served[:] = [target]
    return str(target)


def _figure_json(figure) -> str:
    """The figure's JSON, encoded once per figure object: while playing, the views whose turn it is not are the
    previous frame's figures, handed over again unchanged (figures are never modified after they are built)."""
    cached = getattr(figure, "_ce_live_chart_json", None)
    if cached is None:
        cached = pio.to_json(figure, validate=False)
        figure._ce_live_chart_json = cached  # plotly allows attributes whose names start with "_"
    return cached


def live_chart(figure, *, key: str, height: int, layers: list[list[int]] | None = None, clickable: bool = False,
               on_click=None) -> dict | None:  # fmt: skip
    """Draw ``figure`` (a ``go.Figure``) under ``key``; later calls with the same key update the same plot.

    ``height`` is in pixels and fixed, so the page never jumps. ``layers`` splits the traces into plots stacked
    bottom to top (lists of trace indices): a layer whose traces did not change is not redrawn, and only the top
    layer takes hover and clicks. With ``clickable``, a click on a point of the top layer sets
    ``st.session_state[key]`` to ``{"x", "y", "curve", "index", "seq"}`` (``curve`` is the trace's index in
    ``figure``, ``index`` the point's customdata[0], ``seq`` counts the clicks in this browser tab) and calls
    ``on_click``; the value is returned too.
    """
    # Declared on every call: the registry belongs to the running Streamlit runtime, and tests start several.
    component = components.declare_component("live_chart", path=_serving_dir())
    spec = _figure_json(figure)
    layers = None if layers is None else [[int(i) for i in layer] for layer in layers]
    return component(spec=spec, height=int(height), layers=layers, clickable=bool(clickable), key=key,
                     default=None, on_change=on_click)  # fmt: skip


@dataclass(frozen=True)
class Click:
    """A click on a point of a live chart: the point's coordinates, its trace in the figure and its customdata[0]."""

    x: float
    y: float
    curve: int | None
    index: int | None


def _finite(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) else None


def _whole(value) -> int | None:
    number = _finite(value)
    return int(number) if number is not None and number.is_integer() else None


def clicked(key: str) -> Click | None:
    """The last click reported by the chart ``key`` (see ``live_chart``), checked by ``parse_click``."""
    return parse_click(st.session_state.get(key))


def parse_click(value) -> Click | None:
    """A live chart's click value, checked: None unless it is a dict with finite coordinates ``x`` and ``y``. It
    comes from the browser, so it is untrusted: a ``curve`` or ``index`` that is not a whole number becomes None."""
    if not isinstance(value, dict):
        return None
    x, y = _finite(value.get("x")), _finite(value.get("y"))
    if x is None or y is None:
        return None
    return Click(x, y, _whole(value.get("curve")), _whole(value.get("index")))
