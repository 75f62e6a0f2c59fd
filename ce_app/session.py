"""What a session holds and the one way each part of it changes: settings, data, trainer, selection, notices.

This is the one place that decides when training restarts: a change of data or model settings builds a new
trainer (with a notice); a change of optimizer or loss settings only reconfigures the running one. Drawing the
frame around every page (sidebar, notices, page style) is ``page_frame``'s job; this module draws nothing.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from . import class_links, controls, lesson_questions, lessons, state
from .settings import Settings, from_query, lesson_settings, to_query

MAX_NOTICES = 8  # a link with many problems shows the first few (each one a toast)


def query_dict() -> dict[str, list[str]]:
    """The page's settings in its query, every value of each (a link may repeat one); class mode's parameters
    (``class_links.PARAMS``) are not settings and are left out."""
    qp = st.query_params
    return {name: qp.get_all(name) for name in qp if name not in class_links.PARAMS}


def class_params() -> dict[str, list[str]]:
    """Class mode's parameters of the page's query (room, teacher key, student id)."""
    qp = st.query_params
    return {name: qp.get_all(name) for name in class_links.PARAMS if name in qp}


def notify(message: str) -> None:
    """Queue a message for the top of the page (kept short and bounded)."""
    notices = st.session_state.setdefault("notices", [])
    if message not in notices:
        notices.append(message)
    del notices[:-MAX_NOTICES]


def start() -> None:
    """First run of a session: settings from the link, data and trainer built from them."""
    ss = st.session_state
    query = query_dict()
    settings, problems = from_query(query)
    for problem in problems:
        notify(f"Link: {problem}")
    ss.data_version = 0
    ss.trainer_version = 0
    ss.data = state.generate(settings)
    point = lesson_questions.lesson_point(settings.lesson, ss.data.X, ss.data.y)
    if point is not None and "sample" not in query:  # the lesson's point, unless the link names one
        settings = replace(settings, sample=point)
    ss.settings = settings
    ss.trainer = state.build_trainer(settings, ss.data)
    ss.model_key = _model_key(settings)
    controls.seed_widgets(settings)
    ss[controls.key("sample")] = min(settings.sample, max(len(ss.data.y) - 1, 0))


def _model_key(settings: Settings) -> tuple:
    """What the trainer was built from: the data (by version) and the model settings."""
    return (st.session_state.data_version, *settings.model_key()[len(settings.data_key()) :])


def replace_data(data: state.Dataset, notice: str) -> None:
    """Use new points (generated, uploaded or drawn) and restart training on them at once. New generated points of
    a lesson that asks about one point (label smoothing) select that point.

    At once, because uploads and drawing happen in callbacks, and a drawing click reruns only the live fragment,
    which does not pass through apply().
    """
    ss = st.session_state
    ss.data = data
    ss.data_version += 1
    point = lesson_questions.lesson_point(ss.settings.lesson, data.X, data.y) if data.source == "generated" else None
    select_point(ss.settings.sample if point is None else point)  # clamped to the new points
    rebuild_trainer(ss.settings)
    if notice:
        notify(notice)


def rebuild_trainer(settings: Settings) -> None:
    """Start training again on the current data, if there are points to train on."""
    ss = st.session_state
    if len(ss.data.y):
        ss.trainer = state.build_trainer(settings, ss.data)
        ss.trainer_version += 1
    ss.model_key = _model_key(settings)


def selected_point() -> int:
    """The selected point: a row of the session's data (0 when there are no points)."""
    ss = st.session_state
    return max(0, min(int(ss.settings.sample), len(ss.data.y) - 1))


def select_point(index: int) -> None:
    """Select the point ``index`` (clamped to the data): the one way the selection changes, whoever asks."""
    ss = st.session_state
    index = max(0, min(int(index), len(ss.data.y) - 1))
    ss[controls.key("sample")] = index
    ss.settings = replace(ss.settings, sample=index)
    sync_url(ss.settings)


def set_predict(on: bool) -> None:
    """Switch predict mode on or off (the stage's Predict button): the one way it changes after the link."""
    ss = st.session_state
    ss[controls.key("predict")] = bool(on)
    ss.settings = replace(ss.settings, predict=bool(on))
    sync_url(ss.settings)


def select_point_from(widget_key: str) -> None:
    """on_change of a point-number widget: select the point it shows now."""
    select_point(int(st.session_state[widget_key]))


def apply(settings: Settings) -> None:
    """Bring data and trainer in line with new settings; say so when training restarts."""
    ss = st.session_state
    old: Settings = ss.settings
    ss.settings = settings  # first: the data and trainer below are built from the new settings
    if settings.data_key() != old.data_key():
        back = " (back to generated data)" if ss.data.source != "generated" else ""
        replace_data(state.generate(settings), f"New data{back}: training restarted from step 0.")
    if _model_key(settings) != ss.model_key:
        model_changed = settings.model_key()[len(settings.data_key()) :] != old.model_key()[len(old.data_key()) :]
        rebuild_trainer(settings)
        if model_changed:
            notify("Training restarted from step 0 because the model settings changed.")
    elif settings != old:
        state.configure(ss.trainer, settings)


def start_lesson(key: str) -> None:
    """Open a lesson: its settings (keeping the presentation mode, predict mode and hidden controls), new data, step 0.
    The empty key leaves the settings as they are and only forgets the lesson."""
    ss = st.session_state
    current: Settings = ss.settings
    if not key:
        ss.settings = replace(current, lesson="")
        controls.seed_widgets(ss.settings)
        return
    lesson = lessons.BY_KEY[key]
    ss.settings = replace(lesson_settings(key), present=current.present, hide=current.hide, predict=current.predict)
    controls.seed_widgets(ss.settings)
    replace_data(state.generate(ss.settings), f"Lesson {lesson.title}: training starts from step 0.")


def follow(settings: Settings) -> None:
    """Take settings chosen elsewhere (a class's teacher) at the start of the next run, before the sidebar's
    widgets are drawn from them (a run cannot change a widget it has drawn): the caller reruns the app."""
    st.session_state.followed_settings = settings


def take_followed() -> None:
    """Apply the settings ``follow`` left for this run, as if the student had set them (with the same notices)."""
    settings = st.session_state.pop("followed_settings", None)
    if settings is not None:
        controls.seed_widgets(settings)
        apply(settings)


def sync_url(settings: Settings) -> None:
    """Mirror the settings into the URL (only values that differ from the defaults), when they changed; class
    mode's parameters stay as they are (``class_mode`` writes them)."""
    current = {name: st.query_params.get(name) for name in st.query_params}
    wanted = {**to_query(settings), **{name: current[name] for name in class_links.PARAMS if name in current}}
    if wanted != current:
        st.query_params.from_dict(wanted)
