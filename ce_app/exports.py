"""Writing exports: the dataset as CSV, the training history as CSV, the weights as JSON. Arrays in, bytes out.

Nothing here touches the disk or imports streamlit: a page hands over arrays and gets the bytes for
``st.download_button``. The dataset CSV is the format :mod:`ce_app.dataset_csv` reads, so a downloaded dataset
uploads back to the same points, labels and class names.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ce_core.history import COLUMNS as HISTORY_COLUMNS

from .dataset_csv import MAX_LABEL_CHARS, DataError, escape_label, quote

PARAMS_FORMAT = "cross-entropy-playground/params"
PARAMS_VERSION = 1


# ---------------------------------------------------------------------------------------------------------------
# Writing a dataset and a history
# ---------------------------------------------------------------------------------------------------------------
def _csv_label(name: str) -> str:
    """A class name as a CSV field: escaped for spreadsheets, then quoted if it holds ',', ';' or '"' (doubled)."""
    name = escape_label(name)
    return '"' + name.replace('"', '""') + '"' if any(ch in name for ch in ',;"') else name


def dataset_to_csv(X, y, class_names=None) -> bytes:
    """Write a dataset as UTF-8 CSV with the header ``x1,x2,label``, one row per point, '\\n' line ends.

    Parameters
    ----------
    X : array of shape (n, 2), finite; written with ``repr``, the shortest text that reads back to the same float.
    y : integer array of shape (n,); labels 0..K-1 when ``class_names`` is given.
    class_names : optional sequence of K names written instead of the integers (each non-empty, at most 40
        printable characters, no surrounding spaces, all different).

    A name that a spreadsheet would run as a formula ("=1+1", "@x", "-x") is written as "'=1+1", which the reader
    turns back into "=1+1"; numbers ("-1") are written as they are.

    ``parse_dataset_csv`` reads the bytes back with X bitwise equal, and with y and the names equal when every
    class 0..K-1 occurs and the names are in sorted order (ce_core's integer labels always are); otherwise
    ``class_names[y]`` is what survives, since the reader numbers classes in sorted order. Names that all look
    like integers come back in the reader's form ("007" as "7").
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got shape {X.shape}")
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integers of shape ({X.shape[0]},), got {y.dtype} of shape {y.shape}")
    if not np.isfinite(X).all():
        raise DataError("The data contains NaN or infinite coordinates, which cannot be saved.")
    if class_names is None:
        labels = [str(v) for v in y.tolist()]
    else:
        names = [str(name) for name in class_names]
        for name in names:
            if not name or len(name) > MAX_LABEL_CHARS or not name.isprintable() or name != name.strip():
                raise ValueError(
                    f"class name {quote(name)} must be 1 to {MAX_LABEL_CHARS} printable characters "
                    "without surrounding spaces"
                )
        if len(set(names)) != len(names):
            raise ValueError(f"class names must be different, got {names}")
        if y.size and (y.min() < 0 or y.max() >= len(names)):
            raise ValueError(f"y must be in [0, {len(names) - 1}] to index class_names")
        quoted = [_csv_label(name) for name in names]
        labels = [quoted[v] for v in y.tolist()]
    body = "".join(f"{a!r},{b!r},{label}\n" for (a, b), label in zip(X.tolist(), labels, strict=True))
    return ("x1,x2,label\n" + body).encode("utf-8")


def history_to_csv(history: dict, class_names=None) -> bytes:
    """Write the dict of ``ce_core.History.as_dict()`` as UTF-8 CSV, one row per recorded step.

    Columns: step, epoch, lr, train_loss, train_acc, test_loss, test_acc, grad_norm, any other 1-D columns the
    dict holds, then grad_norm_class_0 .. grad_norm_class_{K-1} from ``class_grad_norm`` (len, K), or
    grad_norm_class_<name> with the K ``class_names`` (an uploaded file's, as the stage shows them). NaN (a metric
    not computed, e.g. the test loss without a test set) is an empty cell; step and epoch are written as integers
    when they are whole numbers. Floats use ``repr``, so nothing is rounded.
    """
    missing = [name for name in HISTORY_COLUMNS if name not in history]
    if missing:
        raise ValueError(f"history is missing the columns {missing}")
    columns: dict[str, np.ndarray] = {}
    names = list(HISTORY_COLUMNS) + [name for name in history if name not in HISTORY_COLUMNS]
    for name in names:
        if name == "class_grad_norm":
            continue
        values = np.asarray(history[name], dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"history[{name!r}] must be 1-D, got shape {values.shape}")
        columns[name] = values
    n = len(columns["step"])
    lengths = {name: len(values) for name, values in columns.items()}
    if set(lengths.values()) != {n}:
        raise ValueError(f"history columns must have equal lengths, got {lengths}")
    if "class_grad_norm" in history:
        per_class = np.asarray(history["class_grad_norm"], dtype=np.float64)
        if per_class.ndim != 2 or per_class.shape[0] != n:
            raise ValueError(f"history['class_grad_norm'] must have shape ({n}, K), got {per_class.shape}")
        names = [str(k) for k in range(per_class.shape[1])] if class_names is None else list(class_names)
        if len(names) != per_class.shape[1]:
            raise ValueError(f"{len(names)} class names for {per_class.shape[1]} classes")
        for k, name in enumerate(names):
            columns[f"grad_norm_class_{name}"] = per_class[:, k]  # the prefix keeps a spreadsheet from running it
    frame = pd.DataFrame(columns)
    for name in ("step", "epoch"):
        values = columns[name]
        if np.isfinite(values).all() and (values == np.round(values)).all():
            frame[name] = values.astype(np.int64)
    return frame.to_csv(index=False, na_rep="", lineterminator="\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------------------------
# Weights as JSON
# ---------------------------------------------------------------------------------------------------------------
def _json_default(value):
    """Let numpy scalars and arrays in ``meta`` through json.dumps as plain numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"meta holds a {type(value).__name__}, which JSON cannot store")


def params_to_json(params: dict, meta: dict) -> bytes:
    """Write weights and a description of the model as UTF-8 JSON.

    Layout: ``{"format": "cross-entropy-playground/params", "version": 1, "meta": {...},
    "params": {"W": {"shape": [K, D], "data": [[...], ...]}, "b": {"shape": [K], "data": [...]}, ...}}``,
    arrays as nested lists in the order of ``params`` (the order layers are applied), floats in ``repr`` form so
    ``json.loads`` gives back bitwise equal arrays. Tuples in ``meta`` come back as lists.

    Raises DataError when a weight is NaN or infinite (a diverged run: JSON has no such numbers), ValueError when
    ``params`` or ``meta`` has the wrong types.
    """
    if not isinstance(params, dict) or not isinstance(meta, dict):
        raise ValueError("params and meta must be dicts")
    arrays = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name or len(name) > MAX_LABEL_CHARS or not name.isprintable():
            raise ValueError(f"parameter names must be 1 to {MAX_LABEL_CHARS} printable characters, got {name!r}")
        arr = np.asarray(value, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise DataError(f"The weight {quote(name)} holds NaN or infinity (training diverged); reset to save.")
        arrays[name] = {"shape": list(arr.shape), "data": arr.tolist()}
    document = {"format": PARAMS_FORMAT, "version": PARAMS_VERSION, "meta": meta, "params": arrays}
    try:
        text = json.dumps(document, allow_nan=False, default=_json_default, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"meta cannot be written as JSON: {exc}") from None
    return text.encode("utf-8")
