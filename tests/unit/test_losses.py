"""cross_entropy, cross_entropy_grad, cross_entropy_with_grad and chain_rule_terms."""

import math

import numpy as np
import pytest
import scipy.special

from ce_core import chain_rule_terms, cross_entropy, cross_entropy_grad, cross_entropy_with_grad, softmax

from .reference import cross_entropy_ref, finite_difference, one_hot, relative_error

RNG = np.random.default_rng(1)


def random_case(n, k, seed):
    """Logits (n, K), int labels (n,) and soft targets (n, K) from a fixed seed."""
    rng = np.random.default_rng(seed)
    return rng.normal(0, 2, size=(n, k)), rng.integers(0, k, size=n), rng.dirichlet(np.ones(k), size=n)


CASES = [random_case(n, k, seed) for seed, (n, k) in enumerate([(1, 2), (4, 3), (9, 5), (6, 8)])]
CASE_IDS = [f"n{c[0].shape[0]}-K{c[0].shape[1]}" for c in CASES]


# --------------------------------------------------------------------------------------------------------------
# Hand-computed values
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("logits", "target", "expected"),
    [
        ([0.0, 0.0], 0, math.log(2)),  # p = (1/2, 1/2)
        ([math.log(1), math.log(3)], 1, math.log(4 / 3)),  # p = (1/4, 3/4), -log(3/4)
        ([math.log(1), math.log(3)], 0, math.log(4)),  # -log(1/4)
        ([math.log(1), math.log(2), math.log(3)], 2, math.log(2)),  # p = (1/6, 2/6, 3/6), -log(1/2)
        ([math.log(1), math.log(3)], [0.5, 0.5], 0.5 * math.log(4) + 0.5 * math.log(4 / 3)),  # soft target
    ],
)
def test_hand_computed_cross_entropy(logits, target, expected):
    """Test that small examples give the loss worked out by hand."""
    assert cross_entropy(logits, target) == pytest.approx(expected, rel=1e-14)
    assert cross_entropy([logits], [target]) == pytest.approx(expected, rel=1e-14)


def test_hand_computed_gradient():
    """Test that logits log(1, 2, 3) with label 0 give dL/du = p - y = (1/6 - 1, 2/6, 3/6)."""
    np.testing.assert_allclose(cross_entropy_grad(np.log([1.0, 2.0, 3.0]), 0), [-5 / 6, 1 / 3, 1 / 2], rtol=1e-14)


