"""Frames of a training animation: what the training page shows at one step, computed ahead in chunks.

A frame is everything that moves while training: the metrics, p(x) on a grid over the plane, which points are
misclassified, the last mini-batch, the selected point's logits, p, y, dL/du and dL/dw_k rows, and for the linear
model the class weight vectors w_k with the update the next step will make. A chunk is ``n_frames`` frames, each
``spf`` optimizer steps after the one before, computed by stepping a Trainer; the browser plays them.

    frame i of a chunk (i = 0, 1, ...) = the trainer after (i + 1) * spf steps from the chunk's start snapshot

so the trainer can always be put back exactly on a frame with ``trainer.seek(chunk.start, chunk.steps_to(i))``.
Points are the rows of ``FrameSpec.X`` (the app's whole dataset, train and test); ``train_rows`` says which row
each training point of the trainer is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _checks
from .grid import DecisionGrid, decision_grid
from .losses import ChainRuleTerms, chain_rule_terms
from .softmax import _row_argmax
from .trainer import Snapshot, Trainer, class_grad_norms

ENDED_DIVERGED = "diverged"
ENDED_LIMIT = "limit"


@dataclass(frozen=True)
class FrameSpec:
    """What each frame captures; fixed for a whole stream of frames (n points, K classes)."""

    X: np.ndarray  # (n, 2) every point of the dataset
    y: np.ndarray  # (n,) their classes
    train_rows: np.ndarray  # (n_train,) the row of X of each of the trainer's training points, in its order
    bounds: tuple  # (x1_min, x1_max, x2_min, x2_max) of the grid
    test_rows: np.ndarray | None = None  # (n_test,) the same for its test points; None: X holds other points too
    resolution: int = 80  # grid points per axis
    selected: int = 0  # the row of X whose numbers are shown
    arrows: bool = False  # capture W, b and the next update (the linear model draws w_k as arrows)
    unit_resolution: int = 0  # > 0: also capture every hidden unit and logit on a grid this fine (network view)

    def __post_init__(self):
        n = len(self.y)
        _checks.integer(self.selected, "selected", low=0, high=max(n - 1, 0))
        _checks.integer(self.resolution, "resolution", low=2, high=400)
        _checks.integer(self.unit_resolution, "unit_resolution", low=0, high=100)


@dataclass(frozen=True)
class SelectedPoint:
    """The selected point at one step: its forward pass through the last layer and derivation 1's terms."""

    logits: np.ndarray  # (K,) u
    z: np.ndarray  # (D,) the input of the last layer
    terms: ChainRuleTerms  # p, y, loss, dL/du = (p - y)/T, dL/dw_k rows (K, D)


@dataclass(frozen=True)
class Frame:
    """The training state at one step, as the training page shows it (n points, K classes, R x R grid)."""

    step: int  # optimizer steps taken
    epoch: float  # epochs, with the fraction of the current one
    lr: float  # learning rate of the next step
    train_loss: float  # mean cross-entropy on the training points
    test_loss: float  # the same on the test points (NaN when there are none)
    train_acc: float
    test_acc: float
    grad_norm: float  # length of the last step's whole gradient
    class_grad_norm: np.ndarray  # (K,) |dJ/d(w_k, b_k)| of the last step
    grid: DecisionGrid  # p on an R x R grid over the plane, float32 (rows follow x2)
    predicted: np.ndarray  # (n,) predicted class of every point
    batch_rows: np.ndarray  # (m,) rows of X in the last mini-batch (empty before the first step)
    point: SelectedPoint
    W: np.ndarray | None = None  # (K, D) class weight vectors, when FrameSpec.arrows
    b: np.ndarray | None = None  # (K,)
    next_W: np.ndarray | None = None  # (K, D) the change the next step will make to W
    units: tuple = ()  # with unit_resolution: per hidden layer (r, r, H_l), then the logits (r, r, K), float32
    layer_weights: tuple = ()  # with unit_resolution: V1 (H1, F), V2 (H2, H1), ..., W (K, D): one row per unit


@dataclass(frozen=True)
class Chunk:
    """Frames computed from one snapshot; ``ended`` says why the stream stops after them ('' when it does not)."""

    start: Snapshot  # the trainer before the first frame
    frames: list = field(default_factory=list)  # Frame, in order
    ended: str = ""  # "", ENDED_DIVERGED or ENDED_LIMIT
    reason: str = ""  # the trainer's divergence reason, when it diverged

    def steps_to(self, i: int) -> int:
        """Optimizer steps from the chunk's start to frame i."""
        return self.frames[i].step - self.start.step_count


