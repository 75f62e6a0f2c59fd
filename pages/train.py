"""Training page: step or play SGD and watch logits, probabilities, loss and per-class gradients."""

import streamlit as st

from ce_app import class_mode, class_view, lessons, page_frame, player, session
from ce_app import train_panels as panels

PICKER_PX = 420  # the longest lesson title, whole, at presentation size (tests/e2e/test_small_screens.py)

settings = page_frame.ensure()
ss = st.session_state


def _pick_lesson() -> None:
    session.start_lesson(ss.lesson_pick)
    player.take_focus()  # the keyboard shortcuts work again at once: focus leaves the picker for the stage


def lesson_picker(container, notice_as_help: bool = False, width="stretch") -> None:
    """The lesson picker; with ``notice_as_help`` the lesson's notice is its tooltip (a class bar has no room for
    it on a projector)."""
    ss.lesson_pick = settings.lesson
    notice = lessons.BY_KEY[settings.lesson].notice if settings.lesson and notice_as_help else None
    container.selectbox("Lesson", ("", *lessons.KEYS), key="lesson_pick", label_visibility="collapsed",
                        format_func=lambda key: lessons.BY_KEY[key].title if key else "Lessons: pick one, or play freely",
                        on_change=_pick_lesson, help=notice, width=width)  # fmt: skip


def lesson_bar() -> None:
    """The lesson picker and what to notice: a teacher runs a lecture from here, without the sidebar. A student in
    a class follows the teacher's lesson (only its notice); a class's teacher has the picker in the class bar."""
    role = class_mode.current().role
    if role == class_mode.TEACHER and settings.present:
        return
    if role:
        if settings.lesson:
            st.caption(lessons.BY_KEY[settings.lesson].notice)
        return
    # A row that wraps: the picker wide enough for the longest title, what to notice beside it or, on a narrow
    # screen, below it. A phone's picker still cuts the longest titles, so the notice starts with the title (the
    # projector's layout is wide enough, and needs the room).
    row = st.container(horizontal=True, vertical_alignment="center")
    lesson_picker(row, width=PICKER_PX)
    class_view.start_button(row)
    if settings.lesson:
        lesson = lessons.BY_KEY[settings.lesson]
        notice = lesson.notice if settings.present else f"**{lesson.title}.** {lesson.notice}"
        row.container(width="stretch").caption(notice)


class_view.enter()
# A student in a class sees the class bar first (on a phone the title would push the question off the screen).
if not settings.present and class_mode.current().role != class_mode.STUDENT:
    st.title("Cross-Entropy Playground")
    st.caption(
        "A classifier turns each point x into scores (logits) u_k, squashes them into probabilities "
        "p = softmax(u), and is punished by the loss −log p_y for the true class y. Every step of gradient descent "
        "moves each class's weights by −lr·(p_k − y_k)·z. Step through it below, or press Play."
    )
lesson_shown = "lesson" not in settings.hidden_controls()
class_view.show(lesson_picker if lesson_shown else None)
if lesson_shown:
    lesson_bar()


@st.fragment
def live_area() -> None:
    """The stage and the chain rule of the selected point: rerun alone on every chunk, Step and Pause."""
    data, trainer = ss.data, ss.trainer
    # The toggle sits above the stage: below it, it jumped a screen down when the stage reported its height.
    # Its walkthrough is drawn only when asked for: its tables and formulas cost the browser more than a stage update.
    show = (len(data.y) and not settings.present
            and st.toggle("Show the chain rule for the selected point below the stage, step by step, with its numbers "
                          "(derivation 1)", key="show_chain_rule"))  # fmt: skip
    player.stage()
    if not show:
        return
    views = panels.paused_views(data, trainer, session.selected_point(), frozen=player.playing())
    if views.playing_since is not None:
        st.caption(f"As it was at step {views.step:,}, when Play was pressed: it follows the training when you pause.")
    panels.chain_rule_walkthrough(views.terms, panels.z_names(trainer), int(data.y[views.index]), data.class_names,
                                  trainer.label_smoothing, trainer.temperature)  # fmt: skip


live_area()
