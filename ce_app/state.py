"""What a session holds, and how it follows the settings.

Session state (``st.session_state``), all bounded in size:
    settings   Settings       the current settings (also mirrored in the URL)
    data       Dataset        the points: all of X and y, and which rows are held out
    trainer    ce_core.Trainer  weights, optimizer state, history (bounded), last batch
    model_key  tuple          the settings that built ``trainer``; when they change, training restarts
    running    bool           auto-run on/off
    notices    list[str]      messages to show once (fallbacks from a link, restarts)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import ce_core

from .settings import Settings

GRID_RESOLUTION = 100  # 100 x 100 cells: smooth enough on a projector, ~50 KB per frame as float32


@dataclass(frozen=True)
class Dataset:
    """All points of the session, and the split. ``source`` says where they came from."""

    X: np.ndarray  # (n, 2)
    y: np.ndarray  # (n,) int labels 0..K-1
    test_idx: np.ndarray  # rows of X held out for testing
    class_names: tuple = ()  # display names per class (uploaded files may name them)
    source: str = "generated"  # generated, uploaded or drawn
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
        """Plot range: the data's bounding box plus 10% on each side, widened to a square-ish view."""
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        centre, half = (lo + hi) / 2, np.maximum((hi - lo) / 2 * 1.1, 0.5)
        return (float(centre[0] - half[0]), float(centre[0] + half[0]), float(centre[1] - half[1]),
                float(centre[1] + half[1]))  # fmt: skip


def generate(settings: Settings) -> Dataset:
    """The generated dataset the settings describe."""
    X, y = ce_core.make_dataset(settings.dataset, settings.n, settings.K, noise=settings.noise, seed=settings.seed)
    _, test_idx = ce_core.split_indices(y, settings.test, settings.seed)
    return Dataset(X, y, test_idx, tuple(str(k) for k in range(settings.K)))


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
