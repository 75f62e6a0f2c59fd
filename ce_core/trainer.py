"""The training loop: mini-batch SGD (or Adam) on a Model, with a bounded history and divergence detection.

One step: draw the next mini-batch of m samples (without replacement within an epoch), compute the batch loss
J_B = 1/m sum_{i in B} CE_i + l2/2 ||weights||^2 and its gradient, and apply the optimizer's update.
Batch size 1 is derivation 1's per-sample SGD; batch size = n_train is derivation 2's full-batch descent.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from .history import BufferMark, History, Trajectory, flatten_params
from .losses import _loss_and_dlogits, batch_weight_grad, target_matrix
from .model import Model
from .optim import SGD, Adam
from .softmax import _row_argmax

MAX_ABS_PARAM = 1e6  # weights beyond this mean the run has blown up even if everything is still finite


def divergence_loss_limit(n_classes: int, initial_loss: float = 0.0) -> float:
    """Mean training loss above which a run counts as diverged: max(10 log K + 10, 5 x the loss at step 0).

    An untrained model sits near log K; a mean loss of 10 log K + 10 means the typical sample gets a probability
    below e^-10 / K^10 on its true class, which only happens when the steps overshoot (lr or 1/T too large).
    A run that starts high (a small temperature T multiplies every logit by 1/T) may go to 5 times its start.
    """
    return max(10.0 * math.log(n_classes) + 10.0, 5.0 * initial_loss)


@dataclass(frozen=True)
class LastBatch:
    """What the most recent step did, for the app's batch view (m samples in the batch, K classes, D features)."""

    step: int  # number of the step (1-based)
    indices: np.ndarray  # (m,) rows of the training set that formed the batch
    z: np.ndarray  # (m, D) inputs of the last layer for those samples
    probs: np.ndarray  # (m, K) p = softmax(u / T) before the update
    targets: np.ndarray  # (m, K) y rows (one-hot or smoothed)
    losses: np.ndarray  # (m,) per-sample CE before the update
    loss: float  # batch objective J_B (mean CE + l2 penalty)
    grads: dict  # dJ_B/dtheta, shapes of params
    update: dict  # new_params - old_params
    lr: float  # learning rate used
    temperature: float  # T used

    @property
    def probs_minus_targets(self) -> np.ndarray:
        """P - Y, shape (m, K): row i is sample i's dL_i/du_i times T."""
        return self.probs - self.targets

    def per_sample_grad_W(self) -> np.ndarray:
        """Each sample's contribution (p_i - y_i) z_i^T / T to dL/dW, shape (m, K, D); their mean is the
        data part of grads["W"] (the l2 term l2 W is added once, to the mean)."""
        return self.probs_minus_targets[:, :, None] * self.z[:, None, :] / self.temperature

    def data_grad_W(self) -> np.ndarray:
        """The cross-entropy part of grads["W"] (without l2 W) as the mean of per_sample_grad_W, shape (K, D):
        ``1/m sum_i (p_i - y_i) z_i^T / T``."""
        return self.per_sample_grad_W().mean(axis=0)

    def batch_formula_grad(self) -> np.ndarray:
        """Derivation 2's ``-1/(m T) Z^T (Y - S)`` for this batch, shape (D, K): the transpose of data_grad_W,
        by one matrix product (see losses.batch_weight_grad)."""
        return batch_weight_grad(self.z, self.probs, self.targets, temperature=self.temperature)

    @classmethod
    def preview(cls, trainer: Trainer) -> LastBatch:
        """The record the trainer's next step would leave, without taking it: its batch at the current weights.

        ``step`` is the number that step will get; loss, grads, update and lr are the ones it would use and make.
        """
        indices = trainer.next_batch_indices()
        loss, grads, (forward, losses, _) = trainer._batch_loss_and_grad(indices)
        new_params, _ = trainer.optimizer._update(trainer.params, grads, trainer.opt_state)
        return cls(
            step=trainer.step_count + 1, indices=indices, z=forward.z, probs=forward.probs,
            targets=target_matrix(trainer.y_train[indices], trainer.model.n_classes, trainer.label_smoothing),
            losses=losses, loss=loss, grads=grads, update={k: new_params[k] - trainer.params[k] for k in new_params},
            lr=trainer.optimizer.lr_at(trainer.opt_state["t"]), temperature=trainer.temperature,
        )  # fmt: skip


