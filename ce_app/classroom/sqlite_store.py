"""The classroom store in one SQLite file (WAL mode): the default, shared by the replicas on one machine.

Every change runs in one ``BEGIN IMMEDIATE`` transaction, which takes the file's write lock before reading, so a
check and its write are one step for every process (two replicas cannot both admit the 501st student). WAL lets
readers (the students' polls) go on while one process writes. One connection per store object, used under a lock
(Streamlit runs each session in its own thread; an operation takes well under a millisecond).
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from . import store
from .store import QuestionRecord, Room, Store, Tally

PURGE_EVERY = 60.0  # seconds between sweeps for expired rooms, made by whichever operation comes first

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY, teacher TEXT NOT NULL, lesson TEXT NOT NULL, created REAL NOT NULL,
    touched REAL NOT NULL, closed INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1,
    students INTEGER NOT NULL DEFAULT 0, question INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rooms_touched ON rooms (touched);
CREATE TABLE IF NOT EXISTS students (
    code TEXT NOT NULL, student TEXT NOT NULL, PRIMARY KEY (code, student)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS questions (
    code TEXT NOT NULL, number INTEGER NOT NULL, payload TEXT NOT NULL, answer TEXT NOT NULL,
    choices TEXT NOT NULL, opened REAL NOT NULL, revealed REAL, students INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (code, number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS answers (
    code TEXT NOT NULL, number INTEGER NOT NULL, student TEXT NOT NULL, choice TEXT NOT NULL,
    PRIMARY KEY (code, number, student)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hits (
    key TEXT PRIMARY KEY, window INTEGER NOT NULL, count INTEGER NOT NULL, until REAL NOT NULL
) WITHOUT ROWID;
"""
_CHOICE_SEPARATOR = "\x1f"  # the unit separator: never in a choice id


