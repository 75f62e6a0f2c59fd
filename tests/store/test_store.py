"""The class poll's rules on both real stores (SQLite file, Redis server), with the same tests for each."""

from __future__ import annotations

import csv
import hashlib
import io
import multiprocessing
import os
import sqlite3

import pytest

from ce_app.classroom import backends, rooms, store
from ce_app.classroom.rooms import Classroom, Outcome, Posed, Started

from .conftest import make_redis_store

CHOICES = (("rise", "It rises"), ("fall", "It falls"))


def posed(text: str = "Will p_y rise or fall?", answer: str = "rise") -> Posed:
    return Posed("p_y_direction", text, CHOICES, answer, why="p_y went from 0.5 to 0.6.", element={"kind": "bar"})


def students(n: int, tag: str = "s") -> list[str]:
    return [f"{tag}{i:02d}-{'x' * 20}" for i in range(n)]


def stored_text(backend) -> str:
    """Every key and value the backend holds, as one string (to look for what must not be there)."""
    if isinstance(backend, store.Store) and hasattr(backend, "path"):
        with sqlite3.connect(backend.path) as db:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return repr([db.execute(f"SELECT * FROM {table}").fetchall() for table in tables])
    out = []
    for key in backend.client.scan_iter(match=backend.prefix + "*"):
        kind = backend.client.type(key)
        read = {"hash": backend.client.hgetall, "set": backend.client.smembers, "string": backend.client.get,
                "zset": lambda k: backend.client.zrange(k, 0, -1)}  # fmt: skip
        value = read[kind](key)
        out.append(f"{key}={value!r}")
    return "\n".join(out)


@pytest.fixture
def room(backend, clock):
    """A classroom with small caps on the backend under test, one open room, and three joined students."""
    classroom = Classroom(backend, clock=clock, max_rooms=3, max_students=4, max_questions=3)
    started = classroom.start("lesson=linear&seed=3")
    assert isinstance(started, Started)
    pupils = students(3)
    for pupil in pupils:
        assert classroom.join(started.code, pupil).ok
    return classroom, started.code, started.teacher_key, pupils


# ---------------------------------------------------------------------------------------------------------------
# A whole question, and what each side sees
# ---------------------------------------------------------------------------------------------------------------
def test_a_question_from_ask_to_reveal(room):
    """Test ask, three answers, the teacher's live tally, then the reveal every student sees with their own answer."""
    classroom, code, key, pupils = room
    asked = classroom.ask(code, key, posed())
    assert asked.ok and asked.number == 1
    before = classroom.student_view(code, pupils[0])
    assert before.question.text.startswith("Will") and before.question.answer == "" and before.question.why == ""
    assert before.question.split == {} and before.lesson == "lesson=linear&seed=3"
    for pupil, choice in zip(pupils, ("rise", "fall", "rise"), strict=True):
        assert classroom.answer(code, pupil, 1, choice).ok
    live = classroom.teacher_view(code, key).question
    assert live.split == {"rise": 2, "fall": 1} and (live.answered, live.students) == (3, 3)
    assert live.answer == "rise" and not live.revealed
    assert classroom.reveal(code, key).ok
    after = classroom.student_view(code, pupils[1])
    assert after.question.revealed and after.question.answer == "rise" and after.question.mine == "fall"
    assert after.question.split == {"rise": 2, "fall": 1} and after.question.why == "p_y went from 0.5 to 0.6."


