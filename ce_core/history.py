"""Bounded records of a training run: fixed capacity, thinned by half whenever they fill.

Steps are recorded when they are a multiple of ``stride``. When a record is full, every other row is dropped and
the stride doubles, so the record always spans the whole run with between capacity/2 and capacity rows, however
long the run (a million steps at capacity 1000 keeps a row every 1024 or 2048 steps).

Both records (the metrics :class:`History` and the weights :class:`Trajectory`) are a :class:`ThinningBuffer`,
which can mark where it is and go back there in O(1): the frame player keeps a mark per chunk of frames and
rewinds to the frame on screen when the student pauses (see ``Trainer.snapshot``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COLUMNS = ("step", "epoch", "lr", "train_loss", "train_acc", "test_loss", "test_acc", "grad_norm")
PER_CLASS = "class_grad_norm"  # the one column with an entry per class: |dJ/d(w_k, b_k)| of the step


@dataclass(frozen=True)
class BufferMark:
    """Where a ThinningBuffer was: its arrays (never written below ``length`` afterwards), length and stride."""

    arrays: dict
    length: int
    stride: int


class ThinningBuffer:
    """Named columns of equal length with a fixed capacity; a row per ``stride`` steps, thinned by half when full.

    ``fields`` maps a name to (shape of one row's entry, dtype), e.g. {"step": ((), int64), "points": ((P,), float32)}.

    Rows below the current length are never written again: appending writes the next row, and thinning builds new
    arrays instead of compacting the old ones in place. That is what makes :meth:`mark` free and :meth:`rewind`
    exact. Rewinding to a mark invalidates the marks taken after it (their rows are overwritten by new appends).
    """

    def __init__(self, fields: dict[str, tuple[tuple, object]], capacity: int):
        if capacity < 4 or capacity % 2:
            raise ValueError(f"capacity must be an even number >= 4, got {capacity}")
        self.capacity = capacity
        self.stride = 1
        self._len = 0
        self._arrays = {name: np.zeros((capacity, *shape), dtype=dtype) for name, (shape, dtype) in fields.items()}

    def __len__(self) -> int:
        return self._len

    def wants(self, step: int) -> bool:
        """Whether ``step`` falls on the current stride (so its row is worth computing)."""
        return step % self.stride == 0

    def append(self, **row) -> None:
        """Append one row (a value for every field); thin the record first if it is full."""
        if self._len == self.capacity:
            half = self.capacity // 2
            thinned = {}
            for name, array in self._arrays.items():
                fresh = np.zeros_like(array)
                fresh[:half] = array[0 : self.capacity : 2]
                thinned[name] = fresh
            self._arrays, self._len, self.stride = thinned, half, self.stride * 2
        for name, array in self._arrays.items():
            array[self._len] = row[name]
        self._len += 1

    def column(self, name: str) -> np.ndarray:
        """A copy of one field's rows, shape (len, *entry shape)."""
        return self._arrays[name][: self._len].copy()

    def mark(self) -> BufferMark:
        """Where the buffer is now, to come back to with :meth:`rewind` (no copy)."""
        return BufferMark(self._arrays, self._len, self.stride)

    def rewind(self, mark: BufferMark) -> None:
        """Back to ``mark`` (taken from this buffer): the rows appended since are forgotten."""
        self._arrays, self._len, self.stride = mark.arrays, mark.length, mark.stride

    def copy(self) -> ThinningBuffer:
        """An independent copy of the same class (its own arrays)."""
        other = type(self).__new__(type(self))
        other.capacity, other.stride, other._len = self.capacity, self.stride, self._len
        other._arrays = {name: array.copy() for name, array in self._arrays.items()}
        return other

    @property
    def nbytes(self) -> int:
        return sum(array.nbytes for array in self._arrays.values())


class History(ThinningBuffer):
    """The metrics in COLUMNS after each recorded step, and PER_CLASS (``class_grad_norm``), one entry per class."""

    def __init__(self, n_classes: int, capacity: int = 1000):
        fields = {name: ((), np.float64) for name in COLUMNS}
        fields[PER_CLASS] = ((n_classes,), np.float64)
        super().__init__(fields, capacity)

    def record(self, row: dict, class_grad_norm: np.ndarray) -> None:
        """Append one row: a value for every name in COLUMNS, and the per-class gradient norms (K,)."""
        self.append(**{name: row[name] for name in COLUMNS}, **{PER_CLASS: class_grad_norm})

    def as_dict(self) -> dict[str, np.ndarray]:
        """Every column by name (copies); PER_CLASS is (len, K)."""
        return {name: self.column(name) for name in (*COLUMNS, PER_CLASS)}


class Trajectory(ThinningBuffer):
    """The weights visited during training, flattened to vectors, thinned the same way as History.

    Kept smaller than the history (default 200 rows, float32) because a row holds every weight: 200 rows of the
    largest model the app allows (two hidden layers of 64, about 4,800 weights) take under 4 MB.
    """

    def __init__(self, n_params: int, capacity: int = 200):
        super().__init__({"step": ((), np.int64), "point": ((n_params,), np.float32)}, capacity)

    def record(self, step: int, flat_params: np.ndarray) -> None:
        self.append(step=step, point=flat_params)

    @property
    def steps(self) -> np.ndarray:
        """(t,) step numbers of the recorded points."""
        return self.column("step")

    @property
    def points(self) -> np.ndarray:
        """(t, P) flattened weights (see ``flatten_params``), float32."""
        return self.column("point")


def thin_rows(n: int, limit: int) -> np.ndarray:
    """Indices of at most about ``limit`` evenly spaced rows out of n (every j-th row), always keeping the last."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.append(np.arange(0, n, -(-n // limit)), n - 1))


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
