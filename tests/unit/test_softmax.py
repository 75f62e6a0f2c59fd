"""softmax, log_softmax and softmax_jacobian: hand-computed values, invariants, stability, the Jacobian."""

import math

import numpy as np
import pytest
import scipy.special

from ce_core import log_softmax, softmax, softmax_jacobian
from ce_core.softmax import _shift_along, _shifted

from .reference import finite_difference, softmax_loop


def random_logits(*shape, scale=3.0, seed=0):
    """Normal logits of the given shape, the same every run whatever tests are selected."""
    return np.random.default_rng(seed).normal(0, scale, size=shape)


BATCHES = [random_logits(*shape, seed=seed) for seed, shape in enumerate([(1, 2), (5, 3), (7, 8), (16, 4)])]


def test_softmax_of_1_2_3_by_hand():
    """Test that softmax([1, 2, 3]) is e^k / (e + e^2 + e^3)."""
    total = math.e + math.e**2 + math.e**3
    expected = [math.e / total, math.e**2 / total, math.e**3 / total]
    np.testing.assert_allclose(softmax([1.0, 2.0, 3.0]), expected, rtol=1e-15)
    np.testing.assert_allclose(expected, [0.09003057317038046, 0.24472847105479764, 0.6652409557748219], rtol=1e-15)