def test_chain_rule_terms_by_hand():
    """Test derivation 1's three factors for u = log(1, 2, 3), y = 1, z = (2, -1), worked out by hand."""
    terms = chain_rule_terms(np.log([1.0, 2.0, 3.0]), 1, [2.0, -1.0])
    np.testing.assert_allclose(terms.probs, [1 / 6, 1 / 3, 1 / 2], rtol=1e-14)
    assert terms.loss == pytest.approx(math.log(3), rel=1e-14)
    assert terms.dL_dp_y == pytest.approx(-3.0, rel=1e-14)  # -1 / p_y
    np.testing.assert_allclose(terms.dp_y_du, [-1 / 18, 2 / 9, -1 / 6], rtol=1e-14)  # p_y (1[k=y] - p_k)
    np.testing.assert_allclose(terms.du_dw, [2.0, -1.0])
    np.testing.assert_allclose(terms.dL_du, [1 / 6, -2 / 3, 1 / 2], rtol=1e-14)
    expected = [[1 / 3, -1 / 6], [-4 / 3, 2 / 3], [1.0, -1 / 2]]  # (p_k - 1[k=y]) z
    np.testing.assert_allclose(terms.product, expected, rtol=1e-14)
    np.testing.assert_allclose(terms.dL_dp_y * terms.dp_y_du, terms.dL_du, rtol=1e-14)
    np.testing.assert_array_equal(terms.targets, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(terms.chain_dL_du, terms.dL_du, rtol=1e-14)
    np.testing.assert_allclose(terms.literal_product, expected, rtol=1e-14)


@pytest.mark.parametrize("eps", [0.1, 0.6])
def test_chain_rule_terms_with_label_smoothing(eps):
    """Test that with smoothing the loss, dL/du and product are those of y = (1 - eps) onehot + eps / K."""
    logits, z = np.array([0.5, -1.0, 2.0]), np.array([1.5, -0.5])
    terms = chain_rule_terms(logits, 0, z, label_smoothing=eps)
    targets = one_hot([0], 3, eps)[0]
    np.testing.assert_allclose(terms.targets, targets, rtol=1e-15)
    assert terms.loss == pytest.approx(cross_entropy_ref(logits[None], targets[None])[0], rel=1e-13)
    p = scipy.special.softmax(logits)
    np.testing.assert_allclose(terms.dL_du, p - targets, rtol=1e-13)
    np.testing.assert_allclose(terms.product, np.outer(p - targets, z), rtol=1e-13)
    plain = chain_rule_terms(logits, 0, z)  # derivation 1's hard-label factors do not change
    assert terms.dL_dp_y == plain.dL_dp_y
    np.testing.assert_array_equal(terms.dp_y_du, plain.dp_y_du)


def test_chain_rule_terms_with_temperature():
    """Test that with T = 2 and u = 2 log(1, 2, 3) the probabilities are unchanged and every derivative halves."""
    plain = chain_rule_terms(np.log([1.0, 2.0, 3.0]), 1, [2.0, -1.0])
    hot = chain_rule_terms(2 * np.log([1.0, 2.0, 3.0]), 1, [2.0, -1.0], temperature=2.0)
    np.testing.assert_allclose(hot.probs, plain.probs, rtol=1e-14)
    assert hot.dL_dp_y == plain.dL_dp_y  # -1/p_y does not involve T
    np.testing.assert_allclose(hot.dp_y_du, plain.dp_y_du / 2, rtol=1e-14)
    np.testing.assert_allclose(hot.dL_du, plain.dL_du / 2, rtol=1e-14)
    np.testing.assert_allclose(hot.dL_dp_y * hot.dp_y_du, hot.dL_du, rtol=1e-14)
    np.testing.assert_allclose(hot.product, plain.product / 2, rtol=1e-14)


@pytest.mark.parametrize("label", [0, 1, 2, 3])
def test_chain_rule_product_is_the_gradient(label):
    """Test that chain_rule_terms' product equals dL/dW of CE(W z, y) from central differences."""
    rng = np.random.default_rng(label)
    W, z = rng.normal(size=(4, 3)), rng.normal(size=3)
    numeric = finite_difference(lambda w: cross_entropy(w @ z, label), W)
    np.testing.assert_allclose(chain_rule_terms(W @ z, label, z).product, numeric, rtol=0, atol=1e-9)


def test_chain_rule_terms_when_p_y_underflows():
    """Test that the product stays exact when p_y underflows to 0 (where -1/p_y * p_y(...) would be 0 * inf)."""
    terms = chain_rule_terms([0.0, -1e4], 1, [1.0])
    assert terms.probs[1] == 0.0 and math.isfinite(terms.dL_dp_y) and terms.loss == pytest.approx(1e4)
    np.testing.assert_array_equal(terms.product, [[1.0], [-1.0]])


# --------------------------------------------------------------------------------------------------------------
# Invariants
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("logits", "labels", "soft"), CASES, ids=CASE_IDS)
def test_loss_matches_scipy_reference(logits, labels, soft):
    """Test that per-sample losses for labels and soft targets match -sum y log p with scipy's logsumexp."""
    k = logits.shape[1]
    np.testing.assert_allclose(
        cross_entropy(logits, labels, reduction="none"), cross_entropy_ref(logits, one_hot(labels, k)), rtol=1e-13
    )
    np.testing.assert_allclose(
        cross_entropy(logits, soft, reduction="none"), cross_entropy_ref(logits, soft), rtol=1e-13
    )