def test_a_prediction_question_goes_through_a_room(room):
    """Test that a question ce_core answered, worded by ce_app.questions, reaches a student without its answer and
    comes back at the reveal with the answer, the why and the element that tells."""
    import ce_core
    from ce_app.questions import word

    classroom, code, key, pupils = room
    X, y = ce_core.make_dataset("blobs", 60, 3, seed=2)
    trainer = ce_core.Trainer(ce_core.Model.for_data(X, 3), X, y, optimizer=ce_core.SGD(0.5), batch_size=8)
    question = ce_core.ask(trainer, "p_y_direction", point=ce_core.PointRef.training_point(trainer, 4))
    worded = word(question)
    assert classroom.ask(code, key, rooms.pose(worded)).ok
    seen = classroom.student_view(code, pupils[0]).question
    assert seen.text == worded.text and seen.choices == worded.choices and seen.answer == "" and seen.element == {}
    wrong = next(choice for choice, _ in worded.choices if choice != question.answer)
    classroom.answer(code, pupils[0], seen.number, wrong)
    classroom.reveal(code, key)
    shown = classroom.student_view(code, pupils[0]).question
    assert shown.answer == question.answer != shown.mine and shown.why == worded.why
    assert shown.element == {"kind": "bar", "index": question.element.index, "name": ""}


def test_the_version_moves_only_when_students_must_reread(room):
    """Test that ask, reveal, new settings and close bump the version, and joins and answers do not."""
    classroom, code, key, pupils = room
    versions = [classroom.version(code)]
    classroom.ask(code, key, posed())
    versions.append(classroom.version(code))
    classroom.answer(code, pupils[0], 1, "rise")
    classroom.join(code, students(1, "late")[0])
    versions.append(classroom.version(code))
    classroom.reveal(code, key)
    versions.append(classroom.version(code))
    classroom.set_lesson(code, key, "lesson=spiral")
    versions.append(classroom.version(code))
    assert versions[0] < versions[1] == versions[2] < versions[3] < versions[4]
    assert classroom.student_view(code, pupils[0]).lesson == "lesson=spiral"
    classroom.close(code, key)
    assert classroom.version(code) > versions[4]


def test_a_student_joining_after_ask_sees_the_open_question(room):
    """Test that a fourth student who joins after Ask gets the open question and can answer it."""
    classroom, code, key, _ = room
    classroom.ask(code, key, posed())
    late = students(1, "late")[0]
    assert classroom.join(code, late).ok
    view = classroom.student_view(code, late)
    assert view.question.number == 1 and not view.question.revealed
    assert classroom.answer(code, late, 1, "fall").ok


# ---------------------------------------------------------------------------------------------------------------
# Refusals: each gets its message and changes nothing
# ---------------------------------------------------------------------------------------------------------------
def _snapshot(classroom: Classroom, code: str, key: str):
    view = classroom.teacher_view(code, key)
    return view.version, view.students, view.question


def test_a_student_link_cannot_ask_reveal_or_close(room):
    """Test that without the teacher key (none, a student's id, a wrong key) every teacher power is refused."""
    classroom, code, key, pupils = room
    classroom.ask(code, key, posed())
    before = _snapshot(classroom, code, key)
    for wrong in (None, "", pupils[0], key[:-1], key + "x", hashlib.sha256(key.encode()).hexdigest()):
        for outcome in (classroom.ask(code, wrong, posed()), classroom.reveal(code, wrong),
                        classroom.close(code, wrong), classroom.set_lesson(code, wrong, "lesson=spiral"),
                        classroom.teacher_view(code, wrong), classroom.history(code, wrong),
                        classroom.history_csv(code, wrong)):  # fmt: skip
            assert isinstance(outcome, Outcome) and outcome.status == "teacher_only"
            assert outcome.message == rooms.MESSAGES["teacher_only"]
    assert _snapshot(classroom, code, key) == before


