"""Sidebar widgets -> Settings. Widget keys are ``w_<setting name>``; their first values come from the URL."""

from __future__ import annotations

import streamlit as st

import ce_core

from .settings import LR_VALUES, OPTIMIZER_LABELS, OPTIMIZERS, SPECS, Settings

FEATURE_LABELS = {
    "identity": "none: z = x",
    "poly2": "polynomial, degree 2",
    "poly3": "polynomial, degree 3",
    "rbf": "radial basis bumps (36)",
    "fourier": "random Fourier (32)",
}
SCHEDULE_LABELS = {"constant": "constant", "inverse_time": "1 / (1 + 0.01 t)", "cosine": "cosine to 0 over 1000 steps"}


def key(name: str) -> str:
    return f"w_{name}"


def seed_widgets(settings: Settings) -> None:
    """Put the settings into the widgets' session-state slots (first run of a session, or a loaded link)."""
    for name in SPECS:
        st.session_state[key(name)] = getattr(settings, name)


def batch_options(n_train: int) -> list[int]:
    """Powers of two up to the training-set size, and the size itself (full batch)."""
    options = [2**i for i in range(12) if 2**i < n_train]
    return [*options, n_train]


def _batch_label(n_train: int):
    def label(m: int) -> str:
        if m == 1:
            return "1 · per-sample SGD"
        if m >= n_train:
            return f"{n_train} · full batch"
        return str(m)

    return label


def _snap_batch(n_train: int) -> None:
    """Keep the batch slider's value among its options when the data change size."""
    options = batch_options(n_train)
    current = st.session_state.get(key("batch"), 32)
    if current not in options:
        st.session_state[key("batch")] = n_train if current >= n_train else min(options, key=lambda o: abs(o - current))


def _new_sample() -> None:
    st.session_state[key("seed")] = (st.session_state[key("seed")] + 1) % (2**31 - 1)


