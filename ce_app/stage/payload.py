"""What the server sends the stage on every run: the component's arguments, built from ``stage_contract``.

Every message goes through ``stage_contract.message``, which refuses a key the contract does not declare and a
required one that is missing, so the payload cannot drift from the declaration the browser is held to.
"""

from __future__ import annotations

import ce_core

from .. import frame_codec, stage_contract
from ..palette import (
    CLASS_COLORS,
    CLASS_COLORS_DARK,
    CLASS_SYMBOLS,
    SHADES,
    display_name,
    probability_rgb,
    region_rgb,
)
from .events import have
from .machine import MAX_STEPS_PER_PLAY, Host, Stage, idle_reason
from .prediction import PLAY_STEPS

HISTORY_ROWS = 500  # learning-curve points sent when a stream starts

# The metrics row: (frame column, label, help, number format of ce_app/numbers.py, its digits).
METRICS = (
    ("step", "Step", "Optimizer steps taken since the start (or the last Reset).", "integer", 0),
    ("epoch", "Epoch", "Passes over the training points: steps × batch size / training points.", "fixed", 2),
    ("train_loss", "Train loss", "Mean cross-entropy −log p_y over the training points.", "fmt", 4),
    ("test_loss", "Test loss", "The same on the held-out test points (– when there are none).", "fmt", 4),
    ("train_acc", "Train acc.", "Share of training points whose most probable class is the true one.", "percent", 1),
    ("test_acc", "Test acc.", "The same on the test points.", "percent", 1),
    ("grad_norm", "‖gradient‖", "Length of the whole gradient of the last step (all weights and biases together).",
     "fmt", 3),
)  # fmt: skip


def class_names(data) -> list[str]:
    """The K class names as every view shows them (uploaded names made safe to display)."""
    return [display_name(data.class_names[k]) if k < len(data.class_names) else str(k) for k in range(data.n_classes)]


def meta(host: Host) -> dict:
    """What the browser needs to label the stage: classes, axes, names of z's entries, the metrics row."""
    data, model = host.data, host.trainer.model
    k = data.n_classes
    z_names = (ce_core.feature_names(model.features) if not model.hidden
               else [f"h{i + 1}" for i in range(model.n_last_inputs)])  # fmt: skip
    draw_classes = ce_core.datasets.MAX_CLASSES
    return stage_contract.message(
        stage_contract.META,
        classes=class_names(data),
        colors=[CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k)],
        colors_dark=[CLASS_COLORS_DARK[i % len(CLASS_COLORS_DARK)] for i in range(k)],
        symbols=[CLASS_SYMBOLS[i % len(CLASS_SYMBOLS)] for i in range(k)],
        palette=list(CLASS_COLORS[:draw_classes]),
        palette_dark=list(CLASS_COLORS_DARK[:draw_classes]),
        palette_symbols=list(CLASS_SYMBOLS[:draw_classes]),
        axes=[display_name(name) for name in data.axis_names],
        bounds=list(data.bounds),
        region_shades=SHADES,
        z_names=z_names[: frame_codec.Z_SHOWN_MAX],
        z_all=z_names,
        z_size=model.n_last_inputs,
        dw_names=z_names if model.n_last_inputs <= frame_codec.DW_COLUMNS_MAX else ["‖dL/dw_k‖"],
        layers=list(model.hidden),
        inputs=ce_core.feature_names(model.features),
        activation=model.activation,
        linear=model.is_linear,
        source=data.source,
        metrics=[stage_contract.message(stage_contract.METRIC, name=name, label=label, help=text, format=style,
                                        digits=digits) for name, label, text, style, digits in METRICS],
        control_events=list(stage_contract.CONTROL_EVENTS),
    )  # fmt: skip


def plane_colors(n_classes: int, show: str | int, dark: bool) -> bytes:
    """The plane's 256 colours (RGB bytes) for its grid codes: regions, or p of class ``show``. Both themes' are sent,
    so the browser switches theme without asking the server."""
    colors = region_rgb(n_classes, dark) if show == "regions" else probability_rgb(int(show), dark)
    return colors.tobytes()


def render(stage: Stage, host: Host, value) -> dict:
    """The component's arguments for this run (``stage_contract.ARGS``); bytes for the binary tables."""
    settings, trainer, data = host.settings, host.trainer, host.data
    has_points, has_stream = have(value)
    points_version = f"{host.data_version}"
    idle = idle_reason(data)
    limit = stage.play_limit if stage.playing else PLAY_STEPS if settings.predict else MAX_STEPS_PER_PLAY
    stream = stage_contract.message(
        stage_contract.STREAM, id=stage.stream, playing=stage.playing, fps=settings.fps, spf=settings.spf,
        ended=stage.ended, reason=stage.reason, limit=limit,
    )  # fmt: skip
    view = stage_contract.message(
        stage_contract.VIEW, present=settings.present, hidden=sorted(settings.hidden_controls()), show=stage.show,
        selected=host.selected, draw=host.draw_mode, can_undo=host.can_undo, network=stage.network,
        diverged=trainer.diverged and not idle, divergence=trainer.divergence_reason if not idle else "",
        hint=stage.hint(host), step_scale=stage.arrow_scale(host), notice=stage.notice,
        points_version=points_version, idle=idle, focus=stage.focus, predict=settings.predict,
        question=stage.prediction.question_view(), reveal=stage.prediction.reveal,
    )  # fmt: skip
    parts = {
        "session": stage.secret, "acked": stage.acked, "stream": stream,
        "chunk": stage_contract.message(stage_contract.CHUNK, seq=stage.chunk_seq, id=stage.frames_id)
        | stage.frames.header,
        "frames": stage.frames.blob, "lut": plane_colors(data.n_classes, stage.show, dark=False),
        "lut_dark": plane_colors(data.n_classes, stage.show, dark=True), "view": view, "meta": meta(host),
    }  # fmt: skip
    if has_points != points_version:
        packed = frame_codec.encode_points(data.X, data.y, data.is_test)
        parts["points"], parts["points_blob"] = packed.header, packed.blob
    if not stage.playing and trainer.last_batch is not None and not idle:
        info, packed = frame_codec.encode_batch(trainer.last_batch, data.train_idx)
        parts["batch"] = stage_contract.message(stage_contract.BATCH, **info) | packed.header
        parts["batch_blob"] = packed.blob
    if not idle and not (stage.playing and has_stream == stage.stream):
        history = trainer.history.as_dict()
        packed = frame_codec.encode_history(history, ce_core.thin_rows(len(history["step"]), HISTORY_ROWS))
        parts["history"], parts["history_blob"] = packed.header, packed.blob
    return stage_contract.message(stage_contract.ARGS, **parts)
