"""Figures: plain data in, ``go.Figure`` out, no Streamlit. One module per page section; the training page's stage
draws itself in the browser (``ce_app/player_frontend``) and needs none of these."""

from .base import BOTTOM_LEGEND, CURVE_HEIGHT, FONT, SMALL_HEIGHT, TEMPLATE, figure
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
from .sample import grad_bars, jacobian_heatmap, prob_target_bars

__all__ = [
    "BOTTOM_LEGEND",
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
    "batch_contributions",
    "batch_matrix",
    "display_surface",
    "figure",
    "grad_bars",
    "jacobian_heatmap",
    "landscape_contour",
    "landscape_surface",
    "prob_target_bars",
    "race_curves",
    "region_colorscale",
    "region_thumbnail",
]
