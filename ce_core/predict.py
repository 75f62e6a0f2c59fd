"""Questions about what the next Step, Epoch or short Play will do, answered by looking ahead.

Predict, then reveal: before a student runs the steps, the app asks one question about their outcome. Every answer
here comes from running those very steps on ``trainer.fork()``, an independent copy in exactly the trainer's state
(training is deterministic, so the fork lands bitwise where the real steps will), never from a rule of thumb. The
trainer itself is never touched.

Each function returns a :class:`Question` (choice ids, the right one, the element of the stage that tells, and the
live numbers before and after) or a :class:`Skip` when the answer would be a coin toss (two outcomes too close to
tell apart on screen) or the question does not apply. Wording lives in the app (``ce_app.questions``); here are
only numbers and ids.

Kinds (``KINDS``), with the quantity each compares before and after ``steps`` optimizer steps:

    p_y_direction  p_y = softmax(u / T)_y of one point: rises or falls
    dldu_sign      dL/du_y = (p_y - y_y) / T of one point after the steps: positive or negative
    largest_move   |w_k(after) - w_k(before)| per class k: which is largest (the longest step arrow)
    region_growth  the share of the plane where argmax_k p_k = k: which class gains most
    loss_below     the mean training cross-entropy after the steps: below a threshold or not
    in_batch       is one training point among the next step's m batch rows (and how far its logit moves)
    loss_trend     the mean training cross-entropy: lower, higher, or the run diverges (optionally at a new lr)
    point_correct  argmax_k p_k of one point after the steps: its own class or not
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

import numpy as np

from . import _checks
from .grid import decision_grid
from .trainer import Trainer

# A change of p below this is invisible on the stage's bars (and under the 4 significant digits of its tables
# once p is near 1), so "does it rise or fall" would be a coin toss for the student.
PROB_TIE = 5e-4
# Two arrows whose lengths differ by less than this fraction of the longer look equally long.
MOVE_TIE = 0.05
# Region shares (fractions of the plane): a gain below REGION_MIN is a few cells at the edge; two gains closer
# than REGION_TIE cannot be told apart by eye.
REGION_MIN = 0.01
REGION_TIE = 0.005
# A loss within this fraction of the threshold (or of the loss before, for a trend) is too close to call.
LOSS_TIE = 0.01
# A point whose p_y is within this of the largest other p_k sits on a boundary: which side it ends on is chance.
MARGIN_TIE = 0.02
REGION_RESOLUTION = 100  # cells per axis of the grid a region's share is counted on (finer than the stage's 80)
MAX_LOOKAHEAD = 2000  # steps one question may run ahead: a short Play, a few milliseconds per hundred steps

# Why a question was not asked (Skip.reason).
NEAR_TIE = "near_tie"  # the two leading outcomes are too close to tell apart
TOO_SMALL = "too_small"  # the change is too small to see at all
DIVERGED = "diverged"  # the trainer has diverged: nothing will move until a reset
DIVERGES = "diverges"  # the run diverges within the steps, so the quantity asked about is not what will show
FULL_BATCH = "full_batch"  # every training point is in every batch
TEST_POINT = "test_point"  # a held-out point is never in a batch


@dataclass(frozen=True)
class PointRef:
    """The point a question is about: its number on the stage, its coordinates, its class, where the trainer has it."""

    row: int  # its row in the app's dataset (the number the stage shows)
    x: tuple  # (x1, x2)
    label: int  # its class y
    train_index: int | None = None  # its row in trainer.X_train; None for a held-out (test) point

    @classmethod
    def training_point(cls, trainer: Trainer, index: int, row: int | None = None) -> PointRef:
        """Training point ``index`` of the trainer (``row`` defaults to ``index``)."""
        index = _checks.integer(index, "index", low=0, high=trainer.n_train - 1)
        x = tuple(float(v) for v in trainer.X_train[index])
        return cls(index if row is None else row, x, int(trainer.y_train[index]), index)


@dataclass(frozen=True)
class Element:
    """The part of the stage that shows the answer, to highlight at the reveal."""

    kind: str  # "bar": p bar of class index; "row": table row of class index; "arrow": w_index; "region": class
    #            index's region; "curve": the learning curve ``name``; "batch": the batch box of point index;
    #            "point": point index on the plane (its misclassified ring)
    index: int | None = None  # a class k, or a point's row
    name: str = ""  # for a curve: "train_loss"


@dataclass(frozen=True)
class Question:
    """One question whose answer the next ``steps`` optimizer steps will show."""

    kind: str  # one of KINDS: the stable id of what is asked
    step: int  # the trainer's step when asked; the answer holds for the steps taken from exactly there
    steps: int  # how many optimizer steps show the answer (1: a Step; steps_left_in_epoch: an Epoch)
    choices: tuple  # answer ids in the order to show them, e.g. ("rise", "fall") or ("0", "1", "2") for classes
    answer: str  # the right choice id
    element: Element  # what on the stage tells
    numbers: dict = field(default_factory=dict)  # the live numbers, before and after, for the text and the why
    state: str = ""  # state_digest of the trainer asked: the answer holds for steps run from exactly that state

    def holds_for(self, trainer: Trainer) -> bool:
        """Whether ``trainer`` is in the very state this question was answered for (same weights, optimizer
        state, batch order and settings): only then do its next steps show this answer."""
        return self.state == state_digest(trainer)


@dataclass(frozen=True)
class Skip:
    """A question not asked, and why (one of the reasons above), with the numbers that show it."""

    kind: str
    step: int
    reason: str
    numbers: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------
# Looking ahead
# ---------------------------------------------------------------------------------------------------------------
def state_digest(trainer: Trainer) -> str:
    """A short fingerprint of everything the trainer's next steps depend on: step, batch order and random state,
    weights, optimizer state and the training settings. Equal digests mean equal next steps."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((trainer.step_count, trainer.epoch, trainer._position, trainer.diverged, trainer.optimizer,
                   trainer.batch_size, trainer.l2, trainer.temperature, trainer.label_smoothing,
                   trainer._rng.bit_generator.state)).encode())  # fmt: skip
    h.update(trainer._order.tobytes())
    for name in sorted(trainer.params):
        h.update(trainer.params[name].tobytes())
    for key in sorted(trainer.opt_state):
        value = trainer.opt_state[key]
        for array in (value[k] for k in sorted(value)) if isinstance(value, dict) else [np.asarray(value)]:
            h.update(array.tobytes())
    return h.hexdigest()


