"""Points drawn on the plane, without Streamlit: one click's edit, and the dataset the edited points make.

``ce_app/own_data.py`` keeps a session's Undo stack and applies these; tests drive them with a plain host.
"""

from __future__ import annotations

import numpy as np

from .. import state
from ..settings import Settings
from ..state import Dataset

MAX_DRAWN_POINTS = 2000  # the same cap as the points slider
MAX_UNDO = 50  # edits that Undo can take back; older ones are forgotten
CANVAS_FULL = f"The canvas holds at most {MAX_DRAWN_POINTS:,} points."
CLEARED = "Canvas cleared: click on the plane to add points."


def edit(data: Dataset, x: float, y: float, k: int, remove: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """The points after a click at (x, y): a point of class k added, or the nearest point removed.

    None when the click changes nothing (the canvas is full, or there is no point to remove).
    """
    X, labels = data.X, data.y
    if not remove:
        if len(labels) >= MAX_DRAWN_POINTS:
            return None
        return np.vstack([X, [[x, y]]]), np.append(labels, int(k))
    if not len(labels):
        return None
    keep = np.arange(len(labels)) != int(np.argmin(((X - [x, y]) ** 2).sum(axis=1)))
    return X[keep], labels[keep]


def drawn(before: Dataset, X: np.ndarray, y: np.ndarray, settings: Settings) -> Dataset:
    """The edited points as the session's data: on the drawing canvas, keeping the class names they had (an
    uploaded file's), numbers for classes that are new."""
    n_classes = max(2, int(y.max()) + 1) if len(y) else 2
    names = tuple(before.class_names[k] if k < len(before.class_names) else str(k) for k in range(n_classes))
    return state.custom(X, y, names, "drawn", settings, state.CANVAS_BOUNDS, axis_names=before.axis_names)
