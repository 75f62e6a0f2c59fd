"""Training page: step or auto-run SGD and watch logits, probabilities, loss and per-class gradients."""

import streamlit as st

from ce_app import own_data, session
from ce_app import train_panels as panels
from ce_app.palette import class_label

MAX_STEPS_PER_PLAY = 20_000  # one press of Play runs at most this many steps, so a forgotten tab stops by itself

settings = session.ensure_frame()
ss = st.session_state
hidden = settings.hidden_controls()

if not settings.present:
    st.title("Cross-Entropy Playground")
    st.caption(
        "A classifier turns each point x into scores (logits) u_k, squashes them into probabilities "
        "p = softmax(u), and is punished by the loss −log p_y for the true class y. Every step of gradient descent "
        "moves each class's weights by −lr·(p_k − y_k)·z. Step through it below."
    )


def _step(n: int) -> None:
    ss.trainer.step(n)


def _epoch() -> None:
    ss.trainer.run_epoch()


def _stop_playing() -> None:
    ss.running = False


def _reset() -> None:
    ss.trainer.reset()
    ss.running = False


def _set_running(value: bool) -> None:
    """Play (True) or Pause (False). Idempotent on purpose: the browser may deliver one click twice (once with the
    auto-run timer's own rerun), which must not undo itself."""
    if ss.running == value:
        return
    ss.running = value
    ss.play_started_at = ss.trainer.step_count
    ss.play_toggled = True  # the fragment asks for a full rerun, which starts or stops the browser's timer


def _stop(message: str, kind: str = "info") -> None:
    ss.running = False
    ss.stop_message = (kind, message)
    st.rerun()  # a full-app rerun cancels the run_every timer


def controls_row() -> None:
    trainer = ss.trainer
    cols = st.columns([1, 1, 1, 1.3, 1, 3])
    blocked = trainer.diverged
    if "step" not in hidden:
        cols[0].button("Step", on_click=_step, args=(1,), disabled=blocked or ss.running, key="btn_step",
                       help="One SGD update on the next mini-batch.", width="stretch")  # fmt: skip
    if "step10" not in hidden:
        cols[1].button("Step ×10", on_click=_step, args=(10,), disabled=blocked or ss.running, key="btn_step10",
                       width="stretch")  # fmt: skip
    if "epoch" not in hidden:
        cols[2].button("Epoch", on_click=_epoch, disabled=blocked or ss.running, key="btn_epoch", width="stretch",
                       help="Steps until every training point has been used once in this pass.")  # fmt: skip
    if "play" not in hidden:
        if ss.running:  # two buttons with their own keys, so a repeated click can only ever mean Pause
            cols[3].button("⏸ Pause", on_click=_set_running, args=(False,), key="btn_pause", type="primary",
                           width="stretch")  # fmt: skip
        else:
            cols[3].button("▶ Play", on_click=_set_running, args=(True,), disabled=blocked, key="btn_play",
                           type="primary", width="stretch",
                           help=f"Run {settings.spf} steps per frame at {settings.fps} frames per second. While "
                                "playing, the plane and the metrics change every frame; the selected point's "
                                "numbers, the batch view and the curves take turns, one per frame, so the browser "
                                "keeps up.")  # fmt: skip
    if "reset" not in hidden:
        cols[4].button("Reset", on_click=_reset, key="btn_reset", width="stretch",
                       help="Back to the initial weights of this seed, step 0.")  # fmt: skip
    if "draw" not in hidden:
        cols[5].toggle("✏️ Draw points", key="draw_mode", on_change=_stop_playing,
                       help="Click on the plane to add points of a chosen class (or remove them); training "
                            "restarts on the edited data.")  # fmt: skip


