"""Numbers for the derivation page ("Why p − y?"), all computed by ce_core from the session's trainer.

The page shows one selected point and one mini-batch. The mini-batch is the last one the trainer stepped on
(``trainer.last_batch``, numbers from before that step's update, as on the Train page); before the first step it is
the batch the first step will use, evaluated at the current weights.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import ce_core
from ce_core.gradcheck import DEFAULT_THRESHOLD

MAX_CHECK_SAMPLES = 64  # the gradient check uses at most this many samples of the batch
# Central differences cost two loss evaluations per weight: keep samples x weights near this budget (~1-3 s on the
# largest model the app allows, two hidden layers of 64 units: 29 samples instead of 64).
CHECK_BUDGET = 200_000
MIN_CHECK_SAMPLES = 8
CHECK_EPS = 1e-6  # the central-difference step, ce_core.compare_grads' default


def latex_number(value: float, digits: int = 4) -> str:
    """A number as LaTeX: 4 significant digits, powers of ten written 1.2 \\times 10^{-5}, '–' when not finite."""
    if value is None or not np.isfinite(value):
        return r"\text{–}"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def latex_vector(values, digits: int = 3, limit: int = 8) -> str:
    """A column vector as a LaTeX pmatrix (written as a row and transposed, to stay one line high)."""
    values = np.asarray(values, dtype=float)
    shown = [latex_number(v, digits) for v in values[:limit]]
    if len(values) > limit:
        shown.append(rf"\dots\ ({len(values) - limit}\ \text{{more}})")
    return r"\begin{pmatrix}" + " & ".join(shown) + r"\end{pmatrix}^{\!\top}"


def params_fingerprint(trainer: ce_core.Trainer) -> str:
    """A short hash of the current weights: cache keys must change whenever the weights do (a reset followed by
    the same number of steps with another learning rate gives the same step count but other weights)."""
    return hashlib.blake2b(trainer.flat_params().tobytes(), digest_size=8).hexdigest()


# --------------------------------------------------------------------------------------------------------------
# The mini-batch
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchView:
    """One mini-batch of m samples, as ce_core computed it (K classes, D inputs of the last layer)."""

    indices: np.ndarray  # (m,) rows of the training set
    z: np.ndarray  # (m, D) inputs of the last layer
    probs: np.ndarray  # (m, K) S = softmax(u / T)
    targets: np.ndarray  # (m, K) Y, one-hot or smoothed
    grads: dict  # dJ/dtheta for this batch (with the l2 term when l2 > 0), shapes of params
    data_grad_W: np.ndarray  # (K, D) the cross-entropy part of dJ/dW (without l2)
    temperature: float  # T used
    step: int  # the step that used this batch; 0 for the batch the first step will use
    from_last_step: bool  # True: trainer.last_batch; False: the next batch at the current weights


def batch_view(trainer: ce_core.Trainer) -> BatchView:
    """The last mini-batch, or before the first step the batch the first step will use (at the current weights)."""
    last = trainer.last_batch
    if last is not None:
        return BatchView(
            indices=last.indices, z=last.z, probs=last.probs, targets=last.targets, grads=last.grads,
            data_grad_W=last.per_sample_grad_W().mean(axis=0), temperature=last.temperature, step=last.step,
            from_last_step=True,
        )  # fmt: skip
    indices = trainer.next_batch_indices()
    model, params = trainer.model, trainer.params
    X, y = trainer.X_train[indices], trainer.y_train[indices]
    T, eps = trainer.temperature, trainer.label_smoothing
    forward = model.forward(params, X, temperature=T)
    _, grads = model.loss_and_grad(params, X, y, l2=trainer.l2, temperature=T, label_smoothing=eps)
    _, data_grads = model.loss_and_grad(params, X, y, l2=0.0, temperature=T, label_smoothing=eps)
    return BatchView(
        indices=indices, z=forward.z, probs=forward.probs, targets=model.targets_of(y, eps), grads=grads,
        data_grad_W=data_grads["W"], temperature=T, step=0, from_last_step=False,
    )  # fmt: skip


def layer_rows(trainer: ce_core.Trainer, batch: BatchView) -> pd.DataFrame:
    """One row per parameter, from the softmax layer down to the first hidden layer: shape and gradient norm."""
    shapes = trainer.model.param_shapes()
    rows = []
    for name in reversed(list(shapes)):
        layer = "softmax layer" if name in ("W", "b") else f"hidden layer {name[1:]}"
        rows.append({
            "parameter": name, "layer": layer, "shape": " × ".join(map(str, shapes[name])),
            "‖gradient‖": float(np.linalg.norm(batch.grads[name])),
            "‖parameter‖": float(np.linalg.norm(trainer.params[name])),
        })  # fmt: skip
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------------------
# Gradient check
# --------------------------------------------------------------------------------------------------------------
def check_sample_count(n_params: int, batch_size: int) -> int:
    """How many samples of the batch the gradient check uses: at most 64, fewer for big models (see CHECK_BUDGET)."""
    by_budget = max(MIN_CHECK_SAMPLES, CHECK_BUDGET // max(n_params, 1))
    return int(min(batch_size, MAX_CHECK_SAMPLES, by_budget))


@dataclass(frozen=True)
class GradCheckResult:
    """A finished gradient check, and the table the page shows."""

    table: pd.DataFrame  # one row per parameter
    n_samples: int  # samples used
    threshold: float  # pass below this max relative error
    all_passed: bool


def gradient_check(trainer: ce_core.Trainer, indices: np.ndarray) -> GradCheckResult:
    """ce_core.compare_grads on the first samples of ``indices`` at the current weights, with the trainer's loss
    settings (l2, T, label smoothing)."""
    model = trainer.model
    used = np.asarray(indices)[: check_sample_count(model.n_params(), len(indices))]
    checks = ce_core.compare_grads(
        model, trainer.params, trainer.X_train[used], trainer.y_train[used], eps=CHECK_EPS, l2=trainer.l2,
        temperature=trainer.temperature, label_smoothing=trainer.label_smoothing,
    )  # fmt: skip
    shapes = model.param_shapes()
    table = pd.DataFrame([{
        "parameter": c.name, "shape": " × ".join(map(str, shapes[c.name])),
        "‖analytic‖": float(np.linalg.norm(c.analytic)), "‖numerical‖": float(np.linalg.norm(c.numeric)),
        "max relative error": c.max_rel_error, "result": "pass" if c.passed(DEFAULT_THRESHOLD) else "FAIL",
    } for c in checks])  # fmt: skip
    return GradCheckResult(table, len(used), DEFAULT_THRESHOLD, all(c.passed(DEFAULT_THRESHOLD) for c in checks))


# --------------------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------------------
def number_table(frame: pd.DataFrame, number_format: str = "%.4g") -> None:
    """A dataframe with every numeric column shown to 4 significant digits (text columns as they are)."""
    config = {
        c: st.column_config.NumberColumn(c, format=number_format)
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c])
    }
    st.dataframe(frame, hide_index=True, column_config=config, width="stretch")