def look_ahead(trainer: Trainer, steps: int, *, lr: float | None = None) -> Trainer:
    """A fork of the trainer after ``steps`` more optimizer steps (fewer if it diverges); the trainer is unchanged.

    ``lr`` replaces the optimizer's base learning rate on the fork first (same optimizer type, so its state stays),
    as the sidebar's slider would on the real trainer.
    """
    steps = _checks.integer(steps, "steps", low=1, high=MAX_LOOKAHEAD)
    fork = trainer.fork()
    if lr is not None:
        fork.configure(optimizer=dataclasses.replace(fork.optimizer, lr=_checks.positive_float(lr, "lr")))
    fork.step(steps)
    return fork


def _point_forward(trainer: Trainer, point: PointRef) -> tuple[np.ndarray, np.ndarray]:
    """The point's logits u (K,) and p = softmax(u / T) (K,) at the trainer's current weights."""
    forward = trainer.model._forward(trainer.params, trainer.model._features(np.array([point.x], dtype=float)),
                                     trainer.temperature)  # fmt: skip
    return forward.logits[0], forward.probs[0]


def _target_y(trainer: Trainer, label: int) -> float:
    """y_y, the target of the true class: 1 - eps + eps / K with label smoothing eps."""
    return 1.0 - trainer.label_smoothing + trainer.label_smoothing / trainer.model.n_classes


def _train_loss(trainer: Trainer) -> float:
    return trainer.evaluate("train")[0]


def _check_point(trainer: Trainer, point) -> PointRef:
    if not isinstance(point, PointRef):
        raise ValueError(f"point must be a ce_core.PointRef, got {type(point).__name__}")
    _checks.integer(point.label, "point.label", low=0, high=trainer.model.n_classes - 1)
    if point.train_index is not None:
        _checks.integer(point.train_index, "point.train_index", low=0, high=trainer.n_train - 1)
    _checks.float_array(point.x, "point.x", ndims=(1,))
    return point