@pytest.mark.parametrize("n_classes", [2, 3, 5, 8])
@pytest.mark.parametrize("value", [-7.0, 0.0, 1e3])
def test_uniform_logits_give_log_k(n_classes, value):
    """Test that equal logits give a loss of log K for every label."""
    logits = np.full((n_classes, n_classes), value)
    np.testing.assert_allclose(
        cross_entropy(logits, np.arange(n_classes), reduction="none"), math.log(n_classes), rtol=1e-14
    )


@pytest.mark.parametrize("margin", [20.0, 50.0, 1e4])
def test_confident_correct_prediction_gives_almost_zero(margin):
    """Test that a correct class ahead by a wide margin gives a loss log(1 + 2 e^-margin) ~ 0 and a tiny gradient."""
    logits = np.array([[margin, 0.0, 0.0]])
    loss = cross_entropy(logits, [0])
    # log(sum exp) is computed from the rounded sum 1 + 2 e^-margin: an absolute error of about one ulp of 1.
    assert loss >= 0.0 and loss == pytest.approx(math.log1p(2.0 * math.exp(-margin)), rel=0, abs=3e-16)
    assert np.abs(cross_entropy_grad(logits, [0])).max() <= 2.0 * math.exp(-margin) + np.spacing(1.0)  # p_y - 1


