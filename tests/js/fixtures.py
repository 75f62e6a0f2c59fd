"""Fixtures for the stage's node tests, made by the Python side they must agree with.

``python -m tests.js.fixtures`` prints them as JSON; ``tests/unit/test_javascript.py`` writes them to a file and
hands its path to ``node --test`` (``CE_JS_FIXTURES``):

- ``tables``: real tables packed by ``frame_codec`` (a chunk of frames of a linear model, with its arrows; one of
  a network, with every unit's map and the weights; the points; the curves; the last batch), each with its header,
  its bytes (base64) and what ``frame_codec.unpack`` decodes, column by column, flattened;
- ``masks``: the misclassified points of the first frame, as the bits ``codec.js``'s ``bit`` must read;
- ``numbers``: random values with what ``ce_app/numbers.py`` writes for them (the golden cases are hand-made;
  these catch a difference anywhere else);
- ``contract``: the keys of the value the stage sends and the events that change its stream;
- ``palette``: the class colours of ``ce_app/palette.py`` in both themes, and the dark background they are made for.
- ``predict``: a question and its reveal as the stage core sends them in predict mode (one Step, answered wrong).
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np

import ce_core
from ce_app import frame_codec, numbers, palette, stage, stage_contract, state
from ce_app.settings import Settings


def _plain(values: np.ndarray) -> list:
    """A column as a flat JSON list; NaN and infinities as the strings JavaScript's String() gives them."""
    out = []
    for value in np.asarray(values, dtype=np.float64).ravel().tolist():
        out.append(
            value
            if math.isfinite(value)
            else ("NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity"))
        )
    return out


def _table(packed: frame_codec.Packed) -> dict:
    decoded = frame_codec.unpack(packed.header, packed.blob)
    return {"header": packed.header, "blob": base64.b64encode(packed.blob).decode("ascii"),
            "columns": {name: _plain(values) for name, values in decoded.items()}}  # fmt: skip


def _chunk(settings: Settings, network: bool) -> tuple[frame_codec.Packed, np.ndarray, list]:
    """Three frames of a stream of these settings, packed as the stage's machine packs them."""
    data = state.generate(settings)
    trainer = state.build_trainer(settings, data)
    model = trainer.model
    spec = ce_core.FrameSpec(X=data.X, y=data.y, train_rows=data.train_idx, test_rows=data.test_idx,
                             bounds=data.bounds, resolution=12, selected=3, arrows=model.is_linear,
                             unit_resolution=stage.unit_resolution(model) if network else 0)  # fmt: skip
    chunk = ce_core.play_chunk(trainer, spec, 3, 2)
    units = (*model.hidden, model.n_classes) if network else ()
    weights = tuple(shape for name, shape in model.param_shapes().items() if name[0] in "VW") if network else ()
    layout = frame_codec.FrameLayout(len(data.y), model.n_classes, 12, model.n_last_inputs, arrows=model.is_linear,
                                     unit_counts=units, unit_resolution=spec.unit_resolution, weight_shapes=weights)  # fmt: skip
    wrong = (chunk.frames[0].predicted != data.y).astype(int).tolist()
    return frame_codec.encode_frames(chunk.frames, data.y, layout), data, wrong


def _predict() -> dict:
    """VIEW.question for a Step in predict mode, and VIEW.reveal once it is answered wrong."""
    from tests.stage_host import PlainHost  # a plain session for the stage core

    host = PlainHost.open(dataset="blobs", n=60, K=3, predict=True)
    core = stage.Stage()
    core.follow(host)
    value = {"session": core.secret, "have": {"points": "0", "stream": core.stream},
             "events": [{"seq": 1, "kind": "step", "n": 1}]}  # fmt: skip
    core.handle(host, value)
    question = stage.render(core, host, value)["view"]["question"]
    wrong = next(choice for choice, _ in question["choices"] if choice != core.prediction.pending.question.answer)
    value["events"] = [{"seq": 2, "kind": "answer", "question": question["id"], "choice": wrong}]
    core.handle(host, value)
    return {"question": question, "reveal": stage.render(core, host, value)["view"]["reveal"]}


def make() -> dict:
    linear = Settings(dataset="blobs", K=3, n=40, seed=2)
    packed, data, wrong = _chunk(linear, network=False)
    network, _, _ = _chunk(Settings(dataset="circles", K=2, n=30, layers=2, width=3, seed=1), network=True)
    trainer = state.build_trainer(linear, data)
    trainer.step(5)
    history = trainer.history.as_dict()
    _, batch = frame_codec.encode_batch(trainer.last_batch, data.train_idx)
    rng = np.random.default_rng(16)
    values = np.concatenate(
        [rng.standard_normal(300) * 10.0 ** rng.integers(-8, 9, 300), rng.integers(-(10**6), 10**6, 50)]
    )
    return {
        "tables": {
            "linear_frames": _table(packed),
            "network_frames": _table(network),
            "points": _table(frame_codec.encode_points(data.X, data.y, data.is_test)),
            "history": _table(frame_codec.encode_history(history, np.arange(len(history["step"])))),
            "batch": _table(batch),
        },
        "masks": {"linear_frames": {"column": "wrong", "row": 0, "bits": wrong}},
        "numbers": [[float(v), digits, numbers.fmt(float(v), digits)] for v in values.tolist() for digits in (3, 4)],
        "contract": {
            "value": list(stage_contract.names(stage_contract.VALUE)),
            "have": list(stage_contract.names(stage_contract.HAVE)),
            "control_events": list(stage_contract.CONTROL_EVENTS),
            "question": list(stage_contract.names(stage_contract.QUESTION)),
            "reveal": list(stage_contract.names(stage_contract.REVEAL)),
        },
        "palette": {
            "colors": list(palette.CLASS_COLORS),
            "colors_dark": list(palette.CLASS_COLORS_DARK),
            "dark_background": palette.DARK_BACKGROUND,
        },
        "predict": _predict(),
    }


if __name__ == "__main__":
    print(json.dumps(make()))
