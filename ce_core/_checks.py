"""Argument validation shared by the public functions of ce_core.

Every public function validates its inputs once, here, and then calls unchecked internals. Each error is a
``ValueError`` that names the argument and shows the offending value, so a message can be shown to a user as is.
"""

from __future__ import annotations

import numbers

import numpy as np


def _short(value) -> str:
    """Return a short, printable description of a value (arrays are summarised, long text is cut)."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def float_array(value, name: str, *, ndims=(1, 2), allow_neg_inf: bool = False) -> np.ndarray:
    """Return ``value`` as a float array (float32 stays float32, anything else becomes float64).

    Raises ValueError when it is not numeric, has the wrong number of dimensions, is empty, or holds NaN/+inf
    (and -inf unless ``allow_neg_inf``).
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and similar
        raise ValueError(f"{name} must be a numeric array, got {_short(value)}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got {_short(value)}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name} must be real, got {_short(value)}")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    if arr.ndim not in ndims:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndims))} dimensions, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    finite = np.isfinite(arr)
    if not finite.all():
        bad = arr[~finite]
        if not allow_neg_inf or np.isnan(bad).any() or (bad > 0).any():
            allowed = "finite or -inf" if allow_neg_inf else "finite"
            raise ValueError(f"{name} must be {allowed}; it contains {bad[0]!r}")
    return arr


def positive_float(value, name: str) -> float:
    """Return ``value`` as a float that is finite and > 0."""
    number = real_number(value, name)
    if not number > 0:
        raise ValueError(f"{name} must be > 0, got {_short(value)}")
    return number


def real_number(value, name: str, *, low: float | None = None, high: float | None = None) -> float:
    """Return ``value`` as a finite float, optionally within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | np.ndarray):
        raise ValueError(f"{name} must be a real number, got {_short(value)}")
    if isinstance(value, np.ndarray) and value.shape != ():
        raise ValueError(f"{name} must be a real number, got {_short(value)}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {_short(value)}")
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{name} must be in [{low}, {high}], got {_short(value)}")
    return number


def integer(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as a Python int, optionally within [low, high]; floats such as 3.0 are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {_short(value)}")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be in {bounds}, got {number}")
    return number


def labels(value, name: str, n_samples: int, n_classes: int) -> np.ndarray:
    """Return integer class labels of shape (n_samples,), each in [0, n_classes)."""
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != n_samples:
        raise ValueError(f"{name} must have shape ({n_samples},), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.isfinite(arr).all() and (arr == np.round(arr)).all():
            arr = arr.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold integer class labels, got {_short(value)}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"{name} must be in [0, {n_classes - 1}], got values from {arr.min()} to {arr.max()}")
    return arr.astype(np.intp, copy=False)


def choice(value, name: str, options) -> str:
    """Return ``value`` if it is one of ``options``."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {_short(value)}")
    return value


def array_dict(value, shapes: dict, name: str) -> dict[str, np.ndarray]:
    """Return a dict of float arrays with exactly the keys and shapes in ``shapes`` (name -> shape), all finite.

    Used for parameter sets and for directions in parameter space, which share the layout of the params.
    """
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a dict of arrays with keys {sorted(shapes)}, got {type(value).__name__}")
    if set(value) != set(shapes):
        raise ValueError(f"{name} must have keys {sorted(shapes)}, got {sorted(value)}")
    checked = {}
    for key, shape in shapes.items():
        arr = float_array(value[key], f"{name}[{key!r}]", ndims=(len(shape),))
        if arr.shape != shape:
            raise ValueError(f"{name}[{key!r}] must have shape {shape}, got {arr.shape}")
        checked[key] = arr
    return checked
