"""The stage's contract (ce_app/stage_contract.py) holds both sides: what the JavaScript reads and sends, what the
server sends and accepts.

The JavaScript side is read from its source (``ce_app/player_frontend/*.js``), by the conventions the stage keeps:
the component's arguments are ``args``, their parts ``view``, ``meta``, ``stream``, ``chunk`` and ``batch`` (each
also as ``this.X``), a metric of META.metrics is ``metric``, a table's header is ``header``, predict mode's
VIEW.question and VIEW.reveal are ``question`` and ``reveal``; a frame is ``frame``,
and a table's columns are read with ``.get("name", ...)``, ``.all("name")``, ``.has("name")``, or from the curves
with ``.series("name")`` and ``.entry("name", k)``; events go out as ``send("kind", {fields})``. The server side is
observed: payloads rendered by the stage core in every state that sends an optional key, and the checks and
handlers of the events it accepts.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from ce_app import frame_codec, stage_contract
from ce_app.stage import Stage, events, machine, render
from ce_app.stage.prediction import Prediction
from ce_app.stage_contract import names
from tests.stage_host import PlainHost

FRONTEND = Path(__file__).resolve().parents[2] / "ce_app" / "player_frontend"
SOURCE = {path.name: path.read_text(encoding="utf-8") for path in sorted(FRONTEND.glob("*.js"))}
ALL_JS = "\n".join(SOURCE.values())

# Each part of a message, with the declaration of its keys; ARGS keys whose value is itself a declared part.
PARTS = {
    "args": stage_contract.ARGS,
    "stream": stage_contract.STREAM,
    "view": stage_contract.VIEW,
    "meta": stage_contract.META,
    "metric": stage_contract.METRIC,
    "chunk": stage_contract.CHUNK + stage_contract.TABLE,
    "batch": stage_contract.BATCH + stage_contract.TABLE,
    "header": stage_contract.TABLE,
    "question": stage_contract.QUESTION,
    "reveal": stage_contract.REVEAL,
}
NESTED = {("args", "stream"): "stream", ("args", "view"): "view", ("args", "meta"): "meta",
          ("args", "chunk"): "chunk", ("args", "batch"): "batch", ("view", "question"): "question",
          ("view", "reveal"): "reveal"}  # fmt: skip
_ACCESS = re.compile(r"(?<![\w.$])(?:this\.)?(" + "|".join(PARTS) + r")((?:\??\.[A-Za-z_]\w*)+)")
_SEND = re.compile(r"\bsend\(\s*\"(\w+)\"\s*(?:,\s*\{([^{}]*)\})?\s*\)")
_COLUMN_CALL = re.compile(r"\.(?:get|all|has|series|entry)\(\s*\"(\w+)\"")
_FRAME_FIELD = re.compile(r"(?<![\w.$])(?:this\.)?frame\??\.([A-Za-z_]\w*)")
FRAME_PLACE = {"seq", "index", "last"}  # where a frame sits in its stream: the stage's own, not columns


def js_reads() -> set[tuple[str, str]]:
    """Every (part, key) the JavaScript reads, following chains like args.view.present into the nested part."""
    reads = set()
    for match in _ACCESS.finditer(ALL_JS):
        part, chain = match.group(1), [key.lstrip("?.") for key in re.findall(r"\??\.\w+", match.group(2))]
        for key in chain:
            reads.add((part, key))
            part = NESTED.get((part, key))
            if part is None:
                break
    return reads


def js_events() -> dict[str, set[tuple[str, ...]]]:
    """Every event kind the JavaScript sends, with the sets of field names it sends it with."""
    sent: dict[str, set[tuple[str, ...]]] = {}
    for match in _SEND.finditer(ALL_JS):
        body = match.group(2) or ""
        fields = tuple(sorted(re.split(r"\s*:", item.strip())[0] for item in body.split(",") if item.strip()))
        sent.setdefault(match.group(1), set()).add(fields)
    return sent


def declared() -> set[tuple[str, str]]:
    return {(part, key.name) for part, keys in PARTS.items() for key in keys}


def test_the_stage_reads_only_declared_keys():
    """Test that every args., view., meta., stream., chunk., batch., metric. and header. key the JavaScript reads is
    declared in the contract."""
    assert js_reads(), "the conventions this test reads the JavaScript by found nothing"
    unknown = sorted(js_reads() - declared())
    assert not unknown, f"read by the stage but not in ce_app/stage_contract.py: {unknown}"


def test_every_declared_key_is_read_by_the_stage():
    """Test that the stage reads every key the contract declares (a key nobody reads is dead weight or a bug)."""
    reads = js_reads()
    # the optional tables of ARGS are read by name in apply(); their headers' keys by codec.js (header.)
    unread = sorted((part, key) for part, key in declared() - reads if part not in ("chunk", "batch") or key not in
                    names(stage_contract.TABLE))  # fmt: skip
    assert not unread, f"declared (and sent) but never read by the stage: {unread}"


def _renders():
    """Payloads of the stage core in the states that send every optional key: a cold start (points, curves), after
    a Step (the batch), playing, with the points already held, and in predict mode a question and its reveal."""
    host = PlainHost.open(dataset="blobs", n=60, K=3)
    stage = Stage()
    stage.follow(host)
    yield render(stage, host, None)
    value = {"session": stage.secret, "have": {"points": "0", "stream": stage.stream},
             "events": [{"seq": 1, "kind": "step", "n": 1}]}  # fmt: skip
    stage.handle(host, value)
    yield render(stage, host, value)
    value = {**value, "events": [{"seq": 2, "kind": "play"}]}
    stage.handle(host, value)
    yield render(stage, host, {**value, "have": {"points": "0", "stream": stage.stream}})
    stage.handle(host, {**value, "events": [{"seq": 3, "kind": "pause", "step": 0, "stream": stage.stream},
                                            {"seq": 4, "kind": "predict", "on": True},
                                            {"seq": 5, "kind": "step", "n": 1}]})  # fmt: skip
    asked = render(stage, host, value)
    yield asked
    question = asked["view"]["question"]
    stage.handle(host, {**value, "events": [{"seq": 6, "kind": "answer", "question": question["id"],
                                             "choice": question["choices"][0][0]}]})  # fmt: skip
    yield render(stage, host, value)


def test_the_server_sends_every_declared_key():
    """Test that the stage core's payloads, over the states that need them, send every key the contract declares at
    every level (and nothing else: stage_contract.message refuses undeclared keys)."""
    sent: set[tuple[str, str]] = set()
    for args in _renders():
        sent |= {("args", key) for key in args}
        for (outer, key), part in NESTED.items():
            holder = args if outer == "args" else args.get(outer, {})
            if isinstance(holder.get(key), dict):
                sent |= {(part, name) for name in holder[key]}
        for metric in args["meta"]["metrics"]:
            sent |= {("metric", name) for name in metric}
        sent |= {("header", name) for name in args["chunk"] if name in names(stage_contract.TABLE)}
    never = sorted(declared() - sent)
    assert not never, f"declared but never sent by the server: {never}"


def test_the_stage_sends_exactly_the_declared_events():
    """Test that the stage sends every declared event kind, each with exactly its declared fields, and nothing else."""
    sent = js_events()
    assert set(sent) == set(stage_contract.EVENT_KINDS), (
        f"kinds sent but not declared: {sorted(set(sent) - set(stage_contract.EVENT_KINDS))}; "
        f"declared but never sent: {sorted(set(stage_contract.EVENT_KINDS) - set(sent))}"
    )
    wrong = {
        kind: fields for kind, fields in sent.items() if fields != {tuple(sorted(stage_contract.EVENT_FIELDS[kind]))}
    }
    assert not wrong, f"events sent with other fields than declared: {wrong}"


def test_the_server_checks_every_field_and_handles_every_kind():
    """Test that the server has a check for every declared field (and none for others) and a branch for every
    declared kind ("hello" needs none: any value answers it with the whole state)."""
    assert set(events.CHECKS) == set(names(stage_contract.FIELDS))
    assert {field for fields in stage_contract.EVENT_FIELDS.values() for field in fields} <= set(events.CHECKS)
    handled = set(re.findall(r"\"(\w+)\"", inspect.getsource(machine.Stage._apply)))
    assert set(stage_contract.EVENT_KINDS) - {"hello"} <= handled
    assert {"predict", "answer", "skip_question"} <= set(re.findall(r"\"(\w+)\"", inspect.getsource(Prediction.apply)))


def _layouts() -> list[frame_codec.FrameLayout]:
    base = {"n_points": 10, "n_classes": 3, "resolution": 4, "z_size": 2}
    return [frame_codec.FrameLayout(**base, arrows=True),
            frame_codec.FrameLayout(**base, unit_counts=(4, 3), unit_resolution=3, weight_shapes=((4, 2), (3, 4)))]  # fmt: skip


def sent_columns() -> dict[str, set[str]]:
    """The columns of every table the server packs, by table."""
    frames = {column.name for layout in _layouts() for column in frame_codec._flat(frame_codec.frame_columns(layout))}
    return {
        "frames": frames,
        "points": {column.name for column in frame_codec.POINT_COLUMNS},
        "history": {column.name for column in frame_codec.history_columns(3)},
        "batch": {column.name for column in frame_codec.batch_columns(3, 2)},
    }


def js_columns() -> set[str]:
    return set(_COLUMN_CALL.findall(ALL_JS)) | (set(_FRAME_FIELD.findall(ALL_JS)) - FRAME_PLACE)


def test_the_stage_reads_only_columns_the_server_sends():
    """Test that every column the JavaScript names (frame.X, .get("X"), .all("X"), ...) is packed by frame_codec."""
    every = set().union(*sent_columns().values())
    unknown = sorted(js_columns() - every)
    assert not unknown, f"columns read by the stage that no table holds: {unknown}"


def test_every_column_sent_is_read():
    """Test that every column of the frames, points and batch tables is read by the stage: by name, as a metric
    of META.metrics, or (the weights net_w0, net_w1, ...) by its numbered name. The history table is kept whole
    by the curves, which draw its columns by name."""
    metrics = {name for name, *_ in __import__("ce_app.stage.payload", fromlist=["METRICS"]).METRICS}
    numbered = {name for name in sent_columns()["frames"] if re.fullmatch(r"net_w\d+", name)}
    assert numbered and '"net_w" + ' in ALL_JS
    columns = sent_columns()
    unread = {table: sorted(names_ - js_columns() - metrics - numbered) for table, names_ in columns.items()
              if table != "history"}  # fmt: skip
    assert not any(unread.values()), f"sent but never read by the stage: {unread}"
    assert metrics <= columns["frames"], "a metric box names a column the frames do not have"


@pytest.mark.parametrize("name", sorted(SOURCE))
def test_every_module_is_an_es_module_with_types_checked(name):
    """Test that every file of the stage is an ES module whose JSDoc types the checker reads (// @ts-check)."""
    text = SOURCE[name]
    assert text.startswith("// @ts-check"), f"{name} does not start with // @ts-check"
    assert "window.ce" not in text or name == "main.js" or name == "stage.js", f"{name} reaches for page globals"
    assert not re.search(r"^\s*\"use strict\"", text, re.M), f"{name} is a classic script"