def _diverged_skip(trainer: Trainer, kind: str) -> Skip | None:
    return Skip(kind, trainer.step_count, DIVERGED, {"reason": trainer.divergence_reason}) if trainer.diverged else None


def _diverges_skip(trainer: Trainer, fork: Trainer, kind: str, steps: int) -> Skip | None:
    if not fork.diverged:
        return None
    numbers = {"steps": steps, "steps_run": fork.step_count - trainer.step_count, "reason": fork.divergence_reason}
    return Skip(kind, trainer.step_count, DIVERGES, numbers)


def _question(trainer: Trainer, kind: str, steps: int, choices: tuple, answer: str, element: Element,
              numbers: dict) -> Question:  # fmt: skip
    return Question(kind, trainer.step_count, steps, choices, answer, element, numbers, state_digest(trainer))


def _top_two(values: np.ndarray) -> tuple[int, int]:
    """Indices of the largest and the second largest entry (the lower index first on equal values)."""
    order = np.argsort(-values, kind="stable")
    return int(order[0]), int(order[1])


# ---------------------------------------------------------------------------------------------------------------
# The kinds
# ---------------------------------------------------------------------------------------------------------------
def p_y_direction(trainer: Trainer, point: PointRef, steps: int = 1) -> Question | Skip:
    """Will p_y of the point rise or fall over the next ``steps`` steps? Choices "rise", "fall"; element: its p bar.

    Numbers: p_before, p_after, change, target (y_y), dldu_before and dldu_after ((p_y - y_y) / T), sign_changed,
    in_batch (whether the first of the steps trains on the point), steps, label, row.
    """
    point = _check_point(trainer, point)
    kind = "p_y_direction"
    if skip := _diverged_skip(trainer, kind):
        return skip
    fork = look_ahead(trainer, steps)
    if skip := _diverges_skip(trainer, fork, kind, steps):
        return skip
    y = point.label
    p_before, p_after = float(_point_forward(trainer, point)[1][y]), float(_point_forward(fork, point)[1][y])
    target, T = _target_y(trainer, y), trainer.temperature
    numbers = {
        "row": point.row, "label": y, "steps": steps, "p_before": p_before, "p_after": p_after,
        "change": p_after - p_before, "target": target, "dldu_before": (p_before - target) / T,
        "dldu_after": (p_after - target) / T, "in_batch": _in_first_batch(trainer, point),
    }  # fmt: skip
    numbers["sign_changed"] = (numbers["dldu_before"] > 0) != (numbers["dldu_after"] > 0)
    if abs(p_after - p_before) < PROB_TIE:
        return Skip(kind, trainer.step_count, TOO_SMALL, {**numbers, "tie": PROB_TIE})
    answer = "rise" if p_after > p_before else "fall"
    return _question(trainer, kind, steps, ("rise", "fall"), answer, Element("bar", y), numbers)


def dldu_sign(trainer: Trainer, point: PointRef, steps: int = 1) -> Question | Skip:
    """After the next ``steps`` steps, is dL/du_y = (p_y - y_y) / T of the point positive or negative?

    Choices "positive", "negative"; element: the point's table row of class y. With label smoothing eps the
    target y_y = 1 - eps + eps / K is below 1, so an over-confident p_y makes dL/du_y positive and the step pushes
    u_y down. Numbers as p_y_direction's.
    """
    point = _check_point(trainer, point)
    kind = "dldu_sign"
    question = p_y_direction(trainer, point, steps)
    if isinstance(question, Skip) and question.reason != TOO_SMALL:
        return dataclasses.replace(question, kind=kind)
    numbers = question.numbers
    if abs(numbers["p_after"] - numbers["target"]) < PROB_TIE:
        return Skip(kind, trainer.step_count, NEAR_TIE, {**numbers, "tie": PROB_TIE})
    answer = "positive" if numbers["dldu_after"] > 0 else "negative"
    element = Element("row", point.label)
    return _question(trainer, kind, steps, ("positive", "negative"), answer, element, numbers)


