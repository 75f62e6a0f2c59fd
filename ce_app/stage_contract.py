"""The stage's contract: every key the server sends the training stage and every event the stage sends back.

The stage (``player_frontend/``) is a second program, in JavaScript, that talks to ``ce_app/player.py`` through
Streamlit's component protocol. This module is the one place that names what crosses that boundary; both sides
are held to it by ``tests/unit/test_stage_contract.py``, which reads every ``args.X``, ``meta.X``, ``view.X``,
``stream.X`` and event the JavaScript uses and every key the server sends, and fails on a key read but never sent
or sent but never read. The binary tables (frames, points, curves, the last batch) name their columns in their
own headers (``frame_codec``); the browser iterates over those names and never lists them again.

Server -> browser, the component's arguments (``ARGS``): a dict whose nested parts are ``STREAM``, ``VIEW`` and
``META`` (built with :func:`message`, which refuses a key the contract does not name or a missing one). Browser -> server, the component's value (``VALUE``): ``{"session", "have": {...}, "events": [...]}``,
every event ``{"seq", "kind", **fields}`` with the fields its kind declares in ``EVENTS``.

This module imports nothing of Streamlit, so the contract test and the node tests' fixtures can read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    """One key of a message: its name, the JSON type it carries, and what it means."""

    name: str
    type: str  # a JSON type, as JSDoc writes it: "string", "number", "boolean", "object", "Array<string>", ...
    doc: str
    optional: bool = False  # sent only when the browser lacks it (or when there is something to send)


def names(keys: tuple[Key, ...]) -> tuple[str, ...]:
    return tuple(key.name for key in keys)


def message(keys: tuple[Key, ...], **values) -> dict:
    """A message holding exactly the declared keys (optional ones may be left out), in declaration order.

    Raises ValueError for a key that is not declared or a required one that is missing: the server cannot send
    what the contract does not name, nor forget what it promises.
    """
    declared = names(keys)
    unknown = sorted(set(values) - set(declared))
    missing = [key.name for key in keys if not key.optional and key.name not in values]
    if unknown or missing:
        raise ValueError(f"message keys not in the contract: {unknown}; required keys missing: {missing}")
    return {name: values[name] for name in declared if name in values}


# ----------------------------------------------------------------------------------------------------------------
# Server -> browser
# ----------------------------------------------------------------------------------------------------------------
STREAM = (
    Key("id", "string", "the stream of frames on offer; a new id means the frames before it are stale"),
    Key("playing", "boolean", "the stream plays (chunks follow) or is one still frame"),
    Key("fps", "number", "frames per second to play"),
    Key("spf", "number", "optimizer steps per frame"),
    Key("ended", "string", "how a playing stream ends: '' (it does not), 'diverged' or 'limit'"),
    Key("reason", "string", "why it ends, in a sentence (shown when the last frame of an ended stream is reached)"),
    Key("limit", "number", "the most steps one press of Play runs"),
)

VIEW = (
    Key("present", "boolean", "presentation mode"),
    Key("hidden", "Array<string>", "controls a teacher's link hides (settings.HIDEABLE)"),
    Key("show", "string|number", "the plane's colours: 'regions' or a class index k (p_k)"),
    Key("selected", "number", "the selected point, a row of the points table"),
    Key("draw", "boolean", "draw mode is on: a click on the plane adds or removes a point"),
    Key("can_undo", "boolean", "draw mode: an edit of the points can be taken back"),
    Key("network", "boolean", "the network view is open"),
    Key("diverged", "boolean", "the training diverged: only Reset is possible"),
    Key("divergence", "string", "why it diverged, in a sentence"),
    Key("hint", "string", "a sentence when training is stuck near chance ('' otherwise)"),
    Key("step_scale", "number|null", "how much the next-step arrows are magnified (linear models), null otherwise"),
    Key("notice", "string", "a message for the status line once a stream has ended"),
    Key("points_version", "string", "the version of the points; the browser echoes it in VALUE.have.points"),
    Key("idle", "string", "why nothing can be trained now ('' when training is possible): no points, one class"),
    Key("focus", "number", "the stage takes the keyboard focus when this grows (e.g. a lesson was just picked)"),
    Key("predict", "boolean", "predict mode: Step, Step ×10, Epoch and Play first ask what they will do"),
    Key("question", "object|null", "QUESTION waiting for an answer (predict mode), null when there is none"),
    Key("reveal", "object|null", "REVEAL: what the steps of the last question showed, null when there is none"),
)

QUESTION = (  # VIEW.question (ce_app/stage/prediction.py)
    Key("id", "string", "the question's id: its answer echoes it (FIELDS.question)"),
    Key("kind", "string", "what is asked: a kind of ce_core.predict (p_y_direction, largest_move, ...)"),
    Key("text", "string", "the question, with the live numbers"),
    Key("choices", "Array<Array<string>>", "[choice id, label] pairs, in the order to show them"),
    Key("action", "string", "the toolbar button whose press asked it: step, step10, epoch or play"),
    Key("run", "string", "what runs once it is answered, in words ('Step', 'the next 50 steps')"),
    Key("lesson", "string", "the lesson's title when it is the lesson's question, '' otherwise"),
)

REVEAL = (  # VIEW.reveal (ce_app/stage/prediction.py)
    Key("verdict", "string", "'right', 'wrong', or 'skipped' (the student ran the steps without answering)"),
    Key("choice", "string", "the label of the answer picked ('' when skipped)"),
    Key("answer", "string", "the label of the right answer"),
    Key("why", "string", "one sentence of why, from the numbers after the steps"),
    Key("element", "string", "what tells (ce_core.predict.Element.kind): bar, row, arrow, region, curve, batch, point"),
    Key("index", "number|null", "its class k (bar, row, arrow, region) or point row (batch, point)"),
    Key("name", "string", "its name (curve: 'train_loss')"),
    Key("look", "string", "where to look, in words ('the p bar of class 1')"),
    Key("action", "string", "the toolbar button whose press asked the question (the focus goes back to it)"),
)

META = (
    Key("classes", "Array<string>", "class names, K of them, as shown (uploaded names included)"),
    Key("colors", "Array<string>", "class colours, K"),
    Key("colors_dark", "Array<string>", "class colours in the dark theme, K (palette.CLASS_COLORS_DARK)"),
    Key("symbols", "Array<string>", "class marker symbols, K"),
    Key("palette", "Array<string>", "colours of the classes a drawn point may have"),
    Key("palette_dark", "Array<string>", "the same in the dark theme"),
    Key("palette_symbols", "Array<string>", "their markers"),
    Key("axes", "Array<string>", "names of the plane's two axes"),
    Key("bounds", "Array<number>", "the plane's extent [x_min, x_max, y_min, y_max]"),
    Key("region_shades", "number", "the plane's region codes are class k * region_shades + how sure (palette.SHADES)"),
    Key("z_names", "Array<string>", "names of the entries of z written out for the selected point"),
    Key("z_all", "Array<string>", "names of all D entries of z (columns of the batch view)"),
    Key("z_size", "number", "D, the length of z"),
    Key("dw_names", "Array<string>", "column names of dL/dw_k in the inspector's table"),
    Key("layers", "Array<number>", "hidden units per hidden layer ([] for a linear model)"),
    Key("inputs", "Array<string>", "names of the network's inputs z0 (the feature map's outputs)"),
    Key("activation", "string", "the hidden layers' activation"),
    Key("linear", "boolean", "the model is linear in x (the plane draws the weight arrows)"),
    Key("source", "string", "where the points come from: 'generated', 'uploaded' or 'drawn'"),
    Key("metrics", "Array<Metric>", "the metrics row: which frame column each box shows, its label, help and format"),
    Key("control_events", "Array<string>", "EVENTS that change what the server streams (EventKind.control)"),
)

METRIC = (
    Key("name", "string", "a frame column (frame_codec.frame_columns)"),
    Key("label", "string", "the box's label"),
    Key("help", "string", "its tooltip"),
    Key("format", "string", "its number format: fmt, fixed, percent or integer (ce_app/numbers.py)"),
    Key("digits", "number", "fmt: significant digits; fixed: decimals"),
)

ARGS = (
    Key("session", "string", "the session's secret; the browser echoes it in VALUE.session"),
    Key("acked", "number", "the last event the server handled"),
    Key("stream", "object", "STREAM"),
    Key("chunk", "object", "CHUNK: the frames table's header (TABLE) plus its chunk seq and id"),
    Key("frames", "Uint8Array", "the frames table's bytes"),
    Key("lut", "Uint8Array", "256 RGB colours for the plane's one-byte grid codes"),
    Key("lut_dark", "Uint8Array", "the same on the dark theme's background"),
    Key("view", "object", "VIEW"),
    Key("meta", "object", "META"),
    Key("points", "object", "header of the points table", optional=True),
    Key("points_blob", "Uint8Array", "its bytes", optional=True),
    Key("batch", "object", "BATCH: the last mini-batch's summary, and its table's header (TABLE)", optional=True),
    Key("batch_blob", "Uint8Array", "its bytes", optional=True),
    Key("history", "object", "header of the learning curves so far", optional=True),
    Key("history_blob", "Uint8Array", "its bytes", optional=True),
)

TABLE = (  # the header of every binary table (frame_codec.pack)
    Key("rows", "number", "N, the first dimension of every column"),
    Key("bytes", "number", "length before compression"),
    Key("columns", "Array<Column>", "name, dtype, shape and offset of each column"),
)

CHUNK = (  # ARGS.chunk, besides TABLE
    Key("seq", "number", "the chunk's number in its stream (0 for a still frame)"),
    Key("id", "number", "counts the frames made; the same id is the same frames"),
)

BATCH = (  # ARGS.batch, besides TABLE
    Key("step", "number", "the step that used this mini-batch"),
    Key("size", "number", "m, its samples"),
    Key("lr", "number", "the learning rate of that step"),
    Key("mean", "Array<Array<number>>", "dL/dW, the mean of the samples' contributions (K, D)"),
    Key("update", "Array<Array<number>>", "the change the optimizer made to W (K, D)"),
)


# ----------------------------------------------------------------------------------------------------------------
# Browser -> server
# ----------------------------------------------------------------------------------------------------------------
FIELDS = (  # every field an event may carry; ``ce_app/stage/events.py`` checks each one
    Key("step", "number", "the step of the frame on screen (an integer)"),
    Key("stream", "string", "STREAM.id of the stream the browser was playing"),
    Key("chunk", "number", "the number of the chunk wanted (an integer)"),
    Key("n", "number", "how many steps: 1 or 10"),
    Key("index", "number", "a point: a row of the points table (an integer)"),
    Key("show", "string|number", "'regions' or a class index k"),
    Key("on", "boolean", "switched on (true) or off (false)"),
    Key("x", "number", "where the plane was clicked, in data coordinates"),
    Key("y", "number", "where the plane was clicked, in data coordinates"),
    Key("k", "number", "the class of a drawn point (an integer)"),
    Key("remove", "boolean", "remove the nearest point instead of adding one"),
    Key("question", "string", "QUESTION.id of the question answered"),
    Key("choice", "string", "the choice id picked (one of QUESTION.choices)"),
)


@dataclass(frozen=True)
class EventKind:
    """One kind of event the stage sends, and the fields it carries (besides ``seq`` and ``kind``), all required."""

    kind: str
    fields: tuple[str, ...]  # names of FIELDS
    doc: str
    control: bool = True  # changes what the server streams: renders that arrive before it is acknowledged are stale


EVENTS = (
    EventKind("hello", (), "the stage is new or reconnected and wants the current state", control=False),
    EventKind("play", (), "Play"),
    EventKind("pause", ("step", "stream"), "Pause on the frame of `step` of `stream`"),
    EventKind("more", ("chunk", "stream"), "the next chunk of the playing stream, numbered `chunk`", control=False),
    EventKind("ended", ("stream", "step"), "the last frame of an ended stream is on screen", control=False),
    EventKind("step", ("n",), "Step (n = 1) or Step x10 (n = 10)"),
    EventKind("epoch", (), "steps until every training point was used once in this pass"),
    EventKind("reset", (), "back to the initial weights, step 0"),
    EventKind("select", ("index", "step"), "select point `index` (from the frame of `step`)"),
    EventKind("mode", ("show", "step"), "colour the plane by 'regions' or p of class `show`"),
    EventKind("network", ("on", "step"), "open or close the network view"),
    EventKind("draw_mode", ("on",), "switch draw mode on or off"),
    EventKind("draw", ("x", "y", "k", "remove"), "a click on the plane in draw mode: add class k at (x, y), or remove"),
    EventKind("undo", (), "take back the last edit of the drawn points"),
    EventKind("clear", (), "remove every point"),
    EventKind("predict", ("on",), "switch predict mode on or off"),
    EventKind("answer", ("question", "choice"), "the answer `choice` to the question `question`: its steps run"),
    EventKind("skip_question", ("question",), "run the steps of the question `question` without answering it"),
)
EVENT_KINDS = tuple(event.kind for event in EVENTS)
EVENT_FIELDS = {event.kind: event.fields for event in EVENTS}
CONTROL_EVENTS = tuple(event.kind for event in EVENTS if event.control)

HAVE = (
    Key("points", "string|null", "VIEW.points_version of the points the browser holds"),
    Key("stream", "string", "STREAM.id of the stream the browser is playing"),
)

VALUE = (
    Key("session", "string", "ARGS.session, echoed"),
    Key("have", "object", "HAVE"),
    Key("events", "Array<object>", "every event not yet acknowledged (seq > ARGS.acked), oldest first"),
)
