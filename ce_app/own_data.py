"""Your own data: upload a CSV, draw points on the plane, download data, history and weights, share a link.

Nothing here changes data or training unless the input was valid: a bad file leaves everything as it was and
says why (the message comes from ``dataset_csv`` and names the line and column). Uploads are read in memory only.
"""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import streamlit as st

import ce_core

from . import dataset_csv, exports, session, state
from .settings import HIDEABLE, Settings, to_query
from .stage import drawing
from .text import plain


# --------------------------------------------------------------------------------------------------------------
# Upload
# --------------------------------------------------------------------------------------------------------------
def _read_upload() -> None:
    """on_change of the uploader: parse the file; only a valid one replaces the data."""
    ss = st.session_state
    ss.pop("upload_error", None)
    uploaded = ss.get("upload_csv")
    if uploaded is None:
        return
    try:
        parsed = dataset_csv.parse_dataset_csv(uploaded.getvalue())
    except dataset_csv.DataError as exc:
        ss.upload_error = str(exc)
        return
    X, axes, notes = parsed.X, parsed.axis_names, list(parsed.notes)
    if ss.get("standardize_upload"):
        X = ce_core.standardize(X)[0]
        axes = tuple(f"{name} (standardized)" for name in axes)
        notes.append("both columns standardized to mean 0 and standard deviation 1")
    data = state.custom(X, parsed.y, parsed.class_names, "uploaded", ss.settings, axis_names=axes)
    n = len(parsed.y)
    notes = f" ({'; '.join(notes)})" if notes else ""
    session.replace_data(data, f"Uploaded {n} points in {parsed.n_classes} classes: training restarted{notes}.")
    ss.draw_mode = False


def _back_to_generated() -> None:
    ss = st.session_state
    session.replace_data(state.generate(ss.settings), "Back to generated data: training restarted.")
    ss.draw_mode = False


def upload_section(settings: Settings) -> None:
    """Sidebar: upload a CSV of x1, x2, label; the current source; back to generated data."""
    sb = st.sidebar
    sb.subheader("Your own data")
    sb.file_uploader(
        "Upload CSV (x1, x2, label)", type=["csv", "txt"], key="upload_csv", on_change=_read_upload,
        help="Columns x1, x2, label; label is a class number or a class name. Header optional; comma or "
             "semicolon. Up to 5,000 rows and 8 classes. The file is read in memory and never stored.",
    )  # fmt: skip
    sb.toggle("Standardize the columns", key="standardize_upload", on_change=_read_upload,
              help="Shift and scale each coordinate to mean 0 and standard deviation 1 when reading the file: data "
                   "in large units (say, in the thousands) then train with the usual learning rates.")  # fmt: skip
    error = st.session_state.get("upload_error")
    if error:
        sb.error(f"This file was not loaded, nothing changed: {plain(error)}", icon=":material/block:")
    data = st.session_state.data
    if data.source != "generated":
        sb.caption(f"Using {data.source} data: {len(data.y)} points, {data.n_classes} classes.")
        sb.button("Back to generated data", on_click=_back_to_generated, key="back_to_generated")


# --------------------------------------------------------------------------------------------------------------
# Download and share
# --------------------------------------------------------------------------------------------------------------
def share_link(settings: Settings, hide: list[str] | None = None) -> str:
    """The app's address with these settings (and optionally controls to hide) as query parameters."""
    query = to_query(settings)
    query.pop("hide", None)
    if hide:
        query["hide"] = ",".join(hide)
    base = (st.context.url or "").split("?")[0] or "http://localhost:8501/"
    return base + ("?" + urlencode(query) if query else "")