def _selected_point(trainer: Trainer, spec: FrameSpec) -> SelectedPoint:
    forward = trainer.model._forward(trainer.params, trainer.model._features(spec.X[spec.selected : spec.selected + 1]),
                                     trainer.temperature)  # fmt: skip
    terms = chain_rule_terms(forward.logits[0], int(spec.y[spec.selected]), forward.z[0],
                             temperature=trainer.temperature, label_smoothing=trainer.label_smoothing)  # fmt: skip
    return SelectedPoint(forward.logits[0], forward.z[0], terms)


def _units(trainer: Trainer, spec: FrameSpec) -> tuple:
    """Every hidden unit's activation and every logit on a coarse grid, for the network view."""
    r = spec.unit_resolution
    x1 = np.linspace(spec.bounds[0], spec.bounds[1], r)
    x2 = np.linspace(spec.bounds[2], spec.bounds[3], r)
    points = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
    _, hidden, logits = trainer.model._hidden_and_logits(trainer.params, trainer.model._features(points))
    return tuple(layer.reshape(r, r, -1).astype(np.float32) for layer in (*hidden, logits))


def _layer_weights(trainer: Trainer) -> tuple:
    names = [name for name in trainer.model.param_shapes() if name.startswith("V")] + ["W"]
    return tuple(trainer.params[name] for name in names)


def capture_frame(trainer: Trainer, spec: FrameSpec) -> Frame:
    """The frame of the trainer's current state."""
    metrics = trainer.metrics()
    grid = decision_grid(trainer.model, trainer.params, spec.bounds, spec.resolution, temperature=trainer.temperature,
                         dtype=np.float32)  # fmt: skip
    if spec.test_rows is not None:  # every point is the trainer's: its metrics have predicted them already
        predicted = np.empty(len(spec.y), dtype=np.intp)
        predicted[spec.train_rows], predicted[spec.test_rows] = trainer.predictions()
    else:
        predicted = _row_argmax(trainer.model._hidden_and_logits(trainer.params, trainer.model._features(spec.X))[2])
    last = trainer.last_batch
    batch_rows = spec.train_rows[last.indices] if last is not None else np.zeros(0, dtype=np.intp)
    grads = last.grads if last is not None else trainer.next_gradient()
    W = b = next_W = None
    if spec.arrows:
        W, b, next_W = trainer.params["W"], trainer.params["b"], trainer.preview_update()["W"]
    return Frame(
        step=trainer.step_count, epoch=metrics["epoch"], lr=metrics["lr"], train_loss=metrics["train_loss"],
        test_loss=metrics["test_loss"], train_acc=metrics["train_acc"], test_acc=metrics["test_acc"],
        grad_norm=metrics["grad_norm"], class_grad_norm=class_grad_norms(grads), grid=grid,
        predicted=predicted, batch_rows=batch_rows, point=_selected_point(trainer, spec),
        W=W, b=b, next_W=next_W, units=_units(trainer, spec) if spec.unit_resolution else (),
        layer_weights=_layer_weights(trainer) if spec.unit_resolution else (),
    )  # fmt: skip


def play_chunk(trainer: Trainer, spec: FrameSpec, n_frames: int, spf: int, *, step_limit: int | None = None) -> Chunk:
    """Step the trainer ``spf`` steps per frame for up to ``n_frames`` frames, capturing each frame.

    Stops early when the training diverges (the last frame is the last finite state) or when the trainer reaches
    ``step_limit`` steps (the last frame may then have fewer than spf steps). The trainer ends on the last frame.
    """
    n_frames = _checks.integer(n_frames, "n_frames", low=1)
    spf = _checks.integer(spf, "spf", low=1)
    start = trainer.snapshot()
    frames, ended = [], ""
    for _ in range(n_frames):
        steps = spf if step_limit is None else min(spf, step_limit - trainer.step_count)
        if steps <= 0:
            ended = ENDED_LIMIT
            break
        trainer.step(steps)
        frames.append(capture_frame(trainer, spec))
        if trainer.diverged:
            ended = ENDED_DIVERGED
            break
        if step_limit is not None and trainer.step_count >= step_limit:
            ended = ENDED_LIMIT
            break
    if not frames:  # already at the limit: one frame of the state as it is
        frames.append(capture_frame(trainer, spec))
    return Chunk(start, frames, ended, trainer.divergence_reason if ended == ENDED_DIVERGED else "")
