"""Trainer: batching, epochs, bounded history, snapshots, previews, per-sample gradients, convergence."""

import math

import numpy as np
import pytest
import scipy.optimize

from ce_core import SGD, Adam, Model, Trainer, make_dataset, train_test_split, unflatten_params

from .reference import mlp_objective, one_hot

X, Y = make_dataset("blobs", 30, 3, seed=4)
OPTIMIZERS = [SGD(0.2), SGD(0.1, momentum=0.9, nesterov=True), Adam(0.05)]
OPT_IDS = ["sgd", "nesterov", "adam"]


def global_norm(grads):
    return math.sqrt(sum(float((g**2).sum()) for g in grads.values()))


@pytest.mark.parametrize("batch_size", [1, 7, 30])
def test_every_index_exactly_once_per_epoch(batch_size):
    """Test that mini-batches are drawn without replacement: each epoch's batches cover every index exactly once."""
    trainer = Trainer(Model(3), X, Y, batch_size=batch_size, seed=1)
    orders = []
    for epoch in range(3):
        seen = []
        for _ in range(trainer.steps_per_epoch):
            assert trainer.epoch == epoch
            trainer.step()
            seen.append(trainer.last_batch.indices)
        assert trainer.epoch == epoch + 1
        sizes = [len(s) for s in seen]
        assert sizes[:-1] == [batch_size] * (len(sizes) - 1) and sum(sizes) == 30
        np.testing.assert_array_equal(np.sort(np.concatenate(seen)), np.arange(30))
        orders.append(np.concatenate(seen))
    if batch_size < 30:
        assert not np.array_equal(orders[0], orders[1])  # reshuffled between epochs


@pytest.mark.parametrize("batch_size", [1, 7, 30])
def test_next_batch_indices_name_the_rows_the_next_step_uses_and_change_nothing(batch_size):
    """Test that next_batch_indices() predicts every step's batch across epoch boundaries, and that reading it (or
    mutating what it returns) does not move the trainer."""
    trainer = Trainer(Model(3), X, Y, batch_size=batch_size, seed=2)
    twin = Trainer(Model(3), X, Y, batch_size=batch_size, seed=2)
    for _ in range(2 * trainer.steps_per_epoch + 1):
        predicted = trainer.next_batch_indices()
        np.testing.assert_array_equal(trainer.next_batch_indices(), predicted)
        predicted[:] = -1  # a copy: the trainer's own order is untouched
        expected = trainer.next_batch_indices()
        trainer.step()
        twin.step()
        np.testing.assert_array_equal(trainer.last_batch.indices, expected)
        np.testing.assert_array_equal(trainer.flat_params(), twin.flat_params())


def test_batch_size_one_is_per_sample_sgd():
    """Test that batch size 1 applies derivation 1's update W <- W - lr (p - y) z^T for the drawn sample."""
    trainer = Trainer(Model(3), X, Y, batch_size=1, optimizer=SGD(0.5))
    before = trainer.params
    trainer.step()
    (i,) = trainer.last_batch.indices
    p = Model(3).predict_proba(before, X[i : i + 1])[0]
    expected = before["W"] - 0.5 * np.outer(p - one_hot([Y[i]], 3)[0], X[i])
    np.testing.assert_allclose(trainer.params["W"], expected, rtol=1e-14, atol=1e-16)


def test_full_batch_step_uses_the_full_gradient():
    """Test that batch size N takes exactly params - lr * model.loss_and_grad on the whole training set."""
    model = Model(3, hidden=(5,))
    trainer = Trainer(model, X, Y, batch_size=30, optimizer=SGD(0.3), l2=0.01, temperature=1.3)
    for _ in range(3):
        before = trainer.params
        _, grads = model.loss_and_grad(before, X, Y, l2=0.01, temperature=1.3)
        assert trainer.step() == 1 and trainer.epoch == trainer.step_count
        for k in before:
            np.testing.assert_allclose(trainer.params[k], before[k] - 0.3 * grads[k], rtol=1e-13, atol=1e-16)


