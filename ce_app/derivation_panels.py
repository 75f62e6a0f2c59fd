"""The derivation page ("Why p − y?"): its sections, laid out with Streamlit, every number from ce_core.

The page shows one selected point and one mini-batch. The mini-batch is the last one the trainer stepped on
(``trainer.last_batch``, numbers from before that step's update, as on the Train page); before the first step it is
the batch the first step will use, evaluated at the current weights (``ce_core.LastBatch.preview``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import ce_core
from ce_core.gradcheck import DEFAULT_THRESHOLD

from . import numbers, widget_memory
from . import train_panels as panels
from .figures import html_charts
from .palette import class_label
from .state import Dataset
from .text import plain

MAX_CHECK_SAMPLES = 64  # the gradient check uses at most this many samples of the batch
CHECK_BUDGET = 200_000  # samples x weights: two loss evaluations per weight, so a big model checks fewer samples
MIN_CHECK_SAMPLES = 8
CHECK_EPS = 1e-6  # the central-difference step, ce_core.compare_grads' default
SANDBOX_LOGIT_RANGE = 10.0  # the sandbox sliders run from -10 to 10: enough for p_k from ~1e-9 to ~1
SHOWN_COLUMNS = 2  # columns of W in the batch table: two pairs fit the page width
# act'(a_l) written with h_l = act(a_l), as model._activation_grad_inplace computes it
ACT_DERIVATIVE = {"tanh": r"1 - h_\ell^2", "relu": r"\mathbb{1}[a_\ell > 0]", "sigmoid": r"h_\ell\,(1 - h_\ell)"}


latex_number = numbers.latex  # a number in a formula, written as everywhere else (ce_app/numbers.py)


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
# The selected point and the mini-batch
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PointView:
    """The selected point as ce_core sees it, with the loss settings the page explains it with (K classes)."""

    index: int  # row of the session's data
    label: int  # its true class y
    names: list | None  # class names for labels (None: class numbers)
    temperature: float  # T
    label_smoothing: float  # eps
    forward: ce_core.ForwardPass  # the forward pass of this one point
    terms: ce_core.ChainRuleTerms  # derivation 1's terms for it
    z_names: list  # names of the D inputs of the last layer (x1, x2, ... or h1, h2, ...)

    @property
    def logits(self) -> np.ndarray:
        """u, shape (K,)."""
        return self.forward.logits[0]

    @property
    def n_classes(self) -> int:
        return len(self.terms.probs)


def point_view(data: Dataset, trainer: ce_core.Trainer, index: int) -> PointView:
    """The point ``index`` at the trainer's weights, T and label smoothing."""
    forward, terms = panels.sample_terms(data, trainer, index)
    return PointView(index=index, label=int(data.y[index]), names=data.class_names, temperature=trainer.temperature,
                     label_smoothing=trainer.label_smoothing, forward=forward, terms=terms,
                     z_names=panels.z_names(trainer))  # fmt: skip


@dataclass(frozen=True)
class BatchView:
    """The mini-batch the page shows (m samples, K classes, D inputs of the last layer)."""

    batch: ce_core.LastBatch  # trainer.last_batch, or before the first step ce_core.LastBatch.preview(trainer)
    from_last_step: bool  # True: the last step's batch; False: the batch the first step will use


def batch_view(trainer: ce_core.Trainer) -> BatchView:
    """The last mini-batch, or before the first step the batch the first step will use (at the current weights)."""
    last = trainer.last_batch
    if last is not None:
        return BatchView(last, from_last_step=True)
    return BatchView(ce_core.LastBatch.preview(trainer), from_last_step=False)


