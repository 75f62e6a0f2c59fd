"""Binary tables for the training page's player: frames, points and curves, packed by name for the browser.

A table is a set of named columns that share their first dimension (N rows: frames, points or history rows). It
travels as a small JSON header and one zlib-compressed byte string::

    header = {"rows": N, "bytes": length before compression,
              "columns": [{"name": "grid", "dtype": "uint8", "shape": [80, 80], "offset": 0}, ...]}

Column c holds N * prod(shape) values of its dtype, little-endian, row after row, starting at ``offset`` (a
multiple of 8, so the browser can view it as a typed array without copying). ``player_frontend/codec.js`` reads
the same header; both sides name every column, and neither counts bytes by hand.

The columns of a frame are listed in :func:`frame_columns`. Frames quantize what only colours the plane: the grid
holds one byte per cell (a region code, see ``palette.region_codes``, or 255 * p_k), and the misclassified points
and the last batch are bit masks over the n points.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

import ce_core

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

    @property
    def size(self) -> int:
        return math.prod(self.shape)


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


def frame_columns(layout: FrameLayout) -> list[Column]:
    """The columns of a chunk of frames, in the order they are packed."""
    k = layout.n_classes
    columns = [Column("step", "uint32")]
    columns += [Column(name, "float64") for name in ("epoch", "lr", "train_loss", "test_loss", "train_acc",
                                                     "test_acc", "grad_norm")]  # fmt: skip
    columns += [
        Column("class_grad_norm", "float32", (k,)),
        Column("grid", "uint8", (layout.resolution, layout.resolution)),
        Column("wrong", "uint8", (layout.mask_bytes,)),  # bit i: point i is misclassified
        Column("batch", "uint8", (layout.mask_bytes,)),  # bit i: point i was in the last mini-batch
        Column("point_logits", "float64", (k,)),
        Column("point_probs", "float64", (k,)),
        Column("point_targets", "float64", (k,)),
        Column("point_dL_du", "float64", (k,)),
        Column("point_dL_dw", "float64", (k, layout.dw_columns)),
        Column("point_z", "float64", (min(layout.z_size, Z_SHOWN_MAX),)),
        Column("point_loss", "float64"),
    ]
    if layout.arrows:
        columns += [Column("W", "float64", (k, 2)), Column("b", "float64", (k,)), Column("next_W", "float64", (k, 2))]
    if layout.unit_counts:
        r = layout.unit_resolution
        columns += [Column("units", "uint8", (sum(layout.unit_counts), r, r)),
                    Column("units_scale", "float32", (sum(layout.unit_counts),))]  # fmt: skip
        columns += [Column(f"net_w{i}", "int8", shape) for i, shape in enumerate(layout.weight_shapes)]
        columns.append(Column("net_w_scale", "float32", (len(layout.weight_shapes),)))
    return columns


def _mask(rows: np.ndarray, n: int) -> np.ndarray:
    flags = np.zeros(n, dtype=bool)
    flags[rows] = True
    return np.packbits(flags, bitorder="little")


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


def _weights(matrix: np.ndarray) -> tuple[np.ndarray, float]:
    """A weight matrix as int8 in [-127, 127] times its largest magnitude / 127: only its sign and size are drawn."""
    largest = float(np.abs(matrix).max())
    safe = largest if largest > 0 else 1.0
    return np.rint(matrix * (127.0 / safe)).astype(np.int8), largest


def encode_frames(frames: list[ce_core.Frame], y: np.ndarray, layout: FrameLayout) -> Packed:
    """Pack frames of one stream (y: the points' classes, to mark the misclassified ones)."""
    n = layout.n_points
    values: dict[str, list] = {c.name: [] for c in frame_columns(layout)}
    for frame in frames:
        terms = frame.point.terms
        for name in ("step", "epoch", "lr", "train_loss", "test_loss", "train_acc", "test_acc", "grad_norm",
                     "class_grad_norm"):  # fmt: skip
            values[name].append(getattr(frame, name))
        values["grid"].append(grid_codes(frame.grid, layout.show_class))
        values["wrong"].append(_mask(np.flatnonzero(frame.predicted != y), n))
        values["batch"].append(_mask(frame.batch_rows, n))
        values["point_logits"].append(frame.point.logits)
        values["point_probs"].append(terms.probs)
        values["point_targets"].append(terms.targets)
        values["point_dL_du"].append(terms.dL_du)
        dw = terms.product if layout.z_size <= DW_COLUMNS_MAX else np.linalg.norm(terms.product, axis=1)[:, None]
        values["point_dL_dw"].append(dw)
        values["point_z"].append(frame.point.z[:Z_SHOWN_MAX])
        values["point_loss"].append(terms.loss)
        if layout.arrows:
            values["W"].append(frame.W)
            values["b"].append(frame.b)
            values["next_W"].append(frame.next_W)
        if layout.unit_counts:
            codes, scale = _units(frame.units)
            values["units"].append(codes)
            values["units_scale"].append(scale)
            scales = []
            for i, matrix in enumerate(frame.layer_weights):
                quantized, largest = _weights(matrix)
                values[f"net_w{i}"].append(quantized)
                scales.append(largest)
            values["net_w_scale"].append(scales)
    return pack(frame_columns(layout), {name: np.asarray(rows) for name, rows in values.items()})


# ------------------------------------------------------------------------------------------------------------------
# Points and curves
# ------------------------------------------------------------------------------------------------------------------
POINT_COLUMNS = [Column("x", "float32", (2,)), Column("label", "uint8"), Column("test", "uint8")]


def encode_points(X: np.ndarray, y: np.ndarray, is_test: np.ndarray) -> Packed:
    """The dataset's points: coordinates (n, 2), class and whether each is a test point."""
    return pack(POINT_COLUMNS, {"x": X, "label": y, "test": is_test})


def history_columns(n_classes: int) -> list[Column]:
    return [Column("step", "float64"), *(Column(name, "float32") for name in
            ("train_loss", "test_loss", "train_acc", "test_acc")),
            Column("class_grad_norm", "float32", (n_classes,))]  # fmt: skip


def encode_history(history: dict, rows: np.ndarray) -> Packed:
    """The learning curves so far (a trainer's ``history.as_dict()``), keeping only ``rows``."""
    n_classes = history["class_grad_norm"].shape[1]
    return pack(history_columns(n_classes), {c.name: history[c.name][rows] for c in history_columns(n_classes)})


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
