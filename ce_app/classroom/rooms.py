"""The rules of a class poll: who may do what, with a clear message for everything refused. No Streamlit here.

A teacher starts a room and gets its code (for the students' link and the projector) and a teacher key that only
the teacher's own link holds. Students join with the code and a random per-browser id: no names, no accounts.
The teacher asks one question at a time; each student answers it once; the teacher sees the split (counts only,
never who answered what) and reveals the answer; the room keeps a short history the teacher can download.

Codes: CODE_LENGTH = 8 symbols from a 30-symbol alphabet without look-alikes (0/O, 1/I/L, U/V), shown as two
groups of four ("K7MQ-4PXZ"): 30^8 = 6.6e11 codes (about 2^39). At most MAX_ROOMS = 200 rooms are open, so a
random guess hits one with probability 3e-10, and joining is rate-limited to JOIN_LIMIT = 10 failed attempts (an
unknown or closed code) a minute per client: one client guessing for a room's whole 4 hours (2,400 guesses) finds
any room with probability 7e-7, and even 1,000 clients together 7e-4. Only failures count, so a whole class behind
one address (a school's NAT, seen by a server in the cloud) joins at once. The teacher key is secrets.token_urlsafe(24) (192 random bits); the
store keeps only its SHA-256.

Every operation returns an :class:`Outcome`: ``ok``, a machine-readable ``status`` and one sentence for the
user. A refused operation changes nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import hmac
import io
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..dataset_csv import escape_label
from . import store
from .store import QuestionRecord, Room, Store, Tally

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 symbols: no 0/O, 1/I/L, U (reads as V)
CODE_LENGTH = 8
MAX_ROOMS = 200  # open rooms per store (all replicas together)
MAX_STUDENTS = 500  # students per room
MAX_QUESTIONS = 100  # questions per room: a lesson's worth, and a history that stays short
JOIN_LIMIT = 10  # failed join attempts (unknown or closed code) per client per JOIN_WINDOW
JOIN_WINDOW = 60.0  # seconds
START_LIMIT = 5  # rooms one client may start per START_WINDOW: a teacher needs one, a flood would fill the store
START_WINDOW = 600.0  # seconds
POLL_SECONDS = 1.0  # a student's page reads the room's version at most this often
MAX_LESSON_CHARS = 2000  # the teacher's link query
MAX_PAYLOAD_CHARS = 8000  # a question's text, choices and why
_STUDENT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_CODE_TEXT = re.compile(rf"[{ALPHABET}]{{{CODE_LENGTH}}}")
_CREATE_TRIES = 5  # codes drawn before giving up on a (practically impossible) run of collisions

MESSAGES = {
    store.UNKNOWN: "No class has this code (or it ended more than 4 hours ago): check the code on the projector.",
    store.CLOSED: "This class has ended.",
    store.NOT_JOINED: "Join the class first.",
    store.NOT_OPEN: "That question is no longer open.",
    store.REVEALED: "The answer has been revealed: answers are closed.",
    store.ALREADY: "You have already answered: your first answer counts.",
    store.STILL_OPEN: "Reveal the open question before asking the next one.",
    store.BAD_CHOICE: "That is not one of the choices.",
    store.TOO_MANY: f"This class has asked {MAX_QUESTIONS} questions, its limit: start a new class.",
    "room_full": f"This class is full ({MAX_STUDENTS} students).",
    "rooms_full": f"The server has {MAX_ROOMS} classes open, its limit: try again later.",
    "bad_code": f"A class code is {CODE_LENGTH} letters and digits, like K7MQ-4PXZ.",
    "bad_student": "This browser's id is not valid: reload the page.",
    "rate_limited": "Too many attempts to join: wait a minute, then try again.",
    "start_limited": "Too many classes started from here: wait a few minutes, then try again.",
    "teacher_only": "Only the teacher's own link can do this.",
    "no_question": "There is no question to reveal.",
    "too_long": "That is too long to share with the class.",
    "collision": "Could not draw a free class code: try again.",
}


@dataclass(frozen=True)
class Outcome:
    """What became of an operation: ok or not, why (a status id), and one sentence to show."""

    ok: bool
    status: str
    message: str = ""
    number: int = 0  # the question's number, for ask


@dataclass(frozen=True)
class Started:
    """A new room: its code, and the teacher key to put in the teacher's link only."""

    code: str
    teacher_key: str


