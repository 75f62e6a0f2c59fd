"""Every user setting in one place: its URL name, default, allowed values, and how to read it from a link.

The settings form one frozen dataclass. The sidebar widgets, the URL query parameters and the trainer all read
this one description, so a link (``?dataset=spiral&K=3&lr=0.05``) reproduces a session on any machine. Query
parameters are untrusted: :func:`from_query` clamps or rejects each value and explains every fallback in a notice.
This module does not import streamlit, so it can be tested and fuzzed directly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import partial

import ce_core
from ce_core.datasets import class_counts

from . import lessons

OPTIMIZERS = ("sgd", "momentum", "adam")
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}
# The learning-rate slider moves on a log scale: 1, 2, 5 per decade from 1e-4 to 10.
LR_VALUES = (*(round(m * 10.0**e, 10) for e in range(-4, 1) for m in (1, 2, 5)), 10.0)
MAX_VALUE_CHARS = 200  # longer query values are refused unread
QUOTE_CHARS = 30  # the longest piece of a link echoed back in a notice
MAX_NOTICE_CHARS = 280  # a notice is one line at the top of the page
# Numbers as to_query writes them; other text that float() reads ("３", "1_000", "1e3" for an int) gets a notice.
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off", "")
_READ_LAST = ("sample", "batch")  # their bounds depend on n, K and test


@dataclass(frozen=True)
class Spec:
    """How one setting is checked: a kind and its bounds or choices."""

    kind: str  # "choice", "int", "float", "bool", "lr"
    low: float | None = None  # int/float: smallest allowed value
    high: float | None = None  # int/float: largest allowed value
    choices: tuple = ()  # choice: allowed values


@dataclass(frozen=True)
class Settings:
    """One session's settings. The field name is also the URL query parameter."""

    # Data
    dataset: str = "blobs"  # which toy dataset, ce_core.DATASETS
    K: int = 3  # number of classes, 2..8
    n: int = 300  # number of points, 20..2000
    noise: float = 0.1  # std of the Gaussian jitter added to each coordinate
    test: float = 0.2  # fraction of points held out for testing
    seed: int = 0  # seeds the data, the train/test split, the initial weights and the batch order
    # Model
    features: str = "identity"  # fixed feature map phi(x), ce_core.FEATURE_MAPS
    layers: int = 0  # number of trained hidden layers, 0..2
    width: int = 16  # units per hidden layer, 1..64
    act: str = "tanh"  # hidden activation, ce_core.ACTIVATIONS
    # Training
    opt: str = "sgd"  # sgd, momentum or adam
    lr: float = 0.1  # base learning rate, one of LR_VALUES
    schedule: str = "constant"  # learning-rate schedule, ce_core.SCHEDULES
    batch: int = 32  # mini-batch size, 1..n_train (clamped when the data shrink)
    momentum: float = 0.9  # momentum mu (only for opt="momentum")
    l2: float = 0.0  # weight decay on weight matrices
    smooth: float = 0.0  # label smoothing eps
    T: float = 1.0  # softmax temperature
    # Auto-run
    spf: int = 2  # SGD steps per frame while playing
    fps: int = 20  # frames per second while playing (the browser plays them; the server computes 1 s at a time)
    # View
    sample: int = 0  # index of the selected point in the dataset
    present: bool = False  # presentation mode: bigger text, fewer panels
    predict: bool = False  # predict mode: Step, Epoch and a short Play first ask what they will do (stage/prediction)
    hide: str = ""  # comma-separated control names a teacher hides, see HIDEABLE
    lesson: str = ""  # the lesson these settings started from (ce_app.lessons), "" for none

    @property
    def hidden(self) -> tuple[int, ...]:
        return (self.width,) * self.layers

    def data_key(self) -> tuple:
        """The settings that define the dataset: change one and the data are drawn again."""
        return (self.dataset, self.K, self.n, self.noise, self.test, self.seed)

    def model_key(self) -> tuple:
        """The settings that define the model (with the data): change one and training restarts."""
        return (*self.data_key(), self.features, self.layers, self.width if self.layers else 0, self.act)

    def optimizer(self):
        """The ce_core optimizer these settings describe."""
        return ce_core.make_optimizer(self.opt, self.lr, momentum=self.momentum, schedule=self.schedule)

    def hidden_controls(self) -> frozenset[str]:
        return frozenset(name for name in self.hide.split(",") if name in HIDEABLE)


