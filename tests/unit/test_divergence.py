"""Huge learning rates and extreme settings: divergence is reported and no NaN or inf ever leaves the package."""

import math

import numpy as np
import pytest

from ce_core import SGD, Adam, Model, Trainer, make_dataset, train_test_split

SPLIT = train_test_split(*make_dataset("spiral", 300, 4), test_fraction=0.2)


def assert_all_finite(trainer):
    """Weights, metrics, history and trajectory hold no NaN or inf."""
    assert all(np.isfinite(v).all() for v in trainer.params.values())
    assert all(math.isfinite(v) for v in trainer.metrics().values()), trainer.metrics()
    assert all(np.isfinite(col).all() for col in trainer.history.as_dict().values())
    assert np.isfinite(trainer.trajectory.points).all()
    if trainer.last_batch is not None:
        assert all(np.isfinite(v).all() for v in trainer.last_batch.grads.values())
        assert all(np.isfinite(v).all() for v in trainer.last_batch.update.values())


@pytest.mark.parametrize("opt", [SGD(10.0), Adam(10.0)], ids=["sgd10", "adam10"])
def test_huge_learning_rate_is_reported_as_divergence(opt):
    """Test that a deep ReLU net with lr = 10 diverges, says why, stops stepping, and stays finite; reset clears it."""
    X_train, X_test, y_train, y_test = SPLIT
    trainer = Trainer(Model(4, hidden=(64, 64), activation="relu"), X_train, y_train, X_test, y_test, optimizer=opt)
    ran = trainer.step(200)
    assert trainer.diverged and 1 <= ran < 200 and trainer.step_count == ran
    assert "learning rate" in trainer.divergence_reason and f"step {ran}" in trainer.divergence_reason
    assert_all_finite(trainer)
    frozen = trainer.flat_params()
    assert trainer.step(10) == 0 and trainer.run_epoch() == 0
    np.testing.assert_array_equal(trainer.flat_params(), frozen)
    assert_all_finite(trainer)
    trainer.reset()
    assert not trainer.diverged and trainer.divergence_reason == "" and trainer.step_count == 0
    trainer.configure(optimizer=type(opt)(1e-3))
    assert trainer.step(20) == 20 and not trainer.diverged
    assert_all_finite(trainer)


@pytest.mark.parametrize("lr", [1e2, 1e4, 1e8, 1e12])
@pytest.mark.parametrize(
    ("model", "opt_type"),
    [
        (Model(4), SGD),
        (Model(4, features="poly3"), SGD),
        (Model(4, hidden=(32,), activation="sigmoid"), Adam),
        (Model(4, features="rbf", hidden=(8, 8), activation="tanh"), SGD),
    ],
    ids=["linear", "poly3", "sigmoid-h32", "rbf-tanh-h8x8"],
)
def test_no_nan_leaves_the_trainer_at_any_learning_rate(model, opt_type, lr):
    """Test that absurd learning rates diverge within 100 steps, say why, and leave every reported number finite."""
    X_train, X_test, y_train, y_test = SPLIT
    trainer = Trainer(model, X_train, y_train, X_test, y_test, optimizer=opt_type(lr), batch_size=16)
    ran = trainer.step(100)
    assert trainer.diverged and ran < 100  # lr >= 100 overshoots at once on every model here (at most 3 steps)
    assert "learning rate" in trainer.divergence_reason
    assert_all_finite(trainer)


@pytest.mark.parametrize("temperature", [1e-8, 1e-3, 1e8, 1e300])
def test_extreme_temperatures_stay_finite(temperature):
    """Test that a temperature near 0 or huge never puts NaN or inf in the weights, history or metrics."""
    X_train, X_test, y_train, y_test = SPLIT
    trainer = Trainer(
        Model(4, hidden=(8,)), X_train, y_train, X_test, y_test, temperature=temperature, optimizer=SGD(1.0)
    )
    trainer.step(20)
    assert_all_finite(trainer)
    if temperature < 1e-2:
        assert trainer.diverged  # 1/T multiplies the gradient: lr = 1 overshoots


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_absurd_temperature_gives_no_nan():
    """Test that T = 1e-300 (gradients ~1e300) diverges at once and reports no NaN (an overflowed norm is inf)."""
    X_train, X_test, y_train, y_test = SPLIT
    trainer = Trainer(Model(4, hidden=(8,)), X_train, y_train, X_test, y_test, temperature=1e-300)
    assert trainer.step(5) == 0 and trainer.diverged
    assert all(np.isfinite(v).all() for v in trainer.params.values())
    assert not any(math.isnan(v) for v in trainer.metrics().values())
    assert not any(np.isnan(col).any() for col in trainer.history.as_dict().values())


def test_large_inputs_and_float32_stay_finite():
    """Test that inputs of 1e4 through poly3 features give a finite float32 or float64 loss and gradient."""
    model = Model(3, features="poly3", hidden=(4,))
    params = model.init(0)
    X = np.array([[1e4, -1e4], [0.0, 1e4], [-1e4, 0.0]])
    for dtype in (np.float64, np.float32):
        loss, grads = model.loss_and_grad(params, X.astype(dtype), [0, 1, 2])
        assert math.isfinite(loss) and all(np.isfinite(g).all() for g in grads.values())
        assert model.predict_proba(params, X.astype(dtype)).dtype == np.float64  # float64 weights promote