@dataclass(frozen=True)
class Posed:
    """A question as the teacher's page poses it: what students see, and the answer they do not see yet."""

    kind: str  # ce_core.predict kind
    text: str
    choices: tuple  # ((choice id, label), ...)
    answer: str  # the right choice id
    why: str = ""  # shown at the reveal
    element: dict = field(default_factory=dict)  # the element that tells, for the reveal's highlight
    start: dict = field(default_factory=dict)  # where the steps start (step, steps, state digest, lr), for a
    #                                            student's stage to follow the teacher's after the reveal


@dataclass(frozen=True)
class QuestionView:
    """A question as a page shows it. ``answer`` and ``why`` are empty until the reveal (for the teacher: always
    filled); ``split`` is empty for students until then."""

    number: int
    kind: str
    text: str
    choices: tuple
    revealed: bool
    answer: str = ""
    why: str = ""
    element: dict = field(default_factory=dict)
    start: dict = field(default_factory=dict)  # Posed.start, once revealed
    split: dict = field(default_factory=dict)  # choice id -> count
    answered: int = 0
    students: int = 0
    mine: str | None = None  # this student's answer


@dataclass(frozen=True)
class RoomView:
    """A room as a page shows it; ``question`` is the latest one (None before the first)."""

    code: str
    lesson: str
    version: int
    closed: bool
    students: int
    question: QuestionView | None = None


def pose(worded) -> Posed:
    """A worded prediction question (``ce_app.questions.Worded``) as the teacher's Ask poses it to the room."""
    return Posed(worded.kind, worded.text, tuple(worded.choices), worded.answer, worded.why,
                 dataclasses.asdict(worded.element))  # fmt: skip


def new_student_id() -> str:
    """A random id for one browser: 128 bits, URL-safe, not derived from anything about the person."""
    return secrets.token_urlsafe(16)


def is_student_id(text) -> bool:
    """Whether ``text`` can be a browser's id (as new_student_id makes them): a page reads it back from its link."""
    return isinstance(text, str) and _STUDENT_ID.fullmatch(text) is not None


def normalize_code(text: str) -> str | None:
    """A typed code as stored: upper case, without spaces and dashes; None when it cannot be a code."""
    code = re.sub(r"[\s-]", "", str(text)[:40]).upper()
    return code if _CODE_TEXT.fullmatch(code) else None


