"""A bounded record of training metrics: fixed capacity, thinned by half whenever it fills.

Steps are recorded when they are a multiple of ``stride``. When the buffer is full, every other row is dropped and
the stride doubles, so the record always spans the whole run with between capacity/2 and capacity rows, however
long the run (a million steps at capacity 1000 keeps a row every 1024 or 2048 steps).
"""

from __future__ import annotations

import numpy as np

COLUMNS = ("step", "epoch", "lr", "train_loss", "train_acc", "test_loss", "test_acc", "grad_norm")


class History:
    """Columns of equal length; ``class_grad_norm`` has one column per class."""

    def __init__(self, n_classes: int, capacity: int = 1000):
        if capacity < 4 or capacity % 2:
            raise ValueError(f"capacity must be an even number >= 4, got {capacity}")
        self.capacity = capacity
        self.stride = 1
        self._len = 0
        self._data = np.zeros((capacity, len(COLUMNS)))
        self._class_grad_norm = np.zeros((capacity, n_classes))

    def __len__(self) -> int:
        return self._len

    def wants(self, step: int) -> bool:
        """Whether ``step`` falls on the current stride (so its metrics are worth computing)."""
        return step % self.stride == 0

    def record(self, row: dict, class_grad_norm: np.ndarray) -> None:
        """Append one row (a value for every name in COLUMNS); thin the record first if it is full."""
        if self._len == self.capacity:
            keep = slice(0, self.capacity, 2)
            half = self.capacity // 2
            self._data[:half] = self._data[keep]
            self._class_grad_norm[:half] = self._class_grad_norm[keep]
            self._len = half
            self.stride *= 2
        self._data[self._len] = [row[c] for c in COLUMNS]
        self._class_grad_norm[self._len] = class_grad_norm
        self._len += 1

    def column(self, name: str) -> np.ndarray:
        """A copy of one column, e.g. ``history.column("train_loss")``; "class_grad_norm" gives (len, K)."""
        if name == "class_grad_norm":
            return self._class_grad_norm[: self._len].copy()
        return self._data[: self._len, COLUMNS.index(name)].copy()

    def as_dict(self) -> dict[str, np.ndarray]:
        """Every column by name (copies)."""
        out = {c: self.column(c) for c in COLUMNS}
        out["class_grad_norm"] = self.column("class_grad_norm")
        return out

    def copy(self) -> History:
        other = History.__new__(History)
        other.capacity, other.stride, other._len = self.capacity, self.stride, self._len
        other._data, other._class_grad_norm = self._data.copy(), self._class_grad_norm.copy()
        return other

    @property
    def nbytes(self) -> int:
        return self._data.nbytes + self._class_grad_norm.nbytes


class Trajectory:
    """The weights visited during training, flattened to vectors, thinned the same way as History.

    Kept smaller than the history (default 200 rows, float32) because a row holds every weight: 200 rows of the
    largest model the app allows (two hidden layers of 64, about 4,800 weights) take under 4 MB.
    """

    def __init__(self, n_params: int, capacity: int = 200):
        if capacity < 4 or capacity % 2:
            raise ValueError(f"capacity must be an even number >= 4, got {capacity}")
        self.capacity = capacity
        self.stride = 1
        self._len = 0
        self._steps = np.zeros(capacity, dtype=np.int64)
        self._points = np.zeros((capacity, n_params), dtype=np.float32)

    def __len__(self) -> int:
        return self._len

    def wants(self, step: int) -> bool:
        return step % self.stride == 0

    def record(self, step: int, flat_params: np.ndarray) -> None:
        if self._len == self.capacity:
            half = self.capacity // 2
            self._steps[:half] = self._steps[0 : self.capacity : 2]
            self._points[:half] = self._points[0 : self.capacity : 2]
            self._len = half
            self.stride *= 2
        self._steps[self._len] = step
        self._points[self._len] = flat_params
        self._len += 1

    @property
    def steps(self) -> np.ndarray:
        """(t,) step numbers of the recorded points."""
        return self._steps[: self._len].copy()

    @property
    def points(self) -> np.ndarray:
        """(t, P) flattened weights (see ``flatten_params``), float32."""
        return self._points[: self._len].copy()

    def copy(self) -> Trajectory:
        other = Trajectory.__new__(Trajectory)
        other.capacity, other.stride, other._len = self.capacity, self.stride, self._len
        other._steps, other._points = self._steps.copy(), self._points.copy()
        return other

    @property
    def nbytes(self) -> int:
        return self._steps.nbytes + self._points.nbytes


def flatten_params(params: dict, order) -> np.ndarray:
    """Concatenate the parameters named in ``order`` (e.g. Model.param_shapes()) into one float64 vector (P,)."""
    return np.concatenate([np.asarray(params[name], dtype=np.float64).ravel() for name in order])


def unflatten_params(vector: np.ndarray, shapes: dict) -> dict:
    """Inverse of flatten_params: split a (P,) vector into arrays of the given shapes (name -> shape), copies."""
    out, start = {}, 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        out[name] = np.array(vector[start : start + size], dtype=np.float64).reshape(shape)
        start += size
    if start != len(vector):
        raise ValueError(f"vector has {len(vector)} entries, the shapes need {start}")
    return out