def test_epoch_counting_and_run_epoch():
    """Test that epoch counts completed passes, metrics' epoch is fractional, and run_epoch ends one."""
    trainer = Trainer(Model(3), X, Y, batch_size=8)  # 4 steps per epoch: 8, 8, 8, 6
    assert trainer.steps_per_epoch == 4
    trainer.step(2)
    assert trainer.epoch == 0 and trainer.metrics()["epoch"] == pytest.approx(16 / 30)
    assert trainer.run_epoch() == 2 and trainer.epoch == 1 and trainer.step_count == 4
    assert trainer.run_epoch() == 4 and trainer.epoch == 2
    assert trainer.metrics()["epoch"] == 2.0


def test_history_stays_bounded_over_20k_steps():
    """Test that 20,000 steps keep at most `capacity` rows spanning the run, in memory that never grows."""
    Xs, ys = make_dataset("blobs", 40, 2)
    trainer = Trainer(Model(2), Xs[:30], ys[:30], Xs[30:], ys[30:], batch_size=4, history_capacity=64)
    history_bytes, trajectory_bytes = trainer.history.nbytes, trainer.trajectory.nbytes
    assert trainer.step(20_000) == 20_000
    history = trainer.history
    assert history_bytes == history.nbytes and trajectory_bytes == trainer.trajectory.nbytes
    assert 32 <= len(history) <= 64 and history.stride >= 20_000 // 64
    steps = history.column("step")
    assert steps[0] == 0 and (steps % history.stride == 0).all() and (np.diff(steps) == history.stride).all()
    assert steps[-1] > 20_000 - history.stride
    assert len(trainer.trajectory) <= trainer.trajectory.capacity
    assert all(np.isfinite(col).all() for col in history.as_dict().values())


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=OPT_IDS)
def test_snapshot_restore_reproduces_the_same_steps(opt):
    """Test that after restore() the next steps (batches, weights, metrics, history) repeat exactly."""
    Xs, ys = make_dataset("spiral", 60, 3)
    trainer = Trainer(Model(3, hidden=(6,)), Xs[:50], ys[:50], Xs[50:], ys[50:], batch_size=8, optimizer=opt, seed=2)
    trainer.step(5)  # mid-epoch, with a non-trivial optimizer state

    def run():
        out = []
        for _ in range(12):  # crosses an epoch boundary, so the reshuffle is replayed too
            trainer.step()
            out.append((trainer.last_batch.indices.copy(), trainer.flat_params(), trainer.metrics()))
        return out, trainer.history.as_dict()

    snap = trainer.snapshot()
    first, history_first = run()
    trainer.restore(snap)
    assert trainer.step_count == 5
    second, history_second = run()
    for (idx1, p1, m1), (idx2, p2, m2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(idx1, idx2)
        np.testing.assert_array_equal(p1, p2)
        assert m1 == m2
    for name in history_first:
        np.testing.assert_array_equal(history_first[name], history_second[name])


def test_snapshot_survives_later_steps_and_thinning():
    """Test that restoring a snapshot after many more steps (through history thinning) gives back its exact state."""
    trainer = Trainer(Model(3), X, Y, batch_size=5, optimizer=Adam(0.1), history_capacity=8)
    trainer.step(3)
    snap = trainer.snapshot()
    weights = {k: v.copy() for k, v in trainer.params.items()}
    history, trajectory = trainer.history.as_dict(), trainer.trajectory.points
    trainer.step(40)  # the history of capacity 8 thins several times
    assert trainer.history.stride > 1
    trainer.restore(snap)
    assert trainer.step_count == 3 and trainer.history.stride == 1
    for k in weights:
        np.testing.assert_array_equal(trainer.params[k], weights[k])
    for name, column in history.items():
        np.testing.assert_array_equal(trainer.history.column(name), column)
    np.testing.assert_array_equal(trainer.trajectory.points, trajectory)


def test_seek_lands_bitwise_on_the_state_n_steps_later():
    """Test that seek(snapshot, n) equals stepping n times from the snapshot, even if settings changed since."""
    Xs, ys = make_dataset("spiral", 60, 3)
    trainer = Trainer(Model(3, hidden=(6,)), Xs[:50], ys[:50], Xs[50:], ys[50:], batch_size=8, optimizer=Adam(0.02))
    trainer.step(4)
    snap = trainer.snapshot()
    trainer.step(17)
    expected = (trainer.flat_params(), trainer.metrics(), trainer.history.as_dict(), trainer.opt_state["t"])
    trainer.configure(optimizer=SGD(0.5), batch_size=3, temperature=2.0)  # later settings must not leak back
    trainer.step(9)
    assert trainer.seek(snap, 17) == 17
    np.testing.assert_array_equal(trainer.flat_params(), expected[0])
    assert trainer.metrics() == expected[1] and trainer.opt_state["t"] == expected[3]
    assert isinstance(trainer.optimizer, Adam) and trainer.batch_size == 8 and trainer.temperature == 1.0
    for name, column in expected[2].items():
        np.testing.assert_array_equal(trainer.history.column(name), column)


def test_trainer_keeps_its_own_copy_of_given_params():
    """Test that Trainer(params=...) never trains the caller's arrays."""
    given = Model(3).init(0)
    kept = {k: v.copy() for k, v in given.items()}
    trainer = Trainer(Model(3), X, Y, batch_size=5, params=given)
    trainer.step(3)
    given["W"][:] = 7.0
    trainer.reset()
    for k in kept:
        np.testing.assert_array_equal(trainer.params[k], kept[k])


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=OPT_IDS)
def test_preview_update_is_the_next_update(opt):
    """Test that preview_update predicts exactly the change the next step makes, without making it."""
    trainer = Trainer(Model(3, hidden=(4,)), X, Y, batch_size=7, optimizer=opt, l2=0.02)
    for _ in range(4):
        before = trainer.params
        preview = trainer.preview_update()
        assert trainer.params is before and trainer.step_count == len(trainer.history) - 1
        trainer.step()
        for k in before:
            np.testing.assert_array_equal(trainer.params[k] - before[k], preview[k])
            np.testing.assert_array_equal(trainer.last_batch.update[k], preview[k])