def sidebar(n_train: int, hidden: frozenset[str], data_source: str = "generated") -> Settings:
    """Draw the sidebar and return the settings it shows. ``hidden`` lists groups a teacher link hides; with data
    that were uploaded or drawn (``data_source``), the controls that only shape generated data are disabled."""
    ss = st.session_state
    sb = st.sidebar
    for name in SPECS:
        # Re-assert every value through the Session State API before drawing. Streamlit ties a value it keeps as
        # widget state to the widget's id, and forgets it when the widget is not drawn in a run (a hidden group,
        # the momentum slider under Adam, the sample box on another page) or when the id changes (ids include
        # the running page, which changes once when a fresh server process leaves its legacy pages/ mode):
        # a widget that came back would silently start at its minimum. A value set through the API is tied to
        # the key, so it survives both.
        ss[key(name)] = ss[key(name)] if key(name) in ss else getattr(ss.settings, name)
    values = {name: ss[key(name)] for name in SPECS}
    custom = data_source != "generated"
    if "data" not in hidden:
        sb.subheader("Data")
        if custom:
            sb.caption(f"Training on {data_source} points: the dataset, classes, points and noise below apply again "
                       "after Back to generated data (under Your own data).")  # fmt: skip
        values["dataset"] = sb.selectbox(
            "Dataset", ce_core.DATASETS, key=key("dataset"), disabled=custom,
            help="The toy 2D problem. Blobs are easy for a straight-line (linear) model; spiral, circles, moons "
                 "and xor need curved boundaries: add features or hidden layers.",
        )  # fmt: skip
        values["K"] = sb.slider(
            "Classes K", 2, 8, key=key("K"), disabled=custom, help="Number of classes, each with its colour and marker."
        )
        values["n"] = sb.slider(
            "Points", 20, 2000, step=10, key=key("n"), disabled=custom, help="How many points in total (train + test)."
        )
        values["noise"] = sb.slider(
            "Noise", 0.0, 1.0, step=0.05, key=key("noise"), disabled=custom,
            help="Standard deviation of random jitter added to every point: more noise, more overlap between classes.",
        )  # fmt: skip
        values["test"] = sb.slider(
            "Test fraction", 0.0, 0.5, step=0.05, key=key("test"),
            help="Share of points held out: never trained on, drawn as open markers, used for the test loss.",
        )  # fmt: skip
        c1, c2 = sb.columns([3, 2], vertical_alignment="bottom")
        values["seed"] = c1.number_input("Seed", 0, 2**31 - 1, step=1, key=key("seed"),
                                         help="Fixes the data, the split, the first weights and the batch order.")  # fmt: skip
        c2.button("New", on_click=_new_sample, help="A new sample: the next seed, fresh data.", width="stretch",
                  disabled=custom, key="new_sample")  # fmt: skip
    if "model" not in hidden:
        sb.subheader("Model")
        values["features"] = sb.selectbox(
            "Feature map φ(x)", ce_core.FEATURE_MAPS, format_func=FEATURE_LABELS.get, key=key("features"),
            help="A fixed transformation of the input before the trained layers. With none and no hidden layer the "
                 "model is multinomial logistic regression: straight boundaries between classes.",
        )  # fmt: skip
        values["layers"] = sb.radio("Hidden layers", (0, 1, 2), horizontal=True, key=key("layers"),
                                    help="Trained layers between φ(x) and the softmax layer: z = z(x; V).")  # fmt: skip
        if values["layers"]:
            values["width"] = sb.slider("Units per hidden layer", 1, 64, key=key("width"))
            values["act"] = sb.selectbox("Activation", ce_core.ACTIVATIONS, key=key("act"),
                                         help="The non-linearity applied in each hidden unit.")  # fmt: skip
    if "training" not in hidden:
        sb.subheader("Training")
        values["opt"] = sb.selectbox(
            "Optimizer", OPTIMIZERS, format_func=OPTIMIZER_LABELS.get, key=key("opt"),
            help="SGD: w ← w − lr·g. Momentum keeps a running sum of past steps. Adam scales each weight's step "
                 "by its recent gradient size. Changing it keeps the weights.",
        )  # fmt: skip
        values["lr"] = sb.select_slider(
            "Learning rate lr", LR_VALUES, format_func=lambda v: f"{v:g}", key=key("lr"),
            help="Step size, on a log scale. Too small: slow. Too large: the loss jumps around or explodes.",
        )  # fmt: skip
        values["schedule"] = sb.selectbox("Schedule", ce_core.SCHEDULES, format_func=SCHEDULE_LABELS.get,
                                          key=key("schedule"), help="How lr changes with the step number t.")  # fmt: skip
        _snap_batch(n_train)
        values["batch"] = sb.select_slider(
            "Batch size m", batch_options(n_train), format_func=_batch_label(n_train), key=key("batch"),
            help="Samples per step. 1 = per-sample SGD (one point at a time, derivation 1); all = full-batch "
                 "gradient descent (derivation 2); in between = mini-batch SGD.",
        )  # fmt: skip
        if values["opt"] == "momentum":
            values["momentum"] = sb.slider("Momentum μ", 0.0, 0.99, step=0.01, key=key("momentum"),
                                           help="Share of the previous step carried into the next.")  # fmt: skip
        values["l2"] = sb.slider(
            "L2 weight decay", 0.0, 1.0, step=0.001, format="%.3f", key=key("l2"),
            help="Adds l2/2·‖W‖² to the loss, pulling weights towards 0 (biases are not penalised).",
        )  # fmt: skip
        values["smooth"] = sb.slider(
            "Label smoothing ε", 0.0, 0.5, step=0.01, key=key("smooth"),
            help="Target y = (1−ε)·one-hot + ε/K: the model is never asked for probability exactly 1.",
        )  # fmt: skip
        values["T"] = sb.slider(
            "Temperature T", 0.01, 10.0, step=0.01, key=key("T"),
            help="p = softmax(u / T). T > 1 flattens the probabilities and shrinks the gradient by 1/T; T < 1 "
                 "sharpens them and magnifies it.",
        )  # fmt: skip
    if "speed" not in hidden:
        sb.subheader("Auto-run speed")
        c1, c2 = sb.columns(2)
        values["spf"] = c1.number_input("Steps / frame", 1, SPECS["spf"].high, key=key("spf"),
                                        help="SGD steps between two frames while playing.")  # fmt: skip
        values["fps"] = c2.number_input("Frames / s", 1, SPECS["fps"].high, key=key("fps"),
                                        help="Frames shown per second while playing. In a class on one shared "
                                             "server, 10 frames/s with more steps per frame trains as fast and "
                                             "costs the server less.")  # fmt: skip
    if "present" not in hidden:
        sb.subheader("View")
        values["present"] = sb.toggle("Presentation mode", key=key("present"),
                                      help="Big text and markers for a projector: the stage fills the screen (hide "
                                           "the sidebar with its arrow).")  # fmt: skip
    values["sample"] = ss[key("sample")]
    values["hide"] = ss[key("hide")]
    return Settings(**values)
