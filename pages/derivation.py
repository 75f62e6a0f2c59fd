"""Why p − y? The gradient of softmax + cross-entropy, derived step by step on the selected point and batch."""

import streamlit as st

from ce_app import derivation_panels as deriv
from ce_app import page_frame, session
from ce_app.palette import class_label
from ce_app.text import plain

page_frame.ensure()
ss = st.session_state
data, trainer = ss.data, ss.trainer

st.title("Why p − y?")
st.caption(
    "Softmax followed by cross-entropy has the simplest gradient in deep learning: for each class, the predicted "
    "probability minus the target, p_k − y_k. This page derives it three ways and checks every formula against the "
    "numbers of the current model (the one you train on the Train page) on one point you pick."
)


ss["deriv_sample"] = session.selected_point()
top = st.columns([1, 3], vertical_alignment="bottom")
# No function defined in a page: it would tie this run's globals (data, trainer) into a reference cycle that
# outlives a closed session until a full garbage collection (tests/e2e/test_closed_sessions.py).
top[0].number_input("Selected point #", 0, len(data.y) - 1, key="deriv_sample",
                    on_change=session.select_point_from, args=("deriv_sample",),
                    help="The same point as the one selected on the Train page.")  # fmt: skip
index = int(ss["deriv_sample"])
top[1].markdown(
    f"Point **#{index}** ({'test' if data.is_test[index] else 'training'} point), true class "
    f"**{plain(class_label(int(data.y[index]), data.class_names))}**. Model after **{trainer.step_count:,}** steps; "
    f"temperature T = {trainer.temperature:g}, label smoothing ε = {trainer.label_smoothing:g}, weight decay "
    f"l2 = {trainer.l2:g} (change them in the sidebar)."
)

try:
    point = deriv.point_view(data, trainer, index)
    deriv.section_loss(point)
    deriv.section_jacobian(point)
    deriv.section_logit_grad(point)
    deriv.section_weights(point)
    batch = deriv.batch_view(trainer)
    deriv.section_batch(trainer, point, batch)
    deriv.section_hidden(trainer, batch)
    deriv.section_temperature(point)
    deriv.sandbox(point)
    deriv.section_gradcheck(trainer, batch)
except ValueError as error:
    st.error(f"Could not compute this page: {error}")