@pytest.mark.parametrize(("logits", "labels", "soft"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_labels_and_one_hot_targets_agree(logits, labels, soft, reduction):
    """Test that integer labels and the equivalent one-hot rows give the same loss and gradient."""
    targets = one_hot(labels, logits.shape[1])
    np.testing.assert_allclose(
        cross_entropy(logits, labels, reduction=reduction),
        cross_entropy(logits, targets, reduction=reduction),
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        cross_entropy_grad(logits, labels, reduction=reduction),
        cross_entropy_grad(logits, targets, reduction=reduction),
        rtol=1e-14,
        atol=1e-17,
    )


@pytest.mark.parametrize(("logits", "labels", "soft"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("eps", [0.0, 0.1, 0.5, 1.0])
def test_label_smoothing_formula(logits, labels, soft, eps):
    """Test that smoothing eps gives (1 - eps) nll + eps / K sum_k -log p_k, and equals the smoothed soft target."""
    k = logits.shape[1]
    log_p = scipy.special.log_softmax(logits, axis=1)
    expected = (1 - eps) * -log_p[np.arange(len(labels)), labels] + eps / k * -log_p.sum(axis=1)
    np.testing.assert_allclose(
        cross_entropy(logits, labels, label_smoothing=eps, reduction="none"), expected, rtol=1e-13
    )
    smoothed = one_hot(labels, k, eps)
    np.testing.assert_allclose(
        cross_entropy_grad(logits, labels, label_smoothing=eps),
        cross_entropy_grad(logits, smoothed),
        rtol=1e-13,
        atol=1e-17,
    )


@pytest.mark.parametrize(("logits", "labels", "soft"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("temperature", [0.25, 1.0, 3.0])
def test_temperature_is_division_of_logits(logits, labels, soft, temperature):
    """Test that CE(u, y, T) == CE(u / T, y) and dL/du == (softmax(u / T) - y) / T / n for the mean."""
    n, k = logits.shape
    for targets in (labels, soft):
        assert cross_entropy(logits, targets, temperature=temperature) == pytest.approx(
            cross_entropy(logits / temperature, targets), rel=1e-13
        )
        y = one_hot(labels, k) if targets is labels else soft
        expected = (scipy.special.softmax(logits / temperature, axis=1) - y) / temperature / n
        np.testing.assert_allclose(
            cross_entropy_grad(logits, targets, temperature=temperature), expected, rtol=1e-13, atol=1e-17
        )


@pytest.mark.parametrize(("logits", "labels", "soft"), CASES, ids=CASE_IDS)
def test_reductions_agree(logits, labels, soft):
    """Test that "none" gives per-sample losses whose sum and mean are the "sum" and "mean" results."""
    n = logits.shape[0]
    for targets in (labels, soft):
        per_sample = cross_entropy(logits, targets, reduction="none")
        assert per_sample.shape == (n,)
        assert cross_entropy(logits, targets, reduction="sum") == pytest.approx(per_sample.sum(), rel=1e-14)
        assert cross_entropy(logits, targets, reduction="mean") == pytest.approx(per_sample.mean(), rel=1e-14)
        grad_sum = cross_entropy_grad(logits, targets, reduction="sum")
        np.testing.assert_array_equal(cross_entropy_grad(logits, targets, reduction="none"), grad_sum)
        np.testing.assert_allclose(cross_entropy_grad(logits, targets, reduction="mean"), grad_sum / n, rtol=1e-14)


@pytest.mark.parametrize(("logits", "labels", "soft"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("temperature", "eps"), [(1.0, 0.0), (0.5, 0.2), (4.0, 0.05)])
def test_with_grad_agrees_with_separate_functions(logits, labels, soft, reduction, temperature, eps):
    """Test that cross_entropy_with_grad returns what cross_entropy and cross_entropy_grad return separately."""
    for targets in (labels, soft):
        kwargs = {"temperature": temperature, "label_smoothing": eps, "reduction": reduction}
        loss, grad = cross_entropy_with_grad(logits, targets, **kwargs)
        np.testing.assert_allclose(loss, cross_entropy(logits, targets, **kwargs), rtol=1e-15)
        np.testing.assert_allclose(grad, cross_entropy_grad(logits, targets, **kwargs), rtol=1e-15)


@pytest.mark.parametrize(("logits", "labels", "soft"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_entry_points_are_one_computation(logits, labels, soft, reduction):
    """Test that the three entry points return bitwise the same loss and gradient (one body behind them)."""
    for targets in (labels, soft):
        kwargs = {"temperature": 0.7, "label_smoothing": 0.1, "reduction": reduction}
        loss, grad = cross_entropy_with_grad(logits, targets, **kwargs)
        np.testing.assert_array_equal(loss, cross_entropy(logits, targets, **kwargs))
        np.testing.assert_array_equal(grad, cross_entropy_grad(logits, targets, **kwargs))
        single = cross_entropy_with_grad(logits[0], targets[0], **kwargs)
        np.testing.assert_array_equal(single[0], cross_entropy(logits[0], targets[0], **kwargs))
        np.testing.assert_array_equal(single[1], cross_entropy_grad(logits[0], targets[0], **kwargs))


@pytest.mark.parametrize("function", [cross_entropy, cross_entropy_grad, cross_entropy_with_grad])
def test_smoothing_leaves_target_distributions_alone(function):
    """Test that label_smoothing changes nothing for target distributions, in every entry point."""
    logits, _, soft = CASES[2]
    np.testing.assert_equal(function(logits, soft, label_smoothing=0.3), function(logits, soft))  # tuples too


def test_single_sample_shapes():
    """Test that one sample of shape (K,) gives a float loss and a (K,) gradient equal to the batch of one."""
    logits = np.array([0.3, -1.0, 2.0])
    loss, grad = cross_entropy_with_grad(logits, 2)
    assert isinstance(loss, float) and grad.shape == (3,)
    assert loss == cross_entropy(logits[None], [2])
    np.testing.assert_array_equal(grad, cross_entropy_grad(logits[None], [2])[0])
    assert np.ndim(cross_entropy(logits, [0.2, 0.3, 0.5], reduction="none")) == 0


# --------------------------------------------------------------------------------------------------------------
# Gradients against central differences
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("logits", "labels", "soft"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize(("temperature", "eps"), [(1.0, 0.0), (0.3, 0.0), (2.5, 0.15), (1.0, 1.0)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_grad_matches_central_differences(logits, labels, soft, temperature, eps, reduction):
    """Test that dL/du agrees with float64 central differences to a relative error below 1e-6."""
    kwargs = {"temperature": temperature, "label_smoothing": eps, "reduction": reduction}
    for targets in (labels, soft):
        numeric = finite_difference(lambda u, t=targets: cross_entropy(u, t, **kwargs), logits)
        assert relative_error(cross_entropy_grad(logits, targets, **kwargs), numeric) < 1e-6


@pytest.mark.parametrize(("logits", "labels", "soft"), CASES, ids=CASE_IDS)
def test_per_sample_grad_rows_are_gradients_of_per_sample_losses(logits, labels, soft):
    """Test that row i of the reduction="none" gradient is the gradient of loss_i alone."""
    grad = cross_entropy_grad(logits, labels, reduction="none", temperature=0.7)
    for i in range(logits.shape[0]):
        numeric = finite_difference(lambda u, i=i: cross_entropy(u, labels[i], temperature=0.7), logits[i])
        assert relative_error(grad[i], numeric) < 1e-6


# --------------------------------------------------------------------------------------------------------------
# -inf and extreme logits
# --------------------------------------------------------------------------------------------------------------
def test_neg_inf_logit_on_a_wrong_class_is_harmless():
    """Test that a -inf logit on a class with zero target gives a finite loss and a gradient without NaN."""
    logits = np.array([[0.0, -np.inf, 1.0], [2.0, -np.inf, -np.inf]])
    labels = np.array([2, 0])
    losses = cross_entropy(logits, labels, reduction="none")
    np.testing.assert_allclose(losses, [math.log(1 + math.e) - 1.0, 0.0], rtol=1e-15, atol=0)
    grad = cross_entropy_grad(logits, labels)
    assert np.isfinite(grad).all() and grad[0, 1] == 0.0 and (grad[1] == 0.0).all()
    soft = np.array([[0.5, 0.0, 0.5], [1.0, 0.0, 0.0]])
    assert np.isfinite(cross_entropy(logits, soft, reduction="none")).all()
    assert np.isfinite(cross_entropy_grad(logits, soft)).all()


def test_neg_inf_logit_on_the_true_class_gives_inf_not_nan():
    """Test that a -inf logit where the target is positive gives loss +inf (a certain mistake), never NaN."""
    logits = np.array([[0.0, -np.inf, 1.0]])
    assert cross_entropy(logits, [1]) == math.inf
    assert cross_entropy(logits, [0], label_smoothing=0.1) == math.inf  # smoothing puts eps / K on class 1
    assert cross_entropy(logits, [[0.2, 0.3, 0.5]]) == math.inf
    grad = cross_entropy_grad(logits, [1])
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(grad, softmax(logits) - [[0, 1, 0]], rtol=1e-15)


@pytest.mark.parametrize("scale", [1e4, 1e8, 1e150])
def test_huge_logits_stay_finite(scale):
    """Test that logits of magnitude up to 1e150 give the exact margin as loss and a finite gradient."""
    logits = np.array([[scale, -scale, 0.0], [0.0, scale, -scale]])
    losses = cross_entropy(logits, [1, 0], reduction="none")
    np.testing.assert_allclose(losses, [2 * scale, scale], rtol=1e-15)
    grad = cross_entropy_grad(logits, [1, 0], reduction="sum")
    np.testing.assert_array_equal(grad, [[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0]])


def test_float32_loss_and_grad_stay_float32():
    """Test that float32 logits give a float32 gradient and per-sample losses close to float64."""
    logits, labels, soft = CASES[2]
    logits32 = logits.astype(np.float32)
    for targets in (labels, soft):
        grad = cross_entropy_grad(logits32, targets)
        assert grad.dtype == np.float32
        np.testing.assert_allclose(grad, cross_entropy_grad(logits, targets), rtol=1e-4, atol=1e-6)
        losses = cross_entropy(logits32, targets, reduction="none")
        assert losses.dtype == np.float32
        np.testing.assert_allclose(losses, cross_entropy(logits, targets, reduction="none"), rtol=1e-5)
