"""Loss landscape: the training loss on a 2D slice of weight space around the current weights, with the path taken."""

import numpy as np
import streamlit as st

import ce_core
from ce_app import derivation_panels as deriv
from ce_app import figures, numbers, page_frame, widget_memory
from ce_app import landscape_view as lv

RESOLUTIONS = (11, 21, 31, 41, 51, 61)
HALF_WIDTHS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
CACHE_KEY = "ls_cache"  # holds only the last computed slice: (key, SliceResult)
CHART_CONFIG = {"displayModeBar": False}
PATH_COLOR = "#FF2E63"  # a warm pink that stands out on every colour of the Viridis scale

page_frame.ensure()
ss = st.session_state
data, trainer = ss.data, ss.trainer
model = trainer.model

st.title("Loss landscape")
st.caption(
    "Training moves a point through a space with one axis per weight: "
    f"{model.n_params():,} axes for this model. We cannot draw that, but we can cut a flat 2D slice through it, "
    "centred on the current weights, and colour every point of the slice by the training loss J there. Then "
    "we lay the path that training took onto the slice."
)

# ---------------------------------------------------------------------------------------------------------------
# Which slice
# ---------------------------------------------------------------------------------------------------------------
WIDGETS = {"ls_mode": "random", "ls_res": 31, "ls_span": 1.0, "ls_seed": 0, "ls_norm": "filter", "ls_3d": False}
widget_memory.restore(WIDGETS)
c1, c2, c3 = st.columns([2, 1, 1])
mode = c1.radio("Slice along", lv.MODES, format_func=lv.MODE_LABELS.get, key="ls_mode",
                help="Random directions show the typical shape of the loss around the weights; PCA directions "
                     "follow the path training took; single weights give the textbook picture of J(w1, w2).")  # fmt: skip
resolution = c2.select_slider("Resolution (points per axis)", RESOLUTIONS, key="ls_res",
                              help="More points: a finer picture, computed in more time (61 × 61 = 3,721 "
                                   "evaluations of the loss on the whole training set).")  # fmt: skip
half_width = c3.select_slider("View at least ±", HALF_WIDTHS, key="ls_span",
                              help="The smallest half-width of the view in each direction; it grows to hold "
                                   "the whole path.")  # fmt: skip
spec = lv.SliceSpec(mode=mode, resolution=resolution, half_width=half_width)
if mode == "random":
    r1, r2, _ = st.columns([1, 1, 2])
    seed = r1.number_input("Direction seed", 0, 10_000, step=1, key="ls_seed",
                           help="Another seed draws two other random directions.")  # fmt: skip
    normalize = r2.selectbox("Normalisation", ce_core.NORMALIZATIONS, key="ls_norm",
                             help="filter: each row of each weight matrix gets the length of the same row of the "
                                  "weights (Li et al., 2018), so the picture does not depend on how big the "
                                  "weights are. none: raw Gaussian directions.")  # fmt: skip
    spec = lv.SliceSpec(mode=mode, seed=int(seed), normalize=normalize, resolution=resolution,
                        half_width=half_width)  # fmt: skip
elif mode == "coords":
    shapes = model.param_shapes()
    first, second = lv.default_entries(model)
    widget_memory.restore({"ls_param1": first[0], "ls_entry1": first[1], "ls_param2": second[0],
                           "ls_entry2": second[1]})  # fmt: skip
    chosen = []
    for axis, (default_name, default_flat) in (("1", first), ("2", second)):
        a, b, _ = st.columns([1, 2, 1])
        # A model change can leave a stored choice that no longer exists: drop it before drawing the widget.
        if ss.get(f"ls_param{axis}") not in shapes:
            ss[f"ls_param{axis}"] = default_name
        name = a.selectbox(f"Axis {axis}: parameter", list(shapes), key=f"ls_param{axis}")
        size = int(np.prod(shapes[name]))
        if not 0 <= int(ss.get(f"ls_entry{axis}", -1)) < size:
            ss[f"ls_entry{axis}"] = default_flat if name == default_name and default_flat < size else 0
        flat = b.selectbox(f"Axis {axis}: weight", range(size), key=f"ls_entry{axis}",
                           format_func=lambda i, name=name: lv.entry_label(model, name, i, data.class_names))  # fmt: skip
        chosen.append((name, int(flat)))
    spec = lv.SliceSpec(mode=mode, first=chosen[0], second=chosen[1], resolution=resolution, half_width=half_width)