def largest_move(trainer: Trainer, steps: int = 1) -> Question | Skip:
    """Which class's weight vector w_k (row k of W) moves most over the next ``steps`` steps?

    Choices: the classes "0" .. "K-1"; element: the arrow w_k (the linear model draws each w_k with its step).
    Numbers: moves (K,) |w_k(after) - w_k(before)|, grad_norms (K,) |dJ/dw_k| of the first step's batch, lr,
    first and second (the two largest classes), gap (their moves' difference as a fraction of the largest), steps.

    With K = 2, plain SGD and no l2 the two rows' gradients are exactly opposite (sum_k (p_k - y_k) = 0), so both
    arrows move equally: always a tie.
    """
    kind = "largest_move"
    if skip := _diverged_skip(trainer, kind):
        return skip
    fork = look_ahead(trainer, steps)
    if skip := _diverges_skip(trainer, fork, kind, steps):
        return skip
    moves = np.linalg.norm(fork.params["W"] - trainer.params["W"], axis=1)  # (K,)
    first, second = _top_two(moves)
    largest = float(moves[first])
    gap = (largest - float(moves[second])) / largest if largest > 0 else 0.0
    grad_norms = np.linalg.norm(trainer.next_gradient()["W"], axis=1)
    numbers = {
        "steps": steps, "moves": moves.tolist(), "grad_norms": grad_norms.tolist(), "first": first,
        "second": second, "gap": gap, "lr": trainer.optimizer.lr_at(trainer.opt_state["t"]),
    }  # fmt: skip
    if gap < MOVE_TIE:
        return Skip(kind, trainer.step_count, NEAR_TIE, {**numbers, "tie": MOVE_TIE})
    choices = tuple(str(k) for k in range(trainer.model.n_classes))
    return _question(trainer, kind, steps, choices, str(first), Element("arrow", first), numbers)


def region_shares(trainer: Trainer, bounds, resolution: int = REGION_RESOLUTION) -> np.ndarray:
    """The fraction of a resolution x resolution grid over ``bounds`` where each class is predicted, shape (K,).

    The same cells as the stage's plane (``decision_grid`` in float32); the shares sum to 1.
    """
    grid = decision_grid(trainer.model, trainer.params, bounds, resolution, temperature=trainer.temperature,
                         dtype=np.float32)  # fmt: skip
    counts = np.bincount(grid.predicted.ravel(), minlength=trainer.model.n_classes)
    return counts / counts.sum()


def region_growth(trainer: Trainer, steps: int = 50, *, bounds=None,
                  resolution: int = REGION_RESOLUTION) -> Question | Skip:  # fmt: skip
    """Which class's region (where it is the predicted class) grows most over the next ``steps`` steps?

    ``bounds`` (x1_min, x1_max, x2_min, x2_max) is the plane the stage shows (default: the model's input bounds).
    Choices: the classes; element: the region of the answer. Numbers: shares_before, shares_after (K,) fractions
    of the plane, gains (K,), first, second, steps. Skipped when no region gains REGION_MIN of the plane, or the
    two largest gains are within REGION_TIE.
    """
    kind = "region_growth"
    if skip := _diverged_skip(trainer, kind):
        return skip
    bounds = trainer.model.input_bounds if bounds is None else bounds
    fork = look_ahead(trainer, steps)
    if skip := _diverges_skip(trainer, fork, kind, steps):
        return skip
    before, after = region_shares(trainer, bounds, resolution), region_shares(fork, bounds, resolution)
    gains = after - before
    first, second = _top_two(gains)
    numbers = {
        "steps": steps, "shares_before": before.tolist(), "shares_after": after.tolist(), "gains": gains.tolist(),
        "first": first, "second": second,
    }  # fmt: skip
    if gains[first] < REGION_MIN:
        return Skip(kind, trainer.step_count, TOO_SMALL, {**numbers, "tie": REGION_MIN})
    if gains[first] - gains[second] < REGION_TIE:
        return Skip(kind, trainer.step_count, NEAR_TIE, {**numbers, "tie": REGION_TIE})
    choices = tuple(str(k) for k in range(trainer.model.n_classes))
    return _question(trainer, kind, steps, choices, str(first), Element("region", first), numbers)