def test_one_answer_per_student_and_no_answer_after_the_reveal(room):
    """Test that a second answer (same or changed), an answer after Reveal, to an old question, of a stranger or
    outside the choices is refused with its message and the tally stays as it was."""
    classroom, code, key, pupils = room
    classroom.ask(code, key, posed())
    assert classroom.answer(code, pupils[0], 1, "rise").ok
    tally = classroom.teacher_view(code, key).question.split
    refusals = {
        store.ALREADY: classroom.answer(code, pupils[0], 1, "fall"),
        store.BAD_CHOICE: classroom.answer(code, pupils[1], 1, "sideways"),
        store.NOT_OPEN: classroom.answer(code, pupils[1], 2, "rise"),
        "huge number": classroom.answer(code, pupils[1], 2**70, "rise"),
        "no text": classroom.answer(code, pupils[1], 1, None),
        store.NOT_JOINED: classroom.answer(code, students(1, "stranger")[0], 1, "rise"),
    }
    classroom.reveal(code, key)
    refusals[store.REVEALED] = classroom.answer(code, pupils[2], 1, "rise")
    classroom.ask(code, key, posed("Next?"))
    refusals["old question"] = classroom.answer(code, pupils[2], 1, "rise")
    for status, outcome in refusals.items():
        expected = {"old question": store.NOT_OPEN, "huge number": store.NOT_OPEN, "no text": store.BAD_CHOICE}.get(
            status, status)  # fmt: skip
        assert not outcome.ok and outcome.status == expected and outcome.message == rooms.MESSAGES[expected]
    assert classroom.history(code, key)[0].split == tally == {"rise": 1}
    assert classroom.student_view(code, pupils[0]).question.number == 2


def test_unknown_codes_bad_codes_and_bad_ids_get_a_clear_message(room):
    """Test that a code nobody has, text that is not a code, and a malformed browser id are refused."""
    classroom, code, _, pupils = room
    other = "".join(reversed(code)) if "".join(reversed(code)) != code else "ZZZZZZZZ"
    assert classroom.join(other, students(1, "new")[0]).status == store.UNKNOWN
    assert classroom.student_view(other, pupils[0]).message == rooms.MESSAGES[store.UNKNOWN]
    assert classroom.version(other) is None
    for text in ("", "ABC", "K7MQ-4PX0", "=1+1", "x" * 500, None, 12345678):
        assert classroom.join(text, students(1, "new")[0]).status == "bad_code"
    for bad_id in ("", "short", "a" * 65, "<script>xxxxxxxxxxxxxxx", None):
        assert classroom.join(code, bad_id).status == "bad_student"
    assert classroom.join(code.lower()[:4] + "-" + code.lower()[4:], pupils[0]).status == store.ALREADY


def test_ask_while_open_reveal_twice_and_question_cap(room):
    """Test the teacher's own mistakes: a second Ask before Reveal, Reveal with no question or twice, and the
    room's question cap."""
    classroom, code, key, _ = room
    assert classroom.reveal(code, key).status == "no_question"
    classroom.ask(code, key, posed())
    assert classroom.ask(code, key, posed("Another?")).status == store.STILL_OPEN
    assert classroom.reveal(code, key).ok and classroom.reveal(code, key).status == store.REVEALED
    for number in (2, 3):
        assert classroom.ask(code, key, posed()).number == number
        classroom.reveal(code, key)
    assert classroom.ask(code, key, posed()).status == store.TOO_MANY  # max_questions=3 in the fixture
    with pytest.raises(ValueError, match="one of the distinct choices"):
        classroom.ask(code, key, posed(answer="sideways"))


def test_caps_on_students_and_rooms(room, backend, clock):
    """Test that the fifth student of a room of four and the fourth room of three are refused; a member may come
    back; closing a room frees its place."""
    classroom, code, key, pupils = room
    assert classroom.join(code, students(1, "fourth")[0]).ok
    full = classroom.join(code, students(1, "fifth")[0])
    assert full.status == "room_full" and full.message == rooms.MESSAGES["room_full"]
    assert classroom.join(code, pupils[0]).ok  # already in: welcome back
    assert classroom.teacher_view(code, key).students == 4
    more = [classroom.start() for _ in range(2)]
    assert all(isinstance(started, Started) for started in more)
    assert classroom.start().status == "rooms_full"
    classroom.close(more[0].code, more[0].teacher_key)
    assert isinstance(classroom.start(), Started)


