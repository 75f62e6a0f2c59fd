"""Class mode in a session: the teacher's room and questions, a student's place in a room, and what each may do.

The rules and the shared state are ``ce_app.classroom`` (no Streamlit); this module holds one session's side of
it in ``st.session_state[STATE]`` (a :class:`ClassState`) and changes it only through the functions below. Drawing
is ``class_view``'s job.

- A teacher starts a room (``start``: a button, or ``teach=1`` in a link) and keeps its code and teacher key in
  the session and in their own address (``class_links``). ``ask`` poses a question about the teacher's next
  steps, answered by ``ce_core.ask`` on the teacher's trainer (the lesson's due question, or a kind the teacher
  picks); ``reveal`` runs exactly those steps on the teacher's trainer (the stage shows them on its next
  drawing) and opens the answer to everyone; ``close`` ends the room and deletes it.
- A student joins from the link (``enter``), follows the room's settings (``class_links.follow``), learns of a
  new question by a light poll (``poll``: one small read a second, nothing more while the room's version is
  unchanged) and answers once (``answer``).

Every refusal of the rules, and a store that does not answer, ends as one sentence in ``ClassState.message`` and
changes nothing. The client address that rate limits count is ``st.context.ip_address``: Streamlit's server
(uvicorn) replaces the TCP peer by the last X-Forwarded-For address only when the peer is a trusted proxy,
``FORWARDED_ALLOW_IPS`` (default 127.0.0.1 and ::1: the local nginx of ``deploy/``), so a browser cannot choose
its own address; a local browser without a proxy has none, and is then counted by its student id.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

import ce_core
from ce_core.predict import POINT_KINDS, Question, Skip

from . import class_links, controls, lesson_questions, player, questions, session, state
from .classroom import rooms
from .classroom.backends import DB_FILE, data_dir, open_store
from .classroom.rooms import Classroom, Outcome, RoomView, Started
from .settings import nearest_lr
from .stage import idle_reason

STATE = "class_state"  # the session-state slot of this session's ClassState
LESSON = "lesson"  # ask(): the lesson's own question that is due now
TEACHER, STUDENT = "teacher", "student"
POLL_SECONDS = rooms.POLL_SECONDS  # a student's page reads the room's version at most this often
# The teacher's tally is read this often. The budget (every answer on the tally within 1 s of the last one, p95)
# cannot hold with a read once a second: the wait alone is then uniform on 0-1 s (bench.load --class).
TALLY_SECONDS = 0.5
NO_STORE = "Class mode is not available on this server: its store cannot be opened ({})."
STORE_DOWN = "The class store did not answer: try again in a moment."

_log = logging.getLogger(__name__)


def store_errors() -> tuple[type[BaseException], ...]:
    """What a store raises when it cannot answer: SQLite's and the OS's errors, and Redis's once the redis client is
    loaded (only a Redis store loads it: importing it costs a page's first load about 0.1 s)."""
    redis = sys.modules.get("redis")
    return (sqlite3.Error, OSError) if redis is None else (sqlite3.Error, OSError, redis.RedisError)


@dataclass(frozen=True)
class Pending:
    """The question the teacher's room has open, as this session asked it: what Reveal must run."""

    number: int  # its number in the room
    question: Question  # ce_core's answer, with the state it holds for (Question.holds_for)
    snapshot: ce_core.Snapshot  # the trainer when asked: Reveal goes back there if the stage moved since
    trainer_version: int  # the session's trainer then (a new trainer cannot go back)
    runs: int  # the stage's Resets of that trainer then (a Reset forgets the snapshot's history)
    lr: float | None = None  # the question is about steps at this learning rate (the lesson changes the slider)


@dataclass
class ClassState:
    """One session's place in class mode."""

    role: str = ""  # TEACHER, STUDENT or "" (not in a class)
    code: str = ""  # the room's code, stored form
    key: str = ""  # the teacher key (teachers only; also in their own address, never shown to students)
    me: str = ""  # this browser's student id (students only)
    view: RoomView | None = None  # the room as last read
    version: int = -1  # the room's version when ``view`` was read (students poll for a change)
    lesson: str = ""  # the settings last sent to the room (teacher) or taken from it (student)
    pending: Pending | None = None  # the teacher's open question
    asked: set = field(default_factory=set)  # keys of the lesson questions this teacher has asked
    message: tuple = ("", "")  # (kind: "error", "info" or "success", one sentence) for the class bar
    note: str = ""  # the teacher's last Reveal: what the stage ran
    show_code: bool = False  # the teacher shows the join code (QR) large
    offered: str = ""  # the key of the lesson question the teacher's picker offered last


# ---------------------------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------------------------
_CLASSROOMS: dict[tuple[str, str], Classroom] = {}  # one per store the environment names (tests change it)
_CLASSROOMS_LOCK = threading.Lock()


def classroom() -> Classroom | None:
    """The process's Classroom, or None (with the reason in the class bar) when its store cannot be opened.

    Looked up by the environment's two names without touching the disk: every student's poll asks for it."""
    names = (os.environ.get("CE_STORE", ""), os.environ.get("CE_DATA_DIR", ""))
    found = _CLASSROOMS.get(names)
    if found is not None:
        return found
    try:
        with _CLASSROOMS_LOCK:
            if names not in _CLASSROOMS:
                url = names[0] or f"sqlite:///{data_dir() / DB_FILE}"
                _CLASSROOMS[names] = Classroom(open_store(url))
            return _CLASSROOMS[names]
    except (ValueError, *store_errors()) as error:
        _log.warning("class store unavailable: %s", error)
        current().message = ("error", NO_STORE.format(type(error).__name__))
        return None


def _call(method, *args) -> object:
    """A Classroom operation, or a refusal when the store fails (logged; the user gets one sentence)."""
    try:
        return method(*args)
    except Exception as error:
        if not isinstance(error, store_errors()):
            raise
        _log.exception("class store error in %s", getattr(method, "__name__", method))
        return Outcome(False, "store", STORE_DOWN)


def client() -> str | None:
    """The browser's address for rate limits (see the module's docstring); None for a local browser or a test."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else None  # AppTest's context has no real address


# ---------------------------------------------------------------------------------------------------------------
# This session
# ---------------------------------------------------------------------------------------------------------------
def current() -> ClassState:
    ss = st.session_state
    if STATE not in ss:
        ss[STATE] = ClassState()
    return ss[STATE]


def _say(kind: str, text: str) -> None:
    current().message = (kind, text)


def _store_answers() -> None:
    """The store answered: a message that it did not is over."""
    if current().message[1] == STORE_DOWN:
        current().message = ("", "")


def _refused(outcome: Outcome) -> bool:
    """Whether ``outcome`` is a refusal (then its sentence is the class bar's message)."""
    if isinstance(outcome, Outcome) and not outcome.ok:
        _say("error", outcome.message)
        return True
    return False


GONE = (rooms.store.UNKNOWN, rooms.store.CLOSED, "bad_code")  # refusals after which the link is of no use


def _refused_for_good(outcome: Outcome) -> bool:
    """Like _refused; a room that is gone (or a code that cannot be one) also takes the class out of the address."""
    if not _refused(outcome):
        return False
    if outcome.status in GONE:
        _leave("error", outcome.message)
    return True


def _leave(kind: str = "", text: str = "") -> None:
    """Out of the class: the session forgets the room, the address loses the class parameters."""
    ss = st.session_state
    ss[STATE] = ClassState(message=(kind, text))
    for name in class_links.PARAMS:
        st.query_params.pop(name, None)


def enter() -> bool:
    """On a session's first run of the training page, take the class part of the link: be the teacher again, join
    as a student, or start a room for ``teach=1``. True when the page must run again in full (a student follows
    settings other than the link's)."""
    if STATE in st.session_state:
        return False
    link = class_links.read(session.class_params())
    current()
    if not link.room and not link.teach:
        return False
    st.query_params.pop(class_links.TEACH, None)  # done once; and a link that names a room never starts another
    room = classroom()
    if room is None:
        return False
    if not link.room:
        start()
        return False
    if link.teacher:
        view = _call(room.teacher_view, link.room, link.teacher)
        if isinstance(view, RoomView):
            state = current()
            state.role, state.code, state.key, state.view, state.lesson = (
                TEACHER,
                view.code,
                link.teacher,
                view,
                view.lesson,
            )
            return False
        if view.status != "teacher_only":
            _refused_for_good(view)
            return False
        st.query_params.pop(class_links.TEACHER, None)  # a key that is not the room's: this page is a student's
        rerun = _join(room, link)
        if current().role == STUDENT:
            _say("error", f"{view.message} This page joined the class as a student.")
        return rerun
    return _join(room, link)


def _join(room: Classroom, link: class_links.ClassLink) -> bool:
    """Join the room of ``link`` as a student (the id in the link, else a new one) and read it; True when the
    page must run again in full to follow the room's settings."""
    me = link.me if rooms.is_student_id(link.me) else rooms.new_student_id()
    if _refused_for_good(_call(room.join, link.room, me, client())):
        return False
    state = current()
    state.role, state.code, state.me = STUDENT, link.code, me
    st.query_params[class_links.ME] = me
    return _read_student_view(room)


def _read_student_view(room: Classroom, follow: bool = True) -> bool:
    """Read the room for this student; True when the page must run again in full: the class is over, or (with
    ``follow``) the room's settings changed and the page takes them at its next run."""
    state = current()
    view = _call(room.student_view, state.code, state.me)
    if isinstance(view, Outcome):
        if view.status == "store":
            _refused(view)
            return False
        _leave("info" if view.status == rooms.store.CLOSED else "error", view.message)
        return True
    state.view, state.version = view, view.version
    if view.lesson == state.lesson:
        return False
    if not follow:
        state.version = -1  # the settings changed: the next poll reads the room again and follows them
        return False
    state.lesson = view.lesson
    if not class_links.differs(view.lesson, st.session_state.settings):
        return False
    settings, notices = class_links.follow(view.lesson, st.session_state.settings)
    for notice in notices:
        session.notify(f"Class settings: {notice}")
    session.follow(settings)
    return True


# ---------------------------------------------------------------------------------------------------------------
# Teacher
# ---------------------------------------------------------------------------------------------------------------
def start() -> None:
    """Start a room following this page's settings; this session becomes its teacher."""
    room = classroom()
    if room is None:
        return
    lesson = class_links.lesson_query(st.session_state.settings)
    started = _call(room.start, lesson, client())
    if _refused(started):
        return
    assert isinstance(started, Started)
    ss = st.session_state
    ss[STATE] = ClassState(role=TEACHER, code=started.code, key=started.teacher_key, lesson=lesson, show_code=True)
    for name, value in class_links.teacher_query(started.code, started.teacher_key).items():
        st.query_params[name] = value
    refresh_teacher()


def refresh_teacher() -> RoomView | None:
    """Read the room for the teacher (the live tally); None when it has gone (the session leaves it)."""
    state, room = current(), classroom()
    if state.role != TEACHER or room is None:
        return None
    view = _call(room.teacher_view, state.code, state.key)
    if isinstance(view, Outcome):
        if view.status != "store":
            _leave("error", view.message)
        else:
            _refused(view)
        return None
    state.view = view
    _store_answers()
    return view


def push_settings() -> None:
    """Send the teacher's settings to the room when they changed (students follow them)."""
    state, room = current(), classroom()
    lesson = class_links.lesson_query(st.session_state.settings)
    if state.role != TEACHER or room is None or lesson == state.lesson:
        return
    if not _refused(_call(room.set_lesson, state.code, state.key, lesson)):
        state.lesson = lesson


def due_question() -> lesson_questions.LessonQuestion | None:
    """The lesson's question whose moment is now and that this teacher has not asked yet (None: none)."""
    ss = st.session_state
    if not ss.settings.lesson or idle_reason(ss.data):
        return None
    return lesson_questions.due(ss.settings.lesson, ss.trainer, _point(), current().asked)


def _point() -> ce_core.PointRef:
    data = st.session_state.data
    return questions.point_ref(data.X, data.y, data.train_idx, session.selected_point())


def _question(choice: str) -> tuple[Question | Skip | None, lesson_questions.LessonQuestion | None]:
    """The question ``choice`` (LESSON or a ce_core kind) about the trainer's next steps."""
    ss = st.session_state
    data, trainer = ss.data, ss.trainer
    if choice == LESSON:
        due = due_question()
        if due is None:
            return None, None
        return lesson_questions.ask(due, trainer, _point(), bounds=data.bounds), due
    params = {"bounds": data.bounds} if choice == "region_growth" else {}
    return ce_core.ask(trainer, choice, point=_point() if choice in POINT_KINDS else None, **params), None


def ask(choice: str) -> None:
    """Pose the question ``choice`` (LESSON or a ce_core kind) to the room; a Skip is explained and nothing is
    posed."""
    ss, state, room = st.session_state, current(), classroom()
    if state.role != TEACHER or room is None:
        return _say("error", rooms.MESSAGES["teacher_only"])
    state.note = ""
    if choice != LESSON and choice not in ce_core.QUESTION_KINDS:  # a picker that changed under the click
        return _say("error", "Pick the question to ask again.")
    if reason := idle_reason(ss.data):
        return _say("info", reason)
    player.stop_playing()  # the question is about the trainer as it is now, not about a playing stream
    question, due = _question(choice)
    if question is None:
        return _say("info", "This lesson has no question due now: pick one of the kinds.")
    if isinstance(question, Skip):
        return _say("info", f"Not asked: {questions.skip_reason(question)}")
    push_settings()  # the students' pages select the same point before the question names it
    lr = due.params.get("lr") if due is not None else None
    start = {"step": question.step, "steps": question.steps, "state": question.state, "lr": lr}
    posed = replace(rooms.pose(questions.word(question, ss.data.class_names)), start=start)
    outcome = _call(room.ask, state.code, state.key, posed)
    if _refused(outcome):
        return None
    state.pending = Pending(outcome.number, question, ss.trainer.snapshot(), ss.trainer_version,
                            player.current().runs, lr)  # fmt: skip
    if due is not None:
        state.asked.add(due.key)
    state.message = ("", "")
    refresh_teacher()
    return None


def _run_steps(trainer: ce_core.Trainer, steps: int, lr: float | None) -> int:
    """Run ``steps`` steps on the session's trainer, at the learning rate ``lr`` when a question is about that (the
    slider moves there first, as the lesson says), and show them on the stage; how many ran."""
    ss = st.session_state
    if lr is not None:
        ss.settings = replace(ss.settings, lr=nearest_lr(lr))
        controls.seed_widgets(ss.settings)  # a button's callback runs before the sidebar is drawn
        state.configure(trainer, ss.settings)
    ran = trainer.step(steps)
    state.configure(trainer, ss.settings)  # the settings in force now (a restore may have put back older ones)
    player.show_trainer()
    return ran


def _run_question_steps(pending: Pending) -> str:
    """Run on the teacher's trainer exactly the steps the question was about, from the state it was asked in;
    what happened, in a sentence for the teacher."""
    ss = st.session_state
    player.stop_playing()
    trainer, question = ss.trainer, pending.question
    if not question.holds_for(trainer):
        same_run = pending.trainer_version == ss.trainer_version and pending.runs == player.current().runs
        if not same_run:
            return ("The stage was reset or started again since the question was asked, so it cannot show those "
                    "steps; the answer comes from the look-ahead made at Ask.")  # fmt: skip
        trainer.restore(pending.snapshot)  # back to the step the question was asked at (its settings too)
    before = trainer.step_count
    ran = _run_steps(trainer, question.steps, pending.lr)
    shown = "1 step" if ran == 1 else f"{ran:,} steps"
    return f"The stage ran the {shown} the question was about: step {before:,} to {trainer.step_count:,}."


def reveal() -> None:
    """Run the question's steps on the teacher's stage, then show everyone the answer and the split."""
    state, room = current(), classroom()
    if state.role != TEACHER or room is None:
        return _say("error", rooms.MESSAGES["teacher_only"])
    outcome = _call(room.reveal, state.code, state.key)
    if _refused(outcome):
        return None
    pending = state.pending
    state.pending = None
    state.note = _run_question_steps(pending) if pending is not None else (
        "This page did not ask that question (it was reloaded), so the stage does not run its steps.")  # fmt: skip
    state.message = ("", "")
    refresh_teacher()
    return None


def close() -> None:
    """End the class: the room and everything in it are deleted now."""
    state, room = current(), classroom()
    if state.role != TEACHER or room is None:
        return _say("error", rooms.MESSAGES["teacher_only"])
    if not _refused(_call(room.close, state.code, state.key)):
        _leave("success", "The class has ended: its students, questions and answers are deleted.")
    return None


def keep_address() -> None:
    """Put the class back into the page's address if it lost it (another page of the app has none): a reload, or a
    reconnect to another replica, must find the room there."""
    state = current()
    wanted = {TEACHER: {class_links.ROOM: state.code, class_links.TEACHER: state.key},
              STUDENT: {class_links.ROOM: state.code, class_links.ME: state.me}}.get(state.role, {})  # fmt: skip
    for name, value in wanted.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


def history_csv(room: Classroom | None, code: str, key: str) -> bytes:
    """The room's history as CSV (the header only, if the room cannot be read)."""
    data = _call(room.history_csv, code, key) if room is not None else None
    return data if isinstance(data, bytes) else b"question,kind,text,choices,right_answer,split,answered\n"


def student_link(settings) -> str:
    """The link students open: the class's settings and the room code. Never the teacher key."""
    address = urlsplit(st.context.url or "http://localhost:8501/")
    query = urlencode(class_links.student_query(current().code, settings))
    return urlunsplit((address.scheme, address.netloc, address.path or "/", query, ""))


# ---------------------------------------------------------------------------------------------------------------
# Student
# ---------------------------------------------------------------------------------------------------------------
def poll() -> bool:
    """A student's light poll: read the room's version (one small read); only when it changed, read the room.
    True when the whole page must be drawn again (new settings to follow, or the class is over)."""
    state, room = current(), classroom()
    if state.role != STUDENT or room is None:
        return False
    version = _call(room.version, state.code)
    if isinstance(version, Outcome):
        _refused(version)  # the store did not answer: say so, and try again at the next poll
        return False
    _store_answers()
    if version is None:
        _leave("info", rooms.MESSAGES[rooms.store.UNKNOWN])
        return True
    if version == state.version:
        return False
    return _read_student_view(room)


def answer(number: int, choice: str) -> None:
    """This student's answer to question ``number`` (the first one counts)."""
    state, room = current(), classroom()
    if state.role != STUDENT or room is None:
        return
    if _refused(_call(room.answer, state.code, state.me, number, choice)):
        return
    state.message = ("", "")
    _read_student_view(room, follow=False)  # a callback cannot rerun the page: new settings wait for the poll


# Steps a student's stage may run to reach the teacher's: 0.3 s of CPU for the spiral lesson, so a whole class pressing
# at once keeps its replicas busy for seconds, not minutes (README, The classroom store).
MAX_CATCH_UP = 1000


def catch_up() -> None:
    """Bring this student's stage to the teacher's after a Reveal: from step 0 of the same settings to the step the
    question was asked at, then the question's steps. Training is deterministic, so this lands exactly on the
    teacher's state, unless the teacher's run was not one run of these settings (a setting changed on the way, or
    points of their own): the state's fingerprint at the asked step tells, and then nothing more is run."""
    ss, state = st.session_state, current()
    question = state.view.question if state.role == STUDENT and state.view is not None else None
    start = question.start if question is not None and question.revealed else {}
    if not start or idle_reason(ss.data):
        return _say("info", "There is nothing to follow on your stage.")
    trainer, target = ss.trainer, int(start["step"])
    if target > MAX_CATCH_UP:
        return _say("info", f"The teacher's stage was {target:,} steps in: too far for yours to follow.")
    player.stop_playing()
    trainer.reset()
    trainer.step(target)
    if ce_core.predict.state_digest(trainer) != start["state"]:
        player.show_trainer()
        _say("info", f"Your stage is at step {trainer.step_count:,}, but not in the teacher's state there (the teacher "
                     "changed a setting on the way, or trains on points of their own).")  # fmt: skip
    else:
        _run_steps(trainer, int(start["steps"]), start.get("lr"))
        _say("success", f"Your stage ran the same steps: it is at step {trainer.step_count:,}, as the teacher's.")
    st.rerun()  # the button is in the room bar's fragment: the whole page, stage and sidebar, shows the new state
