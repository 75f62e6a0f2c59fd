"""Optimizer race: two to four training runs from the same initial weights, side by side."""

import numpy as np
import streamlit as st

from ce_app import figures, numbers, page_frame, widget_memory
from ce_app import race_view as rv
from ce_app.controls import batch_options
from ce_app.settings import LR_VALUES, OPTIMIZERS

CACHE_KEY = "race_cache"  # holds only the last race: (key, RaceSummary)
CHART_CONFIG = {"displayModeBar": False}
DEFAULT_PRESET = next(iter(rv.PRESETS))

settings = page_frame.ensure()
ss = st.session_state
data, trainer = ss.data, ss.trainer
n_train = trainer.n_train
batches = batch_options(n_train)

st.title("Optimizer race")
st.caption(
    "Same data, same model, same starting weights: only the optimizer, the learning rate or the batch size differs. "
    "Who gets the loss down fastest, and who flies off the track?"
)


widget_defaults = {"race_preset": DEFAULT_PRESET, "race_steps": 200, **rv.preset_widgets(DEFAULT_PRESET, n_train)}
for i in range(4):  # contestants the preset leaves out start as plain SGD
    widget_defaults.setdefault(f"race_opt_{i}", "sgd")
    widget_defaults.setdefault(f"race_lr_{i}", 0.1)
    widget_defaults.setdefault(f"race_batch_{i}", rv.snap_batch(32, n_train))
widget_memory.restore(widget_defaults)
for i in range(4):
    if ss[f"race_batch_{i}"] not in batches:  # the data changed size since the last visit
        ss[f"race_batch_{i}"] = rv.snap_batch(ss[f"race_batch_{i}"], n_train)

top = st.columns([3, 1, 2])
# A lambda, not a function defined in the page: that would tie this run's globals (data, trainer) into a reference
# cycle that outlives a closed session until a full garbage collection (tests/e2e/test_closed_sessions.py).
top[0].selectbox("Preset", list(rv.PRESETS), key="race_preset",
                 on_change=lambda: ss.update(rv.preset_widgets(ss["race_preset"], n_train)),
                 help="Fills in the contestants below; change any of them afterwards.")  # fmt: skip
n_runs = top[1].number_input("Runs", 2, 4, step=1, key="race_n")
n_steps = top[2].select_slider("Steps per run", rv.STEP_CHOICES, key="race_steps",
                               help="Every run takes this many optimizer steps (fewer if it diverges).")  # fmt: skip

contestants = []
cols = st.columns(int(n_runs))
for i, col in enumerate(cols):
    with col.container(border=True):
        st.markdown(f"**Run {i + 1}**")
        opt = st.selectbox("Optimizer", OPTIMIZERS, format_func=rv.describe, key=f"race_opt_{i}")
        lr = st.select_slider("Learning rate", LR_VALUES, format_func=lambda v: f"{v:g}", key=f"race_lr_{i}")
        batch = st.select_slider("Batch size", batches, key=f"race_batch_{i}",
                                 format_func=lambda m: f"{m} (full)" if m >= n_train else str(m))  # fmt: skip
        contestants.append(rv.Contestant(opt, float(lr), int(batch)))
widget_memory.remember(widget_defaults)

st.caption(
    f"Every run starts from the weights of seed {settings.seed} and uses the sidebar's data, model and loss "
    f"(l2 = {trainer.l2:g}, T = {trainer.temperature:g}, ε = {trainer.label_smoothing:g}). Runs with the same "
    "batch size see the same mini-batches in the same order."
)
key = (ss.trainer_version, tuple(contestants), int(n_steps), settings.seed, trainer.l2, trainer.temperature,
       trainer.label_smoothing)  # fmt: skip
if st.button("Run race", key="btn_race", type="primary"):
    bar = st.progress(0.0, text=f"Racing {len(contestants)} runs of {n_steps:,} steps…")
    try:
        summary = rv.run(trainer, data, contestants, int(n_steps), settings.seed,
                         on_progress=lambda f: bar.progress(min(float(f), 1.0)))  # fmt: skip
        ss[CACHE_KEY] = (key, summary)
    except ValueError as error:
        st.error(f"Could not run this race: {error}")
    bar.empty()

