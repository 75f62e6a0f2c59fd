"""Frames and chunks (ce_core.frames): each frame is the state ce_core gives after its steps, and a trainer can be
put back bitwise on any frame of a chunk."""

from __future__ import annotations

import numpy as np
import pytest

import ce_core
from ce_core import SGD, Adam, FrameSpec, Model, Trainer, capture_frame, decision_grid, make_dataset, play_chunk
from tests.trainer_state import assert_same_training_state


def _setup(hidden=(8,), lr=0.05, optimizer=None, n=80, seed=1):
    X, y = make_dataset("spiral", n, 3, seed=seed)
    train_rows, test_rows = np.arange(0, n, 2), np.arange(1, n, 2)  # interleaved, so rows and indices differ
    model = Model.for_data(X, 3, hidden=hidden)
    trainer = Trainer(model, X[train_rows], y[train_rows], X[test_rows], y[test_rows], batch_size=8, seed=seed,
                      optimizer=optimizer or Adam(lr))  # fmt: skip
    spec = FrameSpec(X=X, y=y, train_rows=train_rows, test_rows=test_rows, bounds=(-1.5, 1.5, -1.5, 1.5), resolution=12, selected=5,
                     arrows=model.is_linear)  # fmt: skip
    return trainer, spec


def _assert_frames_equal(a: ce_core.Frame, b: ce_core.Frame) -> None:
    for name in ("step", "epoch", "lr", "train_loss", "test_loss", "train_acc", "test_acc", "grad_norm"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("class_grad_norm", "predicted", "batch_rows"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.grid.probs, b.grid.probs)
    np.testing.assert_array_equal(a.point.logits, b.point.logits)
    np.testing.assert_array_equal(a.point.terms.product, b.point.terms.product)


def test_frame_i_is_the_state_after_i_plus_one_times_spf_steps():
    """Test that frame i of a chunk equals what ce_core gives after (i + 1) * spf steps from the same state."""
    trainer, spec = _setup()
    twin, _ = _setup()
    trainer.step(3)
    twin.step(3)
    chunk = play_chunk(trainer, spec, n_frames=6, spf=4)
    assert len(chunk.frames) == 6 and chunk.ended == ""
    for i, frame in enumerate(chunk.frames):
        twin.step(4)
        assert chunk.steps_to(i) == 4 * (i + 1)
        _assert_frames_equal(frame, capture_frame(twin, spec))
        # and each part is the plain ce_core computation at that step
        grid = decision_grid(twin.model, twin.params, spec.bounds, spec.resolution, temperature=1.0, dtype=np.float32)
        np.testing.assert_array_equal(frame.grid.probs, grid.probs)
        np.testing.assert_array_equal(frame.predicted, twin.model.predict_proba(twin.params, spec.X).argmax(axis=1))
        np.testing.assert_array_equal(frame.batch_rows, spec.train_rows[twin.last_batch.indices])
        assert frame.train_loss == twin.evaluate("train")[0] and frame.test_acc == twin.evaluate("test")[1]
        forward = twin.model.forward(twin.params, spec.X[5:6])
        terms = ce_core.chain_rule_terms(forward.logits[0], int(spec.y[5]), forward.z[0])
        np.testing.assert_array_equal(frame.point.terms.dL_du, terms.dL_du)
    assert trainer.step_count == twin.step_count == 3 + 24


@pytest.mark.parametrize("frame_index", [0, 2, 5])
def test_seek_to_a_frame_is_bitwise_the_same_as_stepping(frame_index):
    """Test that putting the trainer back on frame i (a Pause) leaves it identical to stepping (i + 1) * spf times."""
    trainer, spec = _setup(optimizer=SGD(0.3, momentum=0.9))
    twin, _ = _setup(optimizer=SGD(0.3, momentum=0.9))
    trainer.step(7)
    chunk = play_chunk(trainer, spec, n_frames=6, spf=5)
    play_chunk(trainer, spec, n_frames=6, spf=5)  # the browser was a chunk ahead
    trainer.seek(chunk.start, chunk.steps_to(frame_index))
    twin.step(7 + 5 * (frame_index + 1))
    assert_same_training_state(trainer, twin)
    trainer.step(9)  # and it goes on exactly as the twin does
    twin.step(9)
    np.testing.assert_array_equal(trainer.flat_params(), twin.flat_params())


def test_a_chunk_stops_on_the_last_finite_frame_when_training_diverges():
    """Test that divergence inside a chunk ends it: the last frame is finite and the chunk says why."""
    X, y = make_dataset("spiral", 120, 4, seed=0)
    trainer = Trainer(Model(4, hidden=(64, 64), activation="relu"), X, y, optimizer=SGD(10.0), seed=0)
    spec = FrameSpec(X=X, y=y, train_rows=np.arange(120), bounds=(-1.5, 1.5, -1.5, 1.5), resolution=8)
    chunk = play_chunk(trainer, spec, n_frames=50, spf=3)
    assert chunk.ended == ce_core.ENDED_DIVERGED and trainer.diverged
    assert chunk.reason == trainer.divergence_reason and chunk.reason
    assert len(chunk.frames) < 50
    last = chunk.frames[-1]
    assert last.step == trainer.step_count
    assert np.isfinite(last.grid.probs).all() and np.isfinite(last.point.logits).all() and np.isfinite(last.train_loss)


def test_a_chunk_stops_at_the_step_limit():
    """Test that a chunk never goes past step_limit and says it stopped there."""
    trainer, spec = _setup()
    chunk = play_chunk(trainer, spec, n_frames=10, spf=4, step_limit=14)
    assert [f.step for f in chunk.frames] == [4, 8, 12, 14]
    assert chunk.ended == ce_core.ENDED_LIMIT and trainer.step_count == 14
    again = play_chunk(trainer, spec, n_frames=10, spf=4, step_limit=14)
    assert [f.step for f in again.frames] == [14] and again.ended == ce_core.ENDED_LIMIT


def test_linear_frames_carry_the_weights_and_the_next_update():
    """Test that frames of the linear model carry W, b and exactly the update the next step makes."""
    trainer, spec = _setup(hidden=())
    frame = play_chunk(trainer, spec, n_frames=1, spf=2).frames[0]
    np.testing.assert_array_equal(frame.W, trainer.params["W"])
    before = trainer.params["W"]
    trainer.step()
    np.testing.assert_array_equal(frame.next_W, trainer.params["W"] - before)


def test_unit_maps_are_each_hidden_unit_and_logit_on_a_grid():
    """Test that the network view's maps are the hidden activations and logits of the grid points."""
    trainer, spec = _setup(hidden=(5, 4))
    spec = FrameSpec(**{**spec.__dict__, "unit_resolution": 6})
    frame = capture_frame(trainer, spec)
    assert [u.shape for u in frame.units] == [(6, 6, 5), (6, 6, 4), (6, 6, 3)]
    x1 = np.linspace(-1.5, 1.5, 6)
    point = np.array([[x1[2], x1[4]]])  # row 4 (x2), column 2 (x1)
    forward = trainer.model.forward(trainer.params, point)
    np.testing.assert_allclose(frame.units[0][4, 2], forward.hidden[0][0], rtol=1e-6)
    np.testing.assert_allclose(frame.units[2][4, 2], forward.logits[0], rtol=1e-6)


def test_frame_spec_refuses_a_selected_point_outside_the_data():
    """Test that FrameSpec checks the selected row."""
    X, y = make_dataset("blobs", 10, 2)
    with pytest.raises(ValueError, match="selected"):
        FrameSpec(X=X, y=y, train_rows=np.arange(10), bounds=(-1, 1, -1, 1), selected=10)


def test_points_that_are_not_the_trainers_are_predicted_too():
    """Test that without test_rows (X may hold other points) every point's prediction is computed from X."""
    trainer, spec = _setup()
    trainer.step(6)
    frame = capture_frame(trainer, spec)
    other = capture_frame(trainer, FrameSpec(**{**spec.__dict__, "test_rows": None}))
    np.testing.assert_array_equal(frame.predicted, other.predicted)
