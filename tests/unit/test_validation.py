"""Every public entry point refuses bad input with a ValueError whose message starts with the argument's name."""

import re

import numpy as np
import pytest

from ce_core import (
    SGD,
    Adam,
    Model,
    Trainer,
    chain_rule_terms,
    cross_entropy,
    cross_entropy_grad,
    cross_entropy_with_grad,
    decision_grid,
    log_softmax,
    make_dataset,
    numerical_grad,
    softmax,
    softmax_jacobian,
    train_test_split,
)

NAN, INF = float("nan"), float("inf")
LOGITS = np.zeros((3, 2))
X, Y = make_dataset("blobs", 20, 2)
MODEL = Model(2, hidden=(3,))
PARAMS = MODEL.init(0)


def case(call, name, id):
    return pytest.param(call, name, id=id)


SOFTMAX_CASES = [
    case(lambda f: f(np.zeros((2, 2, 2))), "logits", "3d"),
    case(lambda f: f([]), "logits", "empty"),
    case(lambda f: f([1.0, NAN]), "logits", "nan"),
    case(lambda f: f([1.0, INF]), "logits", "plus-inf"),
    case(lambda f: f([[0.0, 1.0], [-INF, -INF]]), "logits", "row-of-neg-inf"),
    case(lambda f: f(["a", "b"]), "logits", "strings"),
    case(lambda f: f([1 + 1j, 2]), "logits", "complex"),
    case(lambda f: f([[1.0, 2.0], [3.0]]), "logits", "ragged"),
    case(lambda f: f([1.0, 2.0], 0.0), "temperature", "T-zero"),
    case(lambda f: f([1.0, 2.0], -1.0), "temperature", "T-negative"),
    case(lambda f: f([1.0, 2.0], NAN), "temperature", "T-nan"),
    case(lambda f: f([1.0, 2.0], INF), "temperature", "T-inf"),
    case(lambda f: f([1.0, 2.0], "hot"), "temperature", "T-string"),
    case(lambda f: f([1.0, 2.0], True), "temperature", "T-bool"),
]


@pytest.mark.parametrize(("call", "name"), SOFTMAX_CASES)
@pytest.mark.parametrize("function", [softmax, log_softmax], ids=["softmax", "log_softmax"])
def test_softmax_validation(function, call, name):
    """Test that softmax and log_softmax name the bad argument."""
    with pytest.raises(ValueError, match=f"^{name}"):
        call(function)


LOSS_CASES = [
    case(lambda f: f(np.zeros((3, 1)), [0, 0, 0]), "logits", "one-class"),
    case(lambda f: f(np.zeros((3, 2, 1)), [0, 0, 0]), "logits", "3d"),
    case(lambda f: f([[0.0, NAN]] * 3, [0, 0, 0]), "logits", "nan"),
    case(lambda f: f(LOGITS, [0, 1]), "targets", "too-few-labels"),
    case(lambda f: f(LOGITS, [[0, 1]]), "targets", "labels-2d-wrong-shape"),
    case(lambda f: f(LOGITS, [0, 1, 2]), "targets", "label-too-large"),
    case(lambda f: f(LOGITS, [0, -1, 1]), "targets", "label-negative"),
    case(lambda f: f(LOGITS, [0.5, 1.0, 0.0]), "targets", "label-fractional"),
    case(lambda f: f(LOGITS, ["a", "b", "c"]), "targets", "label-string"),
    case(lambda f: f(LOGITS, np.full((3, 3), 1 / 3)), "targets", "soft-wrong-K"),
    case(lambda f: f(LOGITS, [[1.5, -0.5]] * 3), "targets", "soft-negative"),
    case(lambda f: f(LOGITS, [[0.5, 0.4]] * 3), "targets", "soft-not-summing-to-1"),
    case(lambda f: f(LOGITS, [[NAN, 1.0]] * 3), "targets", "soft-nan"),
    case(lambda f: f(LOGITS, [0, 1, 0], temperature=0), "temperature", "T-zero"),
    case(lambda f: f(LOGITS, [0, 1, 0], temperature=-2.0), "temperature", "T-negative"),
    case(lambda f: f(LOGITS, [0, 1, 0], label_smoothing=-0.1), "label_smoothing", "eps-negative"),
    case(lambda f: f(LOGITS, [0, 1, 0], label_smoothing=1.1), "label_smoothing", "eps-above-1"),
    case(lambda f: f(LOGITS, [0, 1, 0], label_smoothing=NAN), "label_smoothing", "eps-nan"),
    case(lambda f: f(LOGITS, [0, 1, 0], reduction="avg"), "reduction", "reduction-unknown"),
    case(lambda f: f(LOGITS, [0, 1, 0], reduction=None), "reduction", "reduction-none-object"),
]


