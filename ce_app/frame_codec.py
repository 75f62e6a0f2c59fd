"""Binary tables for the training page's player: frames, points and curves, packed by name for the browser.

A table is a set of named columns that share their first dimension (N rows: frames, points or history rows). It
travels as a small JSON header and one zlib-compressed byte string::

    header = {"rows": N, "bytes": length before compression,
              "columns": [{"name": "grid", "dtype": "uint8", "shape": [80, 80], "offset": 0}, ...]}

Column c holds N * prod(shape) values of its dtype, little-endian, row after row, starting at ``offset`` (a
multiple of 8, so the browser can view it as a typed array without copying). ``player_frontend/codec.js`` reads
the same header: the columns are named here, once each, and the browser iterates over the names it is sent.

The columns of a frame are listed in :func:`frame_columns`, each with the function that fills it from a
``ce_core.Frame``; the metrics take their names from ``ce_core.history``. Frames quantize what only colours the plane: the grid
holds one byte per cell (a region code, see ``palette.region_codes``, or 255 * p_k), and the misclassified points
and the last batch are bit masks over the n points.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import ce_core
from ce_core.history import COLUMNS as HISTORY_COLUMNS
from ce_core.history import PER_CLASS

from .palette import region_codes

DTYPES = ("int8", "uint8", "uint16", "uint32", "int32", "float32", "float64")  # what the browser has typed arrays for
ALIGN = 8
COMPRESSION_LEVEL = 1  # level 1 already shrinks a chunk of region grids ~6x; higher levels cost 3x the time
MAX_TABLE_BYTES = 64 * 1024 * 1024  # refuse to unpack anything larger (the tables here are a few hundred KB)
DW_COLUMNS_MAX = 6  # up to this many features of z get a dL/dw_k column each; more are shown as ||dL/dw_k||
Z_SHOWN_MAX = 8  # entries of z written out for the selected point


@dataclass(frozen=True)
class Column:
    """One named column: the dtype and the shape of one row's entry."""

    name: str
    dtype: str
    shape: tuple = ()
    value: Callable | None = field(default=None, compare=False, repr=False)  # frames: (frame, y) -> one entry

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class ColumnGroup:
    """Several frame columns filled by one computation: ``value(frame, y)`` gives their entries in order."""

    columns: tuple[Column, ...]
    value: Callable = field(compare=False, repr=False)


@dataclass(frozen=True)
class Packed:
    """A packed table: the JSON-ready header and the compressed bytes."""

    header: dict
    blob: bytes


def pack(columns: list[Column], values: dict[str, np.ndarray]) -> Packed:
    """Pack ``values[name]`` (shape (N, *column.shape)) for every column, in the columns' order."""
    rows = None
    parts, described, offset = [], [], 0
    for column in columns:
        if column.dtype not in DTYPES:
            raise ValueError(f"column {column.name!r}: dtype {column.dtype!r} is not one of {DTYPES}")
        array = np.ascontiguousarray(values[column.name], dtype=np.dtype(column.dtype).newbyteorder("<"))
        if array.shape[1:] != tuple(column.shape):
            raise ValueError(f"column {column.name!r} has rows of shape {array.shape[1:]}, expected {column.shape}")
        if rows is None:
            rows = array.shape[0]
        elif array.shape[0] != rows:
            raise ValueError(f"column {column.name!r} has {array.shape[0]} rows, the others {rows}")
        data = array.tobytes()
        described.append({"name": column.name, "dtype": column.dtype, "shape": list(column.shape), "offset": offset})
        padding = -len(data) % ALIGN
        parts += [data, b"\0" * padding]
        offset += len(data) + padding
    raw = b"".join(parts)
    return Packed({"rows": rows or 0, "bytes": len(raw), "columns": described}, zlib.compress(raw, COMPRESSION_LEVEL))


def unpack(header: dict, blob: bytes) -> dict[str, np.ndarray]:
    """The columns of a packed table by name, shape (N, *shape) each (the inverse of :func:`pack`)."""
    length = int(header["bytes"])
    if not 0 <= length <= MAX_TABLE_BYTES:
        raise ValueError(f"a table of {length} bytes is out of range")
    raw = zlib.decompressobj().decompress(blob, length)
    if len(raw) != length:
        raise ValueError(f"the table holds {len(raw)} bytes, its header says {length}")
    rows, out = int(header["rows"]), {}
    for column in header["columns"]:
        dtype = np.dtype(column["dtype"]).newbyteorder("<")
        shape = (rows, *column["shape"])
        count = math.prod(shape)
        out[column["name"]] = np.frombuffer(raw, dtype, count, column["offset"]).reshape(shape)
    return out


