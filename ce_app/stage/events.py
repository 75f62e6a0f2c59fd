"""Events from the browser, checked: the component's value is untrusted, and a bad event is dropped, never raised.

The value is ``{"session", "have": {"points", "stream"}, "events": [...]}`` (``stage_contract.VALUE``). Each event
is ``{"seq", "kind", **fields}`` with exactly the fields its kind declares (``stage_contract.EVENTS``), every one
of the right type and range (:data:`CHECKS`). An event with a field missing, unknown or out of range is dropped as a
whole: a Step whose ``n`` is "10" steps zero times, not once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ce_core

from .. import stage_contract

MAX_EVENTS = 64  # events one value may carry
MAX_SEQ_JUMP = 10_000  # an event numbered further ahead than this is not from our player
MAX_STREAM_CHARS = 64  # stream ids are 12 hex characters
MAX_QUESTION_CHARS = 32  # question ids are 12 hex characters
MAX_CHOICE_CHARS = 16  # choice ids are a class number or a word ("rise", "positive", "diverge")
STEP_COUNTS = (1, 10)  # Step and Step x10
INVALID = object()  # what a check returns for a value it refuses (None is a valid "no value" nowhere)


def _int(low: int, high: int):
    """A check for an integer in [low, high]: a JSON integer, or a float that is one (JavaScript sends 3 as 3)."""

    def check(value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return INVALID
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            return INVALID
        number = int(value)
        return number if low <= number <= high else INVALID

    return check


def _finite(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        return INVALID
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the float range
        return INVALID
    return number if math.isfinite(number) else INVALID


def _bool(value):
    return value if isinstance(value, bool) else INVALID


def _stream(value):
    return value if isinstance(value, str) and len(value) <= MAX_STREAM_CHARS else INVALID


def _text(limit: int):
    """A check for a short string: a question id or a choice id (what it must be is the prediction's to say)."""

    def check(value):
        return value if isinstance(value, str) and 0 < len(value) <= limit else INVALID

    return check


def _show(value):
    if value == "regions" and isinstance(value, str):
        return value
    return _int(0, ce_core.datasets.MAX_CLASSES - 1)(value)


def _step_count(value):
    number = _int(1, max(STEP_COUNTS))(value)
    return number if number in STEP_COUNTS else INVALID


# One check per field of stage_contract.FIELDS: value -> the checked value, or INVALID.
CHECKS = {
    "step": _int(0, 2**53),
    "stream": _stream,
    "chunk": _int(0, 2**31),
    "n": _step_count,
    "index": _int(0, 2**31),
    "show": _show,
    "on": _bool,
    "x": _finite,
    "y": _finite,
    "k": _int(0, ce_core.datasets.MAX_CLASSES - 1),
    "remove": _bool,
    "question": _text(MAX_QUESTION_CHARS),
    "choice": _text(MAX_CHOICE_CHARS),
}


@dataclass(frozen=True)
class Event:
    """A checked event: its number, kind and the fields its kind carries (None for the fields it does not)."""

    seq: int
    kind: str
    step: int | None = None  # the step of the frame on screen (pause, ended, select, mode, network)
    stream: str | None = None  # the stream the browser was playing
    chunk: int | None = None  # more: the chunk wanted
    n: int | None = None  # step: how many steps
    index: int | None = None  # select: the point
    show: str | int | None = None  # mode: "regions" or a class index
    on: bool | None = None  # network, draw_mode, predict: switched on or off
    x: float | None = None  # draw: where the plane was clicked
    y: float | None = None
    k: int | None = None  # draw: the class of the new point
    remove: bool | None = None  # draw: remove the nearest point instead
    question: str | None = None  # answer, skip_question: the id of the question
    choice: str | None = None  # answer: the choice id picked


def check_event(raw, acked: int) -> tuple[int | None, Event | None]:
    """(its seq, the checked event) for one raw event; (None, None) if it has no valid number, (seq, None) if its
    number is valid but it is not an event we could have sent (unknown kind, a field missing, extra or bad)."""
    if not isinstance(raw, dict):
        return None, None
    seq = _int(acked + 1, acked + MAX_SEQ_JUMP)(raw.get("seq"))
    if seq is INVALID:
        return None, None
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in stage_contract.EVENT_FIELDS:
        return seq, None
    declared = stage_contract.EVENT_FIELDS[kind]
    if set(raw) != {"seq", "kind", *declared}:
        return seq, None
    fields = {}
    for name in declared:
        value = CHECKS[name](raw[name])
        if value is INVALID:
            return seq, None
        fields[name] = value
    return seq, Event(seq, kind, **fields)


def parse_events(value, secret: str, acked: int) -> tuple[list[Event], int]:
    """The new events in the component's value, in order, and the last seq they cover (dropped events included).

    Nothing unless the value comes from this session's player (its secret). Events already handled (seq <= acked:
    a value Streamlit sends again, a replay) are skipped; so is anything malformed.
    """
    if not isinstance(value, dict) or value.get("session") != secret:
        return [], acked
    raw_events = value.get("events")
    if not isinstance(raw_events, list):
        return [], acked
    events, last = [], acked
    for raw in raw_events[:MAX_EVENTS]:
        seq, event = check_event(raw, last)
        if seq is None:
            continue
        last = seq
        if event is not None:
            events.append(event)
    return events, last


def have(value) -> tuple[object, str]:
    """(points version, stream id) the browser says it holds (``stage_contract.HAVE``), from an untrusted value."""
    held = value.get("have") if isinstance(value, dict) else None
    if not isinstance(held, dict):
        return None, ""
    stream = held.get("stream")
    return held.get("points"), stream if isinstance(stream, str) else ""
