"""Model: shapes, forward pass, loss_and_grad against independent references and central differences."""

import math

import numpy as np
import pytest
import scipy.special

from ce_core import ACTIVATIONS, FEATURE_MAPS, Model, check_grads, cross_entropy, feature_names, make_dataset

from .reference import cross_entropy_ref, finite_difference, mlp_objective, one_hot, relative_error

X_SMALL, Y_SMALL = make_dataset("spiral", 24, 3, noise=0.2, seed=3)
HIDDEN = [(), (5,), (4, 3)]
# The activation only matters when there is a hidden layer, so hidden=() is checked once per feature map.
ARCHITECTURES = [(f, h, a) for f in FEATURE_MAPS for h in HIDDEN for a in (ACTIVATIONS if h else ACTIVATIONS[:1])]
ARCH_IDS = [f"{f}-h{'x'.join(map(str, h)) or 0}-{a}" for f, h, a in ARCHITECTURES]
LOSS_SETTINGS = [
    {},
    {"l2": 0.05, "temperature": 0.6, "label_smoothing": 0.1},
    {"l2": 0.3, "temperature": 2.0, "label_smoothing": 0.0},
]


def perturbed_params(model, seed):
    """Initial weights with every entry (biases too) moved a little, so no gradient is trivially zero."""
    rng = np.random.default_rng(seed)
    return {k: v + rng.normal(0, 0.1, size=v.shape) for k, v in model.init(seed).items()}


@pytest.mark.parametrize(("features", "hidden", "activation"), ARCHITECTURES, ids=ARCH_IDS)
@pytest.mark.parametrize("settings", LOSS_SETTINGS, ids=["plain", "l2-T0.6-eps0.1", "l2-T2"])
def test_check_grads_for_every_architecture(features, hidden, activation, settings):
    """Test that backpropagation agrees with central differences (relative error < 1e-6) for every parameter."""
    model = Model(3, features=features, hidden=hidden, activation=activation)
    errors = check_grads(model, perturbed_params(model, 1), X_SMALL[:12], Y_SMALL[:12], **settings)
    assert set(errors) == set(model.param_shapes())
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize(("features", "hidden"), [("identity", (4, 3)), ("fourier", (5,)), ("poly3", ())], ids=str)
def test_check_grads_with_soft_targets(features, hidden):
    """Test that the gradient is also right for target distributions (n, K) instead of labels."""
    model = Model(4, features=features, hidden=hidden, activation="sigmoid")
    targets = np.random.default_rng(0).dirichlet(np.ones(4), size=10)
    errors = check_grads(model, perturbed_params(model, 2), X_SMALL[:10], targets, l2=0.01, temperature=1.5)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden", HIDDEN, ids=str)
def test_loss_and_grad_against_an_independent_network(activation, hidden):
    """Test loss and gradient against a forward pass written in the test and a finite-difference loop of its own."""
    model = Model(3, hidden=hidden, activation=activation)
    params = perturbed_params(model, 5)
    X, y = X_SMALL[:15], Y_SMALL[:15]
    settings = {"l2": 0.07, "temperature": 0.8, "label_smoothing": 0.2}
    targets = one_hot(y, 3, settings["label_smoothing"])
    loss, grads = model.loss_and_grad(params, X, y, **settings)

    def objective(name):
        def f(value):
            return mlp_objective(
                {**params, name: value},
                X,
                targets,
                activation=activation,
                l2=settings["l2"],
                temperature=settings["temperature"],
            )

        return f

    assert loss == pytest.approx(objective("W")(params["W"]), rel=1e-13)
    for name, value in params.items():
        assert grads[name].shape == value.shape
        assert relative_error(grads[name], finite_difference(objective(name), value)) < 1e-6, name


