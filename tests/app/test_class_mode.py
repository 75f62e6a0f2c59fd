"""Class mode through the real app: a teacher's session and students' sessions (AppTest) sharing one SQLite file.

Every session is the training page as a browser opens it from a link. What the tests check from outside the app
reads the store file with its own ``Classroom`` and recomputes with ``ce_core`` from the link's settings.
AppTest runs are full runs (fragments' timers never fire), so a student's poll happens on each ``run()``.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ce_core
from ce_app import class_mode, questions, state
from ce_app.classroom import rooms
from ce_app.classroom.backends import DB_FILE
from ce_app.classroom.rooms import Classroom
from ce_app.classroom.sqlite_store import SQLiteStore
from ce_app.settings import from_query
from ce_core import predict
from tests.app.notices import as_read, notices

LINK = {"lesson": "linear", "n": "60", "seed": "2"}  # small data: the lesson's question is asked in milliseconds


@pytest.fixture
def classroom(tmp_path, monkeypatch) -> Classroom:
    """The store the app's sessions use (a SQLite file of this test), read by the test through its own Classroom."""
    monkeypatch.setenv("CE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CE_STORE", raising=False)
    return Classroom(SQLiteStore(tmp_path / DB_FILE))


def page(open_app, **query) -> AppTest:
    return open_app(query)


def teacher(open_app, **query) -> AppTest:
    at = open_app({**LINK, **query, "teach": "1"})
    assert not at.exception
    assert class_state(at).role == class_mode.TEACHER, class_state(at).message
    return at


def class_state(at: AppTest) -> class_mode.ClassState:
    return at.session_state[class_mode.STATE]


def student(open_app, code: str, **query) -> AppTest:
    at = open_app({**query, "room": code})
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything the page wrote (Markdown, captions, alerts, progress labels, buttons), as the reader sees it."""
    parts = [m.value for m in (*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success)]
    parts += [bar.proto.text for bar in at.get("progress")] + [button.label for button in at.button]
    return as_read("\n".join(parts)).replace("**", "")


def everything(at: AppTest) -> str:
    """Every element's message as sent to the browser, and the page's address: where a secret must never be."""
    found, todo = [], [at._tree]
    while todo:
        node = todo.pop()
        if getattr(node, "proto", None) is not None:
            found.append(str(node.proto))
        todo.extend(getattr(node, "children", {}).values())
    return "\n".join(found) + repr(dict(at.query_params))


def answer_buttons(at: AppTest) -> dict[str, object]:
    """The student's answer buttons by choice id."""
    return {b.key.rsplit("_", 1)[1]: b for b in at.button if b.key and b.key.startswith("class_answer_")}


def ask(at: AppTest, kind: str = class_mode.LESSON) -> AppTest:
    at.selectbox(key="class_kind").set_value(kind)
    return at.button(key="class_ask").click().run()


def trainer_for(link: dict) -> tuple[ce_core.Trainer, state.Dataset]:
    """The trainer a link builds, made here from the settings (what every screen on that link starts from)."""
    settings, _ = from_query(link)
    data = state.generate(settings)
    return state.build_trainer(settings, data), data