def default_threshold(loss: float) -> float:
    """A round threshold below the current loss for loss_below: 0.8 x loss to two significant digits."""
    value = 0.8 * loss
    return float(f"{value:.2g}") if value > 0 else 0.0


def loss_below(trainer: Trainer, steps: int = 50, *, threshold: float | None = None) -> Question | Skip:
    """Will the mean training loss be below ``threshold`` after the next ``steps`` steps? Choices "yes", "no".

    The default threshold is :func:`default_threshold` of the current loss. Element: the training-loss curve.
    Numbers: before, after, threshold, steps. Skipped when the loss after is within LOSS_TIE of the threshold.
    """
    kind = "loss_below"
    if skip := _diverged_skip(trainer, kind):
        return skip
    before = _train_loss(trainer)
    threshold = default_threshold(before) if threshold is None else _checks.real_number(threshold, "threshold", low=0)
    fork = look_ahead(trainer, steps)
    if skip := _diverges_skip(trainer, fork, kind, steps):
        return skip
    after = _train_loss(fork)
    numbers = {"steps": steps, "before": before, "after": after, "threshold": threshold}
    if abs(after - threshold) < LOSS_TIE * max(threshold, 1e-12):
        return Skip(kind, trainer.step_count, NEAR_TIE, {**numbers, "tie": LOSS_TIE})
    answer = "yes" if after < threshold else "no"
    return _question(trainer, kind, steps, ("yes", "no"), answer, Element("curve", name="train_loss"),
                    numbers)  # fmt: skip


def _in_first_batch(trainer: Trainer, point: PointRef) -> bool:
    return point.train_index is not None and bool(np.any(trainer.next_batch_indices() == point.train_index))


def in_batch(trainer: Trainer, point: PointRef) -> Question | Skip:
    """Is the point in the next step's mini-batch? Choices "in", "out"; element: the point's batch box.

    The answer is the batch the next step uses (``next_batch_indices``); the fork runs that step so the why can
    say whether it mattered for the point's logit. Numbers: batch_size, n_train, du_y (the point's change of u_y),
    mean_du_in and mean_du_out (mean |change of u_y| over the batch's points and over the other training points,
    each at its own class y), row, label. Skipped for a test point (never in a batch) and a full batch.
    """
    point = _check_point(trainer, point)
    kind = "in_batch"
    if skip := _diverged_skip(trainer, kind):
        return skip
    numbers = {"row": point.row, "label": point.label, "batch_size": trainer.batch_size, "n_train": trainer.n_train}
    if point.train_index is None:
        return Skip(kind, trainer.step_count, TEST_POINT, numbers)
    if trainer.batch_size >= trainer.n_train:
        return Skip(kind, trainer.step_count, FULL_BATCH, numbers)
    batch = trainer.next_batch_indices()
    fork = look_ahead(trainer, 1)
    if skip := _diverges_skip(trainer, fork, kind, 1):
        return skip
    rows = np.arange(trainer.n_train)
    u_before = trainer.model._hidden_and_logits(trainer.params, trainer.Z_train)[2][rows, trainer.y_train]
    u_after = fork.model._hidden_and_logits(fork.params, fork.Z_train)[2][rows, trainer.y_train]
    du = u_after - u_before  # (n_train,) change of each training point's logit of its own class
    inside = np.zeros(trainer.n_train, dtype=bool)
    inside[batch] = True
    numbers.update(du_y=float(du[point.train_index]), mean_du_in=float(np.abs(du[inside]).mean()),
                   mean_du_out=float(np.abs(du[~inside]).mean()))  # fmt: skip
    answer = "in" if inside[point.train_index] else "out"
    return _question(trainer, kind, 1, ("in", "out"), answer, Element("batch", point.row), numbers)


