"""The optimizer race: a shared start, determinism, independence of the contestants, validation; optimizers by name."""

import itertools

import numpy as np
import pytest

from ce_core import (
    OPTIMIZER_NAMES,
    SGD,
    Adam,
    Model,
    RaceConfig,
    Trainer,
    flatten_params,
    make_dataset,
    make_optimizer,
    run_race,
    train_test_split,
)


def _split(name="blobs", n=120, k=3):
    X, y = make_dataset(name, n, k, seed=0)
    return train_test_split(X, y, 0.25, seed=0)


CONFIGS = [
    RaceConfig("SGD", SGD(0.1), 16),
    RaceConfig("momentum", SGD(0.05, momentum=0.9), 16),
    RaceConfig("Adam", Adam(0.01), 32),
]


def test_every_config_starts_from_the_same_weights():
    """Test that every contestant's first trajectory point is model.init(seed)."""
    X_tr, X_te, y_tr, y_te = _split()
    model = Model(3, hidden=(8,))
    results = run_race(model, X_tr, y_tr, X_te, y_te, CONFIGS, 20, seed=4)
    start = flatten_params(model.init(4), model.param_shapes())
    assert [r.label for r in results] == ["SGD", "momentum", "Adam"]
    for result in results:
        np.testing.assert_allclose(result.points[0], start, rtol=1e-6)  # points are stored as float32
        assert result.steps[0] == 0 and result.steps_run == 20 and not result.diverged
        assert result.history["step"][0] == 0 and result.history["step"][-1] == 20
    assert not np.array_equal(results[0].final_params["W"], results[2].final_params["W"])


def test_race_is_deterministic():
    """Test that the same race run twice gives identical histories and weights."""
    X_tr, X_te, y_tr, y_te = _split()
    model = Model(3, hidden=(6,))
    first = run_race(model, X_tr, y_tr, X_te, y_te, CONFIGS, 15)
    second = run_race(model, X_tr, y_tr, X_te, y_te, CONFIGS, 15)
    for a, b in zip(first, second, strict=True):
        for name in a.history:
            np.testing.assert_array_equal(a.history[name], b.history[name])
        for name in a.final_params:
            np.testing.assert_array_equal(a.final_params[name], b.final_params[name])


def test_each_contestant_equals_a_plain_trainer():
    """Test that a contestant's run is exactly what a Trainer with that optimizer and batch size does alone."""
    X_tr, X_te, y_tr, y_te = _split()
    model = Model(3)
    result = run_race(model, X_tr, y_tr, X_te, y_te, CONFIGS, 25, seed=2, l2=0.01, temperature=0.8)[1]
    trainer = Trainer(model, X_tr, y_tr, X_te, y_te, optimizer=CONFIGS[1].optimizer, batch_size=16, seed=2, l2=0.01,
                      temperature=0.8)  # fmt: skip
    trainer.step(25)
    for name, value in trainer.params.items():
        np.testing.assert_array_equal(result.final_params[name], value)
    assert result.final_metrics["train_loss"] == trainer.metrics()["train_loss"]


def test_diverging_config_leaves_the_others_alone():
    """Test that SGD with lr 10 on a (64, 64) relu net diverges and the other contestants run as without it."""
    X_tr, X_te, y_tr, y_te = _split("spiral", n=160, k=3)
    model = Model(3, hidden=(64, 64), activation="relu")
    calm = [RaceConfig("SGD", SGD(0.05), 32), RaceConfig("Adam", Adam(0.005), 32)]
    boom = RaceConfig("boom", SGD(10.0), 32)
    progress = []
    alone = run_race(model, X_tr, y_tr, X_te, y_te, calm, 30)
    raced = run_race(model, X_tr, y_tr, X_te, y_te, [calm[0], boom, calm[1]], 30, on_progress=progress.append)
    assert raced[1].diverged and raced[1].steps_run < 30 and "lower the learning rate" in raced[1].divergence_reason
    for a, b in zip(alone, [raced[0], raced[2]], strict=True):
        assert not b.diverged and b.steps_run == 30
        for name in a.final_params:
            np.testing.assert_array_equal(a.final_params[name], b.final_params[name])
    assert progress[-1] == 1.0 and all(x <= y for x, y in itertools.pairwise(progress))


def test_same_batch_size_sees_the_same_batches():
    """Test that two contestants with the same optimizer and batch size end with the same weights (a fair race)."""
    X_tr, _, y_tr, _ = _split()
    twins = [RaceConfig("a", SGD(0.1), 8), RaceConfig("b", SGD(0.1), 8)]
    a, b = run_race(Model(3), X_tr, y_tr, None, None, twins, 12)
    np.testing.assert_array_equal(a.final_params["W"], b.final_params["W"])
    assert np.isnan(a.final_metrics["test_loss"])


@pytest.mark.parametrize(
    ("configs", "n_steps", "match"),
    [
        (CONFIGS[:1], 10, "configs"),
        (CONFIGS + CONFIGS[:2], 10, "configs"),
        ([CONFIGS[0], CONFIGS[0]], 10, "labels"),
        ([CONFIGS[0], "Adam"], 10, "RaceConfig"),
        ([CONFIGS[0], RaceConfig("big", SGD(0.1), 1000)], 10, "batch_size"),
        (CONFIGS, 0, "n_steps"),
        (CONFIGS, 5001, "n_steps"),
    ],
)
def test_run_race_validation(configs, n_steps, match):
    """Test that a bad race is a ValueError naming what is wrong."""
    X_tr, X_te, y_tr, y_te = _split()
    with pytest.raises(ValueError, match=match):
        run_race(Model(3), X_tr, y_tr, X_te, y_te, configs, n_steps)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"label": ""}, "label"), ({"optimizer": "adam"}, "optimizer"), ({"batch_size": 0}, "batch_size")],
)
def test_race_config_validation(kwargs, match):
    """Test that a RaceConfig with an empty label, a non-optimizer or a zero batch size is refused."""
    with pytest.raises(ValueError, match=match):
        RaceConfig(**({"label": "x", "optimizer": SGD(0.1), "batch_size": 4} | kwargs))


# --------------------------------------------------------------------------------------------------------------
# Optimizers by name
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sgd", SGD(0.05, schedule="cosine")),
        ("momentum", SGD(0.05, momentum=0.8, schedule="cosine")),
        ("adam", Adam(0.05, schedule="cosine")),
    ],
)
def test_make_optimizer_by_name(name, expected):
    """Test that each name gives its optimizer with the lr and schedule; momentum counts for "momentum" only."""
    assert make_optimizer(name, 0.05, momentum=0.8, schedule="cosine") == expected
    assert name in OPTIMIZER_NAMES


def test_make_optimizer_defaults():
    """Test that the defaults are momentum 0.9 and a constant rate."""
    assert make_optimizer("momentum", 0.1) == SGD(0.1, momentum=0.9)
    assert make_optimizer("adam", 0.1) == Adam(0.1)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [(("rmsprop", 0.1), {}, "name"), (("sgd", 0.0), {}, "lr"), (("momentum", 0.1), {"momentum": 1.5}, "momentum"),
     (("adam", 0.1), {"schedule": "step"}, "schedule")],
)  # fmt: skip
def test_make_optimizer_validation(args, kwargs, match):
    """Test that an unknown name, a zero rate, a momentum of 1 or more and an unknown schedule are refused."""
    with pytest.raises(ValueError, match=match):
        make_optimizer(*args, **kwargs)
