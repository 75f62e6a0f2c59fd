"""Cross-entropy on logits, its gradient, and derivation 1's chain rule for one sample.

Conventions (shared by the whole package):
    u : logits, shape (n, K)            T : temperature > 0
    p = softmax(u / T), shape (n, K)    y : targets, shape (n, K), rows sum to 1
    loss_i = -sum_k y_ik log p_ik = logsumexp(u_i / T) - sum_k y_ik u_ik / T
    dloss_i/du_i = (p_i - y_i) / T

Targets are given either as integer labels of shape (n,) (one-hot rows, optionally label-smoothed:
``y = (1 - eps) onehot + eps / K``) or as target distributions of shape (n, K) ("soft targets").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from .softmax import _check_logits, _row_sum, _shifted, softmax_jacobian

REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------------------------
def target_matrix(labels: np.ndarray, n_classes: int, label_smoothing: float = 0.0, dtype=np.float64) -> np.ndarray:
    """Return the target rows ``y = (1 - eps) onehot(labels) + eps / K``, shape (n, K). Unchecked."""
    fill = label_smoothing / n_classes
    targets = np.full((labels.shape[0], n_classes), fill, dtype=dtype)
    targets[np.arange(labels.shape[0]), labels] += 1.0 - label_smoothing
    return targets


def _check_targets(targets, n_samples: int, n_classes: int):
    """Return validated targets: int labels (n,) or a float distribution matrix (n, K)."""
    arr = np.asarray(targets)
    if arr.ndim == 2:
        dist = _checks.float_array(arr, "targets", ndims=(2,))
        if dist.shape != (n_samples, n_classes):
            raise ValueError(f"targets must have shape ({n_samples},) or ({n_samples}, {n_classes}), got {arr.shape}")
        if (dist < 0).any():
            raise ValueError("targets: target distributions must be non-negative")
        sums = dist.sum(axis=1)
        if not np.allclose(sums, 1.0, atol=1e-6):
            raise ValueError(f"targets: every target row must sum to 1, got sums from {sums.min()} to {sums.max()}")
        return dist
    return _checks.labels(arr, "targets", n_samples, n_classes)


def _check_loss_args(logits, targets, temperature, label_smoothing, reduction):
    """Validate the arguments shared by cross_entropy and cross_entropy_grad; promote one sample to a batch."""
    arr, temperature = _check_logits(logits, temperature)
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
        targets = np.asarray(targets)[None, ...]
    n_samples, n_classes = arr.shape
    if n_classes < 2:
        raise ValueError(f"logits must have at least 2 classes, got shape {arr.shape}")
    targets = _check_targets(targets, n_samples, n_classes)
    label_smoothing = _checks.real_number(label_smoothing, "label_smoothing", low=0.0, high=1.0)
    reduction = _checks.choice(reduction, "reduction", REDUCTIONS)
    return arr, targets, temperature, label_smoothing, reduction, single


# --------------------------------------------------------------------------------------------------------------
# Unchecked core used by the model and the trainer (hot path)
# --------------------------------------------------------------------------------------------------------------
def _loss_and_dlogits(logits, targets, temperature=1.0, label_smoothing=0.0):
    """Per-sample losses (n,) and the matrix ``P - Y`` (n, K) for logits (n, K). Unchecked.

    Note the second result is ``P - Y``, not yet divided by T or n: callers scale it once, where they know how.
    Returns (losses, probs_minus_targets, probs).
    """
    n_samples, n_classes = logits.shape
    shifted = _shifted(logits, temperature)
    probs = np.exp(shifted)
    sum_exp = _row_sum(probs)
    log_sum_exp = np.log(sum_exp[:, 0])
    probs /= sum_exp
    diff = probs.copy()
    if targets.ndim == 1:
        rows = np.arange(n_samples)
        # loss_i = lse_i - sum_k y_ik s_ik with y = (1 - eps) onehot + eps / K; no log(p) is ever formed.
        losses = log_sum_exp - (1.0 - label_smoothing) * shifted[rows, targets]
        diff[rows, targets] -= 1.0 - label_smoothing
        if label_smoothing:
            with np.errstate(invalid="ignore"):
                losses -= (label_smoothing / n_classes) * _row_sum(shifted)[:, 0]
            diff -= label_smoothing / n_classes
    else:
        # Soft targets: y_ik = 0 must contribute 0 even where s_ik = -inf, so mask instead of 0 * -inf = NaN.
        with np.errstate(invalid="ignore"):
            weighted = np.where(targets > 0, targets * shifted, 0.0)
        losses = log_sum_exp - _row_sum(weighted)[:, 0]
        diff -= targets
    # A -inf logit on a class with positive target is a certain mistake: the loss is +inf, not NaN.
    losses = np.where(np.isnan(losses), np.inf, losses)
    return losses, diff, probs


# --------------------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------------------
def _cross_entropy(logits, targets, temperature, label_smoothing, reduction):
    """The one body behind the three public functions: validate once, evaluate once, reduce once.

    Returns (loss, dL/du) shaped as the public functions document them.
    """
    arr, targets, temperature, label_smoothing, reduction, single = _check_loss_args(
        logits, targets, temperature, label_smoothing, reduction
    )
    if targets.ndim == 2:  # soft targets are used as given: smoothing applies to int labels only
        targets, label_smoothing = targets.astype(arr.dtype, copy=False), 0.0
    losses, diff, _ = _loss_and_dlogits(arr, targets, temperature, label_smoothing)
    scale = 1.0 / temperature
    if reduction == "mean":
        scale /= arr.shape[0]
    diff *= scale  # (P - Y) / T, and / n for the mean
    if reduction == "none":
        return (losses[0], diff[0]) if single else (losses, diff)
    loss = float(losses.mean() if reduction == "mean" else losses.sum())
    return loss, (diff[0] if single else diff)


def cross_entropy(logits, targets, *, temperature=1.0, label_smoothing=0.0, reduction="mean"):
    """Cross-entropy between softmax(logits / T) and the targets.

    ``loss_i = -sum_k y_ik log p_ik = logsumexp(u_i / T) - sum_k y_ik u_ik / T``

    Parameters
    ----------
    logits : array of shape (n, K) (or (K,) for one sample). Finite, or -inf (probability 0).
    targets : int labels of shape (n,) or target distributions of shape (n, K) whose rows sum to 1.
    temperature : T > 0; the logits are divided by T before the softmax.
    label_smoothing : eps in [0, 1]; with int labels the target becomes ``(1 - eps) onehot + eps / K``.
        Ignored for target distributions, which are used as given.
    reduction : "mean" (a float), "sum" (a float) or "none" (per-sample losses, shape (n,)).

    Uniform logits give log K; a confident correct prediction gives ~0; a -inf logit on a class with positive
    target gives +inf (never NaN).
    """
    return _cross_entropy(logits, targets, temperature, label_smoothing, reduction)[0]


def cross_entropy_grad(logits, targets, *, temperature=1.0, label_smoothing=0.0, reduction="mean"):
    """Gradient of :func:`cross_entropy` with respect to the logits.

    ``dL/du = (softmax(u / T) - y) / T``, divided by n for ``reduction="mean"``.
    With ``reduction="none"`` row i is the gradient of loss_i alone (the same array as for "sum").

    Returns an array with the shape of ``logits``: (n, K), or (K,) for one sample.
    """
    return _cross_entropy(logits, targets, temperature, label_smoothing, reduction)[1]


def cross_entropy_with_grad(logits, targets, *, temperature=1.0, label_smoothing=0.0, reduction="mean"):
    """Return ``(cross_entropy(...), cross_entropy_grad(...))`` from one softmax evaluation."""
    return _cross_entropy(logits, targets, temperature, label_smoothing, reduction)


@dataclass(frozen=True)
class ChainRuleTerms:
    """Derivation 1 for one sample, term by term (K classes, D features in z).

    dL/dw_k = dL/dp_y * dp_y/du_k * du_k/dw_k = (-1/p_y) * p_y (1[k=y] - p_k) / T * z = (p_k - 1[k=y]) z / T
    """

    probs: np.ndarray  # (K,) p = softmax(u / T)
    targets: np.ndarray  # (K,) y: one-hot, or (1 - eps) onehot + eps / K with label smoothing
    loss: float  # -sum_k y_k log p_k (= -log p_y for a one-hot target)
    dL_dp_y: float  # -1 / p_y (p_y floored at the smallest normal float so the value stays finite)
    dp_y_du: np.ndarray  # (K,) p_y (1[k=y] - p_k) / T
    du_dw: np.ndarray  # (D,) z: the input of the last layer, the same for every class row
    dL_du: np.ndarray  # (K,) (p_k - y_k) / T: for one-hot y, dL/dp_y * dp_y/du_k without dividing by p_y
    product: np.ndarray  # (K, D) dL/dW: row k is dL/dw_k = dL/du_k * z

    @property
    def chain_dL_du(self) -> np.ndarray:
        """dL/dp_y * dp_y/du_k multiplied as written, shape (K,); equals dL_du for a one-hot target."""
        return self.dL_dp_y * self.dp_y_du

    @property
    def literal_product(self) -> np.ndarray:
        """dL/dp_y * dp_y/du_k * du_k/dw_k multiplied as written, shape (K, D). Equals ``product`` for a one-hot
        target while p_y is not tiny (it divides by p_y); shown so students can see the factors multiply out."""
        return np.outer(self.chain_dL_du, self.du_dw)


def chain_rule_terms(logits, label, z, *, temperature=1.0, label_smoothing=0.0) -> ChainRuleTerms:
    """The three factors of derivation 1 for one sample and their product.

    Parameters
    ----------
    logits : array of shape (K,): u = W z + b for this sample.
    label : int in [0, K): the true class y.
    z : array of shape (D,): the input of the last layer (features or last hidden activations).
    temperature : T > 0 (1 in derivation 1).
    label_smoothing : eps in [0, 1]. Derivation 1 assumes a one-hot target, so dL_dp_y and dp_y_du are always its
        hard-label factors; with eps > 0 the target row is y = (1 - eps) onehot + eps / K and dL_du, the loss and
        the product are those of the smoothed target, (p - y) / T and (p - y) z / T (derivation 4).

    The product is formed as ``(p - onehot) z / T``, which is what ``-1/p_y * p_y (1[k=y] - p_k) / T * z``
    simplifies to; it stays exact even when p_y underflows, where the literal product would be 0 * inf.
    """
    arr, temperature = _check_logits(logits, temperature)
    if arr.ndim != 1:
        raise ValueError(f"logits must have shape (K,) for one sample, got shape {arr.shape}")
    n_classes = arr.shape[0]
    if n_classes < 2:
        raise ValueError(f"logits must have at least 2 classes, got shape {arr.shape}")
    label = _checks.integer(label, "label", low=0, high=n_classes - 1)
    z_arr = _checks.float_array(z, "z", ndims=(1,))
    label_smoothing = _checks.real_number(label_smoothing, "label_smoothing", low=0.0, high=1.0)
    losses, diff, probs = _loss_and_dlogits(arr[None, :], np.array([label]), temperature, label_smoothing)
    probs, dL_du = probs[0], diff[0] / temperature
    p_y = probs[label]
    onehot = np.zeros(n_classes, dtype=probs.dtype)
    onehot[label] = 1.0
    return ChainRuleTerms(
        probs=probs,
        targets=target_matrix(np.array([label]), n_classes, label_smoothing, probs.dtype)[0],
        loss=float(losses[0]),
        dL_dp_y=-1.0 / max(float(p_y), np.finfo(np.float64).tiny),
        dp_y_du=p_y * (onehot - probs) / temperature,
        du_dw=z_arr.copy(),
        dL_du=dL_du,
        product=np.outer(dL_du, z_arr),  # (K,) x (D,) -> (K, D)
    )


# --------------------------------------------------------------------------------------------------------------
# The derivation page's second routes to the same gradients
# --------------------------------------------------------------------------------------------------------------
def grad_via_jacobian(probs, targets, *, temperature=1.0) -> np.ndarray:
    """dL/du the long way, through the softmax Jacobian (derivation 4), multiplied out as written.

    ``dL/dp_j = -y_j / p_j``,  ``dp/du = J / T`` with ``J = diag(p) - p p^T`` (symmetric), so
    ``dL/du = J^T (-y / p) / T``, which simplifies to ``(p - y) / T`` whenever the targets sum to 1.

    Parameters
    ----------
    probs : array of shape (K,) or (n, K): p = softmax(u / T), rows summing to 1.
    targets : array with the shape of probs: target distributions y (one-hot or smoothed), non-negative.
    temperature : T > 0.

    Returns an array with the shape of probs. Classes with y_j = 0 contribute exactly 0 (never 0/0). A p_j that
    underflowed to 0 where y_j > 0 is floored at the smallest normal float so the result stays finite, but it is
    then no longer accurate (J's entries are 0 too): the reason libraries fuse softmax and cross-entropy and use
    (p - y) / T directly (see cross_entropy_grad).
    """
    jac = softmax_jacobian(probs)  # validates probs; (K, K) or (n, K, K)
    p = np.asarray(probs, dtype=jac.dtype)
    y = _checks.float_array(targets, "targets", ndims=(1, 2)).astype(jac.dtype, copy=False)
    if y.shape != p.shape:
        raise ValueError(f"targets must have the shape of probs {p.shape}, got {y.shape}")
    if (y < 0).any():
        raise ValueError("targets must be non-negative")
    temperature = _checks.positive_float(temperature, "temperature")
    tiny = np.finfo(jac.dtype).tiny
    dL_dp = -np.divide(y, np.maximum(p, tiny), out=np.zeros_like(y), where=y > 0)  # (..., K)
    return np.einsum("...ji,...j->...i", jac, dL_dp) / temperature  # J^T @ dL/dp, row by row


def batch_weight_grad(z, probs, targets, *, temperature=1.0) -> np.ndarray:
    """Derivation 2's batch gradient in that derivation's own layout: ``-1/m Z^T (Y - S) / T``, shape (D, K).

    Parameters
    ----------
    z : array of shape (m, D): the inputs of the last layer for the m samples of a batch (the derivation's X).
    probs : array of shape (m, K): S, the softmax outputs p = softmax(u / T).
    targets : array of shape (m, K): Y, the target rows.
    temperature : T > 0 (1 in derivation 2).

    Column k is dJ/dw_k of the mean cross-entropy (no l2 term). This project stores W as (K, D), one row per
    class, so the result is the transpose of the data part of Model.loss_and_grad's grads["W"].
    """
    z_arr = _checks.float_array(z, "z", ndims=(2,))
    s = _checks.float_array(probs, "probs", ndims=(2,))
    y = _checks.float_array(targets, "targets", ndims=(2,))
    if s.shape != y.shape or s.shape[0] != z_arr.shape[0]:
        raise ValueError(f"z (m, D), probs (m, K) and targets (m, K) must agree, got {z_arr.shape}, {s.shape}, "
                         f"{y.shape}")  # fmt: skip
    temperature = _checks.positive_float(temperature, "temperature")
    m = z_arr.shape[0]
    return -(z_arr.T @ (y - s)) / (m * temperature)  # (D, m) @ (m, K) -> (D, K)