class SQLiteStore(Store):
    """Rooms in the SQLite file at ``path`` (created with its directory when missing)."""

    def __init__(self, path: Path | str, ttl: float = store.ROOM_TTL):
        self.path = Path(path)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.ttl = ttl
        self._lock = threading.Lock()
        # isolation_level=None: no implicit transactions; every change says BEGIN IMMEDIATE itself.
        self._db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: never corrupt; a power cut may lose the last
        self._db.executescript(_SCHEMA)
        self._last_purge = 0.0

    def close_connection(self) -> None:
        with self._lock:
            self._db.close()

    # -----------------------------------------------------------------------------------------------------------
    @contextmanager
    def _write(self, now: float | None = None):
        """One write transaction holding the file's lock from its first read; rolled back on any error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if now is not None and now - self._last_purge >= PURGE_EVERY:
                    self._purge(now)
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, args: tuple = ()) -> list:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _live(self, db, code: str, now: float):
        """(closed, students, question) of a room that exists and has not expired, else None."""
        row = db.execute("SELECT closed, students, question, touched FROM rooms WHERE code = ?", (code,)).fetchone()
        if row is None or row[3] < now - self.ttl:
            return None
        return row[:3]

    def _touch(self, db, code: str, now: float, bump: bool = False) -> None:
        db.execute("UPDATE rooms SET touched = ?, version = version + ? WHERE code = ?", (now, int(bump), code))

    def _purge(self, now: float) -> int:
        cutoff = now - self.ttl
        codes = [row[0] for row in self._db.execute("SELECT code FROM rooms WHERE touched < ?", (cutoff,))]
        for code in codes:
            self._delete_contents(code)
        self._db.execute("DELETE FROM rooms WHERE touched < ?", (cutoff,))
        self._db.execute("DELETE FROM hits WHERE until < ?", (now,))
        self._last_purge = now
        return len(codes)

    def _delete_contents(self, code: str) -> None:
        for table in ("students", "questions", "answers"):
            self._db.execute(f"DELETE FROM {table} WHERE code = ?", (code,))  # table: one of three fixed names

    # -----------------------------------------------------------------------------------------------------------
    def create_room(self, code, teacher_hash, lesson, now, max_rooms):
        with self._write(now) as db:
            row = db.execute("SELECT touched FROM rooms WHERE code = ?", (code,)).fetchone()
            if row is not None and row[0] >= now - self.ttl:
                return store.EXISTS
            live = db.execute("SELECT COUNT(*) FROM rooms WHERE closed = 0 AND touched >= ?", (now - self.ttl,))
            if live.fetchone()[0] >= max_rooms:
                return store.FULL
            if row is not None:  # an expired room not swept yet
                self._delete_contents(code)
                db.execute("DELETE FROM rooms WHERE code = ?", (code,))
            db.execute("INSERT INTO rooms (code, teacher, lesson, created, touched) VALUES (?, ?, ?, ?, ?)",
                       (code, teacher_hash, lesson, now, now))  # fmt: skip
            return store.OK

    def room(self, code, now):
        rows = self._read("SELECT code, teacher, lesson, created, touched, closed, version, students, question "
                          "FROM rooms WHERE code = ?", (code,))  # fmt: skip
        if not rows or rows[0][4] < now - self.ttl:
            return None
        code, teacher, lesson, created, touched, closed, version, students, question = rows[0]
        return Room(code, teacher, lesson, created, touched, bool(closed), version, students, question)

    def version(self, code, now):
        rows = self._read("SELECT version, touched FROM rooms WHERE code = ?", (code,))
        return rows[0][0] if rows and rows[0][1] >= now - self.ttl else None

    def join(self, code, student, now, max_students):
        with self._write(now) as db:
            live = self._live(db, code, now)
            if live is None:
                return store.UNKNOWN
            closed, students, _ = live
            if closed:
                return store.CLOSED
            if db.execute("SELECT 1 FROM students WHERE code = ? AND student = ?", (code, student)).fetchone():
                self._touch(db, code, now)
                return store.ALREADY
            if students >= max_students:
                return store.FULL
            db.execute("INSERT INTO students (code, student) VALUES (?, ?)", (code, student))
            db.execute("UPDATE rooms SET students = students + 1, touched = ? WHERE code = ?", (now, code))
            return store.OK

    def set_lesson(self, code, lesson, now):
        with self._write(now) as db:
            live = self._live(db, code, now)
            if live is None or live[0]:
                return store.UNKNOWN if live is None else store.CLOSED
            db.execute("UPDATE rooms SET lesson = ? WHERE code = ?", (lesson, code))
            self._touch(db, code, now, bump=True)
            return store.OK

    def open_question(self, code, payload, answer, choices, now, max_questions):
        with self._write(now) as db:
            live = self._live(db, code, now)
            if live is None or live[0]:
                return (store.UNKNOWN if live is None else store.CLOSED), 0
            number = live[2]
            if number:
                (revealed,) = db.execute("SELECT revealed FROM questions WHERE code = ? AND number = ?",
                                         (code, number)).fetchone()  # fmt: skip
                if revealed is None:
                    return store.STILL_OPEN, 0
            if number >= max_questions:
                return store.TOO_MANY, 0
            number += 1
            row = (code, number, payload, answer, _CHOICE_SEPARATOR.join(choices), now)
            db.execute("INSERT INTO questions (code, number, payload, answer, choices, opened) VALUES "
                       "(?, ?, ?, ?, ?, ?)", row)  # fmt: skip
            db.execute("UPDATE rooms SET question = ? WHERE code = ?", (number, code))
            self._touch(db, code, now, bump=True)
            return store.OK, number

    def question(self, code, number):
        rows = self._read("SELECT number, payload, answer, choices, opened, revealed, students FROM questions "
                          "WHERE code = ? AND number = ?", (code, number))  # fmt: skip
        return _record(rows[0]) if rows else None

    def answer(self, code, number, student, choice, now):
        with self._write(now) as db:
            live = self._live(db, code, now)
            if live is None or live[0]:
                return store.UNKNOWN if live is None else store.CLOSED
            if not db.execute("SELECT 1 FROM students WHERE code = ? AND student = ?", (code, student)).fetchone():
                return store.NOT_JOINED
            if number != live[2] or number < 1:
                return store.NOT_OPEN
            revealed, choices = db.execute("SELECT revealed, choices FROM questions WHERE code = ? AND number = ?",
                                           (code, number)).fetchone()  # fmt: skip
            if revealed is not None:
                return store.REVEALED
            if choice not in choices.split(_CHOICE_SEPARATOR):
                return store.BAD_CHOICE
            inserted = db.execute("INSERT INTO answers (code, number, student, choice) VALUES (?, ?, ?, ?) "
                                  "ON CONFLICT DO NOTHING", (code, number, student, choice)).rowcount  # fmt: skip
            if not inserted:
                return store.ALREADY
            self._touch(db, code, now)
            return store.OK

    def my_answer(self, code, number, student):
        rows = self._read("SELECT choice FROM answers WHERE code = ? AND number = ? AND student = ?",
                          (code, number, student))  # fmt: skip
        return rows[0][0] if rows else None

    def reveal(self, code, number, now):
        with self._write(now) as db:
            live = self._live(db, code, now)
            if live is None or live[0]:
                return store.UNKNOWN if live is None else store.CLOSED
            if number != live[2] or number < 1:
                return store.NOT_OPEN
            changed = db.execute("UPDATE questions SET revealed = ?, students = ? WHERE code = ? AND number = ? "
                                 "AND revealed IS NULL", (now, live[1], code, number)).rowcount  # fmt: skip
            if not changed:
                return store.REVEALED
            self._touch(db, code, now, bump=True)
            return store.OK

    def tally(self, code, number):
        with self._lock:
            counts = dict(self._db.execute("SELECT choice, COUNT(*) FROM answers WHERE code = ? AND number = ? "
                                           "GROUP BY choice", (code, number)).fetchall())  # fmt: skip
            row = self._db.execute("SELECT students FROM rooms WHERE code = ?", (code,)).fetchone()
        return Tally(counts, sum(counts.values()), row[0] if row else 0)

    def questions(self, code):
        with self._lock:
            rows = self._db.execute("SELECT number, payload, answer, choices, opened, revealed, students FROM "
                                    "questions WHERE code = ? ORDER BY number", (code,)).fetchall()  # fmt: skip
            splits = {}
            for number, choice, count in self._db.execute(
                "SELECT number, choice, COUNT(*) FROM answers WHERE code = ? GROUP BY number, choice", (code,)
            ):
                splits.setdefault(number, {})[choice] = count
        return [(_record(row), splits.get(row[0], {})) for row in rows]

    def close(self, code, now):
        with self._write(now) as db:
            live = self._live(db, code, now)
            if live is None or live[0]:
                return store.UNKNOWN if live is None else store.CLOSED
            self._delete_contents(code)
            db.execute("UPDATE rooms SET closed = 1, teacher = '', lesson = '', students = 0, question = 0 "
                       "WHERE code = ?", (code,))  # fmt: skip
            self._touch(db, code, now, bump=True)
            return store.OK

    def hit(self, key, window, now):
        slot = int(now // window)
        with self._write() as db:
            (count,) = db.execute(
                "INSERT INTO hits (key, window, count, until) VALUES (?, ?, 1, ?) ON CONFLICT (key) DO UPDATE SET "
                "count = CASE WHEN window = excluded.window THEN count + 1 ELSE 1 END, window = excluded.window, "
                "until = excluded.until RETURNING count", (f"{key}/{window:g}", slot, (slot + 1) * window),
            ).fetchone()  # fmt: skip
            return count

    def hits(self, key, window, now):
        rows = self._read(
            "SELECT count FROM hits WHERE key = ? AND window = ?", (f"{key}/{window:g}", int(now // window))
        )
        return rows[0][0] if rows else 0

    def purge(self, now):
        with self._write() as db:
            del db
            return self._purge(now)


def _record(row) -> QuestionRecord:
    number, payload, answer, choices, opened, revealed, students = row
    return QuestionRecord(number, payload, answer, tuple(choices.split(_CHOICE_SEPARATOR)), opened, revealed,
                          students)  # fmt: skip