# ---------------------------------------------------------------------------------------------------------------
# Nothing kept
# ---------------------------------------------------------------------------------------------------------------
def test_closing_deletes_the_room_at_once_and_late_comers_are_told(room, backend):
    """Test that Close leaves no student id, question or answer in the store, and every later call says the
    class ended."""
    classroom, code, key, pupils = room
    classroom.ask(code, key, posed("Will the secret text survive?"))
    classroom.answer(code, pupils[0], 1, "rise")
    assert pupils[0] in stored_text(backend) and "secret text" in stored_text(backend)
    assert classroom.close(code, key).ok
    text = stored_text(backend)
    assert not any(pupil in text for pupil in pupils) and "secret text" not in text and "linear" not in text
    for outcome in (classroom.join(code, students(1, "late")[0]), classroom.student_view(code, pupils[0]),
                    classroom.answer(code, pupils[1], 1, "rise"), classroom.close(code, key)):  # fmt: skip
        assert outcome.status == store.CLOSED and outcome.message == "This class has ended."


def test_an_idle_room_expires_after_four_hours(room, backend, clock):
    """Test that a room untouched for 4 hours is unknown to everyone and its contents are gone once swept,
    while activity keeps a room alive."""
    classroom, code, key, pupils = room
    busy = classroom.start()
    classroom.ask(code, key, posed("Forgotten question?"))
    clock.advance(store.ROOM_TTL - 60)
    assert classroom.join(busy.code, pupils[0]).ok  # activity one minute before the end
    clock.advance(120)
    assert classroom.version(code) is None and classroom.student_view(code, pupils[0]).status == store.UNKNOWN
    assert classroom.teacher_view(code, key).status == store.UNKNOWN
    assert classroom.join(code, students(1, "late")[0]).status == store.UNKNOWN
    assert classroom.version(busy.code) is not None
    if hasattr(backend, "path"):  # SQLite: the writes above swept the expired room away, no purge call needed
        assert "Forgotten question" not in stored_text(backend) and code not in stored_text(backend)
    else:  # Redis: the keys expire by themselves (next test); purge only trims the count of open rooms
        assert backend.purge(clock()) == 1


def test_redis_keys_carry_the_rooms_expiry(redis_url, clock):
    """Test that on Redis every key of a room expires by itself within the 4 hours (so nothing outlives it)."""
    backend = make_redis_store(redis_url)
    try:
        classroom = Classroom(backend, clock=clock)
        started = classroom.start("lesson=linear")
        pupil = students(1)[0]
        classroom.join(started.code, pupil)
        classroom.ask(started.code, started.teacher_key, posed())
        classroom.answer(started.code, pupil, 1, "rise")
        room_keys = [key for key in backend.client.scan_iter(match=backend.prefix + "room:*")]
        assert len(room_keys) == 5
        for key in room_keys:
            assert 0 < backend.client.ttl(key) <= store.ROOM_TTL
    finally:
        for key in backend.client.scan_iter(match=backend.prefix + "*"):
            backend.client.delete(key)


def test_the_store_keeps_only_a_hash_of_the_teacher_key(room, backend):
    """Test that the teacher key is unguessably long and never stored, only its SHA-256."""
    _, _, key, _ = room
    assert len(key) >= 32
    text = stored_text(backend)
    assert key not in text and hashlib.sha256(key.encode()).hexdigest() in text


def test_the_tally_and_history_never_say_who_answered_what(room):
    """Test that the teacher's view, the history and its CSV hold counts only, never a student's id."""
    classroom, code, key, pupils = room
    classroom.ask(code, key, posed())
    for pupil in pupils:
        classroom.answer(code, pupil, 1, "fall")
    shown = repr(classroom.teacher_view(code, key)) + repr(classroom.history(code, key))
    shown += classroom.history_csv(code, key).decode()
    assert not any(pupil in shown for pupil in pupils)


