"""The training page's chain rule below the stage, and the sample helpers the derivation page shares.

It follows the trainer at every Step and Pause; while the stage plays it keeps the state it had when Play was
pressed (and says which step that is).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import ce_core

from .figures import html_charts
from .numbers import fmt, latex
from .palette import class_label
from .state import Dataset


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


def show_table(frame: pd.DataFrame, digits: int = 4) -> None:
    """A dataframe as an HTML table, numbers written as everywhere else (ce_app/numbers.py) (lighter than st.dataframe's grid)."""
    st.html(html_charts.table({c: frame[c].tolist() for c in frame.columns}, digits))


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
    st.latex(rf"\frac{{\partial L}}{{\partial p_y}} = -\frac{{1}}{{p_y}} = -\frac{{1}}{{{latex(p_y, 5)}}} "
             rf"= {latex(terms.dL_dp_y, 5)}")  # fmt: skip
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
# The paused state, kept while playing
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PausedViews:
    """What the chain rule below the stage shows, computed at one step."""

    step: int  # the trainer's step it shows
    index: int  # the selected point
    forward: ce_core.ForwardPass
    terms: ce_core.ChainRuleTerms
    playing_since: int | None = None  # kept from this step while playing


def paused_views(data: Dataset, trainer: ce_core.Trainer, index: int, frozen: bool) -> PausedViews:
    """The selected point's forward pass and derivation-1 terms at the current step; while playing (``frozen``),
    those of the last pause instead: recomputing them for every chunk would show a step the stage has not reached."""
    ss = st.session_state
    key = (ss.trainer_version, trainer.step_count, index, trainer.temperature, trainer.label_smoothing)
    kept = ss.get("paused_views")
    if frozen and kept is not None and kept[0][0] == ss.trainer_version:
        return PausedViews(kept[1].step, kept[1].index, kept[1].forward, kept[1].terms, playing_since=kept[1].step)
    if kept is None or kept[0] != key:
        forward, terms = sample_terms(data, trainer, index)
        kept = (key, PausedViews(trainer.step_count, index, forward, terms))
        ss.paused_views = kept
    return kept[1]
