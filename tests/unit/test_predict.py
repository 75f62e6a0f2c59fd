"""Questions about the next steps: every answer agrees with what an independent computation observes.

The session's trainer is asked; a twin built from the same settings runs the steps for real (or the update is
worked out by hand from the public gradient), and the test reads the outcome with public ce_core functions and
its own numpy (scipy's logsumexp for the loss), never with ce_core.predict.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy.special import logsumexp

import ce_core
from ce_core import SGD, Adam, Model, PointRef, Trainer, predict
from tests.trainer_state import assert_same_training_state

SEEDS = range(4)
CONFIGS = {
    # name: (dataset, K, n, model keywords, trainer keywords)
    "linear": ("blobs", 3, 150, {}, {"optimizer": SGD(0.5), "batch_size": 16}),
    "hidden": ("spiral", 3, 150, {"hidden": (16,)},
               {"optimizer": SGD(0.2, momentum=0.9), "batch_size": 32, "label_smoothing": 0.1}),
    "adam": ("moons", 2, 120, {"hidden": (8,), "activation": "relu"},
             {"optimizer": Adam(0.02), "batch_size": 8, "l2": 0.001, "temperature": 2.0}),
}  # fmt: skip
POINTS = (0, 7, 19, 42, 77)  # training points asked about


@cache
def _data(dataset: str, K: int, n: int, seed: int):
    X, y = ce_core.make_dataset(dataset, n, K, noise=0.15, seed=seed)
    train, test = ce_core.split_indices(y, 0.2, seed)
    return X[train], y[train], X[test], y[test]


def build(config: str, seed: int, warm: int | None = None, **changes) -> Trainer:
    """A trainer of the config on its seed's data, after ``warm`` steps (3 + seed by default)."""
    dataset, K, n, model_kw, trainer_kw = CONFIGS[config]
    X, y, X_test, y_test = _data(dataset, K, n, seed)
    model = Model.for_data(X, K, **model_kw)
    trainer = Trainer(model, X, y, X_test, y_test, seed=seed, **{**trainer_kw, **changes})
    trainer.step(3 + seed if warm is None else warm)
    return trainer


def twin_after(config: str, seed: int, steps: int, **changes) -> Trainer:
    """An independent trainer of the same settings, run ``steps`` steps beyond where ``build`` leaves it."""
    twin = build(config, seed, **changes)
    twin.step(steps)
    return twin


def probs_of(trainer: Trainer, x) -> np.ndarray:
    """p = softmax(u / T) of one point (K,) through the public, checked forward pass."""
    return trainer.model.predict_proba(trainer.params, np.array([x]), temperature=trainer.temperature)[0]


def mean_train_loss(trainer: Trainer) -> float:
    """The mean training cross-entropy computed here: logsumexp(u/T) - sum_k y_k u_k / T, with smoothed y."""
    K = trainer.model.n_classes
    u = trainer.model.forward(trainer.params, trainer.X_train).logits / trainer.temperature
    targets = np.full((trainer.n_train, K), trainer.label_smoothing / K)
    targets[np.arange(trainer.n_train), trainer.y_train] += 1.0 - trainer.label_smoothing
    return float(np.mean(logsumexp(u, axis=1) - (targets * u).sum(axis=1)))


def point(trainer: Trainer, index: int) -> PointRef:
    return PointRef.training_point(trainer, index)


# ---------------------------------------------------------------------------------------------------------------
# The fork the questions look ahead on
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("config", CONFIGS)
def test_a_fork_steps_bitwise_as_the_trainer_would_and_leaves_it_unchanged(config):
    """Test that fork().step(n) lands bitwise on the state a twin reaches by stepping, and the original stays put."""
    trainer = build(config, 1)
    fork = trainer.fork()
    fork.step(25)
    assert_same_training_state(fork, twin_after(config, 1, 25))
    assert_same_training_state(trainer, build(config, 1))
    trainer.step(4)  # the original goes on as if nothing had happened, and leaves the fork alone
    assert_same_training_state(trainer, twin_after(config, 1, 4))
    assert_same_training_state(fork, twin_after(config, 1, 25))