@dataclass(frozen=True)
class Snapshot:
    """Everything needed to put a Trainer back where it was, its settings included.

    Nothing is copied: parameter and optimizer arrays are replaced by every step, never written into, and the
    history and trajectory are marks (see ``ThinningBuffer.mark``). Restoring a snapshot invalidates the
    snapshots taken after it.
    """

    params: dict
    opt_state: dict
    step_count: int
    epoch: int
    order: np.ndarray
    position: int
    rng_state: dict
    diverged: bool
    divergence_reason: str
    last_batch: LastBatch | None
    initial_loss: float
    history: BufferMark
    trajectory: BufferMark
    optimizer: SGD | Adam
    batch_size: int
    l2: float
    temperature: float
    label_smoothing: float


class Trainer:
    """Owns parameters, optimizer state, batch order and history for one model on one dataset.

    Parameters
    ----------
    model : Model.
    X_train (n, 2), y_train (n,) : training data; X_test, y_test : optional held-out data.
    optimizer : SGD or Adam (default SGD(lr=0.1)).
    batch_size : m, 1 to n_train.
    seed : seeds both the initial weights (when params is None) and the batch order.
    l2, temperature, label_smoothing : loss settings, see Model.loss_and_grad.
    params : start from these weights instead of model.init(seed).
    history_capacity : rows kept in the history (it thins itself when full).
    """

    def __init__(self, model: Model, X_train, y_train, X_test=None, y_test=None, *, optimizer=None,
                 batch_size=32, seed=0, l2=0.0, temperature=1.0, label_smoothing=0.0, params=None,
                 history_capacity=1000):  # fmt: skip
        if not isinstance(model, Model):
            raise ValueError(f"model must be a ce_core.Model, got {type(model).__name__}")
        self.model = model
        self.X_train = model._check_X(X_train, "X_train")
        self.y_train = _checks.labels(y_train, "y_train", self.X_train.shape[0], model.n_classes)
        if X_test is None or len(np.asarray(X_test)) == 0:
            self.X_test, self.y_test = np.zeros((0, 2)), np.zeros(0, dtype=np.intp)
        else:
            self.X_test = model._check_X(X_test, "X_test")
            self.y_test = _checks.labels(y_test, "y_test", self.X_test.shape[0], model.n_classes)
        # phi(x) never changes during training: compute it once for every point.
        self.Z_train = model._features(self.X_train)
        self.Z_test = model._features(self.X_test) if len(self.X_test) else np.zeros((0, model.n_features))
        # Every point in one array: the metrics evaluate both sets in one forward pass (half the numpy calls).
        self._Z_all = np.vstack([self.Z_train, self.Z_test])
        self._y_all = np.concatenate([self.y_train, self.y_test])
        self.seed = _checks.integer(seed, "seed", low=0)
        self.history_capacity = history_capacity
        self.configure(
            optimizer=optimizer if optimizer is not None else SGD(0.1),
            batch_size=batch_size, l2=l2, temperature=temperature, label_smoothing=label_smoothing,
        )  # fmt: skip
        initial = model.check_params(params) if params is not None else model.init(self.seed)
        self.initial_params = {
            k: np.array(v, dtype=np.float64) for k, v in initial.items()
        }  # never the caller's arrays
        self.reset()

    # ---------------------------------------------------------------------------------------------------------
    # Settings
    # ---------------------------------------------------------------------------------------------------------
    @property
    def n_train(self) -> int:
        return self.X_train.shape[0]

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n_train // self.batch_size)

    def configure(self, *, optimizer=None, batch_size=None, l2=None, temperature=None, label_smoothing=None):
        """Change training settings without losing the weights. A new optimizer type starts a fresh optimizer
        state (its moments would mean nothing to the other type); the same type keeps its state when it fits."""
        if optimizer is not None:
            if not isinstance(optimizer, SGD | Adam):
                raise ValueError(f"optimizer must be ce_core.SGD or ce_core.Adam, got {type(optimizer).__name__}")
            previous = getattr(self, "optimizer", None)
            self.optimizer = optimizer
            if previous is not None and hasattr(self, "params"):
                fresh = optimizer.init(self.params)
                if type(previous) is not type(optimizer) or set(fresh) != set(self.opt_state):
                    fresh["t"] = self.opt_state["t"]  # the schedule keeps counting
                    self.opt_state = fresh
        if batch_size is not None:
            self.batch_size = _checks.integer(batch_size, "batch_size", low=1, high=self.n_train)
        if l2 is not None:
            self.l2 = _checks.real_number(l2, "l2", low=0.0)
        if temperature is not None:
            self.temperature = _checks.positive_float(temperature, "temperature")
        if label_smoothing is not None:
            self.label_smoothing = _checks.real_number(label_smoothing, "label_smoothing", low=0.0, high=1.0)
        self._metrics_cache = self._evaluation_cache = None

    def reset(self) -> None:
        """Back to the initial weights, step 0, a fresh batch order and an empty history."""
        self.params = {k: v.copy() for k, v in self.initial_params.items()}
        self.opt_state = self.optimizer.init(self.params)
        self.step_count = 0
        self.epoch = 0
        self._rng = np.random.default_rng(self.seed)
        self._order = self._rng.permutation(self.n_train)
        self._position = 0
        self.diverged = False
        self.divergence_reason = ""
        self.last_batch = None
        self.history = History(self.model.n_classes, self.history_capacity)
        self.trajectory = Trajectory(self.model.n_params())
        self._metrics_cache = self._evaluation_cache = None
        self._record(None)
        self.trajectory.record(0, self.flat_params())

    # ---------------------------------------------------------------------------------------------------------
    # Stepping
    # ---------------------------------------------------------------------------------------------------------
    def next_batch_indices(self) -> np.ndarray:
        """Indices into the training set (rows of ``X_train``) of the mini-batch the next step will use, (m,) int.

        Reading them changes nothing: the next ``step()`` uses exactly these rows."""
        return self._next_indices(advance=False).copy()

    def _next_indices(self, advance: bool) -> np.ndarray:
        """Indices of the next mini-batch; reshuffles at the end of an epoch when ``advance``."""
        stop = min(self._position + self.batch_size, self.n_train)
        indices = self._order[self._position : stop]
        if advance:
            self._position = stop
            if stop == self.n_train:
                self.epoch += 1
                self._order = self._rng.permutation(self.n_train)
                self._position = 0
        return indices

    def _batch_loss_and_grad(self, indices):
        return self.model._loss_and_grad(
            self.params, self.Z_train[indices], self.y_train[indices],
            self.l2, self.temperature, self.label_smoothing,
        )  # fmt: skip

    def _diverge(self, reason: str) -> None:
        self.diverged = True
        self.divergence_reason = reason

    def step(self, n: int = 1) -> int:
        """Run up to n optimizer steps; returns how many ran (fewer if the run diverges, 0 once it has)."""
        n = _checks.integer(n, "n", low=0)
        done = 0
        while done < n and not self.diverged:
            indices = self._next_indices(advance=False)
            loss, grads, (forward, losses, _) = self._batch_loss_and_grad(indices)
            step_number = self.step_count + 1
            if not math.isfinite(loss) or not all(np.isfinite(g).all() for g in grads.values()):
                self._diverge(f"the loss or its gradient became infinite at step {step_number}; "
                              "lower the learning rate or raise the temperature, then reset")  # fmt: skip
                break
            lr = self.optimizer.lr_at(self.opt_state["t"])
            new_params, new_state = self.optimizer._update(self.params, grads, self.opt_state)
            largest = max(float(np.abs(v).max()) for v in new_params.values())
            if not math.isfinite(largest) or largest > MAX_ABS_PARAM:
                self._diverge(f"the weights blew up (|weight| > {MAX_ABS_PARAM:.0e}) at step {step_number}; "
                              "lower the learning rate, then reset")  # fmt: skip
                break
            self._next_indices(advance=True)
            targets = target_matrix(self.y_train[indices], self.model.n_classes, self.label_smoothing)
            self.last_batch = LastBatch(
                step=step_number, indices=indices, z=forward.z, probs=forward.probs, targets=targets,
                losses=losses, loss=loss, grads=grads,
                update={k: new_params[k] - self.params[k] for k in new_params}, lr=lr,
                temperature=self.temperature,
            )  # fmt: skip
            self.params, self.opt_state = new_params, new_state
            self.step_count = step_number
            self._metrics_cache = self._evaluation_cache = None
            done += 1
            if self.history.wants(step_number):
                self._record(grads)
            if self.trajectory.wants(step_number):
                self.trajectory.record(step_number, self.flat_params())
        return done

    def run_epoch(self) -> int:
        """Step until the end of the current epoch; returns the number of steps run."""
        return self.step(self.steps_left_in_epoch)

    def next_gradient(self) -> dict:
        """The gradient the next step will use (of the next mini-batch's objective), shapes of params."""
        return self._batch_loss_and_grad(self._next_indices(advance=False))[1]

    def preview_update(self) -> dict:
        """The change the next step would make to every parameter, without making it (the optimizer is pure)."""
        indices = self._next_indices(advance=False)
        _, grads, _ = self._batch_loss_and_grad(indices)
        new_params, _ = self.optimizer._update(self.params, grads, self.opt_state)
        return {k: new_params[k] - self.params[k] for k in new_params}

    # ---------------------------------------------------------------------------------------------------------
    # Metrics
    # ---------------------------------------------------------------------------------------------------------
    def _evaluation(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-point losses and predicted classes of every point, the training points first, then the test points,
        at the current weights (cached until the weights or the loss settings change)."""
        if self._evaluation_cache is None:
            _, _, logits = self.model._hidden_and_logits(self.params, self._Z_all)
            losses, _, _ = _loss_and_dlogits(logits, self._y_all, self.temperature, self.label_smoothing)
            self._evaluation_cache = (losses, _row_argmax(logits))  # T > 0 scales the logits: the argmax is p's
        return self._evaluation_cache

    def predictions(self) -> tuple[np.ndarray, np.ndarray]:
        """The predicted class (argmax p) of every training point (n_train,) and every test point (n_test,)."""
        predicted = self._evaluation()[1]
        return predicted[: self.n_train].copy(), predicted[self.n_train :].copy()

    def evaluate(self, which: str = "train") -> tuple[float, float]:
        """(mean cross-entropy, accuracy) on the train or test set at the current weights; NaN for an empty set.

        The loss here is the plain data loss at temperature T and with the label smoothing in use (no l2 term).
        """
        which = _checks.choice(which, "which", ("train", "test"))
        rows = slice(0, self.n_train) if which == "train" else slice(self.n_train, None)
        y = self._y_all[rows]
        if len(y) == 0:
            return float("nan"), float("nan")
        losses, predicted = self._evaluation()
        return float(losses[rows].mean()), float((predicted[rows] == y).mean())

    def metrics(self) -> dict:
        """Current step, epoch, lr, train/test loss and accuracy, and the last step's gradient norm (cached).

        Before the first step, grad_norm is the norm of the gradient the first step will use. test_loss and test_acc
        are NaN when there is no test set.
        """
        if self._metrics_cache is None or self._metrics_cache["step"] != self.step_count:
            train_loss, train_acc = self.evaluate("train")
            test_loss, test_acc = self.evaluate("test")
            # before the first step: the gradient that step is about to use, as the history's first row has
            grads = self.last_batch.grads if self.last_batch is not None else self.next_gradient()
            self._metrics_cache = {
                "step": self.step_count,
                "epoch": self.epoch + self._position / self.n_train,
                "lr": self.optimizer.lr_at(self.opt_state["t"]),
                "train_loss": train_loss, "train_acc": train_acc,
                "test_loss": test_loss, "test_acc": test_acc,
                "grad_norm": _global_norm(grads),
            }  # fmt: skip
        return dict(self._metrics_cache)

    def _record(self, grads) -> None:
        row = self.metrics()
        if grads is None:  # step 0: report the gradient the first step is about to use
            grads = self.next_gradient()
            row["grad_norm"] = _global_norm(grads)
        self.history.record(row, class_grad_norms(grads))
        if self.step_count == 0:
            self._initial_loss = row["train_loss"]
        limit = divergence_loss_limit(self.model.n_classes, self._initial_loss)
        if self.step_count and row["train_loss"] > limit:
            self._diverge(f"the training loss reached {row['train_loss']:.3g} (limit {limit:.3g}) at step "
                          f"{self.step_count}: the steps overshoot; lower the learning rate or raise the "
                          "temperature, then reset")  # fmt: skip

    # ---------------------------------------------------------------------------------------------------------
    # Snapshots
    # ---------------------------------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The whole training state and settings, in O(1) (nothing is copied; see Snapshot)."""
        return Snapshot(
            params=self.params, opt_state=self.opt_state, step_count=self.step_count, epoch=self.epoch,
            order=self._order, position=self._position, rng_state=self._rng.bit_generator.state,
            diverged=self.diverged, divergence_reason=self.divergence_reason, last_batch=self.last_batch,
            initial_loss=self._initial_loss, history=self.history.mark(), trajectory=self.trajectory.mark(),
            optimizer=self.optimizer, batch_size=self.batch_size, l2=self.l2, temperature=self.temperature,
            label_smoothing=self.label_smoothing,
        )  # fmt: skip

    def restore(self, snap: Snapshot) -> None:
        """Return to a snapshot taken from this trainer since its last reset (settings included)."""
        self.params, self.opt_state = snap.params, snap.opt_state
        self.step_count, self.epoch, self._order, self._position = (
            snap.step_count,
            snap.epoch,
            snap.order,
            snap.position,
        )
        self._rng = np.random.default_rng()
        self._rng.bit_generator.state = snap.rng_state
        self.diverged, self.divergence_reason = snap.diverged, snap.divergence_reason
        self.last_batch, self._initial_loss = snap.last_batch, snap.initial_loss
        self.history.rewind(snap.history)
        self.trajectory.rewind(snap.trajectory)
        self.optimizer, self.batch_size, self.l2 = snap.optimizer, snap.batch_size, snap.l2
        self.temperature, self.label_smoothing = snap.temperature, snap.label_smoothing
        self._metrics_cache = self._evaluation_cache = None

    def seek(self, snap: Snapshot, steps: int) -> int:
        """Restore ``snap``, then run ``steps`` steps with the settings it was taken with; returns how many ran.

        Training is deterministic, so this lands bitwise on the state the trainer had ``steps`` steps after the
        snapshot, as long as its settings did not change in between: how the frame player gets back to the frame
        a student paused on without keeping a copy of every frame.
        """
        self.restore(snap)
        return self.step(steps)

    def fork(self) -> Trainer:
        """An independent trainer in exactly this state, for looking ahead: stepping it never changes this one.

        It shares only what no step ever writes (the data, their features, the model, the settings' frozen
        objects); the weights, optimizer state, batch order, random generator, history and trajectory are its
        own copies, so ``fork().step(n)`` lands bitwise where ``step(n)`` would, and this trainer stays as it was.
        Cost: one copy of the records (about 0.1 MB for a hidden layer of 16; 4 MB at most, for the largest model).
        """
        twin = copy.copy(self)  # the data arrays and frozen settings are shared, never written by a step
        twin.params = {k: v.copy() for k, v in self.params.items()}
        twin.opt_state = _copy_state(self.opt_state)
        twin._order = self._order.copy()
        twin._rng = np.random.default_rng()
        twin._rng.bit_generator.state = self._rng.bit_generator.state
        twin.history, twin.trajectory = self.history.copy(), self.trajectory.copy()
        twin._metrics_cache = dict(self._metrics_cache) if self._metrics_cache is not None else None
        return twin

    @property
    def steps_left_in_epoch(self) -> int:
        """Optimizer steps until the current epoch ends (what ``run_epoch`` runs): ceil(unseen points / m)."""
        return -(-(self.n_train - self._position) // self.batch_size)

    def flat_params(self) -> np.ndarray:
        """The current weights as one vector (P,), in the order of model.param_shapes()."""
        return flatten_params(self.params, self.model.param_shapes())

    @property
    def targets_train(self) -> np.ndarray:
        """Target rows y for the training set, (n_train, K), with the current label smoothing."""
        return target_matrix(self.y_train, self.model.n_classes, self.label_smoothing)


def _copy_state(state: dict) -> dict:
    """A copy of an optimizer state ({"t": int, "m": {name: array}, ...}) with its own arrays."""
    return {k: {name: a.copy() for name, a in v.items()} if isinstance(v, dict) else v for k, v in state.items()}


def class_grad_norms(grads: dict) -> np.ndarray:
    """|dJ/d(w_k, b_k)| for each class k: sqrt(sum_j dW[k, j]^2 + db[k]^2), shape (K,)."""
    return np.sqrt((grads["W"] ** 2).sum(axis=1) + grads["b"] ** 2)


def _global_norm(grads: dict) -> float:
    """sqrt of the sum of squares of every gradient entry."""
    return float(math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
