"""The training page's stage in Streamlit: the component, and the session as the stage core's host.

The stage's logic lives in ``ce_app/stage`` (no Streamlit): what the browser may send (``stage_contract``, checked
by ``stage.events``), the play/pause/step/draw state machine (``stage.machine``) and what it is sent
(``stage.payload``). This module keeps one :class:`ce_app.stage.Stage` per session, hands it the session
(:class:`SessionHost`), and draws the component (``player_frontend/``, ES modules, no build step) with the payload.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from . import own_data, session
from .stage import Stage, render

KEY = "player"  # the component's key, and the session-state slot of its value
STATE = "player_state"  # the session-state slot of the Stage
FRONTEND = Path(__file__).with_name("player_frontend")

_component = components.declare_component("player", path=str(FRONTEND))


class SessionHost:
    """The session as the stage core sees it (``ce_app.stage.Host``), read from ``st.session_state`` at every use.

    Holds nothing itself (a new one per run), so no session object points back at it.
    """

    @property
    def trainer(self):
        return st.session_state.trainer

    @property
    def data(self):
        return st.session_state.data

    @property
    def settings(self):
        return st.session_state.settings

    @property
    def data_version(self) -> int:
        return st.session_state.data_version

    @property
    def trainer_version(self) -> int:
        return st.session_state.trainer_version

    @property
    def selected(self) -> int:
        return session.selected_point()

    @property
    def draw_mode(self) -> bool:
        return bool(st.session_state.get("draw_mode"))

    @property
    def can_undo(self) -> bool:
        return own_data.can_undo()

    def select(self, index: int) -> None:
        session.select_point(index)

    def set_predict(self, on: bool) -> None:
        session.set_predict(on)

    def set_draw_mode(self, on: bool) -> None:
        st.session_state.draw_mode = on

    def draw(self, x: float, y: float, k: int, remove: bool) -> None:
        own_data.draw(x, y, k, remove)

    def undo(self) -> None:
        own_data.undo()

    def clear(self) -> None:
        own_data.clear()


def current() -> Stage:
    ss = st.session_state
    if STATE not in ss:
        ss[STATE] = Stage()
    return ss[STATE]


def playing() -> bool:
    return STATE in st.session_state and st.session_state[STATE].playing


def stop_playing() -> None:
    """Stop playing where the server is (for changes that do not come from the stage, e.g. another page)."""
    if playing():
        current().stop(SessionHost())


def show_trainer() -> None:
    """The trainer was moved from outside the stage (a class Reveal ran the steps its question was about): stop
    playing, and make the next drawing show the trainer as it is now, whatever the stage showed before."""
    core = current()
    core.stop(SessionHost())
    core.still_key = ()  # the still frame is made again from the trainer (Stage._still)


def take_focus() -> None:
    """The stage takes the keyboard focus when it is next drawn (after the lesson picker, say)."""
    current().take_focus()


def stage() -> None:
    """The stage: handle what the browser sent, then draw it with the frames on offer.

    Call it first in a fragment that also holds the views that follow the paused state: a chunk request, a Step
    or a Pause then reruns only that fragment. A point drawn on the plane reruns the whole app (the sidebar says
    which data are in use).
    """
    host, value = SessionHost(), st.session_state.get(KEY)
    core = current()
    if core.handle(host, value):
        st.rerun()
    _component(**render(core, host, value), key=KEY, default=None)