def test_steps_left_in_epoch_is_what_an_epoch_runs():
    """Test that steps_left_in_epoch is the number of steps run_epoch takes, from the start and mid-epoch."""
    trainer = build("linear", 0, warm=0)
    assert trainer.steps_left_in_epoch == -(-trainer.n_train // trainer.batch_size)
    trainer.step(3)
    left = trainer.steps_left_in_epoch
    assert left == -(-(trainer.n_train - 3 * trainer.batch_size) // trainer.batch_size)
    assert trainer.run_epoch() == left and trainer.epoch == 1


ASK_ALL = [
    ("p_y_direction", {"point": 3}),
    ("dldu_sign", {"point": 3}),
    ("largest_move", {}),
    ("region_growth", {"steps": 20}),
    ("loss_below", {"steps": 20}),
    ("in_batch", {"point": 3}),
    ("loss_trend", {"steps": 5, "lr": 5.0}),
    ("point_correct", {"point": 3, "steps": 20}),
]


@pytest.mark.parametrize(("kind", "params"), ASK_ALL, ids=[kind for kind, _ in ASK_ALL])
def test_asking_leaves_the_trainer_bitwise_unchanged(kind, params):
    """Test that after any question the trainer's weights, optimizer state, step, batch order, rng and history are
    exactly a twin's that was never asked, and stay so for the steps after."""
    trainer = build("hidden", 2)
    params = {**params, "point": point(trainer, params["point"])} if "point" in params else params
    assert isinstance(ce_core.ask(trainer, kind, **params), predict.Question | predict.Skip)
    assert_same_training_state(trainer, build("hidden", 2))
    trainer.run_epoch()  # the rng draws the next epoch's order: it must be the twin's
    trainer.step(3)
    twin = build("hidden", 2)
    twin.run_epoch()
    twin.step(3)
    assert_same_training_state(trainer, twin)


def test_a_question_holds_only_for_the_state_it_was_answered_for():
    """Test that a question holds for its trainer, an identical twin and a rewind to its state, and not after a
    step, with a new learning rate, from other weights or at an earlier step."""
    trainer = build("hidden", 1)
    question = ce_core.ask(trainer, "loss_below", steps=3, threshold=100.0)
    assert question.holds_for(trainer) and question.holds_for(build("hidden", 1))
    stepped = build("hidden", 1)
    stepped.step(1)
    relearnt = build("hidden", 1)
    relearnt.configure(optimizer=SGD(0.3, momentum=0.9))
    other_start = build("hidden", 1, params=build("hidden", 2).initial_params)
    earlier = build("hidden", 1, warm=1)
    for changed in (stepped, relearnt, other_start, earlier):
        assert not question.holds_for(changed)
    rewound = build("hidden", 1)
    snapshot = rewound.snapshot()
    rewound.step(5)
    assert not question.holds_for(rewound)
    rewound.seek(snapshot, 0)  # the player's rewind to the frame on screen: the question holds again
    assert question.holds_for(rewound)


def test_every_kind_is_exported_and_asking_checks_its_arguments():
    """Test the registry lists eight kinds and that bad arguments get a clear ValueError."""
    assert len(ce_core.QUESTION_KINDS) == 8
    trainer = build("linear", 0)
    with pytest.raises(ValueError, match="kind"):
        ce_core.ask(trainer, "what_next")
    with pytest.raises(ValueError, match="about a point"):
        ce_core.ask(trainer, "p_y_direction")
    with pytest.raises(ValueError, match="steps"):
        ce_core.ask(trainer, "loss_below", steps=0)
    with pytest.raises(ValueError, match="lr"):
        ce_core.ask(trainer, "loss_trend", lr=-1)
    with pytest.raises(ValueError, match="train_index"):
        ce_core.ask(trainer, "in_batch", point=PointRef(0, (0.0, 0.0), 0, trainer.n_train))


# ---------------------------------------------------------------------------------------------------------------
# Each kind against an independent computation, on several seeds
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("config", CONFIGS)
def test_p_y_direction_and_dldu_sign_match_the_twins_step(config):
    """Test that rise/fall of p_y and the sign of dL/du_y after a step are what a twin's real step shows."""
    answers = set()
    for seed in SEEDS:
        trainer = build(config, seed)
        twin = twin_after(config, seed, 1)
        for index in POINTS:
            ref = point(trainer, index)
            y = ref.label
            p_before, p_after = probs_of(trainer, ref.x)[y], probs_of(twin, ref.x)[y]
            question = ce_core.ask(trainer, "p_y_direction", point=ref)
            if abs(p_after - p_before) < predict.PROB_TIE:
                assert isinstance(question, predict.Skip) and question.reason == predict.TOO_SMALL
            else:
                assert question.answer == ("rise" if p_after > p_before else "fall")
                assert question.numbers["p_after"] == pytest.approx(p_after, rel=1e-12)
                answers.add(question.answer)
            logits = twin.model.forward(twin.params, np.array([ref.x])).logits[0]
            dL_du = ce_core.cross_entropy_grad(logits, y, temperature=twin.temperature,
                                               label_smoothing=twin.label_smoothing)  # fmt: skip
            sign = ce_core.ask(trainer, "dldu_sign", point=ref)
            if isinstance(sign, predict.Question):
                assert sign.answer == ("positive" if dL_du[y] > 0 else "negative")
                assert sign.element == predict.Element("row", y)
            else:
                assert abs(p_after - sign.numbers["target"]) < predict.PROB_TIE
    assert answers == ({"rise", "fall"} if config != "linear" else {"rise"})  # early on every blob's p_y rises


def test_dldu_turns_positive_under_label_smoothing_when_p_y_passes_its_target():
    """Test that with eps = 0.3 a confident point's dL/du_y after a step is positive exactly when p_y > y_y."""
    seen = set()
    for seed in SEEDS:
        trainer = build("linear", seed, warm=60, label_smoothing=0.3)
        twin = twin_after("linear", seed, 1, warm=60, label_smoothing=0.3)
        for index in POINTS:
            ref = point(trainer, index)
            question = ce_core.ask(trainer, "dldu_sign", point=ref)
            if isinstance(question, predict.Skip):
                continue
            target = 1 - 0.3 + 0.3 / 3
            assert question.numbers["target"] == pytest.approx(target)
            assert question.answer == ("positive" if probs_of(twin, ref.x)[ref.label] > target else "negative")
            seen.add(question.answer)
    assert seen == {"positive", "negative"}


@pytest.mark.parametrize("config", ["linear", "hidden"])
def test_largest_move_is_the_longest_step_of_w_k(config):
    """Test that the class whose w_k moves most is the twin's (and, for plain SGD, -lr times the public gradient's
    largest row, worked out by hand)."""
    answers = set()
    for seed in SEEDS:
        trainer = build(config, seed)
        twin = twin_after(config, seed, 1)
        moves = np.linalg.norm(twin.params["W"] - trainer.params["W"], axis=1)
        if isinstance(trainer.optimizer, SGD) and not trainer.optimizer.momentum:
            batch = trainer.next_batch_indices()
            _, grads = trainer.model.loss_and_grad(
                trainer.params, trainer.X_train[batch], trainer.y_train[batch], l2=trainer.l2,
                temperature=trainer.temperature, label_smoothing=trainer.label_smoothing,
            )  # fmt: skip
            np.testing.assert_allclose(moves, trainer.optimizer.lr * np.linalg.norm(grads["W"], axis=1), rtol=1e-9)
        question = ce_core.ask(trainer, "largest_move")
        first, second = np.sort(moves)[::-1][:2]
        if (first - second) / first < predict.MOVE_TIE:
            assert isinstance(question, predict.Skip) and question.reason == predict.NEAR_TIE
            continue
        assert question.answer == str(int(np.argmax(moves))) and question.element.kind == "arrow"
        answers.add(question.answer)
    assert answers, "every seed was skipped: the test compared nothing"


@pytest.mark.parametrize("optimizer", [SGD(0.5), Adam(0.02)], ids=["sgd", "adam"])
def test_largest_move_with_two_classes_is_always_a_tie(optimizer):
    """Test that for K = 2 (no l2) both rows of W move by the same length (their gradients are opposite, since
    sum_k (p_k - y_k) = 0; Adam scales opposite entries alike), so the question is skipped as a coin toss."""
    for seed in SEEDS:
        trainer = build("adam", seed, optimizer=optimizer, l2=0.0)
        skip = ce_core.ask(trainer, "largest_move")
        assert isinstance(skip, predict.Skip) and skip.reason == predict.NEAR_TIE
        assert skip.numbers["moves"][0] == pytest.approx(skip.numbers["moves"][1], rel=1e-9)


@pytest.mark.parametrize("config", CONFIGS)
def test_region_growth_matches_the_twins_plane(config):
    """Test that the class whose region gains most after 30 steps is the one a grid of the twin's predictions
    (computed here) shows, and the shares agree to a few cells."""
    answers, resolution = set(), 60
    for seed in SEEDS:
        trainer = build(config, seed)
        twin = twin_after(config, seed, 30)
        bounds = trainer.model.input_bounds
        x1, x2 = np.linspace(bounds[0], bounds[1], resolution), np.linspace(bounds[2], bounds[3], resolution)
        grid = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)

        def shares(t, grid=grid):
            predicted = t.model.predict_proba(t.params, grid).argmax(axis=1)
            return np.bincount(predicted, minlength=t.model.n_classes) / len(grid)

        gains = shares(twin) - shares(trainer)
        question = ce_core.ask(trainer, "region_growth", steps=30, resolution=resolution)
        np.testing.assert_allclose(question.numbers["gains"], gains, atol=3 / resolution**2)
        top = np.sort(gains)[::-1]
        if isinstance(question, predict.Skip):
            assert top[0] < predict.REGION_MIN + 3 / resolution**2 or top[0] - top[1] < predict.REGION_TIE + 6e-4
            continue
        assert question.answer == str(int(np.argmax(gains)))
        answers.add(question.answer)
    assert answers, "every seed was skipped: the test compared nothing"


@pytest.mark.parametrize("config", CONFIGS)
def test_loss_below_and_loss_trend_match_the_twins_loss(config):
    """Test the loss questions against the twin's mean training loss computed here with scipy's logsumexp."""
    trends = set()
    for seed in SEEDS:
        trainer = build(config, seed)
        before = mean_train_loss(trainer)
        for steps in (1, 20):
            after = mean_train_loss(twin_after(config, seed, steps))
            threshold = round(0.9 * before, 2)
            below = ce_core.ask(trainer, "loss_below", steps=steps, threshold=threshold)
            assert below.numbers["after"] == pytest.approx(after, rel=1e-9)
            if abs(after - threshold) < predict.LOSS_TIE * threshold:
                assert isinstance(below, predict.Skip)
            else:
                assert below.answer == ("yes" if after < threshold else "no")
            trend = ce_core.ask(trainer, "loss_trend", steps=steps)
            assert trend.numbers["before"] == pytest.approx(before, rel=1e-9)
            if abs(after - before) < predict.LOSS_TIE * before:
                assert isinstance(trend, predict.Skip) and trend.reason == predict.NEAR_TIE
            else:
                assert trend.answer == ("lower" if after < before else "higher")
                trends.add(trend.answer)
    assert "lower" in trends


def test_a_learning_rate_change_that_diverges_is_answered_diverge():
    """Test that asking about lr = 10 answers "diverge" exactly when a twin set to lr = 10 diverges in 20 steps,
    and "lower" for lr = 0.5; the trainer keeps its own lr."""
    seen = set()
    for seed in SEEDS:
        trainer = build("hidden", seed, optimizer=SGD(0.1))
        for lr in (0.5, 10.0):
            twin = build("hidden", seed, optimizer=SGD(0.1))
            twin.configure(optimizer=SGD(lr))
            twin.step(20)
            question = ce_core.ask(trainer, "loss_trend", steps=20, lr=lr)
            expected = "diverge" if twin.diverged else ("lower" if mean_train_loss(twin) < mean_train_loss(trainer)
                                                        else "higher")  # fmt: skip
            assert question.answer == expected and question.numbers["lr"] == lr
            seen.add(expected)
        assert trainer.optimizer.lr == 0.1
    assert {"lower", "diverge"} <= seen


@pytest.mark.parametrize("config", CONFIGS)
def test_in_batch_is_the_batch_the_next_step_trains_on(config):
    """Test that "in"/"out" is whether the twin's next step put the point in its batch, for points of both kinds."""
    for seed in SEEDS:
        trainer = build(config, seed)
        twin = twin_after(config, seed, 1)
        used = set(twin.last_batch.indices.tolist())
        outside = next(i for i in range(trainer.n_train) if i not in used)
        for index in (twin.last_batch.indices[0], outside):
            question = ce_core.ask(trainer, "in_batch", point=point(trainer, int(index)))
            assert question.answer == ("in" if int(index) in used else "out")
            logits = (trainer.model.forward(p, trainer.X_train[index : index + 1]).logits[0] for p in
                      (trainer.params, twin.params))  # fmt: skip
            du = np.subtract(*reversed(list(logits)))[trainer.y_train[index]]
            assert question.numbers["du_y"] == pytest.approx(du, rel=1e-9, abs=1e-15)


def test_in_batch_skips_a_test_point_and_a_full_batch():
    """Test that a held-out point and a batch of every training point are not asked about."""
    trainer = build("linear", 0)
    held_out = PointRef(999, tuple(trainer.X_test[0]), int(trainer.y_test[0]), None)
    assert ce_core.ask(trainer, "in_batch", point=held_out).reason == predict.TEST_POINT
    full = build("linear", 0)
    full.configure(batch_size=full.n_train)
    assert ce_core.ask(full, "in_batch", point=point(full, 0)).reason == predict.FULL_BATCH


@pytest.mark.parametrize("config", CONFIGS)
def test_point_correct_matches_the_twins_prediction(config):
    """Test that "will the point be classified correctly after 25 steps" is the twin's argmax."""
    answers = set()
    for seed in SEEDS:
        trainer = build(config, seed, warm=0)
        twin = twin_after(config, seed, 25, warm=0)
        for index in POINTS:
            ref = point(trainer, index)
            p = probs_of(twin, ref.x)
            margin = p[ref.label] - np.delete(p, ref.label).max()
            question = ce_core.ask(trainer, "point_correct", point=ref, steps=25)
            if abs(margin) < predict.MARGIN_TIE:
                assert isinstance(question, predict.Skip)
                continue
            assert question.answer == ("yes" if margin > 0 else "no")
            answers.add(question.answer)
    assert answers == ({"yes", "no"} if config != "linear" else {"yes"})  # the blobs are learnt in 25 steps


# ---------------------------------------------------------------------------------------------------------------
# Questions that are not asked
# ---------------------------------------------------------------------------------------------------------------
def test_a_step_too_small_to_see_is_skipped():
    """Test that at lr = 1e-4 the change of p_y and of the regions is too small: skipped, not a coin toss."""
    trainer = build("linear", 0, optimizer=SGD(1e-4))
    skip = ce_core.ask(trainer, "p_y_direction", point=point(trainer, 0))
    assert skip.reason == predict.TOO_SMALL and abs(skip.numbers["change"]) < predict.PROB_TIE
    assert ce_core.ask(trainer, "region_growth", steps=5).reason == predict.TOO_SMALL


def test_a_threshold_at_the_outcome_is_a_near_tie():
    """Test that asking whether the loss will be below the very value it reaches is skipped."""
    trainer = build("linear", 0)
    after = mean_train_loss(twin_after("linear", 0, 10))
    skip = ce_core.ask(trainer, "loss_below", steps=10, threshold=after)
    assert isinstance(skip, predict.Skip) and skip.reason == predict.NEAR_TIE


def test_a_diverged_trainer_and_a_diverging_look_ahead_are_skipped():
    """Test that a diverged run gets no question, and a question whose steps diverge says so (except the trend)."""
    trainer = build("hidden", 0, optimizer=SGD(10.0), warm=0)
    skip = ce_core.ask(trainer, "p_y_direction", point=point(trainer, 0), steps=30)
    assert skip.reason == predict.DIVERGES and skip.numbers["reason"]
    assert ce_core.ask(trainer, "loss_trend", steps=30).answer == "diverge"
    trainer.step(30)
    assert trainer.diverged
    for kind, params in ASK_ALL:
        params = {**params, "point": point(trainer, params["point"])} if "point" in params else params
        assert ce_core.ask(trainer, kind, **params).reason == predict.DIVERGED
