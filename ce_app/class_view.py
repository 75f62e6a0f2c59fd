"""Class mode on the training page: the teacher's class bar and join code, a student's room bar and answers.

Drawn with Streamlit elements around the stage (the stage itself knows nothing of classes). The state and every
action are ``class_mode``'s; here is only what each screen shows. Two small fragments keep it live without
rerunning the page: the teacher's tally (read at most once every ``TALLY_SECONDS``) and a student's poll (one
small read every ``POLL_SECONDS``, the room read again only when its version changed). Every text that comes
from the store (questions, class names from an uploaded file, messages) is shown as plain text.
"""

from __future__ import annotations

import streamlit as st

from . import class_mode, numbers, questions
from .class_mode import LESSON, STUDENT, TEACHER
from .classroom import rooms
from .classroom.rooms import QuestionView
from .text import plain

LIVE_PIXELS = 150  # the teacher's live box: its height never changes, so the stage below stays where it was laid out
QR_PIXELS = 440  # the join code's QR on a 1280 x 720 projector: 10 px a module for a link of about 150 characters
LESSON_PICKER_PIXELS = 220  # the teacher's row fits one line of a 1280 px projector in presentation mode
KIND_PICKER_PIXELS = 270
_STYLE = """<style>
.st-key-class_answers button { min-height: 3.25rem; }
.st-key-class_answers button p { font-size: 1.15rem; }
.st-key-class_code_big p { font-size: 4.2rem; font-weight: 700; letter-spacing: 0.06em; line-height: 1.1;
  margin: 0; }
.st-key-class_head p { font-size: 1.15rem; }
.st-key-class_live [data-testid="stVerticalBlock"] { gap: 0.35rem; }
</style>"""


def _message() -> None:
    kind, text = class_mode.current().message
    if text:
        {"error": st.error, "success": st.success}.get(kind, st.info)(plain(text))


def enter() -> None:
    """Take the class part of the link on a session's first run (``class_mode.enter``): call before drawing."""
    if class_mode.enter():
        st.rerun()  # the room's settings are not the link's: the whole page follows them


def show(lesson_picker=None) -> None:
    """The class bar at the top of the training page: the teacher's or a student's, or only a message.
    ``lesson_picker(container, notice_as_help)`` draws the page's lesson picker into the teacher's row (None:
    the page hides it)."""
    enter()
    class_mode.keep_address()
    state = class_mode.current()
    if state.role:
        st.html(_STYLE)
    if state.role == TEACHER:
        class_mode.push_settings()
        _teacher_bar(lesson_picker)
    elif state.role == STUDENT:
        _student_live()
    else:
        _message()


def start_button(container) -> None:
    """The button that makes this page a class's teacher (only outside a class)."""
    if not class_mode.current().role:
        container.button("Start a class poll", key="class_start", on_click=class_mode.start, width="content",
                         help="Students join with a code or a QR code, and answer your questions about the next "
                              "step on their phones.")  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# Teacher