@pytest.mark.parametrize("hidden", [(), (5,)], ids=str)
def test_per_sample_grads_average_to_the_batch_gradient(hidden):
    """Test that mean_i (p_i - y_i) z_i^T / T + l2 W equals last_batch.grads["W"]."""
    trainer = Trainer(
        Model(3, features="poly2", hidden=hidden), X, Y, batch_size=9, l2=0.3, temperature=0.7, label_smoothing=0.1
    )
    trainer.step(2)
    batch = trainer.last_batch
    W_before = trainer.params["W"] - batch.update["W"]
    per_sample = batch.per_sample_grad_W()
    assert per_sample.shape == (9, 3, trainer.model.n_last_inputs)
    np.testing.assert_allclose(per_sample.mean(axis=0) + 0.3 * W_before, batch.grads["W"], rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(batch.targets, one_hot(Y[batch.indices], 3, 0.1), rtol=1e-15)
    np.testing.assert_allclose(batch.probs.sum(axis=1), 1.0, rtol=1e-15)


def test_configure_changes_lr_without_resetting_weights():
    """Test that configure(optimizer=SGD(new lr)) keeps weights, step count and history, and the next step uses it."""
    trainer = Trainer(Model(3), X, Y, batch_size=30, optimizer=SGD(0.1))
    trainer.step(3)
    weights, rows = trainer.params, len(trainer.history)
    trainer.configure(optimizer=SGD(0.7))
    assert trainer.params is weights and trainer.step_count == 3 and len(trainer.history) == rows
    assert trainer.metrics()["lr"] == 0.7
    _, grads = trainer.model.loss_and_grad(weights, X, Y)
    trainer.step()
    np.testing.assert_allclose(trainer.params["W"], weights["W"] - 0.7 * grads["W"], rtol=1e-14)


def test_configure_keeps_or_restarts_optimizer_state():
    """Test that the same optimizer type keeps its moments while a new type starts fresh but keeps counting t."""
    trainer = Trainer(Model(3), X, Y, optimizer=Adam(0.01), batch_size=10)
    trainer.step(4)
    m = trainer.opt_state["m"]
    trainer.configure(optimizer=Adam(0.02))
    assert trainer.opt_state["m"] is m
    trainer.configure(optimizer=SGD(0.1, momentum=0.9))
    assert trainer.opt_state["t"] == 4 and all((v == 0).all() for v in trainer.opt_state["velocity"].values())


def test_reset_returns_to_the_start():
    """Test that reset() restores the initial weights, step 0, one history row and the first batch order."""
    trainer = Trainer(Model(3, hidden=(4,)), X, Y, batch_size=4, seed=9)
    start = trainer.flat_params()
    trainer.step()
    first_batch = trainer.last_batch.indices.copy()
    trainer.step(20)
    trainer.reset()
    assert trainer.step_count == 0 and trainer.epoch == 0 and trainer.last_batch is None
    np.testing.assert_array_equal(trainer.flat_params(), start)
    assert len(trainer.history) == 1 and len(trainer.trajectory) == 1
    trainer.step()
    np.testing.assert_array_equal(trainer.last_batch.indices, first_batch)


def test_metrics_are_finite_from_step_zero():
    """Test that metrics at step 0 report the first step's gradient norm (as the history's first row does)."""
    X_train, X_test, y_train, y_test = train_test_split(*make_dataset("moons", 80, 2), test_fraction=0.25)
    trainer = Trainer(Model(2), X_train, y_train, X_test, y_test, batch_size=10)
    metrics = trainer.metrics()
    assert all(math.isfinite(v) for v in metrics.values()), metrics
    assert metrics["grad_norm"] == trainer.history.column("grad_norm")[0] > 0
    trainer.step()
    assert trainer.metrics()["grad_norm"] == pytest.approx(global_norm(trainer.last_batch.grads))


def test_evaluate_matches_the_model():
    """Test that evaluate() gives the model's mean data loss (no l2) and the accuracy of the argmax."""
    model = Model(3, hidden=(5,))
    trainer = Trainer(model, X, Y, X[:10], Y[:10], batch_size=8, l2=0.5, temperature=0.8)
    trainer.step(5)
    loss, acc = trainer.evaluate("train")
    assert loss == pytest.approx(model.loss_and_grad(trainer.params, X, Y, temperature=0.8)[0], rel=1e-13)
    assert acc == np.mean(model.predict_proba(trainer.params, X).argmax(axis=1) == Y)
    assert trainer.evaluate("test")[0] == pytest.approx(
        model.loss_and_grad(trainer.params, X[:10], Y[:10], temperature=0.8)[0], rel=1e-13
    )


def test_full_batch_descent_reaches_the_regularised_minimum():
    """Test that full-batch SGD with l2 = 0.1 drives the gradient norm to ~0 at the minimiser scipy finds."""
    Xb, yb = make_dataset("blobs", 200, 3, seed=1)
    model, l2 = Model(3), 0.1
    trainer = Trainer(model, Xb, yb, batch_size=200, optimizer=SGD(1.0), l2=l2)
    trainer.step(400)
    loss, grads = model.loss_and_grad(trainer.params, Xb, yb, l2=l2)
    assert global_norm(grads) < 1e-8

    shapes = model.param_shapes()
    targets = one_hot(yb, 3)

    def objective(theta):
        return mlp_objective(unflatten_params(theta, shapes), Xb, targets, activation="tanh", l2=l2, temperature=1.0)

    best = scipy.optimize.minimize(objective, np.zeros(model.n_params()), method="BFGS", options={"gtol": 1e-10})
    assert loss == pytest.approx(best.fun, rel=1e-9)
    reference = unflatten_params(best.x, shapes)
    np.testing.assert_allclose(trainer.params["W"], reference["W"], atol=1e-5)
    # Adding the same constant to every bias changes nothing, so only the centred biases are determined.
    np.testing.assert_allclose(
        trainer.params["b"] - trainer.params["b"].mean(), reference["b"] - reference["b"].mean(), atol=1e-5
    )
