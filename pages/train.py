"""Training page: step or play SGD and watch logits, probabilities, loss and per-class gradients."""

import streamlit as st

from ce_app import class_mode, class_view, lessons, page_frame, player, session
from ce_app import train_panels as panels

settings = page_frame.ensure()
ss = st.session_state

if not settings.present:
    st.title("Cross-Entropy Playground")
    st.caption(
        "A classifier turns each point x into scores (logits) u_k, squashes them into probabilities "
        "p = softmax(u), and is punished by the loss −log p_y for the true class y. Every step of gradient descent "
        "moves each class's weights by −lr·(p_k − y_k)·z. Step through it below, or press Play."
    )


def _pick_lesson() -> None:
    session.start_lesson(ss.lesson_pick)
    player.take_focus()  # the keyboard shortcuts work again at once: focus leaves the picker for the stage


def lesson_bar() -> None:
    """The lesson picker and what to notice: a teacher runs a lecture from here, without the sidebar. A student in
    a class follows the teacher's lesson: only its notice."""
    if class_mode.current().role == class_mode.STUDENT:
        if settings.lesson:
            st.caption(lessons.BY_KEY[settings.lesson].notice)
        return
    ss.lesson_pick = settings.lesson
    left, right, end = st.columns([1, 2.2, 0.7], vertical_alignment="center")
    class_view.start_button(end)
    left.selectbox("Lesson", ("", *lessons.KEYS), key="lesson_pick", label_visibility="collapsed",
                   format_func=lambda key: lessons.BY_KEY[key].title if key else "Lessons: pick one, or play freely",
                   on_change=_pick_lesson)  # fmt: skip
    if settings.lesson:
        right.caption(lessons.BY_KEY[settings.lesson].notice)


class_view.show()
if "lesson" not in settings.hidden_controls():
    lesson_bar()


@st.fragment
def live_area() -> None:
    """The stage and the chain rule of the selected point: rerun alone on every chunk, Step and Pause."""
    player.stage()
    data, trainer = ss.data, ss.trainer
    if not len(data.y) or settings.present:
        return
    # Drawn only when asked for: its tables and formulas cost the browser more than the whole stage's update.
    if not st.toggle("Show the chain rule for the selected point, step by step, with its numbers (derivation 1)",
                     key="show_chain_rule"):  # fmt: skip
        return
    views = panels.paused_views(data, trainer, session.selected_point(), frozen=player.playing())
    if views.playing_since is not None:
        st.caption(f"As it was at step {views.step:,}, when Play was pressed: it follows the training when you pause.")
    panels.chain_rule_walkthrough(views.terms, panels.z_names(trainer), int(data.y[views.index]), data.class_names,
                                  trainer.label_smoothing, trainer.temperature)  # fmt: skip


live_area()
