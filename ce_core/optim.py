"""Optimizers as pure functions of (params, grads, state): SGD (with momentum / Nesterov) and Adam.

``new_params, new_state = opt.update(params, grads, state)`` never modifies its inputs, so a trainer can keep old
states around (snapshots, undo) for free. ``state = opt.init(params)`` starts one.

Learning-rate schedules, t = number of updates already applied (0 for the first):
    constant      lr_t = lr
    inverse_time  lr_t = lr / (1 + decay * t)
    cosine        lr_t = lr * (1 + cos(pi * min(t, horizon) / horizon)) / 2   (reaches 0 at t = horizon)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks

SCHEDULES = ("constant", "inverse_time", "cosine")


class _Schedule:
    """Learning-rate schedule shared by the optimizers, which define the fields lr, schedule, decay, horizon."""

    def _check_schedule(self):
        _checks.positive_float(self.lr, "lr")
        _checks.choice(self.schedule, "schedule", SCHEDULES)
        _checks.real_number(self.decay, "decay", low=0.0)
        _checks.integer(self.horizon, "horizon", low=1)

    def lr_at(self, t: int) -> float:
        """Learning rate used by update number t (0-based)."""
        if self.schedule == "inverse_time":
            return self.lr / (1.0 + self.decay * t)
        if self.schedule == "cosine":
            return self.lr * 0.5 * (1.0 + math.cos(math.pi * min(t, self.horizon) / self.horizon))
        return self.lr


def _check_update_args(params, grads, state):
    if not isinstance(params, dict) or not isinstance(grads, dict) or set(params) != set(grads):
        raise ValueError("params and grads must be dicts with the same keys")
    for name, value in params.items():
        if np.shape(grads[name]) != np.shape(value):
            raise ValueError(f"grads[{name!r}] must have shape {np.shape(value)}, got {np.shape(grads[name])}")
    if not isinstance(state, dict) or "t" not in state:
        raise ValueError("state must come from the optimizer's init(params)")


@dataclass(frozen=True)
class SGD(_Schedule):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    v <- mu v + g;   step = v (plain momentum) or g + mu v (Nesterov);   theta <- theta - lr_t step.
    With mu = 0 this is derivation 1's update W <- W - lr dL/dW.
    """

    lr: float = 0.1  # base learning rate
    momentum: float = 0.0  # mu in [0, 1): how much of the previous step carries over
    nesterov: bool = False  # look-ahead form of momentum
    schedule: str = "constant"  # constant, inverse_time or cosine
    decay: float = 0.01  # inverse_time: the rate halves after 1/decay updates
    horizon: int = 1000  # cosine: number of updates over which the rate falls to 0

    def __post_init__(self):
        self._check_schedule()
        _checks.real_number(self.momentum, "momentum", low=0.0, high=0.9999)
        if self.nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0")

    def init(self, params) -> dict:
        """Start state: step counter and, with momentum, a zero velocity per parameter."""
        state = {"t": 0}
        if self.momentum:
            state["velocity"] = {k: np.zeros_like(v) for k, v in params.items()}
        return state

    def update(self, params, grads, state):
        """Return (new_params, new_state); the inputs are left untouched."""
        _check_update_args(params, grads, state)
        return self._update(params, grads, state)

    def _update(self, params, grads, state):
        lr, t = self.lr_at(state["t"]), state["t"]
        if not self.momentum:
            return {k: params[k] - lr * grads[k] for k in params}, {"t": t + 1}
        velocity = {k: self.momentum * state["velocity"][k] + grads[k] for k in params}
        steps = {k: grads[k] + self.momentum * velocity[k] for k in params} if self.nesterov else velocity
        return {k: params[k] - lr * steps[k] for k in params}, {"t": t + 1, "velocity": velocity}


@dataclass(frozen=True)
class Adam(_Schedule):
    """Adam (Kingma & Ba, 2015): per-parameter steps scaled by running gradient moments.

    m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2;
    theta <- theta - lr_t * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^(t+1)), v_hat = v / (1 - b2^(t+1)).
    """

    lr: float = 0.01  # base learning rate
    beta1: float = 0.9  # decay of the mean of gradients
    beta2: float = 0.999  # decay of the mean of squared gradients
    eps: float = 1e-8  # keeps the step finite where v_hat is 0
    schedule: str = "constant"  # constant, inverse_time or cosine
    decay: float = 0.01  # inverse_time: the rate halves after 1/decay updates
    horizon: int = 1000  # cosine: number of updates over which the rate falls to 0

    def __post_init__(self):
        self._check_schedule()
        _checks.real_number(self.beta1, "beta1", low=0.0, high=0.9999999)
        _checks.real_number(self.beta2, "beta2", low=0.0, high=0.9999999)
        _checks.positive_float(self.eps, "eps")

    def init(self, params) -> dict:
        """Start state: step counter and zero first and second moments."""
        return {
            "t": 0,
            "m": {k: np.zeros_like(v) for k, v in params.items()},
            "v": {k: np.zeros_like(v) for k, v in params.items()},
        }

    def update(self, params, grads, state):
        """Return (new_params, new_state); the inputs are left untouched."""
        _check_update_args(params, grads, state)
        return self._update(params, grads, state)

    def _update(self, params, grads, state):
        t = state["t"]
        lr = self.lr_at(t)
        b1, b2 = self.beta1, self.beta2
        m = {k: b1 * state["m"][k] + (1.0 - b1) * grads[k] for k in params}
        v = {k: b2 * state["v"][k] + (1.0 - b2) * (grads[k] * grads[k]) for k in params}
        # Fold both bias corrections into one scalar step size: lr * sqrt(1 - b2^t) / (1 - b1^t).
        corr1, corr2 = 1.0 - b1 ** (t + 1), 1.0 - b2 ** (t + 1)
        step_size = lr / corr1
        new_params = {k: params[k] - step_size * m[k] / (np.sqrt(v[k] / corr2) + self.eps) for k in params}
        return new_params, {"t": t + 1, "m": m, "v": v}