# ---------------------------------------------------------------------------------------------------------------
def _teacher_bar(lesson_picker) -> None:
    """One row of controls, then the live part in a box of fixed height (the stage below never moves)."""
    state = class_mode.current()
    view = state.view
    question = view.question if view is not None else None
    is_open = question is not None and not question.revealed
    due = class_mode.due_question()
    lesson = f"This lesson's question: {questions.TITLES[due.kind]}" if due else "This lesson's question (none due now)"
    labels = {LESSON: lesson, **questions.TITLES}  # always the same options: the picker keeps its place
    if due is not None and due.key != state.offered:
        st.session_state.class_kind = LESSON  # a lesson question became due: offer it first
    elif "class_kind" not in st.session_state:
        st.session_state.class_kind = next(iter(questions.TITLES))
    state.offered = due.key if due is not None else ""
    kinds = list(labels)
    # One row on a projector; on a narrower screen (a tablet with the sidebar open) the controls wrap.
    with st.container(horizontal=True, wrap=True, vertical_alignment="center", key="class_controls"):
        if lesson_picker:
            lesson_picker(st, notice_as_help=True, width=LESSON_PICKER_PIXELS)
        st.selectbox("Question to ask", kinds, key="class_kind", format_func=labels.get, disabled=is_open,
                     label_visibility="collapsed", width=KIND_PICKER_PIXELS)  # fmt: skip
        st.button("Ask", key="class_ask", type="primary", disabled=is_open,
                  on_click=lambda: class_mode.ask(st.session_state.class_kind),
                  help="Asks the students the question picked on the left, about the selected point where it names "
                       "one. A question whose answer would be a near tie is not asked: you are told why.")  # fmt: skip
        st.button("Reveal", key="class_reveal", type="primary", disabled=not is_open, on_click=class_mode.reveal,
                  help="Runs the steps the question is about on this stage, then shows everyone the answer and the "
                       "split.")  # fmt: skip
        st.button(
            "Join code",
            key="class_show_code",
            on_click=_show_code,
            help="The code, the link and a QR code, large, for the projector.",
        )
        # The file is made now, not when clicked: Streamlit deletes a file made on click once any two script runs of
        # the process have ended, which a class's polls do within milliseconds, before the browser fetched it.
        room = class_mode.classroom()
        st.download_button("History (CSV)", class_mode.history_csv(room, state.code, state.key),
                           file_name=f"class-{state.code}.csv", mime="text/csv", key="class_history",
                           on_click="ignore", disabled=question is None)  # fmt: skip
        with st.popover("End", key="class_close_menu", help="End the class: everything in it is deleted."):
            st.write("End the class for everyone? Its students, questions and answers are deleted.")
            st.button("End the class now", key="class_close", on_click=class_mode.close, type="primary")
    with st.container(height=LIVE_PIXELS, border=False, key="class_live"):
        _teacher_live()
    if state.show_code:
        _join_dialog()


@st.fragment(run_every=class_mode.TALLY_SECONDS)
def _teacher_live() -> None:
    """The room as it is now: students, the open question and its tally, or the last answer."""
    state = class_mode.current()
    if state.role != TEACHER:
        return
    view = class_mode.refresh_teacher()
    if view is None:
        if class_mode.current().role != TEACHER:
            st.rerun()  # the room has gone: the whole page leaves class mode
        _message()  # the store did not answer: say so, and read again at the next tick
        return
    students = "1 student" if view.students == 1 else f"{view.students:,} students"
    question = view.question
    head = f"**Class {rooms.display_code(view.code)}** · {students} in the room"
    if question is not None:
        answered = f"{question.answered:,} of {question.students:,} answered"
        status = f"revealed · {answered}" if question.revealed else f"**{answered}**"
        head += f" · question {question.number}, {status}"
    st.container(key="class_head").markdown(head)
    _message()
    if question is None:
        st.caption("Pick a question and press Ask: students answer on their phones, Reveal runs the steps here.")
        if st.session_state.data.source != "generated":
            st.caption(f"Your points are {st.session_state.data.source}: students' stages show the generated data of "
                       "these settings (a link carries settings, not points). The questions are about yours.")  # fmt: skip
        return
    if question.revealed:  # the question was on screen until now: the answer, its why and the split take its place
        right = question.split.get(question.answer, 0)
        st.markdown(f"**Answer: {plain(_label(question, question.answer))}** ({right:,} of {question.answered:,} "
                    f"right). {plain(question.why)}")  # fmt: skip
    else:
        st.markdown(f"**Question {question.number}.** {plain(question.text)}")
    _split(question, reveal=question.revealed)
    if question.revealed and state.note:
        st.caption(plain(state.note))


def _show_code() -> None:
    class_mode.current().show_code = True


def _hide_code() -> None:
    class_mode.current().show_code = False