def display_code(code: str) -> str:
    """The code as the projector shows it: two groups of four (K7MQ-4PXZ)."""
    return f"{code[:4]}-{code[4:]}"


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Classroom:
    """The rules over a :class:`Store`. ``clock`` gives seconds since the epoch (a test passes its own)."""

    def __init__(self, backend: Store, *, clock: Callable[[], float] = time.time, max_rooms: int = MAX_ROOMS,
                 max_students: int = MAX_STUDENTS, max_questions: int = MAX_QUESTIONS,
                 join_limit: int = JOIN_LIMIT):  # fmt: skip
        self.store, self.clock = backend, clock
        self.max_rooms, self.max_students, self.max_questions = max_rooms, max_students, max_questions
        self.join_limit = join_limit

    # -----------------------------------------------------------------------------------------------------------
    def _refuse(self, status: str) -> Outcome:
        return Outcome(False, status, MESSAGES.get(status, status))

    def _result(self, status: str, ok_statuses=(store.OK,)) -> Outcome:
        return Outcome(True, status) if status in ok_statuses else self._refuse(status)

    def _teacher_room(self, code, key) -> tuple[str | None, Room | None, Outcome | None]:
        """The room if ``key`` is its teacher key; else the refusal (a wrong key is told nothing about the room)."""
        code = normalize_code(code)
        if code is None:
            return None, None, self._refuse("bad_code")
        room = self.store.room(code, self.clock())
        if room is None:
            return code, None, self._refuse(store.UNKNOWN)
        if room.closed:
            return code, room, self._refuse(store.CLOSED)
        if not isinstance(key, str) or not hmac.compare_digest(_hash_key(key), room.teacher_hash):
            return code, room, self._refuse("teacher_only")
        return code, room, None

    # -----------------------------------------------------------------------------------------------------------
    # Teacher
    # -----------------------------------------------------------------------------------------------------------
    def start(self, lesson: str = "", client: str | None = None) -> Started | Outcome:
        """Open a room following ``lesson`` (the teacher's link query); the Started code and teacher key, or why not.

        ``client`` (the request's address) is rate-limited to START_LIMIT rooms per START_WINDOW, so nobody fills
        the store's MAX_ROOMS; the page should always pass it (None: no limit, for tests and tools)."""
        if len(lesson) > MAX_LESSON_CHARS:
            return self._refuse("too_long")
        if client is not None:
            started = self.store.hit("start:" + _hash_key(client)[:32], START_WINDOW, self.clock())
            if started > START_LIMIT:
                return self._refuse("start_limited")
        key = secrets.token_urlsafe(24)
        for _ in range(_CREATE_TRIES):
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            status = self.store.create_room(code, _hash_key(key), lesson, self.clock(), self.max_rooms)
            if status == store.OK:
                return Started(code, key)
            if status == store.FULL:
                return self._refuse("rooms_full")
        return self._refuse("collision")

    def set_lesson(self, code, key, lesson: str) -> Outcome:
        """Make the students follow new settings (the teacher changed the lesson or a setting)."""
        code, _, refused = self._teacher_room(code, key)
        if refused:
            return refused
        if len(lesson) > MAX_LESSON_CHARS:
            return self._refuse("too_long")
        return self._result(self.store.set_lesson(code, lesson, self.clock()))

    def ask(self, code, key, posed: Posed) -> Outcome:
        """Open ``posed`` to the room's students (one question open at a time)."""
        code, _, refused = self._teacher_room(code, key)
        if refused:
            return refused
        choice_ids = tuple(str(choice) for choice, _ in posed.choices)
        if posed.answer not in choice_ids or len(set(choice_ids)) != len(choice_ids):
            raise ValueError(f"the answer {posed.answer!r} must be one of the distinct choices {choice_ids}")
        payload = json.dumps({"kind": posed.kind, "text": posed.text, "choices": [list(c) for c in posed.choices],
                              "why": posed.why, "element": posed.element, "start": posed.start},
                             ensure_ascii=False)  # fmt: skip
        if len(payload) > MAX_PAYLOAD_CHARS:
            return self._refuse("too_long")
        status, number = self.store.open_question(code, payload, posed.answer, choice_ids, self.clock(),
                                                  self.max_questions)  # fmt: skip
        outcome = self._result(status)
        return Outcome(True, status, number=number) if outcome.ok else outcome

    def reveal(self, code, key) -> Outcome:
        """Close the open question to answers and show everyone its answer and the split."""
        code, room, refused = self._teacher_room(code, key)
        if refused:
            return refused
        if room.question == 0:
            return self._refuse("no_question")
        return self._result(self.store.reveal(code, room.question, self.clock()))

    def close(self, code, key) -> Outcome:
        """End the class: its students, questions and answers are deleted now."""
        code, _, refused = self._teacher_room(code, key)
        if refused:
            return refused
        return self._result(self.store.close(code, self.clock()))

    def teacher_view(self, code, key) -> RoomView | Outcome:
        """The room for the teacher: the latest question with its answer and the live tally."""
        code, room, refused = self._teacher_room(code, key)
        if refused:
            return refused
        return self._view(room, teacher=True)

    def history(self, code, key) -> list[QuestionView] | Outcome:
        """Every question of the room so far, with its answer and split (for the teacher)."""
        code, _, refused = self._teacher_room(code, key)
        if refused:
            return refused
        return [_question_view(record, counts, teacher=True) for record, counts in self.store.questions(code)]

    def history_csv(self, code, key) -> bytes | Outcome:
        """The room's history as UTF-8 CSV: number, kind, question, choices, right answer, the split as
        "label: count" pairs, answered, students, share right. Cells a spreadsheet would run as a formula
        start with "'"."""
        views = self.history(code, key)
        if isinstance(views, Outcome):
            return views
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["question", "kind", "text", "choices", "right_answer", "split", "answered", "students",
                         "share_right"])  # fmt: skip
        for view in views:
            labels = dict(view.choices)
            split = "; ".join(f"{labels[c]}: {view.split.get(c, 0)}" for c, _ in view.choices)
            right = view.split.get(view.answer, 0)
            share = f"{right / view.answered:.3f}" if view.answered else ""
            writer.writerow([view.number, view.kind, escape_label(view.text),
                             escape_label(" | ".join(labels.values())), escape_label(labels.get(view.answer, "")),
                             escape_label(split), view.answered, view.students, share])  # fmt: skip
        return out.getvalue().encode("utf-8")

    # -----------------------------------------------------------------------------------------------------------
    # Students
    # -----------------------------------------------------------------------------------------------------------
    def join(self, code, student: str, client: str | None = None) -> Outcome:
        """Join room ``code`` as ``student`` (a browser's id). ``client`` names who is rate-limited: the address
        the request came from when the page knows it, else the browser id."""
        if not is_student_id(student):
            return self._refuse("bad_student")
        # Counted under a hash: the store never holds an address, nor a browser id outside its room.
        guesses = "join:" + _hash_key(client or student)[:32]
        if self.store.hits(guesses, JOIN_WINDOW, self.clock()) >= self.join_limit:
            return self._refuse("rate_limited")  # before looking the code up: a blocked client learns nothing
        code = normalize_code(code)
        if code is None:
            return self._refuse("bad_code")
        status = self.store.join(code, student, self.clock(), self.max_students)
        if status in (store.UNKNOWN, store.CLOSED):  # a wrong guess: only these count
            self.store.hit(guesses, JOIN_WINDOW, self.clock())
        if status == store.FULL:
            return self._refuse("room_full")
        return self._result(status, (store.OK, store.ALREADY))

    def answer(self, code, student: str, number: int, choice: str) -> Outcome:
        """Record this student's answer to question ``number`` (once; the first answer counts)."""
        code = normalize_code(code)
        if code is None:
            return self._refuse("bad_code")
        if not is_student_id(student):
            return self._refuse("bad_student")
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= self.max_questions:
            return self._refuse(store.NOT_OPEN)
        if not isinstance(choice, str):
            return self._refuse(store.BAD_CHOICE)
        return self._result(self.store.answer(code, number, student, choice[:40], self.clock()))

    def version(self, code) -> int | None:
        """The room's version (one small read), or None: a student's page polls this, at most every POLL_SECONDS,
        and reads ``student_view`` only when it changes."""
        code = normalize_code(code)
        return None if code is None else self.store.version(code, self.clock())

    def student_view(self, code, student: str) -> RoomView | Outcome:
        """The room for one student: the latest question without its answer until the reveal, and their answer."""
        code = normalize_code(code)
        if code is None:
            return self._refuse("bad_code")
        room = self.store.room(code, self.clock())
        if room is None:
            return self._refuse(store.UNKNOWN)
        if room.closed:
            return self._refuse(store.CLOSED)
        return self._view(room, teacher=False, student=student)

    def _view(self, room: Room, teacher: bool, student: str | None = None) -> RoomView:
        question = None
        if room.question:
            record = self.store.question(room.code, room.question)
            show_split = teacher or record.revealed is not None
            tally = self.store.tally(room.code, room.question) if show_split else Tally(students=room.students)
            mine = self.store.my_answer(room.code, room.question, student) if student else None
            question = _question_view(record, tally.counts, teacher=teacher, mine=mine, tally=tally)
        return RoomView(room.code, room.lesson, room.version, room.closed, room.students, question)


def _question_view(record: QuestionRecord, counts: dict, *, teacher: bool, mine: str | None = None,
                   tally: Tally | None = None) -> QuestionView:  # fmt: skip
    payload = json.loads(record.payload)
    revealed = record.revealed is not None
    show = teacher or revealed
    students = tally.students if tally is not None and not revealed else record.students
    return QuestionView(
        number=record.number, kind=payload["kind"], text=payload["text"],
        choices=tuple(tuple(choice) for choice in payload["choices"]), revealed=revealed,
        answer=record.answer if show else "", why=payload["why"] if show else "",
        element=payload["element"] if show else {}, start=payload.get("start", {}) if show else {},
        split=dict(counts) if show else {},
        answered=sum(counts.values()) if show else 0, students=students, mine=mine,
    )  # fmt: skip
