"""Every user setting in one place: its URL name, default, allowed values, and how to read it from a link.

The settings form one frozen dataclass. The sidebar widgets, the URL query parameters and the trainer all read
this one description, so a link (``?dataset=spiral&K=3&lr=0.05``) reproduces a session on any machine. Query
parameters are untrusted: :func:`from_query` clamps or rejects each value and explains every fallback in a notice.
This module does not import streamlit, so it can be tested and fuzzed directly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace

import ce_core

OPTIMIZERS = ("sgd", "momentum", "adam")
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}
HIDDEN_LAYER_COUNTS = (0, 1, 2)
# The learning-rate slider moves on a log scale: 1, 2, 5 per decade from 1e-4 to 10.
LR_VALUES = (*(round(m * 10.0**e, 10) for e in range(-4, 1) for m in (1, 2, 5)), 10.0)
MAX_VALUE_CHARS = 200  # longer query values are refused unread


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
    spf: int = 5  # SGD steps per frame while playing
    fps: int = 5  # frames per second while playing
    # View
    sample: int = 0  # index of the selected point in the dataset
    present: bool = False  # presentation mode: bigger text, fewer panels
    hide: str = ""  # comma-separated control names a teacher hides, see HIDEABLE

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
        if self.opt == "adam":
            return ce_core.Adam(self.lr, schedule=self.schedule)
        momentum = self.momentum if self.opt == "momentum" else 0.0
        return ce_core.SGD(self.lr, momentum=momentum, schedule=self.schedule)

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
    "spf": Spec("int", 1, 50),
    "fps": Spec("int", 1, 20),
    "sample": Spec("int", 0, 1999),
    "present": Spec("bool"),
    "hide": Spec("hide"),
}

# Controls a teacher link can hide (``?hide=step10,epoch,data``): buttons and whole sidebar groups.
HIDEABLE = ("step", "step10", "epoch", "play", "reset", "data", "model", "training", "speed", "upload", "draw")

DEFAULTS = Settings()


def nearest_lr(value: float) -> float:
    """The slider value closest to ``value`` on the log scale."""
    return min(LR_VALUES, key=lambda v: abs(math.log(v) - math.log(value)))


def _parse_one(name: str, raw: str, spec: Spec):
    """Parse one query value; returns (value, problem) where problem is '' when the value was fine.

    A clamped number keeps the nearest allowed value; anything unreadable falls back to the default.
    """
    default = getattr(DEFAULTS, name)
    if len(raw) > MAX_VALUE_CHARS:
        return default, f"{name}: value too long ({len(raw)} characters); using {default!r}"
    text = raw.strip()
    shown = text if len(text) <= 30 else text[:27] + "..."
    if spec.kind == "choice":
        if text.lower() in spec.choices:
            return text.lower(), ""
        return default, f"{name}={shown!r} is not one of {', '.join(spec.choices)}; using {default!r}"
    if spec.kind == "bool":
        if text.lower() in ("1", "true", "yes", "on"):
            return True, ""
        if text.lower() in ("0", "false", "no", "off", ""):
            return False, ""
        return default, f"{name}={shown!r} is not true/false; using {default!r}"
    if spec.kind == "hide":
        names = [part.strip().lower() for part in text.split(",") if part.strip()]
        unknown = [part for part in names if part not in HIDEABLE]
        kept = ",".join(part for part in HIDEABLE if part in names)
        if unknown:
            listed = ", ".join(repr(u[:20]) for u in unknown[:3])
            return kept, f"hide: unknown control name(s) {listed} ignored (known: {', '.join(HIDEABLE)})"
        return kept, ""
    try:
        number = float(text)
    except ValueError:
        return default, f"{name}={shown!r} is not a number; using {default!r}"
    if not math.isfinite(number):
        return default, f"{name}={shown!r} is not a finite number; using {default!r}"
    if spec.kind == "int":
        if number != int(number):
            return default, f"{name}={shown!r} is not a whole number; using {default!r}"
        number = int(number)
    clamped = min(max(number, spec.low), spec.high)
    if spec.kind == "int":
        clamped = int(clamped)
    if spec.kind == "lr":
        snapped = nearest_lr(clamped)
        if clamped != number:
            return snapped, f"lr={shown} is outside [{spec.low:g}, {spec.high:g}]; using {snapped:g}"
        if not math.isclose(snapped, number, rel_tol=1e-6):
            return snapped, f"lr={shown} is not on the slider's scale; using the nearest value {snapped:g}"
        return snapped, ""
    if clamped != number:
        return clamped, f"{name}={shown} is outside [{spec.low:g}, {spec.high:g}]; using {clamped!r}"
    return clamped, ""


def from_query(params: Mapping[str, str | list[str]]) -> tuple[Settings, list[str]]:
    """Settings from URL query parameters, and a list of notices for every value that could not be used as is.

    Unknown parameter names are ignored with a notice; a repeated parameter uses its last value.
    """
    values, notices = {}, []
    for name, raw in params.items():
        if isinstance(raw, list | tuple):
            raw = raw[-1] if raw else ""
        raw = str(raw)
        if name not in SPECS:
            shown = name if len(name) <= 30 else name[:27] + "..."
            notices.append(f"Unknown link parameter {shown!r} ignored.")
            continue
        value, problem = _parse_one(name, raw, SPECS[name])
        values[name] = value
        if problem:
            notices.append(problem)
    return replace(DEFAULTS, **values), notices


def to_query(settings: Settings) -> dict[str, str]:
    """The query parameters that differ from the defaults (short links), as strings."""
    out = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if value == getattr(DEFAULTS, f.name):
            continue
        if isinstance(value, bool):
            out[f.name] = "1" if value else "0"
        elif isinstance(value, float):
            out[f.name] = f"{value:g}"
        else:
            out[f.name] = str(value)
    return out


def as_dict(settings: Settings) -> dict:
    return asdict(settings)
