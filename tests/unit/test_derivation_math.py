"""grad_via_jacobian, batch_weight_grad and LastBatch: the derivation page's second routes to dL/du and dJ/dW."""

import numpy as np
import pytest

from ce_core import (
    SGD,
    Adam,
    LastBatch,
    Model,
    Trainer,
    batch_weight_grad,
    cross_entropy_grad,
    grad_via_jacobian,
    make_dataset,
    softmax,
)

from .reference import one_hot


@pytest.mark.parametrize("temperature", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.4])
def test_jacobian_route_equals_p_minus_y(temperature, smoothing):
    """Test that J^T(-y/p)/T equals (p - y)/T from cross_entropy_grad for hard and smoothed targets."""
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 2, size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    probs = softmax(logits, temperature)
    targets = one_hot(labels, 4, smoothing)
    direct = cross_entropy_grad(logits, labels, temperature=temperature, label_smoothing=smoothing, reduction="none")
    np.testing.assert_allclose(grad_via_jacobian(probs, targets, temperature=temperature), direct, atol=1e-13)
    np.testing.assert_allclose(grad_via_jacobian(probs[0], targets[0], temperature=temperature), direct[0],
                               atol=1e-13)  # fmt: skip


def test_jacobian_route_by_hand():
    """Test p = (0.2, 0.3, 0.5), y = class 1: J^T(-y/p) = p - y = (0.2, -0.7, 0.5)."""
    np.testing.assert_allclose(grad_via_jacobian([0.2, 0.3, 0.5], [0.0, 1.0, 0.0]), [0.2, -0.7, 0.5], atol=1e-15)


def test_jacobian_route_stays_finite_when_p_y_underflows():
    """Test that a true-class probability of exactly 0 gives a finite result (zero targets never divide 0 by 0)."""
    grad = grad_via_jacobian([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    assert np.isfinite(grad).all()
    assert np.isfinite(grad_via_jacobian([1.0, 0.0], [1.0, 0.0])).all()


@pytest.mark.parametrize(("probs", "targets"), [([0.5, 0.5], [1.0]), ([0.5, 0.5], [-0.5, 1.5]), ([0.7, 0.7], [0, 1])])
def test_jacobian_route_rejects_bad_input(probs, targets):
    """Test that mismatched shapes, negative targets and probabilities not summing to 1 raise ValueError."""
    with pytest.raises(ValueError):
        grad_via_jacobian(probs, targets)


@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_batch_formula_is_the_transpose_of_the_models_gradient(temperature):
    """Test that -1/m Z^T (Y - S)/T (D, K) is the transpose of Model.loss_and_grad's dJ/dW (K, D) with l2 = 0."""
    X, y = make_dataset("spiral", 40, 3, seed=1)
    model = Model.for_data(X, 3, features="poly2", hidden=(5,))
    params = model.init(2)
    forward = model.forward(params, X, temperature=temperature)
    targets = model.targets_of(y, 0.1)
    _, grads = model.loss_and_grad(params, X, y, temperature=temperature, label_smoothing=0.1)
    batch = batch_weight_grad(forward.z, forward.probs, targets, temperature=temperature)
    assert batch.shape == (5, 3)
    np.testing.assert_allclose(batch.T, grads["W"], atol=1e-14)


def test_batch_formula_rejects_mismatched_shapes():
    """Test that z, probs and targets with different numbers of rows raise ValueError."""
    with pytest.raises(ValueError):
        batch_weight_grad(np.ones((3, 2)), np.full((2, 2), 0.5), np.eye(2))


# --------------------------------------------------------------------------------------------------------------
# The batch view: LastBatch
# --------------------------------------------------------------------------------------------------------------
def _trainer(**kwargs):
    X, y = make_dataset("spiral", 60, 3, seed=2)
    model = Model.for_data(X, 3, features="poly2", hidden=(5,))
    return Trainer(model, X, y, batch_size=16, seed=1, **kwargs)


@pytest.mark.parametrize("optimizer", [SGD(0.1, momentum=0.9), Adam(0.01)])
def test_preview_is_what_the_next_step_records(optimizer):
    """Test that LastBatch.preview equals, bitwise, the last_batch the next step leaves, and changes nothing."""
    trainer = _trainer(optimizer=optimizer, l2=0.01, temperature=0.8, label_smoothing=0.1)
    trainer.step(3)
    before = trainer.flat_params()
    preview = LastBatch.preview(trainer)
    np.testing.assert_array_equal(trainer.flat_params(), before)
    assert trainer.step_count == 3
    trainer.step()
    last = trainer.last_batch
    assert preview.step == last.step == 4 and preview.loss == last.loss and preview.lr == last.lr
    for name in ("indices", "z", "probs", "targets", "losses"):
        np.testing.assert_array_equal(getattr(preview, name), getattr(last, name))
    for name in last.grads:
        np.testing.assert_array_equal(preview.grads[name], last.grads[name])
        np.testing.assert_array_equal(preview.update[name], last.update[name])


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_last_batch_weight_gradients(temperature):
    """Test that the mean of per-sample (p_i - y_i) z_i^T / T plus l2 W is grads["W"], and derivation 2's
    -Z^T (Y - S) / (mT) is its transpose."""
    trainer = _trainer(l2=0.03, temperature=temperature, label_smoothing=0.2)
    W = trainer.params["W"].copy()
    trainer.step()
    batch = trainer.last_batch
    data_grad = batch.data_grad_W()
    assert data_grad.shape == W.shape
    np.testing.assert_allclose(data_grad + 0.03 * W, batch.grads["W"], rtol=1e-12, atol=1e-15)
    formula = batch.batch_formula_grad()
    assert formula.shape == W.shape[::-1]
    np.testing.assert_allclose(formula.T, data_grad, rtol=1e-12, atol=1e-15)