def loss_trend(trainer: Trainer, steps: int = 1, *, lr: float | None = None) -> Question | Skip:
    """Will the next ``steps`` steps lower the mean training loss, raise it, or make the run diverge?

    ``lr``: ask about the steps at this base learning rate (as if the slider were moved first). Choices "lower",
    "higher", "diverge"; element: the training-loss curve. Numbers: before, after (the last loss the run shows),
    steps, steps_run, lr (of the first step), lr_changed, reason (the divergence's). Skipped when the run does not
    diverge and the loss moves by less than LOSS_TIE of itself.
    """
    kind = "loss_trend"
    if skip := _diverged_skip(trainer, kind):
        return skip
    before = _train_loss(trainer)
    fork = look_ahead(trainer, steps, lr=lr)
    after = _train_loss(fork)
    numbers = {
        "steps": steps, "steps_run": fork.step_count - trainer.step_count, "before": before, "after": after,
        "lr": fork.optimizer.lr_at(trainer.opt_state["t"]), "lr_changed": lr is not None,
        "reason": fork.divergence_reason,
    }  # fmt: skip
    if fork.diverged:
        answer = "diverge"
    elif abs(after - before) < LOSS_TIE * before:
        return Skip(kind, trainer.step_count, NEAR_TIE, {**numbers, "tie": LOSS_TIE})
    else:
        answer = "lower" if after < before else "higher"
    element = Element("curve", name="train_loss")
    return _question(trainer, kind, steps, ("lower", "higher", "diverge"), answer, element, numbers)


def point_correct(trainer: Trainer, point: PointRef, steps: int = 50) -> Question | Skip:
    """After the next ``steps`` steps, will the point be classified as its own class (argmax_k p_k = y)?

    Choices "yes", "no"; element: the point on the plane (ringed while misclassified). Numbers: predicted_before,
    predicted_after, p_y_after, margin_after (p_y minus the largest other p_k), steps, row, label. Skipped when
    |margin_after| < MARGIN_TIE: the point ends on a boundary.
    """
    point = _check_point(trainer, point)
    kind = "point_correct"
    if skip := _diverged_skip(trainer, kind):
        return skip
    fork = look_ahead(trainer, steps)
    if skip := _diverges_skip(trainer, fork, kind, steps):
        return skip
    y = point.label
    p_before, p_after = _point_forward(trainer, point)[1], _point_forward(fork, point)[1]
    others = np.delete(p_after, y)
    numbers = {
        "row": point.row, "label": y, "steps": steps, "predicted_before": int(np.argmax(p_before)),
        "predicted_after": int(np.argmax(p_after)), "p_y_after": float(p_after[y]),
        "margin_after": float(p_after[y] - others.max()),
    }  # fmt: skip
    if abs(numbers["margin_after"]) < MARGIN_TIE:
        return Skip(kind, trainer.step_count, NEAR_TIE, {**numbers, "tie": MARGIN_TIE})
    answer = "yes" if numbers["margin_after"] > 0 else "no"
    return _question(trainer, kind, steps, ("yes", "no"), answer, Element("point", point.row), numbers)


KINDS = {
    "p_y_direction": p_y_direction,
    "dldu_sign": dldu_sign,
    "largest_move": largest_move,
    "region_growth": region_growth,
    "loss_below": loss_below,
    "in_batch": in_batch,
    "loss_trend": loss_trend,
    "point_correct": point_correct,
}
POINT_KINDS = ("p_y_direction", "dldu_sign", "in_batch", "point_correct")  # the kinds about one selected point


def ask(trainer: Trainer, kind: str, *, point: PointRef | None = None, **params) -> Question | Skip:
    """The question ``kind`` (one of KINDS) about the trainer's next steps, with its parameters.

    ``point`` is required by the kinds in POINT_KINDS; ``params`` are the kind's own (steps, threshold, lr,
    bounds, resolution).
    """
    kind = _checks.choice(kind, "kind", tuple(KINDS))
    if not isinstance(trainer, Trainer):
        raise ValueError(f"trainer must be a ce_core.Trainer, got {type(trainer).__name__}")
    if kind in POINT_KINDS:
        if point is None:
            raise ValueError(f"the question {kind!r} is about a point: give point=PointRef(...)")
        return KINDS[kind](trainer, point, **params)
    return KINDS[kind](trainer, **params)
