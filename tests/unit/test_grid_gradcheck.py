"""decision_grid against predict_proba, and the gradient-check helpers on known functions."""

import numpy as np
import pytest

from ce_core import Model, check_grads, compare_grads, decision_grid, make_dataset, max_relative_error, numerical_grad

X, Y = make_dataset("moons", 60, 3, seed=2)
GRID_MODELS = [Model(3), Model(3, features="rbf", hidden=(8,)), Model(3, features="fourier", hidden=(6, 5))]


@pytest.mark.parametrize("model", GRID_MODELS, ids=["linear", "rbf-h8", "fourier-h6x5"])
@pytest.mark.parametrize("resolution", [2, 7, 30])
def test_grid_cells_are_predict_proba_at_the_cell(model, resolution):
    """Test that probs[i, j] equals model.predict_proba at the point (x1[j], x2[i])."""
    params = model.init(1)
    bounds = (-2.0, 3.0, -1.5, 1.0)
    grid = decision_grid(model, params, bounds, resolution, temperature=0.8)
    assert grid.probs.shape == (resolution, resolution, 3)
    np.testing.assert_allclose(grid.x1, np.linspace(-2.0, 3.0, resolution), rtol=1e-15)
    np.testing.assert_allclose(grid.x2, np.linspace(-1.5, 1.0, resolution), rtol=1e-15)
    points = np.array([[x1, x2] for x2 in grid.x2 for x1 in grid.x1])
    expected = model.predict_proba(params, points, temperature=0.8).reshape(resolution, resolution, 3)
    np.testing.assert_allclose(grid.probs, expected, rtol=1e-12, atol=1e-15)
    i, j = resolution - 1, 0  # the top-left corner of a heat map: largest x2, smallest x1
    corner = model.predict_proba(params, [[-2.0, 1.0]], temperature=0.8)[0]
    np.testing.assert_allclose(grid.probs[i, j], corner, rtol=1e-12)
    np.testing.assert_array_equal(grid.predicted, expected.argmax(axis=-1))
    np.testing.assert_array_equal(grid.confidence, grid.probs.max(axis=-1))


@pytest.mark.parametrize("model", GRID_MODELS, ids=["linear", "rbf-h8", "fourier-h6x5"])
def test_float32_grid_is_close_to_float64(model):
    """Test that the float32 grid is float32 and within 1e-4 of the float64 one."""
    params = model.init(3)
    g64 = decision_grid(model, params, model.input_bounds, 40)
    g32 = decision_grid(model, params, model.input_bounds, 40, dtype=np.float32)
    assert g32.probs.dtype == np.float32 and g64.probs.dtype == np.float64
    np.testing.assert_allclose(g32.probs, g64.probs, atol=1e-4)


def test_grid_follows_new_weights():
    """Test that a second call with other weights is not served stale probabilities from the feature cache."""
    model = GRID_MODELS[1]
    a = decision_grid(model, model.init(0), model.input_bounds, 20)
    b = decision_grid(model, model.init(1), model.input_bounds, 20)
    assert not np.allclose(a.probs, b.probs)
    np.testing.assert_array_equal(decision_grid(model, model.init(0), model.input_bounds, 20).probs, a.probs)


@pytest.mark.parametrize("shape", [(3,), (2, 4), (1,)])
def test_numerical_grad_of_a_quadratic_is_2x(shape):
    """Test that the central difference of sum(x^2) is 2x, and params are not modified."""
    x = np.random.default_rng(0).normal(size=shape)
    params = {"x": x.copy(), "c": np.array([0.5])}
    grads = numerical_grad(lambda p: float((p["x"] ** 2).sum() + 3 * p["c"][0]), params)
    np.testing.assert_allclose(grads["x"], 2 * x, rtol=1e-8)
    np.testing.assert_allclose(grads["c"], [3.0], rtol=1e-8)
    np.testing.assert_array_equal(params["x"], x)


def test_max_relative_error():
    """Test max_relative_error's definition: largest difference over the largest entry, 0 for two zero arrays."""
    assert max_relative_error([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert max_relative_error([2.0, 0.0], [1.0, 0.5]) == pytest.approx(0.5)
    assert max_relative_error(np.zeros(3), np.zeros(3)) == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_check_grads_passes_on_a_random_model(seed):
    """Test that check_grads reports errors below 1e-6 for a random two-layer model."""
    model = Model(3, features="poly2", hidden=(5, 4), activation="tanh")
    params = model.init(seed)
    errors = check_grads(model, params, X[:10], Y[:10], l2=0.01, temperature=0.9)
    assert set(errors) == set(params) and max(errors.values()) < 1e-6


def test_compare_grads_reports_consistent_errors():
    """Test that compare_grads' errors are max_relative_error of its arrays and that a 1% error would fail."""
    model = Model(3)
    params = model.init(0)
    checks = compare_grads(model, params, X[:10], Y[:10])
    for check in checks:
        assert check.passed()
        assert check.max_rel_error == max_relative_error(check.analytic, check.numeric)
        assert max_relative_error(1.01 * check.analytic, check.numeric) > 5e-3