# ---------------------------------------------------------------------------------------------------------------
# A whole round
# ---------------------------------------------------------------------------------------------------------------
def test_a_class_round_from_ask_to_history(open_app, classroom):
    """Test that students who join by link see the teacher's question, answer once, the teacher's tally counts them
    (never who), Reveal runs exactly the question's steps on the teacher's trainer and shows everyone the outcome,
    and the history CSV has the round."""
    t = teacher(open_app)
    code = class_state(t).code
    early = student(open_app, code, lesson="spiral", present="1")  # a link with other settings: the room's win
    assert early.session_state.settings.lesson == "linear" and early.session_state.settings.n == 60
    assert early.session_state.settings.present  # a screen keeps its own presentation mode
    assert "Waiting for the first question" in texts(early)

    t.run()
    ask(t)
    room = classroom.teacher_view(code, class_state(t).key)
    question = room.question
    assert question is not None and question.kind == "region_growth" and not question.revealed
    # The question is about the teacher's trainer now: the same look-ahead from a trainer built from the link.
    fresh, data = trainer_for(LINK)
    expected = ce_core.ask(fresh, "region_growth", steps=50, bounds=data.bounds)
    assert question.text == questions.word(expected, data.class_names).text and question.answer == expected.answer

    late = student(open_app, code, **LINK)  # joins after Ask: sees the open question at once
    twin = page(open_app, **dict(late.query_params))  # the same student in a second tab
    early.run()
    for at in (early, late):
        assert question.text in texts(at) and set(answer_buttons(at)) == {"0", "1", "2"}
        assert all(not button.disabled for button in answer_buttons(at).values())
    wrong = next(choice for choice in ("0", "1", "2") if choice != question.answer)
    answer_buttons(early)[question.answer].click().run()
    answer_buttons(late)[wrong].click().run()
    assert all(button.disabled for button in answer_buttons(early).values())
    answer_buttons(twin)[question.answer].click().run()  # a second answer (its buttons were still on): refused
    assert rooms.MESSAGES[rooms.store.ALREADY] in texts(twin)

    t.run()
    tally = classroom.teacher_view(code, class_state(t).key).question
    assert tally.split == {question.answer: 1, wrong: 1} and tally.answered == 2 and tally.students == 2
    assert "2 of 2 answered" in texts(t)
    assert f"class {question.answer}: 1 (50.0%)" in texts(t) and f"class {wrong}: 1 (50.0%)" in texts(t)

    step_before = t.session_state.trainer.step_count
    t.button(key="class_reveal").click().run()
    assert not t.exception
    trainer = t.session_state.trainer
    assert trainer.step_count == step_before + expected.steps
    # The stage shows what the question was about: the same weights as 50 steps from the link's start ...
    fresh.step(expected.steps)
    for name in fresh.params:
        np.testing.assert_array_equal(trainer.params[name], fresh.params[name])
    # ... and the revealed answer is what those steps did to the regions.
    gains = predict.region_shares(trainer, data.bounds) - predict.region_shares(trainer_for(LINK)[0], data.bounds)
    assert str(int(np.argmax(gains))) == question.answer
    assert "Answer: class" in texts(t) and "(1 of 2 right)" in texts(t)

    early.run()
    late.run()
    assert "Right: class" in texts(early) and question.why.split(" (")[0] in texts(early)
    assert "Not this time: you answered class" in texts(late)
    assert "2 answered of 2 in the room" in texts(late)

    rows = list(csv.DictReader(io.StringIO(classroom.history_csv(code, class_state(t).key).decode())))
    assert [(r["question"], r["right_answer"], r["answered"]) for r in rows] == [("1", f"class {question.answer}", "2")]
    t.run()
    csv_button = t.get("download_button")
    assert any(b.proto.label == "History (CSV)" and not b.proto.disabled for b in csv_button)


def test_the_teacher_key_stays_in_the_teachers_link(open_app, classroom):
    """Test that no student screen, student link or share box carries the teacher key, and that a hand-made
    teacher link with another key gets a clear refusal, no teacher controls, and changes nothing."""
    t = teacher(open_app)
    key, code = class_state(t).key, class_state(t).code
    assert dict(t.query_params).get("teacher") == key  # the teacher's own address has it (to come back)
    for name in ("room", "teacher"):
        del t.query_params[name]  # as after a visit to another page of the app
    t.run()
    assert (dict(t.query_params).get("room"), dict(t.query_params).get("teacher")) == (code, key)
    student_link = [c.value for c in t.get("code") if "room=" in c.value]
    assert student_link and all(key not in value for value in student_link)
    assert all(key not in c.value for c in t.get("code") if "room=" not in c.value)  # the share box
    s = student(open_app, code, **LINK)
    assert key not in everything(s)

    before = classroom.store.room(code, classroom.clock())
    forged = page(open_app, **LINK, room=code, teacher="x" * 32)
    assert rooms.MESSAGES["teacher_only"] in texts(forged)
    assert class_state(forged).role == class_mode.STUDENT and "teacher" not in dict(forged.query_params)
    assert not [b for b in forged.button if b.key in ("class_ask", "class_reveal", "class_close")]
    after = classroom.store.room(code, classroom.clock())
    assert (after.version, after.question, after.closed) == (before.version, before.question, before.closed)