@pytest.mark.parametrize("logits", BATCHES, ids=lambda u: f"{u.shape}")
def test_softmax_matches_scipy_and_a_loop(logits):
    """Test that softmax agrees with scipy.special.softmax and with a plain-Python loop."""
    probs = softmax(logits)
    np.testing.assert_allclose(probs, scipy.special.softmax(logits, axis=1), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(probs, [softmax_loop(list(row)) for row in logits], rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("logits", BATCHES, ids=lambda u: f"{u.shape}")
def test_log_softmax_matches_scipy(logits):
    """Test that log_softmax agrees with scipy.special.log_softmax."""
    np.testing.assert_allclose(log_softmax(logits), scipy.special.log_softmax(logits, axis=1), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("logits", BATCHES, ids=lambda u: f"{u.shape}")
def test_rows_sum_to_one(logits):
    """Test that every row of p sums to 1 and lies in [0, 1]."""
    probs = softmax(logits)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert ((probs >= 0) & (probs <= 1)).all()


@pytest.mark.parametrize("shift", [-1e8, -1e3, 1.0, 1e3, 1e8])
def test_shift_invariance(shift):
    """Test that adding the same constant (up to 1e8) to every logit changes p only by the rounding of u + c."""
    logits = random_logits(6, 5)
    # u + c is exact to half an ulp of c; that error in the logits moves p_k by at most p_k times twice it.
    rounding = 2 * np.spacing(abs(shift))
    np.testing.assert_allclose(softmax(logits + shift), softmax(logits), rtol=2 * rounding, atol=1e-300)
    np.testing.assert_allclose(log_softmax(logits + shift), log_softmax(logits), rtol=0, atol=4 * rounding)


def test_large_logits_123_456_789():
    """Test that logits [123, 456, 789] give finite probabilities equal to softmax([0, 333, 666])."""
    probs = softmax([123.0, 456.0, 789.0])
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs, [math.exp(-666), math.exp(-333), 1.0], rtol=1e-12)
    np.testing.assert_allclose(log_softmax([123.0, 456.0, 789.0]), [-666.0, -333.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("temperature", [0.1, 0.5, 2.0, 37.0])
def test_temperature_divides_the_logits(temperature):
    """Test that softmax(u, T) equals softmax(u / T) and log_softmax likewise."""
    logits = random_logits(4, 5, seed=1)
    np.testing.assert_allclose(
        softmax(logits, temperature), scipy.special.softmax(logits / temperature, axis=1), rtol=1e-12, atol=1e-300
    )
    np.testing.assert_allclose(
        log_softmax(logits, temperature), log_softmax(logits / temperature), rtol=1e-12, atol=1e-12
    )


def test_extreme_temperatures_flatten_or_sharpen():
    """Test that a huge T gives uniform probabilities and a tiny T a one-hot, both without NaN."""
    logits = np.array([1e4, 0.0, -1e4])
    np.testing.assert_allclose(softmax(logits, temperature=1e300), 1 / 3, rtol=1e-12)
    np.testing.assert_array_equal(softmax(logits, temperature=1e-305), [1.0, 0.0, 0.0])
    assert np.isneginf(log_softmax(logits, temperature=1e-305)[1:]).all()


def test_neg_inf_logits_give_exact_zero():
    """Test that a -inf logit gets probability exactly 0 and log-probability -inf, with no NaN anywhere."""
    logits = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, 5.0]])
    probs, logp = softmax(logits), log_softmax(logits)
    assert not np.isnan(probs).any() and not np.isnan(logp).any()
    assert probs[0, 1] == 0.0 and (probs[1, :2] == 0.0).all()
    assert np.isneginf(logp[0, 1]) and np.isneginf(logp[1, :2]).all()
    np.testing.assert_allclose(probs[0, [0, 2]], scipy.special.softmax([0.0, 1.0]), rtol=1e-15)
    assert probs[1, 2] == 1.0 and logp[1, 2] == 0.0


@pytest.mark.parametrize("value", [1e4, -1e4])
def test_logits_of_plus_minus_1e4(value):
    """Test that logits of +-1e4 next to 0 give a one-hot (or its complement) without overflow or NaN."""
    # exp(-1e4) underflows to 0, so p is exactly one-hot; log p keeps the exact value -1e4.
    np.testing.assert_array_equal(softmax([value, 0.0]), [1.0, 0.0] if value > 0 else [0.0, 1.0])
    np.testing.assert_array_equal(log_softmax([value, 0.0]), [0.0, -1e4] if value > 0 else [-1e4, 0.0])


def test_float32_stays_float32():
    """Test that float32 logits give float32 probabilities, log-probabilities and Jacobians."""
    logits = np.array([[1.0, 2.0, -np.inf], [1e4, -1e4, 0.0]], dtype=np.float32)
    probs = softmax(logits)
    assert probs.dtype == np.float32 and log_softmax(logits).dtype == np.float32
    assert softmax_jacobian(probs).dtype == np.float32
    np.testing.assert_allclose(probs, softmax(logits.astype(np.float64)), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("n_classes", [2, 3, 5, 8])
def test_jacobian_is_diag_p_minus_p_pT(n_classes):
    """Test that the Jacobian is diag(p) - p p^T, symmetric, with rows and columns summing to 0."""
    probs = softmax(random_logits(n_classes, scale=2.0, seed=n_classes))
    jac = softmax_jacobian(probs)
    assert jac.shape == (n_classes, n_classes)
    expected = [[probs[i] * ((i == j) - probs[j]) for j in range(n_classes)] for i in range(n_classes)]
    np.testing.assert_allclose(jac, expected, rtol=1e-15, atol=1e-17)
    np.testing.assert_array_equal(jac, jac.T)
    np.testing.assert_allclose(jac.sum(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(jac.sum(axis=1), 0.0, atol=1e-15)


@pytest.mark.parametrize("n_classes", [2, 4, 7])
def test_jacobian_matches_finite_differences(n_classes):
    """Test that J[i, j] equals the central difference dp_i/du_j of softmax."""
    logits = random_logits(n_classes, scale=2.0, seed=n_classes)
    numeric = np.stack([finite_difference(lambda u, i=i: softmax(u)[i], logits) for i in range(n_classes)])
    np.testing.assert_allclose(softmax_jacobian(softmax(logits)), numeric, rtol=0, atol=1e-9)


def test_jacobian_batch_shape():
    """Test that a batch of probabilities (n, K) gives a stack of Jacobians (n, K, K), one per row."""
    probs = softmax(random_logits(6, 4))
    jac = softmax_jacobian(probs)
    assert jac.shape == (6, 4, 4)
    for i in range(6):
        np.testing.assert_array_equal(jac[i], softmax_jacobian(probs[i]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jacobian_times_dL_dp_gives_p_minus_y_for_soft_targets(seed):
    """Test derivation 4: J^T (-y / p) == p - y for any target distribution y."""
    rng = np.random.default_rng(seed)
    probs = softmax(rng.normal(0, 2, size=5))
    targets = rng.dirichlet(np.ones(5))
    dL_dp = -targets / probs  # d(-sum_k y_k log p_k)/dp
    np.testing.assert_allclose(softmax_jacobian(probs).T @ dL_dp, probs - targets, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------------------------------------------
# The shift along another axis (the loss landscape's (g, K, n) layout)
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("temperature", [1.0, 0.3, 4.0])
def test_shift_along_the_class_axis_is_the_row_shift(temperature):
    """Test that _shift_along on (g, K, n) logits gives exactly _shifted's (u - max) / T of the (g, n, K) rows."""
    logits = random_logits(3, 4, 5, scale=50.0, seed=9)
    expected = _shifted(logits.transpose(0, 2, 1).copy(), temperature).transpose(0, 2, 1)
    shifted = logits.copy()
    assert _shift_along(shifted, temperature, axis=1) is shifted  # in place
    np.testing.assert_array_equal(shifted, expected)
    np.testing.assert_array_equal(shifted.max(axis=1), 0.0)


def test_shift_along_stays_finite_for_a_tiny_temperature():
    """Test that T = 1e-305 after the shift gives 0 and -inf (probability 1 and 0), never inf - inf = NaN."""
    logits = np.array([[[1e4], [0.0], [-1e4]]])  # (g, K, n) = (1, 3, 1)
    shifted = _shift_along(logits, 1e-305, axis=1)
    assert shifted[0, 0, 0] == 0.0 and np.isneginf(shifted[0, 1:, 0]).all()