# ------------------------------------------------------------------------------------------------------------------
# Frames
# ------------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FrameLayout:
    """What the frames of one stream hold: sizes, the plane's colouring, and which optional parts are there."""

    n_points: int
    n_classes: int
    resolution: int  # grid cells per axis
    z_size: int  # D, the length of z
    show_class: int | None = None  # None: region codes; k: 255 * p_k
    arrows: bool = False
    unit_counts: tuple = ()  # hidden units per layer, then K (network view); () when it is off
    unit_resolution: int = 0
    weight_shapes: tuple = ()  # network view: the shapes of V1, V2, ..., W

    @property
    def dw_columns(self) -> int:
        """dL/dw_k columns per class: one per feature of z when D is small, else one (the norm)."""
        return self.z_size if self.z_size <= DW_COLUMNS_MAX else 1

    @property
    def mask_bytes(self) -> int:
        return -(-self.n_points // 8)


def _attribute(name: str):
    """The column's entry of a frame is the frame's attribute of the same name."""
    return lambda frame, y: getattr(frame, name)


def _point(name: str):
    """The column's entry of a frame is an attribute of its selected point's chain-rule terms."""
    return lambda frame, y: getattr(frame.point.terms, name)


def _mask(rows: np.ndarray, n: int) -> np.ndarray:
    flags = np.zeros(n, dtype=bool)
    flags[rows] = True
    return np.packbits(flags, bitorder="little")


def _metric_columns(n_classes: int, value_dtype: str) -> list[Column]:
    """The training metrics, named as ce_core's history names them (frames and the history table share them)."""
    return [Column(name, "uint32" if name == "step" else value_dtype, (), _attribute(name)) for name in HISTORY_COLUMNS
            ] + [Column(PER_CLASS, "float32", (n_classes,), _attribute(PER_CLASS))]  # fmt: skip


def frame_columns(layout: FrameLayout) -> list[Column]:
    """The columns of a chunk of frames, in the order they are packed, each with how a frame fills it.

    A column's ``value(frame, y)`` is its entry for one frame (y: the points' classes); a :class:`ColumnGroup`
    fills several columns from one computation.
    """
    k, n, dw = layout.n_classes, layout.n_points, layout.dw_columns
    columns: list = _metric_columns(k, "float64")
    columns += [
        Column("grid", "uint8", (layout.resolution, layout.resolution),
               lambda frame, y: grid_codes(frame.grid, layout.show_class)),
        Column("wrong", "uint8", (layout.mask_bytes,),  # bit i: point i is misclassified
               lambda frame, y: _mask(np.flatnonzero(frame.predicted != y), n)),
        Column("batch", "uint8", (layout.mask_bytes,),  # bit i: point i was in the last mini-batch
               lambda frame, y: _mask(frame.batch_rows, n)),
        Column("point_logits", "float64", (k,), lambda frame, y: frame.point.logits),
        Column("point_probs", "float64", (k,), _point("probs")),
        Column("point_targets", "float64", (k,), _point("targets")),
        Column("point_dL_du", "float64", (k,), _point("dL_du")),
        Column("point_dL_dw", "float64", (k, dw),  # dL/dw_k per feature of z, or its norm when D is large
               lambda frame, y: frame.point.terms.product if dw == layout.z_size
               else np.linalg.norm(frame.point.terms.product, axis=1)[:, None]),
        Column("point_z", "float64", (min(layout.z_size, Z_SHOWN_MAX),), lambda frame, y: frame.point.z[:Z_SHOWN_MAX]),
        Column("point_loss", "float64", (), _point("loss")),
    ]  # fmt: skip
    if layout.arrows:
        columns += [Column(name, "float64", shape, _attribute(name))
                    for name, shape in (("W", (k, 2)), ("b", (k,)), ("next_W", (k, 2)))]  # fmt: skip
    if layout.unit_counts:
        r, units = layout.unit_resolution, sum(layout.unit_counts)
        columns.append(ColumnGroup((Column("units", "uint8", (units, r, r)), Column("units_scale", "float32", (units,))),
                                   lambda frame, y: _units(frame.units)))  # fmt: skip
        layers = len(layout.weight_shapes)
        weights = [Column(f"net_w{i}", "int8", shape) for i, shape in enumerate(layout.weight_shapes)]
        columns.append(ColumnGroup((*weights, Column("net_w_scale", "float32", (layers,))),
                                   lambda frame, y: _weights(frame.layer_weights)))  # fmt: skip
    return columns


def grid_codes(grid: ce_core.DecisionGrid, show_class: int | None) -> np.ndarray:
    """The plane's colour codes (R, R) from p on the grid: region codes, or round(255 p_k)."""
    if show_class is None:
        return region_codes(grid.predicted, grid.confidence, grid.probs.shape[-1])
    return np.rint(grid.probs[..., show_class] * 255.0).astype(np.uint8)


def _units(units: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Every unit's map (U, r, r) as uint8 around 128 (0 = -scale, 255 = +scale) and its scale max |a| (U,)."""
    maps = np.concatenate([np.moveaxis(layer, -1, 0) for layer in units], axis=0)
    scale = np.abs(maps).reshape(len(maps), -1).max(axis=1)
    safe = np.where(scale > 0, scale, 1.0)
    codes = np.rint(127.5 + 127.5 * maps / safe[:, None, None])
    return np.clip(codes, 0, 255).astype(np.uint8), scale.astype(np.float32)


def _weights(matrices: tuple) -> tuple:
    """Each weight matrix as int8 in [-127, 127] (only its sign and size are drawn), then every matrix's largest
    magnitude (the int8 value 127 stands for it)."""
    quantized, largest = [], []
    for matrix in matrices:
        top = float(np.abs(matrix).max())
        quantized.append(np.rint(matrix * (127.0 / (top if top > 0 else 1.0))).astype(np.int8))
        largest.append(top)
    return (*quantized, np.array(largest))


def _flat(columns: list) -> list[Column]:
    """The columns of a list of columns and groups, in packing order."""
    return [c for item in columns for c in (item.columns if isinstance(item, ColumnGroup) else (item,))]


def encode_frames(frames: list[ce_core.Frame], y: np.ndarray, layout: FrameLayout) -> Packed:
    """Pack frames of one stream (y: the points' classes, to mark the misclassified ones)."""
    columns = frame_columns(layout)
    values: dict[str, list] = {c.name: [] for c in _flat(columns)}
    for frame in frames:
        for item in columns:
            if isinstance(item, ColumnGroup):
                for column, entry in zip(item.columns, item.value(frame, y), strict=True):
                    values[column.name].append(entry)
            else:
                values[item.name].append(item.value(frame, y))
    return pack(_flat(columns), {name: np.asarray(rows) for name, rows in values.items()})


# ------------------------------------------------------------------------------------------------------------------
# Points and curves
# ------------------------------------------------------------------------------------------------------------------
POINT_COLUMNS = [Column("x", "float32", (2,)), Column("label", "uint8"), Column("test", "uint8")]


def encode_points(X: np.ndarray, y: np.ndarray, is_test: np.ndarray) -> Packed:
    """The dataset's points: coordinates (n, 2), class and whether each is a test point."""
    return pack(POINT_COLUMNS, {"x": X, "label": y, "test": is_test})


def history_columns(n_classes: int) -> list[Column]:
    """The learning curves: the frames' metric columns (ce_core's history names), in float32."""
    return _metric_columns(n_classes, "float32")


def encode_history(history: dict, rows: np.ndarray) -> Packed:
    """The learning curves so far (a trainer's ``history.as_dict()``), keeping only ``rows``."""
    columns = history_columns(history[PER_CLASS].shape[1])
    return pack(columns, {c.name: history[c.name][rows] for c in columns})


BATCH_ROWS_MAX = 48  # samples of the last batch sent for its view; the mean is always over the whole batch


def batch_columns(n_classes: int, z_size: int) -> list[Column]:
    return [Column("row", "int32"), Column("pmy", "float64", (n_classes,)),
            Column("contribution", "float64", (n_classes, z_size))]  # fmt: skip


def encode_batch(last: ce_core.LastBatch, train_rows: np.ndarray) -> tuple[dict, Packed]:
    """The last step's mini-batch for its view: per sample (the first BATCH_ROWS_MAX) its row of the dataset, P - Y
    and its contribution (p_i - y_i) z_i^T / T to dL/dW; and, for the whole batch, dL/dW and the update made."""
    shown = slice(0, BATCH_ROWS_MAX)
    per_sample = last.per_sample_grad_W()[shown]  # (m, K, D)
    n_classes, z_size = per_sample.shape[1:]
    packed = pack(batch_columns(n_classes, z_size), {
        "row": train_rows[last.indices[shown]], "pmy": last.probs_minus_targets[shown], "contribution": per_sample,
    })  # fmt: skip
    info = {"step": last.step, "size": len(last.indices), "lr": last.lr, "mean": last.grads["W"].tolist(),
            "update": last.update["W"].tolist()}  # fmt: skip
    return info, packed