def test_reveal_goes_back_to_the_asked_step_when_the_stage_moved_on(open_app, classroom):
    """Test that Reveal runs the question's steps from the state it was asked in, even after the teacher stepped
    on in between, and that a lesson question at another learning rate moves the slider first."""
    from tests.app.player import Browser

    t = teacher(open_app, lesson="lr-too-high", n="60")
    ask(t)  # lr = 10: will the first step lower the loss?
    stage = Browser(t)
    stage.step()
    stage.step()
    assert t.session_state.trainer.step_count == 2
    t.button(key="class_reveal").click().run()
    assert t.session_state.trainer.step_count == 1
    assert "step 0 to 1" in texts(t)

    stage.send("reset")  # back at step 0: the lesson's second question (20 steps at lr = 0.5) is due
    fresh, _ = trainer_for({**LINK, "lesson": "lr-too-high"})
    expected = ce_core.look_ahead(fresh, 20, lr=0.5)
    ask(t)
    assert class_state(t).pending.question.steps == 20
    t.button(key="class_reveal").click().run()
    assert t.session_state.settings.lr == 0.5 and t.session_state.w_lr == 0.5  # the slider shows it
    for name in expected.params:
        np.testing.assert_array_equal(t.session_state.trainer.params[name], expected.params[name])


def test_a_skipped_question_is_explained_and_not_posed(open_app, classroom):
    """Test that a question that does not apply (a test point is never in a batch) is explained to the teacher
    and nothing reaches the room."""
    t = teacher(open_app)
    test_row = int(t.session_state.data.test_idx[0])
    t = open_app({**LINK, "sample": str(test_row), "teach": "1"})
    ask(t, "in_batch")
    assert f"Not asked: Point {test_row} is a test point" in texts(t)
    assert classroom.teacher_view(class_state(t).code, class_state(t).key).question is None


# ---------------------------------------------------------------------------------------------------------------
# Refusals: a clear message, nothing changed
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "teacher", "status"),
    [("ZZZZ-ZZZZ", "", rooms.store.UNKNOWN), ("hello", "", "bad_code"), ("ZZZZ-ZZZZ", "k" * 32, rooms.store.UNKNOWN)],
)
def test_a_link_to_no_room_says_so(open_app, classroom, code, teacher, status):
    """Test that an unknown or malformed code, with or without a teacher key, gets its message and the page is an
    ordinary one."""
    at = page(open_app, **LINK, room=code, **({"teacher": teacher} if teacher else {}))
    assert texts(at).count(rooms.MESSAGES[status]) == 1 and "joined the class" not in texts(at)
    assert class_state(at).role == "" and not {"room", "teacher", "me"} & set(at.query_params)


def test_refusals_change_nothing(open_app, classroom):
    """Test that an answer after Reveal, a room at its cap, a rate-limited join and a closed room each get their
    message and leave the room as it was."""
    t = teacher(open_app)
    code, key = class_state(t).code, class_state(t).key
    s = student(open_app, code, **LINK)
    ask(t)
    s.run()
    t.button(key="class_reveal").click().run()
    before = classroom.teacher_view(code, key)
    next(iter(answer_buttons(s).values())).click().run()  # the page still shows the buttons: too late
    assert rooms.MESSAGES[rooms.store.REVEALED] in texts(s)
    assert classroom.teacher_view(code, key) == before

    others = [f"other-student-{i:04d}" for i in range(rooms.MAX_STUDENTS - 1)]
    for other in others:
        assert classroom.join(code, other).ok
    full = student(open_app, code, **LINK)
    assert rooms.MESSAGES["room_full"] in texts(full) and class_state(full).role == ""
    assert classroom.teacher_view(code, key).students == rooms.MAX_STUDENTS

    me = "m" * 22
    for _ in range(rooms.JOIN_LIMIT):
        classroom.join("ZZZZZZZZ", me)  # someone guessing codes with this browser id
    limited = student(open_app, code, **LINK, me=me)
    assert rooms.MESSAGES["rate_limited"] in texts(limited) and "room" in dict(limited.query_params)

    t.run()
    t.button(key="class_close").click().run()
    assert "The class has ended" in texts(t) and "room" not in dict(t.query_params)
    assert classroom.store.room(code, classroom.clock()).closed
    s.run()
    assert rooms.MESSAGES[rooms.store.CLOSED] in texts(s) and class_state(s).role == ""
    late = student(open_app, code, **LINK)
    assert rooms.MESSAGES[rooms.store.CLOSED] in texts(late)


def test_a_student_page_that_reconnects_is_the_same_student(open_app, classroom):
    """Test that a page opened again from the student's own address (a replica restarted) keeps its answer,
    cannot answer twice and is not counted twice."""
    t = teacher(open_app)
    code, key = class_state(t).code, class_state(t).key
    s = student(open_app, code, **LINK)
    own_address = dict(s.query_params)
    assert rooms.is_student_id(own_address["me"])
    ask(t)
    s.run()
    choice = class_state(t).view.question.answer if class_state(t).view.question.answer else "0"
    answer_buttons(s)[choice].click().run()
    again = page(open_app, **own_address)
    assert class_state(again).me == own_address["me"]
    assert all(button.disabled for button in answer_buttons(again).values())
    assert "Your answer: class" in texts(again)
    room = classroom.teacher_view(code, key)
    assert room.students == 1 and room.question.answered == 1


