"""Training page: step or play SGD and watch logits, probabilities, loss and per-class gradients."""

import streamlit as st

from ce_app import player, session
from ce_app import train_panels as panels
from ce_app.palette import class_label

settings = session.ensure_frame()
ss = st.session_state

if not settings.present:
    st.title("Cross-Entropy Playground")
    st.caption(
        "A classifier turns each point x into scores (logits) u_k, squashes them into probabilities "
        "p = softmax(u), and is punished by the loss −log p_y for the true class y. Every step of gradient descent "
        "moves each class's weights by −lr·(p_k − y_k)·z. Step through it below, or press Play."
    )


@st.fragment
def live_area() -> None:
    """The player and the views of the paused state: reruns alone on every chunk, Step and Pause."""
    player.stage()
    playing = player.playing()
    data, trainer = ss.data, ss.trainer
    if not len(data.y):
        return
    # While playing these views keep the state of the last pause; recomputing them for every chunk would show
    # a step the player has not reached yet.
    cached = ss.get("paused_views")
    key = (ss.trainer_version, trainer.step_count, session.selected_point(), ss.get("batch_class", 0), settings)
    stale = cached is None or cached[0] != key
    if stale and (not playing or cached is None or cached[0][0] != ss.trainer_version):
        cached = (key, panels.paused_views(data, trainer, session.selected_point(), ss.get("batch_class", 0),
                                           batch=not settings.present))  # fmt: skip
        ss.paused_views = cached
    views = cached[1]
    label = int(data.y[views.index])
    where = f" at step {views.step:,}, when Play was pressed" if playing else ""
    with st.expander(f"Chain rule for point #{views.index}, step by step, with its numbers (derivation 1){where}"):
        panels.chain_rule_walkthrough(views.terms, panels.z_names(trainer), label, data.class_names,
                                      trainer.label_smoothing, trainer.temperature)  # fmt: skip
    if settings.present:
        return
    st.markdown(f"##### The last mini-batch{where}")
    if views.batch_matrix is None:
        st.info("Press Step to see what one mini-batch does to the weights.")
        return
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(views.batch_matrix, key="batch_matrix", config={"displayModeBar": False})
        st.caption(f"**What am I looking at?** One row per sample of the last batch ({views.batch_size} samples"
                   f"{', the first 48 shown' if views.batch_size > 48 else ''}), one column per class: p − y. "
                   "Red: the model gave that class too much; blue: too little (the true class).")  # fmt: skip
    with c2:
        st.selectbox("Class k for the gradient rows", range(data.n_classes), key="batch_class",
                     format_func=lambda k: class_label(k, data.class_names), disabled=playing)  # fmt: skip
        st.plotly_chart(views.batch_contributions, key="batch_contrib", config={"displayModeBar": False})
        st.caption("**What am I looking at?** Each sample's contribution (p_ik − y_ik)·z_i to the gradient of "
                   "class k, their mean (derivation 2: −1/m Xᵀ(Y − S), one row of it, plus l2·w_k when weight "
                   "decay is on), and the change the optimizer applied to w_k (−lr times the mean for plain "
                   "SGD).")  # fmt: skip


live_area()
