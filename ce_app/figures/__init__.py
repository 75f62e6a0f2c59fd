"""Figures: plain data in, ``go.Figure`` out (``html_charts``: an HTML string out), no Streamlit. One module per page
section; the training page's stage draws itself in the browser (``ce_app/player_frontend``) and needs none of these."""

from . import html_charts
from .base import CURVE_HEIGHT, FONT, SMALL_HEIGHT, TEMPLATE, figure
from .landscape import (
    LANDSCAPE_HEIGHT,
    LANDSCAPE_SCALE,
    LIGHT_SCALE,
    SlicePath,
    SliceView,
    display_surface,
    landscape_contour,
    landscape_surface,
)
from .race import RunCurves, race_curves, region_colorscale, region_thumbnail

__all__ = [
    "CURVE_HEIGHT",
    "FONT",
    "LANDSCAPE_HEIGHT",
    "LANDSCAPE_SCALE",
    "LIGHT_SCALE",
    "SMALL_HEIGHT",
    "TEMPLATE",
    "RunCurves",
    "SlicePath",
    "SliceView",
    "display_surface",
    "figure",
    "html_charts",
    "landscape_contour",
    "landscape_surface",
    "race_curves",
    "region_colorscale",
    "region_thumbnail",
]