def test_students_follow_the_teachers_settings(open_app, classroom):
    """Test that a student page follows the teacher's new lesson, and that a value of the room's settings that the
    checks refuse is explained, not used."""
    t = teacher(open_app)
    code, key = class_state(t).code, class_state(t).key
    s = student(open_app, code, **LINK)
    t.selectbox(key="lesson_pick").set_value("xor-linear").run()
    assert classroom.store.room(code, classroom.clock()).lesson.startswith("lesson=xor-linear")
    s.run()  # the poll finds new settings, and the page runs again to take them
    assert s.session_state.settings.lesson == "xor-linear" and s.session_state.settings.dataset == "xor"

    ask(t, "loss_below")
    s.run()
    assert classroom.set_lesson(code, key, "lesson=xor-linear&sample=5").ok  # the teacher picks another point
    next(iter(answer_buttons(s).values())).click().run()  # an answer read the room first: the settings still follow
    assert s.session_state.settings.sample == 5

    assert classroom.set_lesson(code, key, "lesson=linear&K=99&n=60").ok  # a room's settings are data too
    shown = notices(s.run())
    assert s.session_state.settings.K == 8 and s.session_state.settings.lesson == "linear"
    assert any(notice.startswith("Class settings: K='99' is outside") for notice in shown), shown


@pytest.mark.parametrize("store_url", ["redis://127.0.0.1:1/0", "ftp://nowhere/db"])
def test_a_store_that_does_not_answer_is_a_message(open_app, monkeypatch, store_url):
    """Test that a Redis that does not answer, or a store URL of another kind, ends as one sentence on the page,
    never an exception, and the page works as without a class."""
    monkeypatch.setenv("CE_STORE", store_url)
    at = open_app({**LINK, "teach": "1"})
    assert not at.exception
    shown = texts(at)
    assert class_mode.STORE_DOWN in shown or "Class mode is not available on this server" in shown
    assert class_state(at).role == "" and at.session_state.trainer is not None


def test_a_teachers_page_rides_out_a_store_that_stops_answering(open_app, classroom, monkeypatch):
    """Test that when the store stops answering under a running class the teacher's page says so and stays the
    teacher's (no rerun loop, no exception), and carries on once the store answers again."""
    t = teacher(open_app)
    monkeypatch.setenv("CE_STORE", "redis://127.0.0.1:1/0")  # this process now reaches a store that is down
    t.run()
    assert not t.exception and class_mode.STORE_DOWN in texts(t) and class_state(t).role == class_mode.TEACHER
    monkeypatch.delenv("CE_STORE")
    t.run()
    assert class_mode.STORE_DOWN not in texts(t) and "0 students in the room" in texts(t)


def test_a_student_brings_their_stage_to_the_teachers_after_a_reveal(open_app, classroom):
    """Test that after a Reveal a student's stage runs to exactly the teacher's state (same weights, bitwise), and
    that a teacher whose run had a setting changed on the way gets no false match: the student is told."""
    from tests.app.player import Browser

    t = teacher(open_app)
    Browser(t).step(10)  # the question is asked at step 10, not at the start
    ask(t, "loss_below")
    s = student(open_app, class_state(t).code, **LINK)
    t.button(key="class_reveal").click().run()
    s.run()
    s.button(key="class_catch_up_1").click().run()
    assert not s.exception and "as the teacher's" in texts(s)
    mine, theirs = s.session_state.trainer, t.session_state.trainer
    assert mine.step_count == theirs.step_count == 60
    for name in theirs.params:
        np.testing.assert_array_equal(mine.params[name], theirs.params[name])

    t.selectbox(key="w_opt").set_value("momentum").run()  # the teacher changes the optimizer mid-run
    ask(t, "loss_below")
    t.button(key="class_reveal").click().run()
    s.run()
    s.button(key="class_catch_up_2").click().run()
    assert s.session_state.settings.opt == "momentum"  # the student follows the teacher's settings ...
    assert "not in the teacher's state there" in texts(s)  # ... but 60 steps of momentum are not the teacher's run