@st.fragment(run_every=(1.0 / settings.fps) if ss.running else None)
def live_area() -> None:
    """Everything that changes while training: reruns alone on every auto-run frame and every button click."""
    trainer = ss.trainer
    if ss.pop("play_toggled", False):
        st.rerun()
    if ss.running:
        trainer.step(settings.spf)
        if trainer.diverged:
            _stop("Auto-run stopped: the training diverged (see below).", "error")
        elif trainer.step_count - ss.get("play_started_at", 0) >= MAX_STEPS_PER_PLAY:
            _stop(f"Auto-run paused after {MAX_STEPS_PER_PLAY:,} steps. Press Play to go on.")
    controls_row()
    kind, message = ss.pop("stop_message", ("", ""))
    if message and kind == "info":
        st.info(message)
    if trainer.diverged:
        st.error(f"Training diverged: {trainer.divergence_reason}. The plots show the last finite state; "
                 "press Reset to start again.", icon="💥")  # fmt: skip
    data = ss.data
    draw = ss.get("draw_mode", False)
    if draw:
        own_data.draw_tools()
    if len(data.y) == 0:
        st.info("The canvas is empty: click anywhere on the plane to add a point of the chosen class.")
        panels.plane_chart(*panels.empty_canvas(data, settings.present))
        return
    panels.metrics_row(trainer)
    shown = ss.get("plane_mode", "regions")
    if shown != "regions" and shown >= data.n_classes:  # the data lost that class
        shown = ss.plane_mode = "regions"
    # While playing, the plane and the metrics are redrawn every frame, and one of the slower views in turn: the
    # selected point's numbers, the batch view, the curves (see live_frame). Anything that changes what they show
    # (another point, another class, other data) redraws them all at once.
    ss.frame_count = ss.get("frame_count", 0) + 1
    views_key = (id(trainer), int(ss.w_sample), ss.get("batch_class", 0), settings.present, ss.data_version)
    reuse = ss.running and ss.get("last_frame_key") == views_key
    in_turn = frozenset([panels.SLOW_VIEWS[ss.frame_count % len(panels.SLOW_VIEWS)]])
    frame = panels.live_frame(data, trainer, int(ss.w_sample), None if shown == "regions" else shown,
                              ss.get("batch_class", 0), settings.present, draw,
                              previous=ss.get("last_frame") if reuse else None, refresh=in_turn)  # fmt: skip
    ss.last_frame, ss.last_frame_key = frame, views_key
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.radio(
            "Colour the plane by", ["regions", *range(data.n_classes)], horizontal=True, key="plane_mode",
            format_func=lambda v: "predicted class" if v == "regions" else f"p of {class_label(v, data.class_names)}",
        )  # fmt: skip
        panels.plane_chart(frame.plane, frame.plane_view, playing=ss.running)
        st.caption(
            "**What am I looking at?** Every pixel is coloured by the class the model would predict there, deeper "
            "where it is more sure. Filled markers are training points, open ones are test points; a red ring "
            "marks a misclassified point, purple squares the points of the last mini-batch, the black target the "
            "selected point. Click a point to inspect it."
            + (" The grey arrows are the class weight vectors w_k: class k's logit u_k = w_k·x + b_k grows in "
               "the direction w_k points. The red dotted arrows show where the next step will move them."
               if frame.plane_view.weights is not None else "")
        )  # fmt: skip
    with right:
        st.number_input("Selected point #", 0, len(data.y) - 1, key="w_sample",
                        help="Index of the point to inspect (or click it on the plane).")  # fmt: skip
        index, terms, forward = int(ss.w_sample), frame.terms, frame.forward
        label = int(data.y[index])
        names = panels.z_names(trainer)
        where = "test" if data.is_test[index] else "training"
        st.markdown(
            f"**Point #{index}** ({where} point), true class **{class_label(label, data.class_names)}**  \n"
            f"x = {panels.vector_text(data.X[index], ['x1', 'x2'])}  \n"
            f"z = {panels.vector_text(forward.z[0], names)}  \n"
            f"loss = −Σ y_k log p_k = **{panels.fmt(terms.loss, 5)}**"
        )
        panels.chart(frame.logits, key="logit_bars")
        st.caption("**What am I looking at?** The logits: one raw score per class, u_k = w_k·z + b_k. "
                   "Only their differences matter; softmax turns them into probabilities.")  # fmt: skip
        panels.chart(frame.probs, key="prob_bars")
        st.caption("**What am I looking at?** p_k = e^{u_k/T} / Σ_j e^{u_j/T}, the model's probabilities, next "
                   "to the target y_k. The gap p_k − y_k is exactly how hard gradient descent pulls on class k.")  # fmt: skip
    if not settings.present:
        st.markdown("##### Per-class gradient for the selected point")
    panels.show_table(frame.table)
    st.caption("**What am I looking at?** One row per class. dL/du_k = (p_k − y_k)/T is positive for classes the "
               "model over-rates and negative for the true class; multiplied by z it gives the gradient row "
               "dL/dw_k. A step moves w_k against it.")  # fmt: skip
    with st.expander("Chain rule, step by step, with these numbers (derivation 1)"):
        panels.chain_rule_walkthrough(terms, names, label, data.class_names, trainer.label_smoothing,
                                      trainer.temperature)  # fmt: skip

    if settings.present:
        return
    st.markdown("##### The last mini-batch")
    if frame.batch_matrix is None:
        st.info("Press **Step** to see what one mini-batch does to the weights.")
    else:
        c1, c2 = st.columns(2)
        with c1:
            panels.chart(frame.batch_matrix, key="batch_matrix")
            st.caption(f"**What am I looking at?** One row per sample of the last batch ({frame.batch_size} samples"
                       f"{', the first 48 shown' if frame.batch_size > 48 else ''}), one column per class: p − y. "
                       "Red: the model gave that class too much; blue: too little (the true class).")  # fmt: skip
        with c2:
            st.selectbox("Class k for the gradient rows", range(data.n_classes), key="batch_class",
                         format_func=lambda k: class_label(k, data.class_names))  # fmt: skip
            panels.chart(frame.batch_contributions, key="batch_contrib")
            st.caption("**What am I looking at?** Each sample's contribution (p_ik − y_ik)·z_i to the gradient of "
                       "class k, their mean (derivation 2: −1/m Xᵀ(Y − S), one row of it, plus l2·w_k when weight "
                       "decay is on), and the change the optimizer applied to w_k (−lr times the mean for plain "
                       "SGD).")  # fmt: skip

    st.markdown("##### Learning curves")
    c1, c2 = st.columns(2)
    with c1:
        panels.chart(frame.loss_curves, key="loss_curves")
        st.caption("**What am I looking at?** The mean loss and the accuracy on training and test points after "
                   "each step. Test curves that turn away from training curves mean overfitting.")  # fmt: skip
    with c2:
        panels.chart(frame.grad_curves, key="grad_curves")
        st.caption("**What am I looking at?** How big each class's gradient is. It shrinks as p approaches y: "
                   "a confident, correct model barely moves.")  # fmt: skip


live_area()
