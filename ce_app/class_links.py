"""Class mode in a link: which parameters name the room and the role, and what students follow. No Streamlit.

A teacher's own link is ``?<settings>&room=CODE&teacher=KEY`` (the key is the teacher's power: only this link
has it); a student link is ``?<settings>&room=CODE``, and once a student has joined, their own address also holds
``me=ID``, their random per-browser id, so that a page that reconnects to a new session (a replica restarted) is
still the same student: it keeps its answer and cannot answer twice. ``teach=1`` asks for a new room.

These parameters are not settings: ``session.query_dict`` leaves them out of ``settings.from_query`` and
``session.sync_url`` keeps them in the address. The settings a class follows (``lesson_query``) are the teacher's
link settings without ``present`` and ``hide``, which stay each screen's own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlencode

from .classroom.rooms import normalize_code
from .settings import Settings, from_query, to_query

ROOM, TEACHER, TEACH, ME = "room", "teacher", "teach", "me"
PARAMS = (ROOM, TEACHER, TEACH, ME)  # query parameters of class mode, never settings
OWN_SETTINGS = ("present", "hide")  # what each screen keeps for itself instead of following the teacher
MAX_PARAM_CHARS = 100  # a code is 8 symbols, a key 32, an id at most 64: anything longer is not ours


@dataclass(frozen=True)
class ClassLink:
    """What a page's address says about class mode."""

    room: str = ""  # the room code as written in the link ('' for none); rooms.normalize_code checks it
    teacher: str = ""  # the teacher key ('' for a student link)
    teach: bool = False  # start a new room (ignored when the link names a room)
    me: str = ""  # this browser's student id, kept in the address once joined

    @property
    def code(self) -> str | None:
        """The room code in its stored form, or None when the link names no valid code."""
        return normalize_code(self.room) if self.room else None


def _last(values) -> str:
    value = values[-1] if isinstance(values, list | tuple) and values else values
    text = value if isinstance(value, str) else ""
    return text.strip() if len(text) <= MAX_PARAM_CHARS else ""


def read(params: dict) -> ClassLink:
    """The class parameters of a query (name -> value or list of values, as ``session.query_dict`` gives)."""
    teach = _last(params.get(TEACH, "")).lower() in ("1", "true", "yes", "on")
    return ClassLink(_last(params.get(ROOM, "")), _last(params.get(TEACHER, "")), teach, _last(params.get(ME, "")))


def _followed(settings: Settings) -> dict[str, str]:
    """The link values of the settings a class follows: the teacher's link without present and hide."""
    return {name: value for name, value in to_query(settings).items() if name not in OWN_SETTINGS}


def lesson_query(settings: Settings) -> str:
    """The settings a class follows, as a query string (what the room keeps for its students)."""
    return urlencode(_followed(settings))


def student_query(code: str, settings: Settings) -> dict[str, str]:
    """The query of the student link: the settings the class follows, then the room. Never the teacher key."""
    return {**_followed(settings), ROOM: code}


def teacher_query(code: str, key: str) -> dict[str, str]:
    """The class parameters of the teacher's own address (the settings are added by ``session.sync_url``)."""
    return {ROOM: code, TEACHER: key}


def follow(lesson: str, own: Settings) -> tuple[Settings, list[str]]:
    """The settings a student takes from the room's ``lesson`` query (checked by ``from_query``, which explains
    every value it refused), keeping the student's own ``present`` and ``hide``."""
    params = parse_qs(lesson, keep_blank_values=True)
    for name in OWN_SETTINGS:
        params.pop(name, None)
    settings, notices = from_query(params)
    kept = {name: getattr(own, name) for name in OWN_SETTINGS}
    return replace(settings, **kept), notices


def differs(lesson: str, settings: Settings) -> bool:
    """Whether a student on ``settings`` must change something to follow ``lesson`` (compared after the checks,
    so a value the checks refuse cannot make a student follow again and again)."""
    return follow(lesson, settings)[0] != settings
