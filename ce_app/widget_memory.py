"""Page widgets that keep their values across visits to other pages.

Streamlit forgets a widget's value at the end of a run in which the widget was not drawn, so leaving a page resets
its controls. Each page copies its widget values to one plain session-state dict after drawing them
(:func:`remember`) and puts them back before drawing them again (:func:`restore`). Set a widget's first value here,
never with ``value=`` as well: Streamlit warns when a widget gets both.
"""

from __future__ import annotations

import streamlit as st

STORE = "page_widgets"  # {widget key: last value}, a few dozen small values per session


def restore(defaults: dict) -> None:
    """Before drawing: give every widget key its remembered value, or its default the first time."""
    ss = st.session_state
    store = ss.setdefault(STORE, {})
    for key, default in defaults.items():
        if key not in ss:
            ss[key] = store.get(key, default)


def remember(keys) -> None:
    """After drawing: keep the widgets' current values for the next visit."""
    ss = st.session_state
    store = ss.setdefault(STORE, {})
    for key in keys:
        if key in ss:
            store[key] = ss[key]