show_3d = st.toggle("3D surface", key="ls_3d", help="Show the slice as a surface you can turn with the mouse.")
widget_memory.remember([*WIDGETS, "ls_param1", "ls_entry1", "ls_param2", "ls_entry2"])

# ---------------------------------------------------------------------------------------------------------------
# Compute (cached: the slice depends on the weights, the recorded path, the loss settings and the spec)
# ---------------------------------------------------------------------------------------------------------------
key = (ss.trainer_version, deriv.params_fingerprint(trainer), len(trainer.trajectory),
       int(trainer.trajectory.steps[-1]), trainer.l2, trainer.temperature, trainer.label_smoothing, spec)  # fmt: skip
cached = ss.get(CACHE_KEY)
result = None
if cached is not None and cached[0] == key:
    result = cached[1]
elif mode == "pca" and len(trainer.trajectory) < lv.MIN_PCA_POINTS:
    st.info("The training path has fewer than 3 recorded points, so it has no main directions yet. Take a few "
            "steps on the Train page (Step ×10), or slice along random directions or single weights.")  # fmt: skip
else:
    bar = st.progress(0.0, text=f"Evaluating the loss at {resolution * resolution:,} points of the slice…")
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # far corners overflow: they come back as +inf
            result = lv.compute_slice(trainer, spec, data.class_names,
                                      on_progress=lambda f: bar.progress(min(float(f), 1.0)))  # fmt: skip
        ss[CACHE_KEY] = (key, result)
    except ValueError as error:
        st.error(f"Could not draw this slice: {error}")
    bar.empty()

if result is not None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("J at the current weights", numbers.fmt(result.center_loss, 5),
              help="Mean cross-entropy on the training set plus the l2 penalty: the centre of the slice.")  # fmt: skip
    m2.metric("Lowest J on the slice", numbers.fmt(result.lowest_loss, 5))
    m3.metric("Step", f"{trainer.step_count:,}")
    m4.metric("Path off the slice", numbers.percent(result.off_slice),
              help="Median distance of the recorded weights from this plane, relative to their distance from the "
                   "current weights. 0%: the path lies in the slice; near 100%: it left the slice at once, and "
                   "the drawn path is only its shadow.")  # fmt: skip
    path = figures.SlicePath(name="training path", alphas=result.path_alphas, betas=result.path_betas,
                             steps=result.path_steps, color=PATH_COLOR, symbol="circle",
                             losses=result.path_losses)  # fmt: skip
    view = figures.SliceView(
        alphas=result.alphas, betas=result.betas, surface=result.surface, paths=(path,),
        title=f"Training loss J on a slice through the weights after {trainer.step_count:,} steps",
        x_title=result.x_title, y_title=result.y_title, center_label="current weights",
        center_loss=result.center_loss,
    )  # fmt: skip
    if show_3d:
        st.plotly_chart(figures.landscape_surface(view), key="ls_surface", config={"displaylogo": False})
    else:
        st.plotly_chart(figures.landscape_contour(view), key="ls_contour", config=CHART_CONFIG)
    if trainer.step_count == 0:
        st.caption("No step taken yet: the path is a single point. Train on the Train page and come back.")
    st.caption(
        "**What am I looking at?** A map of the loss. The white star (a diamond in 3D) is where the weights are "
        "now, the centre α = β = 0; every other point of the map is the same model with its weights moved by α "
        "along one direction and β along another. Dark colours are low loss (good), bright ones high. The pink line is the "
        "path training took, from its first step (small dots) to now, flattened onto this map. Gradient descent "
        "walks downhill, across the contour lines. With random directions the path mostly leaves the slice (see "
        '"Path off the slice"), so its shadow here can look short; PCA directions follow it instead.'
    )
