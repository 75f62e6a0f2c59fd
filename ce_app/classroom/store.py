"""Rooms, questions and answers behind one small interface, shared by every replica of the app.

Two implementations with the same behaviour (``tests/store`` runs one set of tests against both):

- :class:`~ce_app.classroom.sqlite_store.SQLiteStore`, the default: one SQLite file in WAL mode, safe for several
  processes on one machine (the replicas of ``deploy/local_cluster.sh``);
- :class:`~ce_app.classroom.redis_store.RedisStore` for replicas on several machines.

:func:`ce_app.classroom.backends.open_store` picks one from the environment:

    CE_STORE     unset or "" : SQLite in CE_DATA_DIR;  "redis://host:6379/0" : Redis;  "sqlite:///path/file.db"
    CE_DATA_DIR  the writable directory of the SQLite file (default: <temp dir>/cross-entropy-playground)

The store is deliberately dumb about meaning: it keeps records and does each change as one atomic operation
(checked and written together, so two replicas never both admit the 501st student or a second answer), and
``ce_app.classroom.rooms`` holds the rules and the messages. Times are seconds (``time.time()``) passed in by the
caller, so expiry can be tested without waiting. A room idle for ``ttl`` seconds (4 hours) is gone with everything
in it; closing a room deletes its students, questions and answers at once and leaves only a tombstone (code,
closed, time) so a late student is told the class ended. Nothing in a store names a person: students are random
per-browser ids.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

ROOM_TTL = 4 * 3600  # seconds: a room nobody has used for 4 hours is forgotten

# Results of the store's operations (``Classroom`` turns each into a message).
OK = "ok"
ALREADY = "already"  # joined before / answered before: nothing changed
UNKNOWN = "unknown"  # no such room (never made, or expired)
CLOSED = "closed"  # the room has ended
FULL = "full"  # the room has its maximum of students, or the store its maximum of rooms
EXISTS = "exists"  # a room with that code exists already (the caller draws another code)
NOT_JOINED = "not_joined"  # the student has not joined this room
NOT_OPEN = "not_open"  # that question is not the room's current question
REVEALED = "revealed"  # the question's answer has been revealed: answers are closed
STILL_OPEN = "still_open"  # a question is open: reveal it before asking another
BAD_CHOICE = "bad_choice"  # not one of the question's choices
TOO_MANY = "too_many"  # the room has its maximum of questions


@dataclass(frozen=True)
class Room:
    """One room as stored (a closed room keeps only code, closed, touched and version)."""

    code: str
    teacher_hash: str  # sha256 of the teacher key, hex; never the key itself
    lesson: str  # the teacher's link query (lesson and settings), for the students to follow
    created: float
    touched: float  # last change; the room expires ROOM_TTL after it
    closed: bool
    version: int  # bumped by every change a student must see (ask, reveal, close, new settings)
    students: int  # students who joined
    question: int  # number of the latest question, 0 before the first


@dataclass(frozen=True)
class QuestionRecord:
    """One question of a room. ``answer`` is the right choice id: the rules show it to students only once
    ``revealed`` is set."""

    number: int  # 1, 2, ... within the room
    payload: str  # JSON from the rules: kind, text, choice labels, the element that tells, the why sentence
    answer: str
    choices: tuple  # the valid choice ids
    opened: float
    revealed: float | None = None
    students: int = 0  # students in the room when it was revealed


@dataclass(frozen=True)
class Tally:
    """How a question's answers split: counts only, never who answered what."""

    counts: dict = field(default_factory=dict)  # choice id -> number of answers
    answered: int = 0
    students: int = 0  # students in the room now


class Store(ABC):
    """The operations a classroom needs; each is atomic across processes. ``now`` is seconds since the epoch."""

    ttl: float = ROOM_TTL

    @abstractmethod
    def create_room(self, code: str, teacher_hash: str, lesson: str, now: float, max_rooms: int) -> str:
        """Make an empty room: OK, EXISTS (code taken, even by a tombstone) or FULL (max_rooms open rooms)."""

    @abstractmethod
    def room(self, code: str, now: float) -> Room | None:
        """The room, or None when unknown or expired."""

    @abstractmethod
    def version(self, code: str, now: float) -> int | None:
        """The room's version in one small read (what a student's poll asks every second); None: no such room."""

    @abstractmethod
    def join(self, code: str, student: str, now: float, max_students: int) -> str:
        """Add a student: OK, ALREADY, UNKNOWN, CLOSED or FULL."""

    @abstractmethod
    def set_lesson(self, code: str, lesson: str, now: float) -> str:
        """Replace the settings students follow (bumps the version): OK, UNKNOWN or CLOSED."""

    @abstractmethod
    def open_question(self, code: str, payload: str, answer: str, choices: tuple, now: float,
                      max_questions: int) -> tuple[str, int]:  # fmt: skip
        """Open the next question: (OK, its number), or (UNKNOWN | CLOSED | STILL_OPEN | TOO_MANY, 0)."""

    @abstractmethod
    def question(self, code: str, number: int) -> QuestionRecord | None:
        """Question ``number`` of the room (None when there is none)."""

    @abstractmethod
    def answer(self, code: str, number: int, student: str, choice: str, now: float) -> str:
        """Record one student's answer: OK, or UNKNOWN, CLOSED, NOT_JOINED, NOT_OPEN, REVEALED, BAD_CHOICE, ALREADY
        (the first answer stays)."""

    @abstractmethod
    def my_answer(self, code: str, number: int, student: str) -> str | None:
        """The choice this student gave (None when none): for their own page only."""

    @abstractmethod
    def reveal(self, code: str, number: int, now: float) -> str:
        """Close question ``number`` to answers and make its answer public: OK, UNKNOWN, CLOSED, NOT_OPEN, REVEALED."""

    @abstractmethod
    def tally(self, code: str, number: int) -> Tally:
        """The split of question ``number``'s answers, and how many students the room has."""

    @abstractmethod
    def questions(self, code: str) -> list[tuple[QuestionRecord, dict]]:
        """Every question of the room in order, each with its counts per choice (the room's history)."""

    @abstractmethod
    def close(self, code: str, now: float) -> str:
        """End the room: delete its students, questions and answers, keep a tombstone. OK, UNKNOWN or CLOSED."""

    @abstractmethod
    def hit(self, key: str, window: float, now: float) -> int:
        """Count one event for ``key`` in the current window of ``window`` seconds; returns the count so far."""

    @abstractmethod
    def hits(self, key: str, window: float, now: float) -> int:
        """The count of ``key`` in the current window so far, counting nothing (0 when none)."""

    @abstractmethod
    def purge(self, now: float) -> int:
        """Delete every room (and tombstone) idle for ttl seconds and old counters; returns the rooms deleted."""

    def ping(self) -> None:  # noqa: B027 (a default that does nothing: only a remote store can be unreachable)
        """Raise when the store cannot be reached."""