@pytest.mark.parametrize(("call", "name"), LOSS_CASES)
@pytest.mark.parametrize(
    "function", [cross_entropy, cross_entropy_grad, cross_entropy_with_grad], ids=["loss", "grad", "with_grad"]
)
def test_loss_validation(function, call, name):
    """Test that the three loss functions name the bad argument."""
    with pytest.raises(ValueError, match=f"^{name}"):
        call(function)


OTHER_CASES = [
    # softmax_jacobian
    case(lambda: softmax_jacobian([0.5, 0.6]), "probs", "jacobian-not-summing-to-1"),
    case(lambda: softmax_jacobian([-0.1, 1.1]), "probs", "jacobian-outside-0-1"),
    case(lambda: softmax_jacobian(np.full((2, 2, 2), 0.5)), "probs", "jacobian-3d"),
    # chain_rule_terms
    case(lambda: chain_rule_terms(LOGITS, 0, [1.0]), "logits", "chain-2d-logits"),
    case(lambda: chain_rule_terms([1.0], 0, [1.0]), "logits", "chain-one-class"),
    case(lambda: chain_rule_terms([1.0, 2.0, 3.0], 3, [1.0]), "label", "chain-label-too-large"),
    case(lambda: chain_rule_terms([1.0, 2.0, 3.0], 1.0, [1.0]), "label", "chain-label-float"),
    case(lambda: chain_rule_terms([1.0, 2.0, 3.0], 1, [[1.0]]), "z", "chain-z-2d"),
    case(lambda: chain_rule_terms([1.0, 2.0, 3.0], 1, [NAN]), "z", "chain-z-nan"),
    case(lambda: chain_rule_terms([1.0, 2.0, 3.0], 1, [1.0], temperature=0), "temperature", "chain-T"),
    case(lambda: chain_rule_terms([1.0, 2.0, 3.0], 1, [1.0], label_smoothing=1.5), "label_smoothing", "chain-eps"),
    # make_dataset
    case(lambda: make_dataset("blob", 100, 3), "name", "dataset-unknown"),
    case(lambda: make_dataset("blobs", 100, 1), "n_classes", "dataset-one-class"),
    case(lambda: make_dataset("blobs", 100, 9), "n_classes", "dataset-nine-classes"),
    case(lambda: make_dataset("blobs", 100, 3.0), "n_classes", "dataset-classes-float"),
    case(lambda: make_dataset("blobs", 2, 3), "n_samples", "dataset-fewer-points-than-classes"),
    case(lambda: make_dataset("blobs", 100_001, 3), "n_samples", "dataset-too-many-points"),
    case(lambda: make_dataset("blobs", 10.5, 3), "n_samples", "dataset-points-float"),
    case(lambda: make_dataset("blobs", 100, 3, noise=-0.1), "noise", "dataset-noise-negative"),
    case(lambda: make_dataset("blobs", 100, 3, noise=NAN), "noise", "dataset-noise-nan"),
    case(lambda: make_dataset("blobs", 100, 3, seed=-1), "seed", "dataset-seed-negative"),
    # train_test_split
    case(lambda: train_test_split(X, Y, test_fraction=0.95), "test_fraction", "split-fraction-too-large"),
    case(lambda: train_test_split(X, Y, test_fraction=-0.1), "test_fraction", "split-fraction-negative"),
    case(lambda: train_test_split(X, Y[:-1]), "y", "split-y-length"),
    case(lambda: train_test_split(X[:, 0], Y), "X", "split-X-1d"),
    case(lambda: train_test_split(X, Y, seed=-3), "seed", "split-seed"),
    # Model construction
    case(lambda: Model(1), "n_classes", "model-one-class"),
    case(lambda: Model(3.0), "n_classes", "model-classes-float"),
    case(lambda: Model(3, hidden=(4, 4, 4)), "hidden", "model-three-layers"),
    case(lambda: Model(3, hidden=(0,)), "hidden width", "model-width-0"),
    case(lambda: Model(3, hidden=(8, 65)), "hidden width", "model-width-65"),
    case(lambda: Model(3, hidden="5"), "hidden", "model-hidden-string"),
    case(lambda: Model(3, activation="gelu"), "activation", "model-activation"),
    case(lambda: Model(3, features="poly4"), "features", "model-features"),
    case(lambda: Model(3, input_bounds=(1.0, 0.0, 0.0, 1.0)), "input_bounds", "model-bounds-reversed"),
    case(lambda: Model(3, input_bounds=(0.0, 1.0, 0.0)), "input_bounds", "model-bounds-three"),
    case(lambda: Model(3, feature_seed=-1), "feature_seed", "model-feature-seed"),
    case(lambda: MODEL.init(seed=-1), "seed", "model-init-seed"),
    case(lambda: MODEL.targets_of(1), "labels", "model-targets-of-scalar"),
    case(lambda: MODEL.targets_of([0, 2]), "labels", "model-targets-of-out-of-range"),
    # Model.loss_and_grad
    case(lambda: MODEL.loss_and_grad(PARAMS, np.zeros((4, 3)), [0, 1, 0, 1]), "X", "loss-X-three-columns"),
    case(lambda: MODEL.loss_and_grad(PARAMS, [[0.0, NAN]], [0]), "X", "loss-X-nan"),
    case(lambda: MODEL.loss_and_grad(PARAMS, X, Y[:-1]), "targets", "loss-y-length"),
    case(lambda: MODEL.loss_and_grad(PARAMS, X, Y + 1), "targets", "loss-y-out-of-range"),
    case(lambda: MODEL.loss_and_grad({"W": PARAMS["W"]}, X, Y), "params", "loss-params-missing"),
    case(lambda: MODEL.loss_and_grad({**PARAMS, "W": np.zeros((3, 3))}, X, Y), "params['W']", "loss-W-shape"),
    case(lambda: MODEL.loss_and_grad({**PARAMS, "W": np.full((2, 3), NAN)}, X, Y), "params['W']", "loss-W-nan"),
    case(lambda: MODEL.loss_and_grad(list(PARAMS.values()), X, Y), "params", "loss-params-list"),
    case(lambda: MODEL.loss_and_grad(PARAMS, X, Y, l2=-1.0), "l2", "loss-l2-negative"),
    case(lambda: MODEL.loss_and_grad(PARAMS, X, Y, temperature=0.0), "temperature", "loss-T-zero"),
    case(lambda: MODEL.loss_and_grad(PARAMS, X, Y, label_smoothing=2.0), "label_smoothing", "loss-eps"),
    # Optimizers
    case(lambda: SGD(0.0), "lr", "sgd-lr-zero"),
    case(lambda: SGD(-0.1), "lr", "sgd-lr-negative"),
    case(lambda: SGD(NAN), "lr", "sgd-lr-nan"),
    case(lambda: SGD(0.1, momentum=1.0), "momentum", "sgd-momentum-1"),
    case(lambda: SGD(0.1, momentum=-0.5), "momentum", "sgd-momentum-negative"),
    case(lambda: SGD(0.1, nesterov=True), "nesterov", "sgd-nesterov-without-momentum"),
    case(lambda: SGD(0.1, schedule="step"), "schedule", "sgd-schedule"),
    case(lambda: SGD(0.1, schedule="inverse_time", decay=-1.0), "decay", "sgd-decay"),
    case(lambda: SGD(0.1, schedule="cosine", horizon=0), "horizon", "sgd-horizon"),
    case(lambda: Adam(0.0), "lr", "adam-lr"),
    case(lambda: Adam(0.01, beta1=1.0), "beta1", "adam-beta1"),
    case(lambda: Adam(0.01, beta2=-0.1), "beta2", "adam-beta2"),
    case(lambda: Adam(0.01, eps=0.0), "eps", "adam-eps"),
    case(lambda: SGD().update(PARAMS, {"W": PARAMS["W"]}, {"t": 0}), "params and grads", "update-keys"),
    case(lambda: SGD().update(PARAMS, {**PARAMS, "W": np.zeros(3)}, {"t": 0}), "grads['W']", "update-shape"),
    case(lambda: Adam().update(PARAMS, PARAMS, {}), "state", "update-state"),
    # Trainer
    case(lambda: Trainer("linear", X, Y), "model", "trainer-model"),
    case(lambda: Trainer(MODEL, X, Y + 1, batch_size=4), "y_train", "trainer-labels"),
    case(lambda: Trainer(MODEL, X, Y, X[:3], Y[:2], batch_size=4), "y_test", "trainer-test-labels"),
    case(lambda: Trainer(MODEL, X[:, :1], Y, batch_size=4), "X_train", "trainer-X-one-column"),
    case(lambda: Trainer(MODEL, X, Y, np.zeros((3, 3)), Y[:3], batch_size=4), "X_test", "trainer-X-test-columns"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4).evaluate("tset"), "which", "trainer-evaluate-which"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=0), "batch_size", "trainer-batch-0"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=21), "batch_size", "trainer-batch-too-large"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4, optimizer="sgd"), "optimizer", "trainer-optimizer"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4, l2=-1.0), "l2", "trainer-l2"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4, temperature=0.0), "temperature", "trainer-T"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4, label_smoothing=1.5), "label_smoothing", "trainer-eps"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4, seed=-1), "seed", "trainer-seed"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4, history_capacity=3), "capacity", "trainer-capacity"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4, params={}), "params", "trainer-params"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4).step(-1), "n", "trainer-step-negative"),
    case(lambda: Trainer(MODEL, X, Y, batch_size=4).configure(batch_size=0), "batch_size", "trainer-configure"),
    # decision_grid
    case(lambda: decision_grid(MODEL, PARAMS, (-1, 1, -1, 1), 1), "resolution", "grid-resolution-1"),
    case(lambda: decision_grid(MODEL, PARAMS, (-1, 1, -1, 1), 401), "resolution", "grid-resolution-401"),
    case(lambda: decision_grid(MODEL, PARAMS, (1, -1, -1, 1), 10), "bounds", "grid-bounds-reversed"),
    case(lambda: decision_grid(MODEL, PARAMS, (-1, 1, -1, NAN), 10), "bounds", "grid-bounds-nan"),
    case(lambda: decision_grid(MODEL, PARAMS, "abcd", 10), "bounds", "grid-bounds-text"),
    case(lambda: decision_grid(MODEL, PARAMS, (-1, 1, -1, 1), 10, dtype=np.float16), "dtype", "grid-dtype"),
    case(lambda: decision_grid(MODEL, PARAMS, (-1, 1, -1, 1), 10, temperature=-1), "temperature", "grid-T"),
    case(lambda: decision_grid(MODEL, {}, (-1, 1, -1, 1), 10), "params", "grid-params"),
    # gradcheck
    case(lambda: numerical_grad(lambda p: 0.0, {"x": np.zeros(2)}, eps=0.0), "eps", "numgrad-eps"),
    case(lambda: numerical_grad(lambda p: 0.0, [np.zeros(2)]), "params", "numgrad-params"),
]


@pytest.mark.parametrize(("call", "name"), OTHER_CASES)
def test_validation_names_the_argument(call, name):
    """Test that bad arguments raise ValueError with a message that starts with the argument's name."""
    with pytest.raises(ValueError, match=f"^{re.escape(name)}"):
        call()


@pytest.mark.parametrize(
    ("call", "shown"),
    [
        (lambda: Model(3, hidden=(65,)), "65"),
        (lambda: cross_entropy(LOGITS, [0, 1, 5]), "5"),
        (lambda: softmax([1.0, 2.0], temperature=-3.5), "-3.5"),
        (lambda: make_dataset("rings", 10, 2), "'rings'"),
    ],
)
def test_messages_show_the_offending_value(call, shown):
    """Test that the error message quotes the value that was refused."""
    with pytest.raises(ValueError, match=re.escape(shown)):
        call()


def test_validation_does_not_modify_inputs():
    """Test that a refused call leaves the caller's arrays as they were."""
    logits = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = logits.copy()
    with pytest.raises(ValueError):
        cross_entropy(logits, [0, 2])
    np.testing.assert_array_equal(logits, before)
