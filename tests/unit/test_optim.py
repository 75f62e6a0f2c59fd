"""SGD (plain, momentum, Nesterov), Adam and the learning-rate schedules, checked against their formulas."""

import copy
import math

import numpy as np
import pytest

from ce_core import SGD, Adam

RNG = np.random.default_rng(2)
PARAMS = {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=3)}
GRADS = [{"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=3)} for _ in range(2)]


def two_steps(opt):
    """Apply two updates with GRADS[0] then GRADS[1]; return the params after each."""
    state = opt.init(PARAMS)
    first, state = opt.update(PARAMS, GRADS[0], state)
    second, state = opt.update(first, GRADS[1], state)
    return first, second, state


@pytest.mark.parametrize("lr", [1e-3, 0.1, 7.0])
def test_sgd_update_is_params_minus_lr_grad(lr):
    """Test that plain SGD moves every parameter by exactly -lr * grad."""
    new, state = SGD(lr).update(PARAMS, GRADS[0], SGD(lr).init(PARAMS))
    for k in PARAMS:
        np.testing.assert_array_equal(new[k], PARAMS[k] - lr * GRADS[0][k])
    assert state["t"] == 1


@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_momentum_two_steps_by_hand(mu):
    """Test heavy-ball momentum: v1 = g1, theta1 = theta0 - lr g1; v2 = mu g1 + g2, theta2 = theta1 - lr v2."""
    lr = 0.3
    first, second, state = two_steps(SGD(lr, momentum=mu))
    for k in PARAMS:
        g1, g2 = GRADS[0][k], GRADS[1][k]
        np.testing.assert_allclose(first[k], PARAMS[k] - lr * g1, rtol=1e-15)
        np.testing.assert_allclose(second[k], PARAMS[k] - lr * g1 - lr * (mu * g1 + g2), rtol=1e-14)
        np.testing.assert_allclose(state["velocity"][k], mu * g1 + g2, rtol=1e-15)


@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_nesterov_two_steps_by_hand(mu):
    """Test Nesterov: step1 = g1 + mu g1; step2 = g2 + mu (mu g1 + g2)."""
    lr = 0.3
    first, second, _ = two_steps(SGD(lr, momentum=mu, nesterov=True))
    for k in PARAMS:
        g1, g2 = GRADS[0][k], GRADS[1][k]
        step1 = g1 + mu * g1
        step2 = g2 + mu * (mu * g1 + g2)
        np.testing.assert_allclose(first[k], PARAMS[k] - lr * step1, rtol=1e-14)
        np.testing.assert_allclose(second[k], PARAMS[k] - lr * step1 - lr * step2, rtol=1e-14)


@pytest.mark.parametrize("lr", [1e-3, 0.05, 2.0])
def test_adam_first_step_is_lr_times_sign(lr):
    """Test that Adam's first step moves each parameter by ~lr * sign(grad), whatever the gradient's size."""
    grads = {"W": GRADS[0]["W"] * 1e3, "b": GRADS[0]["b"] * 1e-3}
    new, _ = Adam(lr).update(PARAMS, grads, Adam(lr).init(PARAMS))
    for k in PARAMS:
        # The step is lr |g| / (|g| + eps): lr to a relative eps / |g|.
        rtol = 2e-8 / np.abs(grads[k]).min()
        np.testing.assert_allclose(PARAMS[k] - new[k], lr * np.sign(grads[k]), rtol=rtol)


def test_adam_two_steps_match_the_paper():
    """Test Adam's second step against Kingma & Ba's algorithm written out with bias-corrected moments."""
    opt = Adam(0.01, beta1=0.8, beta2=0.99, eps=1e-8)
    _, second, state = two_steps(opt)
    for k in PARAMS:
        g1, g2 = GRADS[0][k], GRADS[1][k]
        m1, v1 = 0.2 * g1, 0.01 * g1**2
        m2, v2 = 0.8 * m1 + 0.2 * g2, 0.99 * v1 + 0.01 * g2**2
        theta1 = PARAMS[k] - 0.01 * (m1 / 0.2) / (np.sqrt(v1 / 0.01) + 1e-8)
        theta2 = theta1 - 0.01 * (m2 / (1 - 0.8**2)) / (np.sqrt(v2 / (1 - 0.99**2)) + 1e-8)
        np.testing.assert_allclose(second[k], theta2, rtol=1e-12)
        np.testing.assert_allclose(state["m"][k], m2, rtol=1e-14)
        np.testing.assert_allclose(state["v"][k], v2, rtol=1e-14)


@pytest.mark.parametrize(
    "opt",
    [SGD(0.1), SGD(0.1, momentum=0.9), SGD(0.1, momentum=0.5, nesterov=True), Adam(0.1)],
    ids=["sgd", "momentum", "nesterov", "adam"],
)
def test_update_is_pure(opt):
    """Test that update leaves params, grads and the old state untouched (so snapshots can share them)."""
    params, grads = copy.deepcopy(PARAMS), copy.deepcopy(GRADS[0])
    state = opt.init(params)
    state_before = copy.deepcopy(state)
    opt.update(params, grads, state)
    opt.update(params, grads, state)
    for k in PARAMS:
        np.testing.assert_array_equal(params[k], PARAMS[k])
        np.testing.assert_array_equal(grads[k], GRADS[0][k])
    assert state["t"] == state_before["t"] == 0
    for key in ("velocity", "m", "v"):
        for k in state.get(key, {}):
            np.testing.assert_array_equal(state[key][k], state_before[key][k])


@pytest.mark.parametrize("t", [0, 1, 10, 99, 100, 1000])
def test_schedules_at_a_few_steps(t):
    """Test lr_t for constant, inverse_time (lr / (1 + decay t)) and cosine (lr (1 + cos(pi t / H)) / 2)."""
    assert SGD(0.5).lr_at(t) == 0.5
    assert SGD(0.5, schedule="inverse_time", decay=0.1).lr_at(t) == pytest.approx(0.5 / (1 + 0.1 * t))
    expected_cosine = 0.5 * 0.5 * (1 + math.cos(math.pi * min(t, 100) / 100))
    assert Adam(0.5, schedule="cosine", horizon=100).lr_at(t) == pytest.approx(expected_cosine, abs=1e-15)


def test_schedule_landmarks():
    """Test that inverse_time halves at t = 1/decay and cosine is lr, lr/2 and 0 at t = 0, H/2 and >= H."""
    assert SGD(0.2, schedule="inverse_time", decay=0.01).lr_at(100) == pytest.approx(0.1)
    cosine = SGD(0.2, schedule="cosine", horizon=50)
    assert cosine.lr_at(0) == pytest.approx(0.2)
    assert cosine.lr_at(25) == pytest.approx(0.1)
    assert cosine.lr_at(50) == pytest.approx(0.0, abs=1e-17)
    assert cosine.lr_at(500) == pytest.approx(0.0, abs=1e-17)


def test_update_uses_the_scheduled_rate():
    """Test that update number t uses lr_at(t): the second inverse_time step is lr / (1 + decay)."""
    opt = SGD(1.0, schedule="inverse_time", decay=1.0)
    first, state = opt.update(PARAMS, GRADS[0], opt.init(PARAMS))
    second, _ = opt.update(first, GRADS[1], state)
    np.testing.assert_allclose(first["W"] - second["W"], 0.5 * GRADS[1]["W"], rtol=1e-14)