def layer_rows(trainer: ce_core.Trainer, grads: dict) -> pd.DataFrame:
    """One row per parameter, from the softmax layer down to the first hidden layer: shape and gradient norm."""
    shapes = trainer.model.param_shapes()
    rows = []
    for name in reversed(list(shapes)):
        layer = "softmax layer" if name in ("W", "b") else f"hidden layer {name[1:]}"
        rows.append({
            "parameter": name, "layer": layer, "shape": " × ".join(map(str, shapes[name])),
            "‖gradient‖": float(np.linalg.norm(grads[name])),
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
def number_table(frame: pd.DataFrame, digits: int = 4) -> None:
    """A dataframe as an HTML table: numbers to 4 significant digits, text columns as they are (an st.dataframe grid
    would load Streamlit's 1.2 MB grid code into the page's first paint: README, Speed)."""
    st.html(html_charts.table({c: frame[c].tolist() for c in frame.columns}, digits))


def bar_chart(html: str) -> None:
    """A bar chart of ``html_charts`` in a box of its fixed height: drawn before the chart's code has loaded, the
    box keeps what follows from moving down when the chart appears."""
    st.container(height=html_charts.BARS_HEIGHT, border=False).html(html)


# --------------------------------------------------------------------------------------------------------------
# The page's sections, top to bottom
# --------------------------------------------------------------------------------------------------------------
def section_loss(point: PointView) -> None:
    """1 · Softmax turns the logits into probabilities, cross-entropy turns them into a loss (hard and soft)."""
    st.header("1 · From logits to probabilities to a loss", divider="gray")
    u, terms, label, names = point.logits, point.terms, point.label, point.names
    T, eps = point.temperature, point.label_smoothing
    st.markdown(
        "The last layer gives each class a raw score, its **logit** u_k = w_k·z + b_k. Softmax turns the scores "
        "into probabilities: exponentiate (everything becomes positive), then divide by the total (they add up "
        "to 1). Dividing the logits by a temperature T first makes the result flatter (T > 1) or sharper (T < 1)."
    )
    st.latex(rf"p_k = \frac{{e^{{u_k/T}}}}{{\sum_{{j=1}}^{{K}} e^{{u_j/T}}}}, \qquad u = {latex_vector(u)} "
             rf"\;\Longrightarrow\; p = {latex_vector(terms.probs)}")  # fmt: skip
    hard = ce_core.cross_entropy(u, label, temperature=T)
    soft = ce_core.cross_entropy(u, label, temperature=T, label_smoothing=eps)
    st.markdown(
        "Cross-entropy asks: how surprised is the model by the right answer? With a **hard target** (all "
        "probability on the true class y) it is minus the log of the probability the model gave to y:"
    )
    st.latex(
        rf"L_{{\text{{hard}}}} = -\log p_y = -\log {latex_number(terms.probs[label], 5)} = {latex_number(hard, 6)}"
    )
    st.markdown(
        "With a **soft target** y = (y_1, …, y_K), a whole distribution, the loss averages the surprise over it. "
        "Label smoothing makes such a target from the hard one: keep 1 − ε on the true class and share ε evenly."
    )
    st.latex(rf"y_k = (1-\varepsilon)\,\mathbb{{1}}[k=y] + \frac{{\varepsilon}}{{K}} = {latex_vector(terms.targets)}, "
             rf"\qquad L = -\sum_k y_k \log p_k = {latex_number(soft, 6)}")  # fmt: skip
    cols = st.columns(3)
    cols[0].metric("Loss, hard target", numbers.fmt(hard, 6), help="ce_core.cross_entropy(u, y, temperature=T)")
    cols[1].metric(f"Loss, target smoothed with ε = {eps:g}", numbers.fmt(soft, 6),
                   help="ce_core.cross_entropy(u, y, temperature=T, label_smoothing=ε): the loss the trainer uses.")  # fmt: skip
    cols[2].metric("p_y, probability of the true class", numbers.fmt(terms.probs[label], 6))
    if eps == 0:
        st.caption("Label smoothing is 0 in the sidebar, so both targets are the same one-hot vector.")
    bar_chart(html_charts.prob_target_bars(terms.probs, terms.targets, names))
    st.caption(
        "**What am I looking at?** The coloured bars are the model's probabilities p_k for this point, the grey "
        "outlines the target y_k. The loss is small when the coloured bar of the true class fills its outline."
    )


def section_jacobian(point: PointView) -> None:
    """2 · The softmax Jacobian for this point, as a formula and a heat map."""
    st.header("2 · How every probability reacts to every logit", divider="gray")
    terms, names, T = point.terms, point.names, point.temperature
    st.markdown(
        "Raising one logit raises its own probability and, because they must still add up to 1, lowers all the "
        "others. Differentiating the quotient p_i = exp(u_i/T) / Σ_j exp(u_j/T) gives two cases: p_i(1 − p_i)/T for "
        "its own logit and −p_i p_j / T for another one. Together they form the softmax **Jacobian**:"
    )
    st.latex(r"\frac{\partial p_i}{\partial u_j} = \frac{1}{T}\,p_i\left(\mathbb{1}[i=j] - p_j\right)"
             r"\qquad\Longleftrightarrow\qquad \frac{\partial p}{\partial u} = \frac{1}{T}"
             r"\left(\operatorname{diag}(p) - p\,p^{\top}\right)")  # fmt: skip
    jac = ce_core.softmax_jacobian(terms.probs)
    left, right = st.columns([3, 2])
    with left:
        st.html(html_charts.jacobian_heatmap(jac, names))
    with right:
        st.caption(
            "**What am I looking at?** The matrix diag(p) − p pᵀ for this point (the heat map leaves out the "
            "factor 1/T). Row i says how p_i moves when each logit u_j goes up a little: the diagonal is positive "
            "(my own score helps me), everything else is negative (another class's score takes probability from "
            "me). Each row adds up to 0, because the probabilities always add up to 1. When the model is sure "
            "(one p near 1), every entry is near 0: the probabilities barely move any more."
        )
        if T != 1:
            st.caption(f"With T = {T:g}, every entry of ∂p/∂u is the cell's value times 1/T = {numbers.fmt(1 / T)}.")


def section_logit_grad(point: PointView) -> None:
    """3 · dL/du = (p - y) / T by two routes, through the Jacobian and straight from the loss, side by side."""
    st.header("3 · The gradient on the logits: p − y, two ways", divider="gray")
    u, terms, label, names = point.logits, point.terms, point.label, point.names
    T, eps = point.temperature, point.label_smoothing
    a, b = st.columns(2, gap="large")
    with a:
        st.markdown("**Through the Jacobian** (chain rule over every probability). First, how the loss reacts to "
                    "each probability:")  # fmt: skip
        st.latex(r"\frac{\partial L}{\partial p_j} = -\frac{y_j}{p_j}")
        st.markdown("Then sum over all the paths from u_i to L, one through each p_j:")
        st.latex(r"\begin{aligned}\frac{\partial L}{\partial u_i} &= \sum_j \frac{\partial L}{\partial p_j}"
                 r"\frac{\partial p_j}{\partial u_i} \\ &= \sum_j \left(-\frac{y_j}{p_j}\right)"
                 r"\frac{p_j(\mathbb{1}[i=j] - p_i)}{T}\end{aligned}")  # fmt: skip
        st.markdown("The p_j cancel. What is left is −y_i from the term j = i, plus p_i times the sum of all "
                    "targets:")  # fmt: skip
        st.latex(r"\frac{\partial L}{\partial u_i} = \frac{1}{T}\Big(-y_i + p_i \sum_j y_j\Big) "
                 r"= \frac{p_i - y_i}{T}")  # fmt: skip
        st.markdown("The last step needs only Σ_j y_j = 1, which holds for smoothed targets too.")
    with b:
        st.markdown("**Straight from the loss.** Write log p_k = u_k/T − log Σ_j exp(u_j/T) and use Σ_k y_k = 1:")
        st.latex(r"\begin{aligned}L &= -\sum_k y_k \log p_k \\ &= \log \sum_j e^{u_j/T} - \sum_k "
                 r"\frac{y_k u_k}{T}\end{aligned}")  # fmt: skip
        st.markdown("Differentiate each part by u_i. The log-sum-exp gives softmax back; the second sum is linear:")
        st.latex(r"\frac{\partial}{\partial u_i}\log\sum_j e^{u_j/T} = \frac{e^{u_i/T}}{T\sum_j e^{u_j/T}} "
                 r"= \frac{p_i}{T}")  # fmt: skip
        st.latex(r"\frac{\partial}{\partial u_i}\sum_k \frac{y_k u_k}{T} = \frac{y_i}{T}")
        st.latex(r"\Longrightarrow\quad \frac{\partial L}{\partial u_i} = \frac{p_i - y_i}{T}")
        st.markdown("No division by p anywhere: this route is exact even when p_y is vanishingly small.")
    via_jacobian = ce_core.grad_via_jacobian(terms.probs, terms.targets, temperature=T)
    direct = ce_core.cross_entropy_grad(u, label, temperature=T, label_smoothing=eps)
    number_table(pd.DataFrame({
        "class": [class_label(k, names) for k in range(point.n_classes)],
        "p_k": terms.probs,
        "y_k": terms.targets,
        "through the Jacobian: Jᵀ(−y/p)/T": via_jacobian,
        "straight: (p_k − y_k)/T": direct,
        "|difference|": np.abs(via_jacobian - direct),
    }))  # fmt: skip
    gap = float(np.abs(via_jacobian - direct).max())
    if terms.probs[label] < 1e-250:
        st.warning(
            f"p_y = {numbers.fmt(terms.probs[label], 3)} is so small that y/p overflows: the route through the Jacobian "
            "multiplies 0 by a huge number and loses the answer, while p − y stays exact. This is why libraries "
            "fuse softmax and cross-entropy into one function."
        )
    else:
        st.success("Both routes give exactly the same numbers." if gap == 0 else
                   f"Both routes agree to within {numbers.fmt(gap, 2)} (floating-point rounding).")  # fmt: skip
    st.caption(
        "**What am I looking at?** One row per class: the model's p_k, the target y_k, and the gradient of the "
        'loss on each logit computed both ways by ce_core. Positive means "this logit is too high, push it '
        'down"; the true class gets the only negative entry.'
    )


def section_weights(point: PointView) -> None:
    """4 · Derivation 1's three factors of dL/dw_k for this point (the Train page's walkthrough)."""
    st.header("4 · On to the weights: dL/dW for this point", divider="gray")
    st.markdown(
        "The logits come from the last layer, u_k = w_k·z + b_k, where z is what the layers below hand over "
        "(the features φ(x), or the last hidden layer). Since u_k depends on w_k alone, and ∂u_k/∂w_k = z, each "
        "class's weight row gets gradient (p_k − y_k) z / T. Derivation 1 reaches it through three factors:"
    )
    panels.chain_rule_walkthrough(point.terms, point.z_names, point.label, point.names, point.label_smoothing,
                                  point.temperature)  # fmt: skip


def section_batch(trainer: ce_core.Trainer, point: PointView, view: BatchView) -> None:
    """5 · Derivation 2's batch gradient -Z^T (Y - S) / (mT) next to the trainer's dJ/dW for the same batch."""
    st.header("5 · A whole mini-batch at once", divider="gray")
    batch, names, z_names = view.batch, point.names, point.z_names
    m = len(batch.indices)
    if view.from_last_step:
        st.markdown(f"The mini-batch of the last step (step {batch.step:,}), **m = {m}** samples, with the numbers "
                    "from before that step's update, as on the Train page.")  # fmt: skip
    else:
        st.info(
            "No step has been taken yet, so there is no last mini-batch: press **Step** on the Train page to make "
            f"one. Meanwhile this section uses the batch the first step will use (m = {m} samples) at the current "
            "weights."
        )
    st.markdown(
        "Training averages the per-sample gradient over the batch. Stack the samples' z_i as the rows of a matrix "
        "Z (m × D), their probabilities as S (m × K) and their targets as Y (m × K). Derivation 2 writes the "
        "average as one matrix product, with one **column** per class:"
    )
    st.latex(r"\frac{\partial J}{\partial W}\Big|_{\text{derivation 2}} = -\frac{1}{m T} Z^{\top}(Y - S)"
             r"\quad (D \times K) \qquad = \qquad \Big(\frac{1}{m T}\sum_{i=1}^{m} (p_i - y_i)\, z_i^{\top}\Big)"
             r"^{\!\top}")  # fmt: skip
    st.markdown(
        "This project stores W as K × D, one **row** w_k per class, so our dJ/dW is the **transpose** of "
        "derivation 2's matrix. Below, derivation 2's result (transposed into our layout) next to the gradient "
        f"the trainer computed{'' if view.from_last_step else ' for this batch'}:"
    )
    formula = batch.batch_formula_grad()  # (D, K), derivation 2's layout
    table = {"class": [class_label(k, names) for k in range(point.n_classes)]}
    for j, name in enumerate(z_names[:SHOWN_COLUMNS]):
        table[f"derivation 2, transposed [{name}]"] = formula[j, :]
        table[f"trainer [{name}]"] = batch.grads["W"][:, j]
    number_table(pd.DataFrame(table))
    if len(z_names) > SHOWN_COLUMNS:
        st.caption(f"First {SHOWN_COLUMNS} of the {len(z_names)} columns of W shown; the comparison below covers "
                   "all of them.")  # fmt: skip
    gap = float(np.abs(formula.T - batch.data_grad_W()).max())
    st.success(f"Derivation 2's batch formula and the mean of the per-sample gradients (p_i − y_i) z_iᵀ / T agree "
               f"to {numbers.fmt(gap, 2)}.")  # fmt: skip
    if trainer.l2 > 0:
        st.caption(f"With weight decay l2 = {trainer.l2:g} the trainer's dJ/dW also holds the term l2·W, which "
                   "derivation 2 leaves out: that is the difference between the two columns.")  # fmt: skip
    st.caption(
        "**What am I looking at?** The gradient of the average loss over a batch with respect to the softmax "
        "layer's weights, entry by entry: each entry is how much the batch loss would rise per unit increase of "
        "that weight. The two columns per feature should be equal."
    )


def section_hidden(trainer: ce_core.Trainer, view: BatchView) -> None:
    """6 · Backpropagation into the hidden layers as formulas, and this batch's gradient norm per parameter."""
    st.header("6 · Deeper: through the hidden layers", divider="gray")
    model = trainer.model
    n_hidden = len(model.hidden)
    if not n_hidden:
        st.markdown(
            "This model has **no hidden layer**: z = φ(x) is a fixed feature map, so W and b are all it learns. "
            "Pick 1 or 2 hidden layers in the sidebar to see how the gradient flows on into them. Meanwhile, the "
            "gradient norms of this batch:"
        )
    else:
        st.markdown(
            f"With {n_hidden} hidden layer{'s' if n_hidden > 1 else ''}, z = z(x; V) is itself computed by trained "
            f"weights: h_ℓ = {model.activation}(a_ℓ) with a_ℓ = h_(ℓ−1) V_ℓᵀ + c_ℓ and h_0 = φ(x). The gradient "
            "on the logits, G = (P − Y)/(mT), flows down one layer at a time. Each line reuses the one above it; "
            "that reuse is what backpropagation is:"
        )
        st.latex(r"G = \frac{1}{mT}(P - Y),\qquad \frac{\partial J}{\partial W} = G^{\top} h_L + l_2 W,\qquad "
                 r"\frac{\partial J}{\partial b} = \textstyle\sum_i G_i")  # fmt: skip
        for layer in range(n_hidden, 0, -1):
            above = r"G\,W" if layer == n_hidden else rf"\delta_{{{layer + 1}}}\,V_{{{layer + 1}}}"
            below = rf"h_{{{layer - 1}}}" if layer > 1 else r"\varphi(x)"
            derivative = ACT_DERIVATIVE[model.activation].replace(r"\ell", str(layer))
            st.latex(rf"\delta_{{{layer}}} = \big({above}\big) \odot \big({derivative}\big),\qquad "
                     rf"\frac{{\partial J}}{{\partial V_{{{layer}}}}} = \delta_{{{layer}}}^{{\top}}\,{below} "
                     rf"+ l_2 V_{{{layer}}},\qquad \frac{{\partial J}}{{\partial c_{{{layer}}}}} = "
                     rf"\textstyle\sum_i \delta_{{{layer},i}}")  # fmt: skip
        st.markdown(
            "δ_ℓ is the gradient on layer ℓ's pre-activations a_ℓ: the signal from above, passed back through the "
            "weights, times the slope of the activation. Where a unit is saturated (tanh or sigmoid near its "
            "flat ends) or switched off (relu with a ≤ 0), that slope is near 0 and little gradient gets through."
        )
    number_table(layer_rows(trainer, view.batch.grads))
    st.caption(
        "**What am I looking at?** One row per trained parameter, from the output down: its shape and the length "
        "(norm) of its gradient for this mini-batch, computed by ce_core's backpropagation, next to the length of "
        "the parameter itself. Lower layers often get smaller gradients than the softmax layer."
    )


def section_temperature(point: PointView) -> None:
    """7 · dL/du at the sidebar's T against dL/ds on s = u/T: the ratio is 1/T in every row."""
    st.header("7 · Temperature scales the gradient by 1/T", divider="gray")
    u, label, names = point.logits, point.label, point.names
    T, eps = point.temperature, point.label_smoothing
    st.markdown(
        "Call the scaled logits s = u/T. The loss sees only s, so ∂L/∂s = p − y, and the chain rule adds one "
        "factor ∂s/∂u = 1/T:"
    )
    st.latex(r"\frac{\partial L}{\partial u} = \frac{\partial L}{\partial s}\cdot\frac{\partial s}{\partial u} "
             r"= \frac{p - y}{T}")  # fmt: skip
    at_T = ce_core.cross_entropy_grad(u, label, temperature=T, label_smoothing=eps)
    on_s = ce_core.cross_entropy_grad(u / T, label, temperature=1.0, label_smoothing=eps)
    at_1 = ce_core.cross_entropy_grad(u, label, temperature=1.0, label_smoothing=eps)
    # Once p rounds to the target, p − y is 0 (or a subnormal): the ratio is 0/0 or noise, so say why instead.
    defined = (np.abs(on_s) >= np.finfo(float).tiny) & (np.abs(at_T) >= np.finfo(float).tiny)
    ratio = [numbers.fmt(a / s) if ok else "saturated" for a, s, ok in zip(at_T, on_s, defined, strict=True)]
    number_table(pd.DataFrame({
        "class": [class_label(k, names) for k in range(point.n_classes)],
        f"dL/du at T = {T:g}": at_T,
        "dL/ds = p − y (T = 1 on s = u/T)": on_s,
        "ratio (should be 1/T)": ratio,
        "for comparison: dL/du at T = 1": at_1,
    }))  # fmt: skip
    st.caption(
        f"**What am I looking at?** The gradient on the logits at the sidebar's temperature T = {T:g}, the same "
        f"gradient with respect to the scaled logits s = u/T, and their ratio: 1/T = {numbers.fmt(1 / T)} in every row. The "
        "last column uses the same logits at T = 1: a higher T also flattens p itself, which changes p − y. "
        "A large T thus gives small, gentle steps; a small T gives large ones (and can make training diverge)."
    )


@st.fragment
def sandbox(point: PointView) -> None:
    """Logits, true class, smoothing and T from sliders: the loss and p - y as the true class pulls ahead."""
    st.header("Sandbox: make the gradient vanish", divider="gray")
    ss, names, n_classes, label = st.session_state, point.names, point.n_classes, point.label
    st.markdown(
        "Move the logits yourself. Watch the loss and the gradient p − y as the true class's logit pulls ahead: "
        "once the model is confident and right, the gradient all but disappears, so training stops pushing."
    )
    limit = SANDBOX_LOGIT_RANGE
    widgets = {f"sb_u{k}": 0.0 for k in range(n_classes)}
    widgets.update(sb_target=0, sb_smooth=float(point.label_smoothing),
                   sb_T=float(np.clip(np.round(point.temperature, 1), 0.1, 5.0)))  # fmt: skip
    widget_memory.restore(widgets)
    if ss["sb_target"] >= n_classes:  # K shrank since the last visit
        ss["sb_target"] = 0

    def copy_logits() -> None:
        for k, value in enumerate(point.logits):
            ss[f"sb_u{k}"] = float(np.clip(np.round(value, 1), -limit, limit))
        ss["sb_target"] = label

    def reset_logits() -> None:
        for k in range(n_classes):
            ss[f"sb_u{k}"] = 0.0

    b1, b2, _ = st.columns([2, 1, 3])
    b1.button("Use the selected point's logits", key="sb_copy", on_click=copy_logits, width="stretch",
              help=f"Copies u of point #{point.index} (rounded, clipped to ±{limit:g}) and its true "
                   "class.")  # fmt: skip
    b2.button("All zero", key="sb_zero", on_click=reset_logits, width="stretch")
    per_row = 4
    for start in range(0, n_classes, per_row):
        cols = st.columns(per_row)
        for k in range(start, min(start + per_row, n_classes)):
            cols[k - start].slider(f"u of {plain(class_label(k, names))}", -limit, limit, step=0.1, key=f"sb_u{k}")
    c1, c2, c3 = st.columns(3)
    target = c1.selectbox("True class y", range(n_classes), key="sb_target",
                          format_func=lambda k: class_label(k, names))  # fmt: skip
    smoothing = c2.slider("Label smoothing ε", 0.0, 0.5, step=0.01, key="sb_smooth",
                          help="0: hard target. Above 0: a soft target that never asks for probability 1.")  # fmt: skip
    temperature = c3.slider("Temperature T", 0.1, 5.0, step=0.1, key="sb_T")
    widget_memory.remember(widgets)
    u = np.array([ss[f"sb_u{k}"] for k in range(n_classes)], dtype=float)
    terms = ce_core.chain_rule_terms(u, target, np.ones(1), temperature=temperature, label_smoothing=smoothing)
    loss = ce_core.cross_entropy(u, target, temperature=temperature, label_smoothing=smoothing)
    m1, m2, m3 = st.columns(3)
    m1.metric("Loss L", numbers.fmt(loss), help=f"log K = {numbers.fmt(np.log(n_classes))} when all logits are equal.")
    m2.metric("p of the true class", numbers.fmt(terms.probs[target]))
    m3.metric("‖dL/du‖ = ‖p − y‖/T", numbers.fmt(np.linalg.norm(terms.dL_du)))
    left, right = st.columns(2)
    with left:
        bar_chart(html_charts.prob_target_bars(terms.probs, terms.targets, names))
        st.caption("**What am I looking at?** The probabilities your logits give (filled) and the target "
                   "(outline). Drag the true class's logit up and its bar fills the outline.")  # fmt: skip
    with right:
        bar_chart(html_charts.grad_bars(terms.dL_du, names, limit=1.0 / temperature))
        st.caption("**What am I looking at?** The gradient (p_k − y_k)/T on each logit: the push gradient descent "
                   "gives it, with the sign flipped. The bars shrink to zero as the filled bars match the outlines; "
                   "with ε > 0 they reach zero before p_y gets to 1.")  # fmt: skip


def section_gradcheck(trainer: ce_core.Trainer, view: BatchView) -> None:
    """Central differences against backpropagation on the batch's first samples, when the button is pressed."""
    st.header("Gradient check: is backpropagation right?", divider="gray")
    ss, batch = st.session_state, view.batch
    T, eps = trainer.temperature, trainer.label_smoothing
    model = trainer.model
    used = check_sample_count(model.n_params(), len(batch.indices))
    st.markdown(
        "Every gradient on this page comes from formulas. A **gradient check** tests them without any formula: "
        "nudge one weight by ±h, recompute the loss, and take the slope (J(θ + h) − J(θ − h)) / 2h. Doing this "
        f"for each of the model's **{model.n_params():,}** weights, with h = {CHECK_EPS:g}, gives a "
        "numerical gradient to compare with backpropagation's. The check uses the current weights, the sidebar's "
        f"l2, T and ε, and the first **{used}** samples of the mini-batch above"
        f"{' (fewer than 64 to keep a big model quick)' if used < min(64, len(batch.indices)) else ''}."
    )
    st.markdown(
        "The error of a parameter is max_j |analytic_j − numerical_j| / max(largest |analytic|, largest "
        f"|numerical|). It **passes below {ce_core.gradcheck.DEFAULT_THRESHOLD:g}**: central differences in "
        "float64 are good to about 1e-9 here, while a real mistake in a formula gives errors near 1."
    )
    if model.activation == "relu" and model.hidden:
        st.caption(
            "This model uses relu, which has a kink at 0: its slope jumps from 0 to 1. If a unit's pre-activation "
            f"sits within h = {CHECK_EPS:g} of 0, the nudge straddles the kink and the numerical slope is "
            "an average of the two sides, so that parameter can fail without any bug. It is rare (hidden biases "
            "start at 0.01, not on the kink), and a different batch makes it go away."
        )
    key = (ss.trainer_version, params_fingerprint(trainer), trainer.l2, T, eps, tuple(batch.indices[:used].tolist()))
    if st.button("Run gradient check", key="btn_gradcheck", type="primary"):
        with st.spinner(f"Nudging {model.n_params():,} weights one at a time…"):
            ss["deriv_gradcheck"] = (key, gradient_check(trainer, batch.indices))
    stored = ss.get("deriv_gradcheck")
    if stored is None or stored[0] != key:
        st.caption("Press the button to run it (it takes up to a few seconds for the biggest models).")
        return
    result = stored[1]
    number_table(result.table)
    if result.all_passed:
        st.success(f"Every parameter passes: backpropagation agrees with the numerical slopes on {result.n_samples} "
                   f"samples (threshold {result.threshold:g}).")  # fmt: skip
    else:
        st.warning("Some parameter failed the check. With relu, see the note on kinks above; otherwise this is a "
                   "bug worth reporting.")  # fmt: skip
    st.caption(
        "**What am I looking at?** One row per trained parameter: the length of its gradient from "
        "backpropagation (analytic) and from nudging weights (numerical), and the largest disagreement between "
        "the two, relative to the gradient's size."
    )