SPECS: dict[str, Spec] = {
    "dataset": Spec("choice", choices=ce_core.DATASETS),
    "K": Spec("int", 2, 8),
    "n": Spec("int", 20, 2000),
    "noise": Spec("float", 0.0, 1.0),
    "test": Spec("float", 0.0, 0.5),
    "seed": Spec("int", 0, 2**31 - 1),
    "features": Spec("choice", choices=ce_core.FEATURE_MAPS),
    "layers": Spec("int", 0, 2),
    "width": Spec("int", 1, 64),
    "act": Spec("choice", choices=ce_core.ACTIVATIONS),
    "opt": Spec("choice", choices=OPTIMIZERS),
    "lr": Spec("lr", LR_VALUES[0], LR_VALUES[-1]),
    "schedule": Spec("choice", choices=ce_core.SCHEDULES),
    "batch": Spec("int", 1, 2000),
    "momentum": Spec("float", 0.0, 0.99),
    "l2": Spec("float", 0.0, 1.0),
    "smooth": Spec("float", 0.0, 0.5),
    "T": Spec("float", 0.01, 10.0),
    "spf": Spec("int", 1, 100),
    "fps": Spec("int", 1, 60),
    "sample": Spec("int", 0, 1999),
    "present": Spec("bool"),
    "predict": Spec("bool"),
    "hide": Spec("hide"),
    "lesson": Spec("choice", choices=("", *lessons.KEYS)),
}

# Controls a teacher link can hide (``?hide=step10,epoch,data``): the stage's buttons (``predict=1&hide=predict``
# keeps predict mode on), sidebar groups, the lesson picker, the presentation toggle, or the whole sidebar.
HIDEABLE = ("step", "step10", "epoch", "play", "reset", "draw", "predict", "lesson", "data", "model", "training",
            "speed", "upload", "present", "sidebar")  # fmt: skip

DEFAULTS = Settings()


def nearest_lr(value: float) -> float:
    """The slider value closest to ``value`` on the log scale; values beyond the ends (0 and below too) give the ends."""
    value = min(max(value, LR_VALUES[0]), LR_VALUES[-1])
    return min(LR_VALUES, key=lambda v: abs(math.log(v) - math.log(value)))


def train_size(n: int, K: int, test: float) -> int:
    """How many of the n points of a generated dataset train, without generating it.

    make_dataset sizes the K classes as evenly as possible; split_indices holds out round(test * size) of each
    class, always keeping one for training.
    """
    return sum(int(c) - min(round(test * int(c)), int(c) - 1) for c in class_counts(n, K))


def batch_sizes(n_train: int) -> list[int]:
    """The batch slider's sizes: the powers of two below the training-set size, then the size itself."""
    return [*(2**i for i in range(12) if 2**i < n_train), n_train]


def nearest_batch(value: int, n_train: int) -> int:
    """The slider size closest to ``value`` (the smaller one on a tie); n_train or more is the full batch."""
    return n_train if value >= n_train else min(batch_sizes(n_train), key=lambda size: abs(size - value))


