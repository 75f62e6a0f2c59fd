"""What a session holds, and how it follows the settings.

Session state (``st.session_state``), all bounded in size:
    settings   Settings       the current settings (also mirrored in the URL)
    data       Dataset        the points: all of X and y, and which rows are held out
    trainer    ce_core.Trainer  weights, optimizer state, history (bounded), last batch
    model_key  tuple          the settings that built ``trainer``; when they change, training restarts
    trainer_version int       counts the trainers built in this session (a new one ends the player's stream)
    player_state    Stage     the training page's stage (ce_app/stage, drawn by ce_app/player.py)
    notices    list[str]      messages to show once (fallbacks from a link, restarts)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import ce_core

from .settings import Settings

CANVAS_BOUNDS = (-3.0, 3.0, -3.0, 3.0)  # the drawing canvas: a little wider than every generated dataset


@dataclass(frozen=True)
class Dataset:
    """All points of the session, and the split. ``source`` says where they came from."""

    X: np.ndarray  # (n, 2)
    y: np.ndarray  # (n,) int labels 0..K-1
    test_idx: np.ndarray  # rows of X held out for testing
    class_names: tuple = ()  # display names per class (uploaded files may name them)
    source: str = "generated"  # generated, uploaded or drawn
    view_bounds: tuple | None = None  # fixed plot range (the drawing canvas); None: fit the data
    axis_names: tuple = ("x1", "x2")  # what the plane's axes are called (an uploaded file's header may say)
    is_test: np.ndarray = field(init=False, repr=False)  # (n,) bool
    train_idx: np.ndarray = field(init=False, repr=False)  # rows used for training, in order

    def __post_init__(self):
        is_test = np.zeros(len(self.y), dtype=bool)
        is_test[self.test_idx] = True
        object.__setattr__(self, "is_test", is_test)
        object.__setattr__(self, "train_idx", np.flatnonzero(~is_test))

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.class_names else int(self.y.max()) + 1

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Plot range: the data's bounding box plus 10% on each side (at least 1 wide), or the fixed view."""
        if self.view_bounds is not None or len(self.y) == 0:
            return self.view_bounds or CANVAS_BOUNDS
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        centre, half = (lo + hi) / 2, np.maximum((hi - lo) / 2 * 1.1, 0.5)
        return (float(centre[0] - half[0]), float(centre[0] + half[0]), float(centre[1] - half[1]),
                float(centre[1] + half[1]))  # fmt: skip


def generate(settings: Settings) -> Dataset:
    """The generated dataset the settings describe."""
    X, y = ce_core.make_dataset(settings.dataset, settings.n, settings.K, noise=settings.noise, seed=settings.seed)
    _, test_idx = ce_core.split_indices(y, settings.test, settings.seed)
    return Dataset(X, y, test_idx, tuple(str(k) for k in range(settings.K)))


def custom(X: np.ndarray, y: np.ndarray, class_names: tuple, source: str, settings: Settings,
           view_bounds: tuple | None = None, axis_names: tuple = ("x1", "x2")) -> Dataset:  # fmt: skip
    """Uploaded or drawn points as a Dataset, split with the session's test fraction and seed."""
    _, test_idx = ce_core.split_indices(y, settings.test, settings.seed) if len(y) else (None, np.zeros(0, int))
    return Dataset(np.asarray(X, dtype=float).reshape(-1, 2), np.asarray(y, dtype=np.int64), test_idx,
                   tuple(class_names), source, view_bounds, tuple(axis_names))  # fmt: skip


def build_trainer(settings: Settings, data: Dataset) -> ce_core.Trainer:
    """A fresh trainer for the data and model in ``settings``; initial weights from ``settings.seed``."""
    model = ce_core.Model.for_data(
        data.X, data.n_classes, features=settings.features, hidden=settings.hidden, activation=settings.act
    )
    train, test = data.train_idx, data.test_idx
    return ce_core.Trainer(
        model, data.X[train], data.y[train], data.X[test], data.y[test],
        optimizer=settings.optimizer(), batch_size=min(settings.batch, len(train)), seed=settings.seed,
        l2=settings.l2, temperature=settings.T, label_smoothing=settings.smooth,
    )  # fmt: skip


def configure(trainer: ce_core.Trainer, settings: Settings) -> None:
    """Apply the optimizer and loss settings to a running trainer (the weights stay)."""
    trainer.configure(
        optimizer=settings.optimizer(), batch_size=min(settings.batch, trainer.n_train), l2=settings.l2,
        temperature=settings.T, label_smoothing=settings.smooth,
    )  # fmt: skip
