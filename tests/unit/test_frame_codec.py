"""The player's binary tables (ce_app.frame_codec): packing round-trips, and frames decode to ce_core's numbers."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ce_core
from ce_app import frame_codec
from ce_app.frame_codec import Column, FrameLayout, pack, unpack
from ce_app.palette import region_codes


@st.composite
def tables(draw):
    rows = draw(st.integers(0, 6))
    columns, values = [], {}
    for i in range(draw(st.integers(1, 5))):
        dtype = draw(st.sampled_from(frame_codec.DTYPES))
        shape = tuple(draw(st.lists(st.integers(1, 4), max_size=2)))
        columns.append(Column(f"c{i}", dtype, shape))
        values[f"c{i}"] = draw(hnp.arrays(np.dtype(dtype), (rows, *shape)))
    return columns, values


@settings(max_examples=200)
@given(tables())
def test_pack_then_unpack_gives_back_every_column(table):
    """Test that any table of the supported dtypes and shapes round-trips bit for bit, each column 8-byte aligned."""
    columns, values = table
    packed = pack(columns, values)
    assert all(c["offset"] % frame_codec.ALIGN == 0 for c in packed.header["columns"])
    out = unpack(packed.header, packed.blob)
    for column in columns:
        assert out[column.name].dtype == np.dtype(column.dtype)
        np.testing.assert_array_equal(out[column.name].view(np.uint8), values[column.name].view(np.uint8))


def test_pack_refuses_columns_that_do_not_match():
    """Test that a wrong row shape, a row count that differs, or an unknown dtype is refused."""
    with pytest.raises(ValueError, match="shape"):
        pack([Column("a", "float32", (2,))], {"a": np.zeros((3, 3))})
    with pytest.raises(ValueError, match="rows"):
        pack([Column("a", "uint8"), Column("b", "uint8")], {"a": np.zeros(3), "b": np.zeros(4)})
    with pytest.raises(ValueError, match="dtype"):
        pack([Column("a", "int64")], {"a": np.zeros(3)})


def test_unpack_refuses_a_header_that_lies_about_the_length():
    """Test that a table whose bytes do not match its header is refused, not misread."""
    packed = pack([Column("a", "float64")], {"a": np.arange(4.0)})
    with pytest.raises(ValueError):
        unpack({**packed.header, "bytes": packed.header["bytes"] + 8}, packed.blob)
    with pytest.raises(ValueError):
        unpack({**packed.header, "bytes": 10**12}, packed.blob)
    with pytest.raises(zlib.error):
        unpack(packed.header, b"not zlib")


def _chunk(hidden=(6,), show_class=None, units=0):
    X, y = ce_core.make_dataset("moons", 50, 2, seed=3)
    model = ce_core.Model.for_data(X, 2, hidden=hidden)
    trainer = ce_core.Trainer(model, X[:40], y[:40], X[40:], y[40:], batch_size=8, optimizer=ce_core.Adam(0.05))
    spec = ce_core.FrameSpec(X=X, y=y, train_rows=np.arange(40), bounds=(-1.5, 2.5, -1.0, 1.5), resolution=10,
                             selected=44, arrows=model.is_linear, unit_resolution=units)  # fmt: skip
    chunk = ce_core.play_chunk(trainer, spec, n_frames=4, spf=3)
    layout = FrameLayout(n_points=50, n_classes=2, resolution=10, z_size=model.n_last_inputs, show_class=show_class,
                         arrows=model.is_linear, unit_counts=(*hidden, 2) if units else (), unit_resolution=units,
                         weight_shapes=tuple(s for n, s in model.param_shapes().items() if n[0] in "VW") if units else ())  # fmt: skip
    return chunk, y, layout


@pytest.mark.parametrize("hidden", [(), (6,), (8, 8)], ids=["linear", "h6", "h8x8"])
def test_frames_decode_to_the_numbers_ce_core_computed(hidden):
    """Test that every column of encoded frames decodes to the frame's own numbers (the plane's colours quantized)."""
    chunk, y, layout = _chunk(hidden)
    out = unpack(*vars(frame_codec.encode_frames(chunk.frames, y, layout)).values())
    assert set(out) == {c.name for c in frame_codec.frame_columns(layout)}
    for i, frame in enumerate(chunk.frames):
        assert out["step"][i] == frame.step and out["train_loss"][i] == frame.train_loss
        assert out["test_acc"][i] == frame.test_acc and out["grad_norm"][i] == frame.grad_norm
        probs = frame.grid.probs
        np.testing.assert_array_equal(out["grid"][i], region_codes(probs.argmax(axis=-1), probs.max(axis=-1), 2))
        wrong = np.unpackbits(out["wrong"][i], bitorder="little")[:50].astype(bool)
        np.testing.assert_array_equal(wrong, frame.predicted != y)
        batch = np.unpackbits(out["batch"][i], bitorder="little")[:50]
        assert set(np.flatnonzero(batch)) == set(frame.batch_rows)
        np.testing.assert_array_equal(out["point_probs"][i], frame.point.terms.probs)
        np.testing.assert_array_equal(out["point_dL_du"][i], frame.point.terms.dL_du)
        if layout.z_size <= frame_codec.DW_COLUMNS_MAX:
            np.testing.assert_array_equal(out["point_dL_dw"][i], frame.point.terms.product)
        else:
            np.testing.assert_allclose(out["point_dL_dw"][i][:, 0], np.linalg.norm(frame.point.terms.product, axis=1))
        if layout.arrows:
            np.testing.assert_array_equal(out["next_W"][i], frame.next_W)


def test_probability_colouring_is_255_p_k():
    """Test that the p_k colouring sends round(255 p_k) per cell."""
    chunk, y, layout = _chunk(show_class=1)
    out = unpack(*vars(frame_codec.encode_frames(chunk.frames, y, layout)).values())
    np.testing.assert_array_equal(out["grid"][0], np.rint(chunk.frames[0].grid.probs[..., 1] * 255).astype(np.uint8))


def test_unit_maps_are_quantized_around_the_middle_with_their_scale():
    """Test that each unit's map decodes back to within one step of 1/255 of its largest magnitude."""
    chunk, y, layout = _chunk(hidden=(5,), units=6)
    out = unpack(*vars(frame_codec.encode_frames(chunk.frames, y, layout)).values())
    frame = chunk.frames[-1]
    maps = np.concatenate([np.moveaxis(u, -1, 0) for u in frame.units])
    scale = out["units_scale"][-1]
    np.testing.assert_allclose(scale, np.abs(maps).reshape(len(maps), -1).max(axis=1), rtol=1e-6)
    decoded = (out["units"][-1].astype(float) - 127.5) / 127.5 * scale[:, None, None]
    assert np.all(np.abs(decoded - maps) <= scale[:, None, None] / 127.5 + 1e-6)


def test_a_chunk_of_the_budget_setting_is_small():
    """Test that a frame of the budget setting (N = 500, K = 4, one hidden layer of 32) packs to under 8 KiB."""
    X, y = ce_core.make_dataset("spiral", 500, 4, seed=0)
    model = ce_core.Model.for_data(X, 4, hidden=(32,))
    trainer = ce_core.Trainer(model, X[:400], y[:400], X[400:], y[400:], batch_size=32)
    spec = ce_core.FrameSpec(X=X, y=y, train_rows=np.arange(400), bounds=(-1.2, 1.2, -1.2, 1.2), resolution=80)
    chunk = ce_core.play_chunk(trainer, spec, n_frames=10, spf=5)
    packed = frame_codec.encode_frames(chunk.frames, y, FrameLayout(500, 4, 80, 32))
    assert len(packed.blob) / len(chunk.frames) < 8 * 1024