@st.dialog("Join the class", width=1100, on_dismiss=_hide_code)
def _join_dialog() -> None:
    """The code, the QR code of the student link, and the link, large enough for the back of a room."""
    from .classroom import qr  # segno is loaded when a teacher first shows the code, not on every page's first load

    state = class_mode.current()
    link = class_mode.student_link(st.session_state.settings)
    left, right = st.columns([1, 1.15], vertical_alignment="center")
    try:
        left.image(qr.qr_svg(link).decode("utf-8"), width=QR_PIXELS,
                   alt=f"QR code of the class link, for the code {rooms.display_code(state.code)}")  # fmt: skip
    except ValueError:  # a link too long for a QR code (more than qr.MAX_LINK_CHARS): the code still works
        left.warning("The link is too long for a QR code: type the code instead.")
    with right:
        st.markdown("Open the link, or scan the code, on a phone or laptop:")
        st.container(key="class_code_big").markdown(rooms.display_code(state.code))
        st.code(link, language=None, wrap_lines=True)
        st.caption("Anonymous: no names. Everything is deleted when the class ends, or after 4 hours without use.")
        if st.button("Done", key="class_code_done"):
            _hide_code()
            st.rerun()


# ---------------------------------------------------------------------------------------------------------------
# Both
# ---------------------------------------------------------------------------------------------------------------
def _label(question: QuestionView, choice: str) -> str:
    return dict(question.choices).get(choice, choice)


def _split(question: QuestionView, reveal: bool) -> None:
    """Counts per answer (never who answered what), side by side; the right one marked once revealed."""
    answered = question.answered
    for column, (choice, label) in zip(st.columns(len(question.choices)), question.choices, strict=True):
        count = question.split.get(choice, 0)
        mark = " ✓" if reveal and choice == question.answer else ""
        share = f" ({numbers.percent(count / answered)})" if answered else ""
        column.progress(count / answered if answered else 0.0, text=f"{plain(label)}{mark}: {count:,}{share}")


# ---------------------------------------------------------------------------------------------------------------
# Student
# ---------------------------------------------------------------------------------------------------------------
@st.fragment(run_every=class_mode.POLL_SECONDS)
def _student_live() -> None:
    """The room bar: polled once a second, drawn from what was read last unless the room's version changed."""
    if class_mode.poll():
        st.rerun()  # new settings to follow, or the class is over: the whole page
    state = class_mode.current()
    view = state.view
    if state.role != STUDENT or view is None:
        return
    head = f"**Class {rooms.display_code(view.code)}** · you follow your teacher's lesson"
    question = view.question
    # One element while nothing changes: a poll a second redraws it (bench.load --class measures the cost).
    if question is None:
        st.markdown(f"{head}. Waiting for the first question.")
        _message()
        return
    st.markdown(f"{head}\n\n**Question {question.number}.** {plain(question.text)}")
    _message()
    if not question.revealed:
        _answer_buttons(question)
        return
    if question.mine is None:
        st.info(f"You did not answer. The answer: {plain(_label(question, question.answer))}.")
    elif question.mine == question.answer:
        st.success(f"Right: {plain(_label(question, question.answer))}.")
    else:
        st.warning(f"Not this time: you answered {plain(_label(question, question.mine))}; the answer is "
                   f"{plain(_label(question, question.answer))}.")  # fmt: skip
    st.markdown(plain(question.why))
    st.markdown(f"**{question.answered:,} answered** of {question.students:,} in the room")
    _split(question, reveal=True)
    if question.start:
        st.button(
            "Show it on my stage",
            key=f"class_catch_up_{question.number}",
            on_click=class_mode.catch_up,
            help="Runs your stage from step 0 to where the teacher's is, the same steps: see it up close.",
        )


def _answer_buttons(question: QuestionView) -> None:
    """One big button per choice; after an answer they stay, disabled, with the chosen one marked."""
    answered = question.mine is not None
    with st.container(key="class_answers"):
        columns = st.columns(len(question.choices))
        for column, (choice, label) in zip(columns, question.choices, strict=True):
            chosen = choice == question.mine
            column.button(plain(label) + (" ✓" if chosen else ""), key=f"class_answer_{question.number}_{choice}",
                          type="primary" if chosen else "secondary", disabled=answered, width="stretch",
                          on_click=class_mode.answer, args=(question.number, choice))  # fmt: skip
    if answered:
        st.caption(f"Your answer: {plain(_label(question, question.mine))}. Wait for your teacher to reveal it.")
