"""The panels of the training page, each drawn from the session's data and trainer (numbers from ce_core)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import ce_core

from . import figures, live_chart, own_data
from .palette import class_label
from .state import GRID_RESOLUTION, Dataset

MAX_BATCH_ROWS = 48  # rows of the batch heat maps; the mean is always over the whole batch
MAX_CURVE_POINTS = 400  # points per curve sent to the browser
PLANE_CHART_KEY = "plane_chart"


def fmt(value: float, digits: int = 4) -> str:
    """A number for a table cell or a metric: 4 significant digits, never 'nan' (shown as '–')."""
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:.{digits}g}"


# --------------------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------------------
def metrics_row(trainer: ce_core.Trainer) -> None:
    """Step, epoch, train/test loss and accuracy, gradient norm."""
    m = trainer.metrics()
    cols = st.columns(7)
    cols[0].metric("Step", f"{m['step']:,}")
    cols[1].metric("Epoch", f"{m['epoch']:.2f}")
    cols[2].metric("Train loss", fmt(m["train_loss"]), help="Mean cross-entropy −log p_y over the training points.")
    cols[3].metric("Test loss", fmt(m["test_loss"]), help="The same on the held-out points (– when there are none).")
    cols[4].metric("Train acc.", "–" if not np.isfinite(m["train_acc"]) else f"{m['train_acc']:.1%}")
    cols[5].metric("Test acc.", "–" if not np.isfinite(m["test_acc"]) else f"{m['test_acc']:.1%}")
    cols[6].metric("‖gradient‖", fmt(m["grad_norm"], 3),
                   help="Length of the whole gradient of the last step (all weights and biases together).")  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# Input plane
# --------------------------------------------------------------------------------------------------------------
def plane_view(data: Dataset, trainer: ce_core.Trainer, selected: int, show_class: int | None,
               present: bool, draw: bool = False) -> figures.PlaneView:  # fmt: skip
    """Everything the input plane shows, computed by ce_core at the current weights."""
    model, params = trainer.model, trainer.params
    bounds = data.bounds
    grid = ce_core.decision_grid(model, params, bounds, GRID_RESOLUTION, temperature=trainer.temperature,
                                 dtype=np.float32)  # fmt: skip
    predicted = model.predict_proba(params, data.X).argmax(axis=1)
    batch = data.train_idx[trainer.last_batch.indices] if trainer.last_batch is not None else np.zeros(0, int)
    weights = steps = None
    if model.is_linear:
        weights = params["W"]
        steps = trainer.preview_update()["W"]
    return figures.PlaneView(
        x1=grid.x1, x2=grid.x2, probs=grid.probs, X=data.X, y=data.y, is_test=data.is_test, predicted=predicted,
        batch=batch, selected=selected, bounds=bounds, show_class=show_class, weights=weights, steps=steps,
        class_names=data.class_names, marker_size=12 if present else 8, font_size=18 if present else 13,
        height=640 if present else figures.PLANE_HEIGHT, click_grid=draw,
    )  # fmt: skip


def empty_canvas(data: Dataset, present: bool) -> tuple:
    """The plane with no points yet, a blank canvas that reports clicks: (figure, view)."""
    res = 2
    k = data.n_classes
    lo, hi = data.bounds[:2], data.bounds[2:]
    view = figures.PlaneView(
        x1=np.linspace(*lo, res), x2=np.linspace(*hi, res), probs=np.full((res, res, k), 1.0 / k),
        X=np.zeros((0, 2)), y=np.zeros(0, int), is_test=np.zeros(0, bool), predicted=np.zeros(0, int),
        batch=np.zeros(0, int), selected=None, bounds=data.bounds, class_names=data.class_names,
        click_grid=True, height=640 if present else figures.PLANE_HEIGHT,
    )  # fmt: skip
    return figures.input_plane(view), view


def _select_from_chart() -> None:
    """A click on the plane -> the selected sample (a point's index travels in customdata[0]); in draw mode, a new
    point at the click (or the nearest point removed)."""
    click = live_chart.clicked(PLANE_CHART_KEY)
    if click is None:
        return
    data = st.session_state.data
    if st.session_state.get("draw_mode"):
        x_min, x_max, y_min, y_max = data.bounds
        if x_min <= click.x <= x_max and y_min <= click.y <= y_max:  # on the plane: the browser is not trusted
            own_data.handle_click(click.x, click.y)
        return
    # trace 0 is the heat map; the class traces (curves 1..K) carry the points' indices
    is_point = click.curve is not None and 1 <= click.curve <= data.n_classes
    if is_point and click.index is not None and 0 <= click.index < len(data.y):
        st.session_state["w_sample"] = click.index


def plane_chart(figure, view: figures.PlaneView, playing: bool = False) -> None:
    """The input plane, updated in place while training; a click on a point selects it (see _select_from_chart)."""
    live_chart.live_chart(figure, key=PLANE_CHART_KEY, height=view.height, layers=figures.plane_layers(view, playing),
                          clickable=True, on_click=_select_from_chart)  # fmt: skip


def chart(figure, key: str) -> None:
    """A chart of the live area, updated in place from one frame to the next (see ce_app/live_chart.py)."""
    live_chart.live_chart(figure, key=key, height=figure.layout.height)


# --------------------------------------------------------------------------------------------------------------
# Sample inspector
# --------------------------------------------------------------------------------------------------------------
def sample_terms(data: Dataset, trainer: ce_core.Trainer, index: int):
    """Forward pass and derivation-1 terms for one point, straight from ce_core."""
    forward = trainer.model.forward(trainer.params, data.X[index : index + 1], temperature=trainer.temperature)
    terms = ce_core.chain_rule_terms(
        forward.logits[0], int(data.y[index]), forward.z[0], temperature=trainer.temperature,
        label_smoothing=trainer.label_smoothing,
    )  # fmt: skip
    return forward, terms


def z_names(trainer: ce_core.Trainer) -> list[str]:
    model = trainer.model
    if model.hidden:
        return [f"h{i + 1}" for i in range(model.n_last_inputs)]
    return ce_core.feature_names(model.features)


def inspector_table(logits, terms, names, class_names) -> pd.DataFrame:
    """One row per class: u_k, p_k, y_k, dL/du_k and the gradient row dL/dw_k (per feature of z when few)."""
    k = len(terms.probs)
    table = {
        "class": [class_label(i, class_names) for i in range(k)],
        "u_k": logits,
        "p_k": terms.probs,
        "y_k": terms.targets,
        "dL/du_k = (p_k − y_k)/T": terms.dL_du,
    }
    if len(names) <= 6:
        for j, name in enumerate(names):
            table[f"dL/dw_k[{name}]"] = terms.product[:, j]
    else:
        table["‖dL/dw_k‖"] = np.linalg.norm(terms.product, axis=1)
    return pd.DataFrame(table)


NUMBER_FORMAT = "%.4g"


def show_table(frame: pd.DataFrame) -> None:
    config = {c: st.column_config.NumberColumn(c, format=NUMBER_FORMAT) for c in frame.columns if c != "class"}
    st.dataframe(frame, hide_index=True, column_config=config, width="stretch")


def vector_text(values, names, limit: int = 8) -> str:
    """'(x1 = 0.12, x2 = −1.3)' for short vectors; the first few entries and a count for long ones."""
    parts = [f"{n} = {fmt(v, 3)}" for n, v in zip(names[:limit], values[:limit], strict=False)]
    more = f", … {len(values) - limit} more" if len(values) > limit else ""
    return "(" + ", ".join(parts) + more + ")"


def chain_rule_walkthrough(terms, names, label: int, class_names, smoothing: float, temperature: float) -> None:
    """Derivation 1 with this sample's numbers: three factors, their product, and the table's row."""
    p_y = terms.probs[label]
    st.markdown(
        f"For this point the true class is **{class_label(label, class_names)}** and the model gives it "
        f"p_y = {fmt(p_y, 5)}. The chain rule splits dL/dw_k into three factors:"
    )
    st.latex(r"\frac{\partial L}{\partial w_k} = \underbrace{\frac{\partial L}{\partial p_y}}_{-1/p_y}"
             r"\cdot \underbrace{\frac{\partial p_y}{\partial u_k}}_{p_y(\mathbb{1}[k=y]-p_k)/T}"
             r"\cdot \underbrace{\frac{\partial u_k}{\partial w_k}}_{z}")  # fmt: skip
    st.latex(rf"\frac{{\partial L}}{{\partial p_y}} = -\frac{{1}}{{p_y}} = -\frac{{1}}{{{fmt(p_y, 5)}}} "
             rf"= {fmt(terms.dL_dp_y, 5)}")  # fmt: skip
    k = len(terms.probs)
    frame = pd.DataFrame({
        "class": [class_label(i, class_names) for i in range(k)],
        "dp_y/du_k": terms.dp_y_du,
        "dL/dp_y · dp_y/du_k": terms.chain_dL_du,
        "table: (p_k − y_k)/T": terms.dL_du,
    })  # fmt: skip
    show_table(frame)
    st.markdown(f"The third factor is the same for every class: du_k/dw_k = z = {vector_text(terms.du_dw, names)}. "
                "Multiplying the three factors gives one row per class:")  # fmt: skip
    literal, product = terms.literal_product, terms.product
    both = {"class": [class_label(i, class_names) for i in range(k)]}
    for j, name in enumerate(names[:4]):
        both[f"product [{name}]"] = literal[:, j]
        both[f"table row [{name}]"] = product[:, j]
    show_table(pd.DataFrame(both))
    gap = float(np.abs(literal - product).max())
    if smoothing > 0:
        st.info(
            f"With label smoothing ε = {smoothing:g} the target is not one-hot, so derivation 1's three factors "
            "describe only the hard-label part. The table uses the general result dL/du_k = (p_k − y_k)/T "
            f"(derivation 4); the two differ by at most {fmt(gap, 3)}."
        )
    else:
        st.success(f"The product of the three factors and the table's row agree to {fmt(gap, 2)} "
                   "(floating-point rounding): dL/dw_k = (p_k − 1[k=y]) z / T.")  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# Batch view
# --------------------------------------------------------------------------------------------------------------
def batch_figures(data: Dataset, trainer: ce_core.Trainer, class_k: int):
    """P - Y for the last batch, and how its rows add up to dL/dw_k and the update of w_k."""
    last = trainer.last_batch
    shown = slice(0, MAX_BATCH_ROWS)
    point_ids = data.train_idx[last.indices][shown]
    matrix = figures.batch_matrix(last.probs_minus_targets[shown], point_ids, data.class_names)
    per_sample = last.per_sample_grad_W()[shown, class_k, :]
    contributions = figures.batch_contributions(
        per_sample, last.grads["W"][class_k], last.update["W"][class_k], point_ids, z_names(trainer), class_k
    )
    return matrix, contributions, len(last.indices)


# --------------------------------------------------------------------------------------------------------------
# Curves
# --------------------------------------------------------------------------------------------------------------
def thinned_history(trainer: ce_core.Trainer) -> dict:
    """The history with at most MAX_CURVE_POINTS rows (every j-th row, always keeping the latest)."""
    history = trainer.history.as_dict()
    n = len(history["step"])
    if n <= MAX_CURVE_POINTS:
        return history
    keep = np.unique(np.append(np.arange(0, n, -(-n // MAX_CURVE_POINTS)), n - 1))
    return {name: values[keep] for name, values in history.items()}


# --------------------------------------------------------------------------------------------------------------
# Everything one frame of the live area draws
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LiveFrame:
    """The figures and numbers of one frame of the training page's live area (None where nothing to show)."""

    plane: object  # go.Figure of the input plane
    plane_view: figures.PlaneView
    forward: ce_core.ForwardPass  # the selected point's forward pass
    terms: ce_core.ChainRuleTerms  # derivation 1 for the selected point
    table: pd.DataFrame  # the inspector's per-class table
    logits: object
    probs: object
    batch_matrix: object | None  # None before the first step, and in presentation mode
    batch_contributions: object | None
    batch_size: int
    loss_curves: object | None  # None in presentation mode
    grad_curves: object | None


SLOW_VIEWS = ("point", "batch", "curves")  # the views an auto-run frame may take from the previous frame


def live_frame(data: Dataset, trainer: ce_core.Trainer, selected: int, show_class: int | None, class_k: int,
               present: bool, draw: bool = False, previous: LiveFrame | None = None,
               refresh: frozenset[str] = frozenset(SLOW_VIEWS)) -> LiveFrame:  # fmt: skip
    """Build the figures and tables of the live area from the current state (what one auto-run frame costs).

    The plane is always rebuilt. With ``previous`` (a frame of the same point, class and data), the slow views not
    named in ``refresh`` are taken from it unchanged: "point" (the selected point's numbers, bars and table),
    "batch" (the batch view) and "curves" (the learning curves). The auto-run refreshes them in turn, one per frame,
    so that the browser, which redraws every chart whose figure changed, keeps up (``python -m bench.browser``).
    """
    view = plane_view(data, trainer, selected, show_class, present, draw)
    if previous is None:
        refresh = frozenset(SLOW_VIEWS)
    if "batch" in refresh:
        matrix = contributions = None
        m = 0
        if trainer.last_batch is not None and not present:
            matrix, contributions, m = batch_figures(data, trainer, min(class_k, data.n_classes - 1))
    else:
        matrix, contributions, m = previous.batch_matrix, previous.batch_contributions, previous.batch_size
    if "curves" in refresh:
        loss_fig = grad_fig = None
        if not present:
            history = thinned_history(trainer)
            loss_fig = figures.loss_curves(history)
            grad_fig = figures.grad_norm_curves(history, data.class_names)
    else:
        loss_fig, grad_fig = previous.loss_curves, previous.grad_curves
    if "point" in refresh:
        forward, terms = sample_terms(data, trainer, selected)
        names = z_names(trainer)
        table = inspector_table(forward.logits[0], terms, names, data.class_names)
        font = 16 if present else 13
        logit_fig = figures.logit_bars(forward.logits[0], data.class_names, font_size=font)
        prob_fig = figures.prob_target_bars(terms.probs, terms.targets, data.class_names, font_size=font)
    else:
        table, logit_fig, prob_fig = previous.table, previous.logits, previous.probs
        forward, terms = previous.forward, previous.terms
    return LiveFrame(
        plane=figures.input_plane(view), plane_view=view, forward=forward, terms=terms,
        table=table, logits=logit_fig, probs=prob_fig,
        batch_matrix=matrix, batch_contributions=contributions, batch_size=m, loss_curves=loss_fig,
        grad_curves=grad_fig,
    )  # fmt: skip