def _quote(text: str) -> str:
    """User text for a notice: at most QUOTE_CHARS characters, invisible ones shown as '?', in single quotes."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in text[:QUOTE_CHARS])
    return f"'{shown}…'" if len(text) > QUOTE_CHARS else f"'{shown}'"


def _read_number(text: str, whole: bool) -> tuple[float | int | None, str]:
    """(number, '') for plain ASCII digits; (number, 'read as') for other text float() reads; (None, why not).

    float() also reads "３" (fullwidth), "١٢" (Arabic-Indic), "1_000" and, for a whole number, "1e3" or "3.0":
    they are used, but with a notice, since a link the app wrote never looks like that.
    """
    plain = (_INT_TEXT if whole else _FLOAT_TEXT).fullmatch(text) is not None
    if whole and plain:
        return int(text), ""  # int(), not float(): exact for any number of digits
    try:
        number = float(text)
    except ValueError:
        return None, "is not a number"
    if math.isnan(number):
        return None, "is not a number"
    if math.isinf(number):
        return None, "is infinite or too large"
    if whole:
        return (int(number), "read as") if number == int(number) else (None, "is not a whole number")
    return number + 0.0, "" if plain else "read as"  # + 0.0: "-0" is read as 0.0, not -0.0


def _bounds(name: str, spec: Spec, context: Mapping | None):
    """A number setting's range and steps: (low, high, why it is narrower, snap to a step or None, off-step words).

    ``context`` (n, K, test) narrows ``sample`` and ``batch`` to the link's own data.
    """
    if spec.kind == "lr":
        return spec.low, spec.high, "", nearest_lr, "is not on the slider's scale"
    if context is not None and name == "sample":
        return spec.low, min(spec.high, context["n"] - 1), f" (the dataset has {context['n']} points)", None, ""
    if context is not None and name == "batch":
        n_train = train_size(context["n"], context["K"], context["test"])
        why = f" (the data have {n_train} training points)"
        off_scale = f"is not one of the slider's sizes (powers of 2, or all {n_train})"
        return spec.low, min(spec.high, n_train), why, partial(nearest_batch, n_train=n_train), off_scale
    return spec.low, spec.high, "", None, ""


def _parse_one(name: str, raw: str, spec: Spec, context: Mapping | None = None):
    """Parse one query value; returns (value, notice), where the notice is '' when the value is used as written.

    ``context`` holds the settings parsed before (n, K, test): they bound ``sample`` below the number of points
    and ``batch`` to the batch slider's sizes. A number out of range keeps the nearest allowed value, one between
    a slider's steps (lr, batch) the nearest step; anything unreadable falls back to the default.
    """
    default = getattr(DEFAULTS, name)
    if spec.kind in ("int", "float", "lr"):
        low, high, why, snap, off_scale = _bounds(name, spec, context)
        default = min(max(default, low), high)  # the default batch of 32 is more than 20 points have
        default = snap(default) if snap else default
    if len(raw) > MAX_VALUE_CHARS:
        return default, f"{name}: value too long ({len(raw):,} characters); using {default!r}"
    text = raw.strip()
    quoted = _quote(text)
    word = text.lower() if text.isascii() else text  # ASCII only: str.lower turns the Kelvin sign U+212A into "k"
    if spec.kind == "choice":
        if word in spec.choices:
            return word, ""
        return default, f"{name}={quoted} is not one of {', '.join(spec.choices)}; using {default!r}"
    if spec.kind == "bool":
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            return word in _TRUE_WORDS, ""
        return default, f"{name}={quoted} is not true/false; using {default!r}"
    if spec.kind == "hide":
        parts = [part.strip() for part in text.split(",") if part.strip()]
        known = {part.lower() for part in parts if part.isascii() and part.lower() in HIDEABLE}
        unknown = [part for part in parts if not (part.isascii() and part.lower() in HIDEABLE)]
        kept = ",".join(control for control in HIDEABLE if control in known)
        if not unknown:
            return kept, ""
        return kept, f"hide={_quote(','.join(unknown))}: unknown control names ignored (known: {', '.join(HIDEABLE)})"

    number, how = _read_number(text, spec.kind == "int")
    if number is None:
        return default, f"{name}={quoted} {how}; using {default!r}"
    read = f" (read as {number!r})" if how else ""
    clamped = min(max(number, low), high)
    shown_range = f"[{low}, {high}]" if spec.kind == "int" else f"[{low:g}, {high:g}]"
    if clamped != number:
        value = snap(clamped) if snap else clamped
        return value, f"{name}={quoted}{read} is outside {shown_range}{why}; using {value!r}"
    value = snap(clamped) if snap else clamped
    if not math.isclose(value, number, rel_tol=1e-6):
        return value, f"{name}={quoted}{read} {off_scale}; using the nearest value {value!r}"
    if how:
        return value, f"{name}={quoted} read as {value!r}"
    return value, ""


def from_query(params: Mapping[str, str | list[str]]) -> tuple[Settings, list[str]]:
    """Settings from URL query parameters, and a notice for every value that could not be used as written.

    Unknown parameter names are ignored with one notice; a repeated parameter uses its last value (with a notice
    when the values differ). ``sample`` and ``batch`` are read last, against the link's own n, K and test.
    Never raises: every notice is one line of plain text, at most MAX_NOTICE_CHARS long, quoting at most
    QUOTE_CHARS characters of the link.
    """
    lesson = lessons.BY_KEY.get(str(_last(params.get("lesson", ""))).strip().lower())
    if lesson is not None:  # the lesson's values first; the link's own values override them
        params = {**lesson.values, **params}
    values, notices, unknown = {}, [], []
    for name in sorted(params, key=lambda name: name in _READ_LAST):  # stable: the rest keep the link's order
        raw = params[name]
        if name not in SPECS:
            unknown.append(str(name))
            continue
        if isinstance(raw, list | tuple):
            if len({str(item) for item in raw}) > 1:
                notices.append(f"{name}: given {len(raw)} times in the link; the last value is used")
            raw = raw[-1] if raw else ""
        context = {key: values.get(key, getattr(DEFAULTS, key)) for key in ("n", "K", "test")}
        value, notice = _parse_one(name, str(raw), SPECS[name], context)
        values[name] = value
        if notice:
            notices.append(notice)
    if unknown:
        listed = _quote(", ".join(unknown))
        notices.append(
            f"Unknown link parameter {listed} ignored."
            if len(unknown) == 1
            else f"{len(unknown):,} unknown link parameters ignored: {listed}."
        )
    return replace(DEFAULTS, **values), [notice[:MAX_NOTICE_CHARS] for notice in notices]


def _last(raw):
    """The value a link means by a parameter given once or several times (the last one)."""
    return (raw[-1] if raw else "") if isinstance(raw, list | tuple) else raw


def lesson_settings(key: str) -> Settings:
    """The settings a lesson starts from: the defaults with the lesson's values (DEFAULTS for no lesson)."""
    return from_query({"lesson": key})[0] if key in lessons.BY_KEY else DEFAULTS


def to_query(settings: Settings) -> dict[str, str]:
    """The query parameters that differ from where the link starts (the lesson's settings, or the defaults)."""
    baseline = lesson_settings(settings.lesson)
    out = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if value == getattr(baseline, f.name) and f.name != "lesson":
            continue
        if f.name == "lesson" and not value:
            continue
        if isinstance(value, bool):
            out[f.name] = "1" if value else "0"
        elif isinstance(value, float):
            out[f.name] = f"{value:g}"
        else:
            out[f.name] = str(value)
    return out
