"""Softmax, log-softmax and the softmax Jacobian.

Notation (see the README glossary): ``u`` are logits, ``T`` the temperature, ``p = softmax(u / T)``.
Everything works along the last axis, for one sample of shape (K,) or a batch of shape (n, K).
"""

from __future__ import annotations

import numpy as np

from . import _checks

SHORT_ROW = 8  # rows of at most this many classes are reduced column by column (see _row_max)


def _row_max(a: np.ndarray) -> np.ndarray:
    """The max over the last axis, keeping it (shape (..., 1)).

    numpy reduces a short last axis one entry at a time: for 6,400 rows of K = 4 that took 240 us, against 10 us for
    the maximum of the K columns taken whole (``python -m bench.core``). The result is the same number either way.
    """
    if a.ndim < 2 or a.shape[-1] > SHORT_ROW or a.shape[-1] == 0:
        return a.max(axis=-1, keepdims=True)
    out = a[..., 0].copy()
    for k in range(1, a.shape[-1]):
        np.maximum(out, a[..., k], out=out)
    return out[..., None]


def _row_sum(a: np.ndarray) -> np.ndarray:
    """The sum over the last axis, keeping it (shape (..., 1)), column by column for short rows as in _row_max.

    Added left to right, which is also the order numpy's own reduction uses for rows of up to 8 entries."""
    if a.ndim < 2 or a.shape[-1] > SHORT_ROW or a.shape[-1] == 0:
        return a.sum(axis=-1, keepdims=True)
    out = a[..., 0].copy()
    for k in range(1, a.shape[-1]):
        np.add(out, a[..., k], out=out)
    return out[..., None]


def _row_argmax(a: np.ndarray) -> np.ndarray:
    """The index of the max over the last axis (the first one on ties, like numpy's argmax), shape (...)."""
    if a.ndim < 2 or a.shape[-1] > SHORT_ROW:
        return a.argmax(axis=-1)
    best, index = a[..., 0].copy(), np.zeros(a.shape[:-1], dtype=np.intp)
    for k in range(1, a.shape[-1]):
        better = a[..., k] > best
        np.copyto(best, a[..., k], where=better)
        index[better] = k
    return index


def _shifted(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Return ``(u - max(u)) / T`` row by row, which equals ``u / T - max(u / T)`` for T > 0 (a new array; the
    max entry of each row becomes 0).

    Subtracting the row max is what keeps exp() from overflowing: the largest exponent is exp(0) = 1.
    Rows are guaranteed by validation to hold at least one finite entry, so the max is finite. The max is
    subtracted before dividing by T: u / T alone overflows to inf for a small T (e.g. u = 1e4, T = 1e-305), and
    inf - inf would be NaN; (u - max) / T is at worst -inf, a probability of exactly 0.
    """
    shifted = logits - _row_max(logits)
    if temperature != 1.0:
        with np.errstate(over="ignore"):  # overflow here means a probability of 0, which is what -inf gives
            shifted /= temperature
    return shifted


def _shift_along(a: np.ndarray, temperature: float, axis: int) -> np.ndarray:
    """In place: ``a <- (a - max(a)) / T`` over ``axis``, the classes' axis; returns a (a float array).

    The shift of :func:`_shifted` (see there why the max comes off before dividing by T) for a layout whose
    classes are not the last axis: the loss landscape's logits (g, K, n), where numpy's reduction over the middle
    axis combines K contiguous rows and beats _row_max's column loop (``python -m bench.landscape``).
    """
    a -= a.max(axis=axis, keepdims=True)
    if temperature != 1.0:
        with np.errstate(over="ignore"):  # as in _shifted: overflow here is a probability of 0
            a /= temperature
    return a


def _softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Unchecked softmax: ``p_k = exp(s_k) / sum_j exp(s_j)`` with s the shifted logits."""
    probs = _shifted(logits, temperature)
    np.exp(probs, out=probs)  # in place: one temporary fewer on the hot path
    probs /= _row_sum(probs)
    return probs


def _log_softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Unchecked log-softmax: ``log p_k = s_k - log sum_j exp(s_j)``; -inf logits give -inf, never NaN."""
    shifted = _shifted(logits, temperature)
    return shifted - np.log(_row_sum(np.exp(shifted)))


def _check_logits(logits, temperature) -> tuple[np.ndarray, float]:
    arr = _checks.float_array(logits, "logits", ndims=(1, 2), allow_neg_inf=True)
    if arr.shape[-1] < 1:
        raise ValueError(f"logits must have at least one class, got shape {arr.shape}")
    if np.isneginf(arr).all(axis=-1).any():
        raise ValueError("logits: every row needs at least one finite entry (a row of only -inf has no softmax)")
    return arr, _checks.positive_float(temperature, "temperature")


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Softmax along the last axis.

    ``p_k = exp(u_k / T) / sum_j exp(u_j / T)``

    Parameters
    ----------
    logits : array of shape (K,) or (n, K). Finite values or -inf (a -inf logit gets probability exactly 0).
    temperature : float > 0. Large T flattens p towards uniform, small T sharpens it towards one-hot.

    Returns
    -------
    probs : array with the shape and float dtype of ``logits``; each row sums to 1.
    """
    arr, temperature = _check_logits(logits, temperature)
    return _softmax(arr, temperature)


def log_softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Log of the softmax along the last axis, computed without ever taking log(softmax).

    ``log p_k = u_k / T - logsumexp(u / T)``

    Same shapes and arguments as :func:`softmax`. A -inf logit gives -inf (probability 0), never NaN.
    """
    arr, temperature = _check_logits(logits, temperature)
    return _log_softmax(arr, temperature)


def softmax_jacobian(probs) -> np.ndarray:
    """Jacobian of the softmax with respect to its input, evaluated at probabilities ``p``.

    ``J = diag(p) - p p^T``, i.e. ``J_ij = dp_i/du_j = p_i (1[i=j] - p_j)``: p_i (1 - p_i) on the diagonal,
    -p_i p_j off it. J is symmetric and every row and column sums to 0 (the probabilities always sum to 1).

    Parameters
    ----------
    probs : array of shape (K,) for one sample or (n, K) for a batch; each row a probability vector.

    Returns
    -------
    jacobian : array of shape (K, K), or (n, K, K) for a batch.
    """
    p = _checks.float_array(probs, "probs", ndims=(1, 2))
    if (p < 0).any() or (p > 1).any():
        raise ValueError("probs must lie in [0, 1]")
    if not np.allclose(p.sum(axis=-1), 1.0, atol=1e-6 if p.dtype == np.float64 else 1e-4):
        raise ValueError(f"probs: every row must sum to 1, got sums {np.round(p.sum(axis=-1), 6)}")
    outer = p[..., :, None] * p[..., None, :]  # (..., K, 1) * (..., 1, K) -> (..., K, K)
    jac = -outer
    diag = np.einsum("...ii->...i", jac)  # a writable view of the diagonal
    diag += p
    return jac
