"""Property tests over random shapes (n 1..20, K 2..8) and values (finite in +-1e3, some -inf)."""

import numpy as np
import scipy.special
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ce_core import cross_entropy, cross_entropy_grad, cross_entropy_with_grad, log_softmax, softmax

from . import reference

FINITE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
WITH_NEG_INF = st.one_of(FINITE, FINITE, FINITE, st.just(-np.inf))  # about a quarter of the entries are -inf


@st.composite
def logits_and_targets(draw, elements=FINITE):
    """Logits (n, K) with at least one finite entry per row, int labels on finite entries, and soft targets that
    put weight only on finite entries (so the loss is finite)."""
    n, k = draw(st.integers(1, 20)), draw(st.integers(2, 8))
    logits = draw(hnp.arrays(np.float64, (n, k), elements=elements))
    finite = np.isfinite(logits)
    # A row of only -inf has no softmax; give such a row one finite entry.
    empty = ~finite.any(axis=1)
    logits[empty, 0], finite[empty, 0] = 0.0, True
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    labels = np.array([rng.choice(np.flatnonzero(row)) for row in finite])
    weights = rng.random((n, k)) * finite
    soft = weights / weights.sum(axis=1, keepdims=True)
    return logits, labels, soft


@given(logits_and_targets(WITH_NEG_INF), st.floats(0.05, 20.0))
def test_probabilities_are_a_distribution(case, temperature):
    """Test that p lies in [0, 1], each row sums to 1, and -inf logits get exactly 0."""
    logits, _, _ = case
    probs = softmax(logits, temperature)
    assert ((probs >= 0) & (probs <= 1)).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (probs[np.isneginf(logits)] == 0).all()


@given(logits_and_targets(FINITE), st.floats(0.05, 20.0))
def test_softmax_agrees_with_scipy(case, temperature):
    """Test that softmax(u, T) agrees with scipy.special.softmax(u / T) on finite logits."""
    logits, _, _ = case
    np.testing.assert_allclose(
        softmax(logits, temperature), scipy.special.softmax(logits / temperature, axis=1), rtol=1e-9, atol=1e-300
    )


@given(logits_and_targets(WITH_NEG_INF), st.floats(0.05, 20.0))
def test_log_softmax_is_log_of_softmax(case, temperature):
    """Test that log_softmax == log(softmax) wherever p > 1e-300, and is -inf exactly where the logit is -inf."""
    logits, _, _ = case
    probs, log_probs = softmax(logits, temperature), log_softmax(logits, temperature)
    assert not np.isnan(log_probs).any() and (log_probs <= 0).all()
    safe = probs > 1e-300
    np.testing.assert_allclose(log_probs[safe], np.log(probs[safe]), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(np.isneginf(log_probs), np.isneginf(logits))


@given(logits_and_targets(WITH_NEG_INF), st.floats(0.05, 20.0), st.floats(0.0, 1.0))
def test_loss_is_finite_and_non_negative(case, temperature, eps):
    """Test that the loss is >= 0 and finite whenever no target weight falls on a -inf logit."""
    logits, labels, soft = case
    for targets, smoothing in ((labels, 0.0), (soft, 0.0), (labels, eps)):
        losses = cross_entropy(logits, targets, temperature=temperature, label_smoothing=smoothing, reduction="none")
        assert not np.isnan(losses).any() and (losses >= 0).all()
        if smoothing == 0.0 or np.isfinite(logits).all():
            assert np.isfinite(losses).all()


@given(logits_and_targets(WITH_NEG_INF), st.floats(0.05, 20.0), st.floats(0.0, 1.0))
def test_gradient_rows_sum_to_zero(case, temperature, eps):
    """Test that each row of dL/du sums to 0 (p and y both sum to 1) for hard, smoothed and soft targets."""
    logits, labels, soft = case
    for targets, smoothing in ((labels, 0.0), (labels, eps), (soft, 0.0)):
        grad = cross_entropy_grad(logits, targets, temperature=temperature, label_smoothing=smoothing, reduction="sum")
        assert np.isfinite(grad).all()
        np.testing.assert_allclose(grad.sum(axis=1), 0.0, rtol=0, atol=1e-12 / temperature)
        assert (grad[np.isneginf(logits)] <= 0).all()  # p = 0 there, so the entry is -y / T


@given(logits_and_targets(FINITE), st.floats(0.05, 20.0), st.floats(0.0, 1.0))
def test_loss_and_gradient_agree_with_an_independent_reference(case, temperature, eps):
    """Test that cross_entropy, cross_entropy_grad and cross_entropy_with_grad each give scipy's loss
    -sum_k y_k (u_k / T - logsumexp(u / T)) and the gradient (softmax(u / T) - y) / T / n, for hard, smoothed and
    soft targets (tests/unit/reference.py builds the targets with a loop)."""
    logits, labels, soft = case
    n, k = logits.shape
    for targets, smoothing in ((labels, 0.0), (labels, eps), (soft, 0.0)):
        rows = reference.one_hot(targets, k, smoothing) if targets.ndim == 1 else targets  # (n, K)
        want_loss = reference.cross_entropy_ref(logits, rows, temperature).mean()
        want_grad = (scipy.special.softmax(logits / temperature, axis=1) - rows) / temperature / n
        options = {"temperature": temperature, "label_smoothing": smoothing}
        loss, grad = cross_entropy_with_grad(logits, targets, **options)
        for got_loss, got_grad in ((loss, grad), (cross_entropy(logits, targets, **options),
                                                  cross_entropy_grad(logits, targets, **options))):  # fmt: skip
            np.testing.assert_allclose(got_loss, want_loss, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(got_grad, want_grad, rtol=1e-9, atol=1e-14 / temperature)


@given(logits_and_targets(FINITE), st.floats(-1e8, 1e8))
def test_adding_a_constant_changes_nothing(case, shift):
    """Test that adding the same constant to a row of logits leaves the loss unchanged up to the rounding of u + c."""
    logits, labels, _ = case
    assume(np.abs(logits).max() + abs(shift) < 1e9)
    rounding = np.spacing(np.abs(logits).max() + abs(shift))
    shifted = cross_entropy(logits + shift, labels, reduction="none")
    np.testing.assert_allclose(shifted, cross_entropy(logits, labels, reduction="none"), rtol=1e-12, atol=8 * rounding)