def download_section(settings: Settings) -> None:
    """Sidebar: the dataset, the run history and the weights as files; the settings as a link."""
    ss = st.session_state
    data, trainer = ss.data, ss.trainer
    sb = st.sidebar
    sb.subheader("Download and share")
    # The files are made when clicked (callables): during auto-run the sidebar is not redrawn, and the trainer
    # object the lambdas hold keeps training, so a click always gets the current state.
    sb.download_button("Dataset (CSV)", lambda: exports.dataset_to_csv(data.X, data.y, data.class_names),
                       file_name="dataset.csv", mime="text/csv", key="dl_data", on_click="ignore",
                       disabled=len(data.y) == 0, width="stretch")  # fmt: skip
    names = data.class_names if len(data.class_names) == trainer.model.n_classes else None  # none: a cleared canvas
    sb.download_button("Run history (CSV)", lambda: exports.history_to_csv(trainer.history.as_dict(), names),
                       file_name="history.csv", mime="text/csv", key="dl_history", on_click="ignore",
                       width="stretch")  # fmt: skip
    sb.download_button("Weights (JSON)", lambda: _weights_json(trainer, names), file_name="weights.json",
                       mime="application/json", key="dl_weights", on_click="ignore", width="stretch")  # fmt: skip
    # A popover mounts its content only when opened: as an expander, the link's code block (Streamlit's 1.5 MB
    # syntax highlighter) and the multiselect cost every page ~0.3 s of the browser's first paint (README, Speed).
    with sb.popover("Share a link", icon=":material/link:", width="stretch"):
        st.caption("Opens the same dataset, model, settings and initial weights on any machine"
                   + (" (uploaded or drawn points are not part of a link)." if data.source != "generated" else "."))  # fmt: skip
        st.code(share_link(settings), language=None, wrap_lines=True)
        current = sorted(settings.hidden_controls(), key=HIDEABLE.index)
        if "teacher_hide" not in st.session_state:
            st.session_state.teacher_hide = current
        hide = st.multiselect("Student link: hide these controls", HIDEABLE, key="teacher_hide",
                              help="For a focused exercise, e.g. everything but Step and Play, or the whole sidebar. "
                                   "Starts from what this page hides now.")  # fmt: skip
        if hide:
            st.caption("Student link:")
            st.code(share_link(settings, hide), language=None, wrap_lines=True)


def _weights_json(trainer, class_names) -> bytes:
    model = trainer.model
    classes = list(class_names) if class_names else [str(k) for k in range(model.n_classes)]
    meta = {"n_classes": model.n_classes, "classes": classes, "features": model.features, "hidden": list(model.hidden),
            "activation": model.activation, "input_bounds": list(model.input_bounds), "step": trainer.step_count}  # fmt: skip
    return exports.params_to_json(trainer.params, meta)


def sidebar_sections(settings: Settings) -> None:
    hidden = settings.hidden_controls()
    if "upload" not in hidden:
        upload_section(settings)
    download_section(settings)


# --------------------------------------------------------------------------------------------------------------
# Drawing on the plane
# --------------------------------------------------------------------------------------------------------------
def _set_drawn(data: state.Dataset, notice: str) -> None:
    """Make ``data`` the session's points, keeping the ones before for Undo."""
    ss = st.session_state
    undo = ss.setdefault("draw_undo", [])
    undo.append(ss.data)
    del undo[: -drawing.MAX_UNDO]
    session.replace_data(data, notice)


def draw(x: float, y: float, k: int, remove: bool) -> None:
    """A click on the plane in draw mode: add a point of class k at (x, y), or remove the point nearest to it."""
    ss = st.session_state
    edited = drawing.edit(ss.data, x, y, k, remove)
    if edited is None:
        if not remove:
            session.notify(drawing.CANVAS_FULL)
        return
    _set_drawn(drawing.drawn(ss.data, *edited, ss.settings), "")


def can_undo() -> bool:
    return bool(st.session_state.get("draw_undo"))


def undo() -> None:
    """Take back the last edit of the points: the data before it come back as they were (their source and names)."""
    undo_stack = st.session_state.get("draw_undo", [])
    if undo_stack:
        session.replace_data(undo_stack.pop(), "")


def clear() -> None:
    data = st.session_state.data
    _set_drawn(drawing.drawn(data, np.zeros((0, 2)), np.zeros(0, dtype=np.int64), st.session_state.settings),
               drawing.CLEARED)  # fmt: skip
