"""The training stage's server side, without Streamlit: untrusted events checked (``events``), the play/pause/step/
draw state machine (``machine``), the hint (``hints``), the payload sent to the browser (``payload``), and the
browser's side as the server sees it (``client``). ``ce_app/player.py`` plugs it into Streamlit."""

from .client import StageClient
from .events import Event, check_event, parse_events
from .machine import (
    GRID_RESOLUTION,
    MAX_STEPS_PER_PLAY,
    Host,
    Stage,
    frames_per_chunk,
    idle_reason,
    unit_resolution,
)
from .payload import render

__all__ = [
    "GRID_RESOLUTION",
    "MAX_STEPS_PER_PLAY",
    "Event",
    "Host",
    "Stage",
    "StageClient",
    "check_event",
    "frames_per_chunk",
    "idle_reason",
    "parse_events",
    "render",
    "unit_resolution",
]