# ---------------------------------------------------------------------------------------------------------------
# Rate limit, history, codes
# ---------------------------------------------------------------------------------------------------------------
def test_joining_is_rate_limited_per_client(room, clock):
    """Test that after 10 join attempts in a minute a client is refused even with the right code (and does not
    join), other clients are not, and a minute later it may try again."""
    classroom, code, _, _ = room
    guesser = students(1, "guess")[0]
    for i in range(rooms.JOIN_LIMIT):
        assert classroom.join(rooms.ALPHABET[i] * 8, guesser, "10.0.0.9").status == store.UNKNOWN
    blocked = classroom.join(code, guesser, "10.0.0.9")
    assert blocked.status == "rate_limited" and blocked.message == rooms.MESSAGES["rate_limited"]
    assert classroom.teacher_view(code, room[2]).students == 3  # did not join
    assert classroom.join(code, guesser, "10.0.0.10").ok
    clock.advance(rooms.JOIN_WINDOW)
    assert classroom.join(code, students(1, "again")[0], "10.0.0.9").status == "room_full"  # looked up again


def test_a_class_behind_one_address_joins_at_once(backend, clock):
    """Test that only failed attempts count: 40 students behind one address (a school's NAT) all join within a
    minute, and the count of that address's failures is read without being changed."""
    classroom = Classroom(backend, clock=clock)
    started = classroom.start()
    for pupil in students(40, "nat"):
        assert classroom.join(started.code, pupil, "198.51.100.1").ok
    guesses = "join:" + hashlib.sha256(b"198.51.100.1").hexdigest()[:32]
    assert backend.hits(guesses, rooms.JOIN_WINDOW, clock()) == 0
    assert classroom.join("ZZZZZZZZ", "z" * 22, "198.51.100.1").status == store.UNKNOWN
    assert backend.hits(guesses, rooms.JOIN_WINDOW, clock()) == backend.hits(guesses, rooms.JOIN_WINDOW, clock()) == 1


def test_starting_rooms_is_rate_limited_per_client(backend, clock):
    """Test that one client may start 5 rooms in 10 minutes, not a sixth; another client may."""
    classroom = Classroom(backend, clock=clock)
    for _ in range(rooms.START_LIMIT):
        assert isinstance(classroom.start(client="203.0.113.5"), Started)
    assert classroom.start(client="203.0.113.5").status == "start_limited"
    assert isinstance(classroom.start(client="203.0.113.6"), Started)
    clock.advance(rooms.START_WINDOW)
    assert isinstance(classroom.start(client="203.0.113.5"), Started)


def test_history_csv_has_the_split_and_neutralises_formulas(room):
    """Test the downloadable history: one row per question with its split and right answer; text a spreadsheet
    would run as a formula starts with an apostrophe."""
    classroom, code, key, pupils = room
    classroom.ask(code, key, posed('=HYPERLINK("http://x")', answer="fall"))
    classroom.answer(code, pupils[0], 1, "fall")
    classroom.answer(code, pupils[1], 1, "rise")
    classroom.reveal(code, key)
    classroom.ask(code, key, posed("Second?"))
    rows = list(csv.DictReader(io.StringIO(classroom.history_csv(code, key).decode("utf-8"))))
    assert [row["question"] for row in rows] == ["1", "2"]
    first = rows[0]
    assert first["text"] == '\'=HYPERLINK("http://x")' and first["right_answer"] == "It falls"
    assert first["split"] == "It rises: 1; It falls: 1" and first["answered"] == "2" and first["students"] == "3"
    assert first["share_right"] == "0.500" and rows[1]["answered"] == "0"


def test_codes_are_drawn_from_the_alphabet_and_typed_codes_normalise():
    """Test the code space (30^8) and that a typed code with spaces, dashes or lower case reads back."""
    assert len(set(rooms.ALPHABET)) == 30 and not set("01ILOU") & set(rooms.ALPHABET)
    assert rooms.normalize_code(" k7mq-4pxz ") == "K7MQ4PXZ" and rooms.display_code("K7MQ4PXZ") == "K7MQ-4PXZ"
    assert rooms.normalize_code("K7MQ-4PXO") is None and len(rooms.new_student_id()) >= 16