cached = ss.get(CACHE_KEY)
if cached is None or cached[0] != key:
    if cached is not None:
        st.info("The settings changed since the last race: press **Run race** to race these runs.")
    else:
        st.info("Press **Run race** to start.")
    st.stop()
summary = cached[1]

# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------
for run in summary.runs:
    if run.diverged:
        st.error(f"{run.label} diverged after {run.steps_run:,} steps: {run.reason}.", icon=":material/error:")

results = rv.results_table(summary)
st.dataframe(results.style.format(numbers.fmt, subset=["train loss", "test loss"]).format(
    numbers.percent, subset=["train acc.", "test acc."]), hide_index=True, width="stretch")  # fmt: skip

curves = [figures.RunCurves(name=run.label, steps=run.steps, train_loss=run.train_loss, test_loss=run.test_loss,
                            color=run.color, symbol=run.symbol, diverged_reason=run.reason)
          for run in summary.runs]  # fmt: skip
st.plotly_chart(figures.race_curves(curves), key="race_curves", config=CHART_CONFIG)
st.caption(
    "**What am I looking at?** The average loss of each run after every step: solid on the training points, "
    "dotted on the held-out test points. Lower is better; a steep start means fast learning. A cross marks a run "
    "that diverged (its steps overshot until the loss exploded); hover it to see why."
)

st.markdown("##### Where each run ended: decision regions")
cols = st.columns(len(summary.runs))
thumb_height = rv.thumbnail_height(data.bounds, len(cols))
for col, run in zip(cols, summary.runs, strict=True):
    acc = run.metrics["train_acc"]
    status = f"diverged at step {run.steps_run:,}" if run.diverged else f"train acc. {numbers.percent(acc)}"
    fig = figures.region_thumbnail(run.grid_x1, run.grid_x2, run.probs, data.X, data.y, data.is_test,
                                   f"{run.label}<br><sup>{status}</sup>", data.bounds,
                                   height=thumb_height)  # fmt: skip
    col.plotly_chart(fig, key=f"race_regions_{run.label[0]}", config=CHART_CONFIG)
st.caption(
    "**What am I looking at?** For each run, the class its final weights predict at every point of the plane "
    "(deeper colour = more sure), with the data on top. Runs with similar loss draw similar boundaries."
)

st.markdown("##### All the paths on one loss landscape")
if summary.surface is None:
    st.info("Every run diverged, so there is no path to draw on a landscape.")
else:
    paths = tuple(
        figures.SlicePath(name=run.label, alphas=run.path_alphas, betas=run.path_betas, steps=run.path_steps,
                          color=run.color, symbol=run.symbol)
        for run in summary.runs if not run.diverged
    )  # fmt: skip
    view = figures.SliceView(
        alphas=summary.alphas, betas=summary.betas, surface=summary.surface, paths=paths,
        title="Training loss around the shared starting weights", x_title="α (direction 1)",
        y_title="β (direction 2)", center_label="shared start", colorscale=figures.LIGHT_SCALE,
    )  # fmt: skip
    st.plotly_chart(figures.landscape_contour(view), key="race_landscape", config=CHART_CONFIG)
    skipped = [run.label for run in summary.runs if run.diverged]
    st.caption(
        "**What am I looking at?** A map of the training loss on a flat slice through weight space, centred on the "
        "weights every run started from (the star). The slice follows "
        f"{summary.slice_note}. Each line is one run's path, ending at its marker; light grey is low loss, dark grey high. The map is "
        "the loss on the slice itself: a run that leaves the slice is drawn as its shadow, so its end need not sit "
        "in a light (low) spot." + (f" Not drawn (diverged): {', '.join(skipped)}." if skipped else "")
    )
    if not np.isfinite(summary.surface).all():
        st.caption("Some far points of the slice overflowed; they are drawn in the top colour.")