@pytest.mark.parametrize("l2", [0.0, 0.1, 2.5])
@pytest.mark.parametrize("n_classes", [2, 4, 8])
def test_linear_model_gradient_formula(l2, n_classes):
    """Test that for the linear model grads["W"] == (P - Y).T @ X / n + l2 W and grads["b"] == mean(P - Y)."""
    X, y = make_dataset("blobs", 40, n_classes, seed=n_classes)
    model = Model(n_classes)
    params = perturbed_params(model, 0)
    P = scipy.special.softmax(X @ params["W"].T + params["b"], axis=1)
    Y = one_hot(y, n_classes)
    loss, grads = model.loss_and_grad(params, X, y, l2=l2)
    np.testing.assert_allclose(grads["W"], (P - Y).T @ X / len(y) + l2 * params["W"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(grads["b"], (P - Y).mean(axis=0), rtol=0, atol=1e-12)
    expected_loss = cross_entropy_ref(X @ params["W"].T + params["b"], Y).mean() + l2 / 2 * (params["W"] ** 2).sum()
    assert loss == pytest.approx(expected_loss, rel=1e-13)


@pytest.mark.parametrize("offset", [-1e-4, -0.5])
def test_relu_unit_below_its_kink_gets_no_gradient(offset):
    """Test that a ReLU unit whose pre-activation is negative for every sample gets exactly zero gradient."""
    model = Model(3, hidden=(4,), activation="relu")
    params = perturbed_params(model, 7)
    params["V1"][2] = 0.0
    params["c1"][2] = offset  # unit 2 sits just below (or far below) its kink on every input
    _, grads = model.loss_and_grad(params, X_SMALL, Y_SMALL)
    assert (grads["V1"][2] == 0).all() and grads["c1"][2] == 0
    assert np.abs(grads["V1"]).sum(axis=1)[[0, 1, 3]].min() > 0
    assert max(check_grads(model, params, X_SMALL[:8], Y_SMALL[:8]).values()) < 1e-6


def test_biases_are_not_regularised():
    """Test that l2 changes the gradients of weight matrices only, by exactly l2 times the weights."""
    model = Model(3, features="poly2", hidden=(6, 4))
    params = perturbed_params(model, 4)
    _, plain = model.loss_and_grad(params, X_SMALL, Y_SMALL)
    _, decayed = model.loss_and_grad(params, X_SMALL, Y_SMALL, l2=0.5)
    for name in params:
        extra = 0.5 * params[name] if name[0] in "VW" else 0.0
        np.testing.assert_allclose(decayed[name], plain[name] + extra, rtol=0, atol=1e-14)


def test_loss_equals_cross_entropy_of_forward_logits():
    """Test that the loss is the mean cross_entropy of the forward pass's logits, with the same settings."""
    model = Model(3, features="rbf", hidden=(8,), activation="relu")
    params = perturbed_params(model, 6)
    forward = model.forward(params, X_SMALL, temperature=1.7)
    loss, _ = model.loss_and_grad(params, X_SMALL, Y_SMALL, temperature=1.7, label_smoothing=0.3)
    assert loss == pytest.approx(cross_entropy(forward.logits, Y_SMALL, temperature=1.7, label_smoothing=0.3))
    np.testing.assert_allclose(forward.probs, scipy.special.softmax(forward.logits / 1.7, axis=1), rtol=1e-13)
    np.testing.assert_array_equal(model.predict_proba(params, X_SMALL, temperature=1.7), forward.probs)
    np.testing.assert_array_equal(forward.z, forward.hidden[-1])


@pytest.mark.parametrize("features", FEATURE_MAPS)
@pytest.mark.parametrize("hidden", HIDDEN, ids=str)
def test_param_shapes_follow_the_layout(features, hidden):
    """Test that weights have one row per output unit, W is (K, D), and init matches param_shapes."""
    model = Model(5, features=features, hidden=hidden)
    shapes = model.param_shapes()
    assert shapes["W"] == (5, model.n_last_inputs) and shapes["b"] == (5,)
    fan_in = model.n_features
    for i, width in enumerate(hidden, start=1):
        assert shapes[f"V{i}"] == (width, fan_in) and shapes[f"c{i}"] == (width,)
        fan_in = width
    params = model.init(0)
    assert {k: v.shape for k, v in params.items()} == shapes
    assert all(v.dtype == np.float64 for v in params.values())
    assert model.n_params() == sum(v.size for v in params.values())
    assert model.features_of(X_SMALL).shape == (len(X_SMALL), model.n_features)
    assert len(feature_names(features)) == model.n_features


def test_init_is_deterministic_and_starts_near_log_k():
    """Test that init is the same for the same seed, differs across seeds, and gives a loss near log K."""
    model = Model(4, hidden=(16,))
    a, b, c = model.init(7), model.init(7), model.init(8)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W"], c["W"])
    X, y = make_dataset("circles", 200, 4)
    loss, _ = model.loss_and_grad(a, X, y)
    assert abs(loss - math.log(4)) < 0.3


def test_poly_features_by_hand():
    """Test that poly3 features of (2, -1) are x1, x2, x1², x1·x2, x2², x1³, x1²·x2, x1·x2², x2³."""
    z = Model(2, features="poly3").features_of([[2.0, -1.0]])
    np.testing.assert_array_equal(z, [[2.0, -1.0, 4.0, -2.0, 1.0, 8.0, -4.0, 2.0, -1.0]])


def test_for_data_covers_the_data():
    """Test that Model.for_data sets input_bounds around the data with a margin."""
    model = Model.for_data(X_SMALL, 3, hidden=(4,))
    x1_min, x1_max, x2_min, x2_max = model.input_bounds
    assert x1_min < X_SMALL[:, 0].min() and x1_max > X_SMALL[:, 0].max()
    assert x2_min < X_SMALL[:, 1].min() and x2_max > X_SMALL[:, 1].max()
    assert model.hidden == (4,)


def test_float32_input_gives_the_same_loss():
    """Test that float32 X gives a loss within float32 rounding of the float64 one."""
    model = Model(3, features="fourier", hidden=(6,))
    params = perturbed_params(model, 3)
    loss64, grads64 = model.loss_and_grad(params, X_SMALL, Y_SMALL)
    loss32, grads32 = model.loss_and_grad(params, X_SMALL.astype(np.float32), Y_SMALL)
    assert math.isfinite(loss32) and loss32 == pytest.approx(loss64, rel=1e-5)
    for name in params:
        np.testing.assert_allclose(grads32[name], grads64[name], rtol=1e-4, atol=1e-6)