# ---------------------------------------------------------------------------------------------------------------
# Several processes at once
# ---------------------------------------------------------------------------------------------------------------
def _join_and_answer(spec: dict, barrier, results) -> None:
    """One replica: its own connection to the store, joins its students and answers for a shared one."""
    if spec["backend"] == "sqlite":
        from ce_app.classroom.sqlite_store import SQLiteStore

        backend = SQLiteStore(spec["path"])
    else:
        from ce_app.classroom.redis_store import RedisStore

        backend = RedisStore(spec["url"], prefix=spec["prefix"])
    classroom = Classroom(backend, max_students=spec["cap"])
    barrier.wait()
    outcomes = [classroom.join(spec["code"], pupil, pupil).status for pupil in spec["pupils"]]
    outcomes.append(classroom.answer(spec["code"], spec["shared"], 1, spec["choice"]).status)
    results.put(outcomes)


def test_two_processes_never_overfill_a_room_or_double_an_answer(backend, backend_name, tmp_path):
    """Test two processes racing on one store: 2 x 30 joins into a room of 40 admit exactly 40, and the same
    student answering from both counts once."""
    classroom = Classroom(backend, max_students=40)
    started = classroom.start()
    shared = students(1, "both")[0]
    classroom.join(started.code, shared)
    classroom.ask(started.code, started.teacher_key, posed())
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    common = {"backend": backend_name, "code": started.code, "cap": 40, "shared": shared}
    if backend_name == "sqlite":
        common["path"] = backend.path
    else:
        pool = backend.client.connection_pool.connection_kwargs
        common.update(url=f"redis://{pool['host']}:{pool['port']}/{pool.get('db', 0)}", prefix=backend.prefix)
    workers = [context.Process(target=_join_and_answer, args=(
        {**common, "pupils": students(30, f"p{i}"), "choice": choice}, barrier, results))
        for i, choice in enumerate(("rise", "fall"))]  # fmt: skip
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    joins = [status for out in outcomes for status in out[:-1]]
    assert joins.count(store.OK) == 39 and joins.count("room_full") == 21  # 1 + 39 = 40 students
    assert sorted(out[-1] for out in outcomes) == sorted([store.OK, store.ALREADY])
    view = classroom.teacher_view(started.code, started.teacher_key)
    assert view.students == 40 and view.question.answered == 1


def test_open_store_reads_the_environment(monkeypatch, tmp_path, redis_url):
    """Test the factory: SQLite in CE_DATA_DIR by default, a named SQLite file, Redis by URL, and a clear error."""
    from ce_app.classroom.redis_store import RedisStore
    from ce_app.classroom.sqlite_store import SQLiteStore

    monkeypatch.delenv("CE_STORE", raising=False)
    monkeypatch.setenv("CE_DATA_DIR", str(tmp_path / "data"))
    default = backends.open_store()
    assert isinstance(default, SQLiteStore) and default.path == tmp_path / "data" / backends.DB_FILE
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    named = backends.open_store(f"sqlite:///{tmp_path}/other.db")
    assert isinstance(named, SQLiteStore) and named.path == tmp_path / "other.db"
    monkeypatch.setenv("CE_STORE", redis_url)
    remote = backends.open_store()
    assert isinstance(remote, RedisStore)
    remote.ping()
    with pytest.raises(ValueError, match="CE_STORE"):
        backends.open_store("postgres://x")
    for backend in (default, named):
        backend.close_connection()
    remote.client.close()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a folder away")
def test_a_data_directory_of_another_user_is_refused(monkeypatch, tmp_path):
    """Test that the default store will not write into a data folder another user made (e.g. in /tmp)."""
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, 65534, 65534)  # nobody
    monkeypatch.setenv("CE_DATA_DIR", str(theirs))
    monkeypatch.delenv("CE_STORE", raising=False)
    with pytest.raises(ValueError, match="another user"):
        backends.open_store()
