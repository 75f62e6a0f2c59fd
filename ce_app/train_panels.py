"""The training page's views of the paused state, below the player: the chain rule and the last mini-batch.

They follow the trainer at every Step and Pause; while the player plays they keep the state they had when Play
was pressed (and say which step that is), since recomputing them for every chunk would cost the server without
showing anything the player does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import ce_core

from . import figures
from .palette import class_label
from .state import Dataset

MAX_BATCH_ROWS = 48  # rows of the batch heat maps; the mean is always over the whole batch


def fmt(value: float, digits: int = 4) -> str:
    """A number for a table cell or a metric: 4 significant digits, never 'nan' (shown as '–')."""
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:.{digits}g}"


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
# The paused state, kept while playing
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PausedViews:
    """What the views below the player show, computed at one step."""

    step: int  # the trainer's step they show
    index: int  # the selected point
    forward: ce_core.ForwardPass
    terms: ce_core.ChainRuleTerms
    batch_matrix: object | None  # go.Figure, None before the first step
    batch_contributions: object | None
    batch_size: int


def paused_views(data: Dataset, trainer: ce_core.Trainer, index: int, class_k: int, batch: bool) -> PausedViews:
    """The selected point's forward pass and derivation-1 terms, and (with ``batch``) the batch view."""
    forward, terms = sample_terms(data, trainer, index)
    matrix = contributions = None
    m = 0
    if batch and trainer.last_batch is not None:
        matrix, contributions, m = batch_figures(data, trainer, min(class_k, data.n_classes - 1))
    return PausedViews(trainer.step_count, index, forward, terms, matrix, contributions, m)
