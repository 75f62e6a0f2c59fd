"""A session without Streamlit for the stage core (``ce_app.stage.Host``): the settings, the data and the trainer,
the selection and the drawn points' Undo stack, kept as ``ce_app/session.py`` and ``ce_app/own_data.py`` keep them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

import ce_core
from ce_app import lesson_questions, state
from ce_app.settings import Settings, lesson_settings
from ce_app.stage import drawing


@dataclass
class PlainHost:
    settings: Settings
    data: state.Dataset
    trainer: ce_core.Trainer
    data_version: int = 0
    trainer_version: int = 0
    selected: int = 0
    draw_mode: bool = False
    undo_stack: list = field(default_factory=list)

    @classmethod
    def open(cls, **values) -> PlainHost:
        """A new session on the settings ``values`` (defaults for the rest)."""
        settings = Settings(**values)
        data = state.generate(settings)
        return cls(settings, data, state.build_trainer(settings, data), selected=settings.sample)

    @classmethod
    def lesson(cls, key: str, **changes) -> PlainHost:
        """A new session opened on ``?lesson=<key>`` (with ``changes`` to its settings), its point selected as
        session.start selects it."""
        settings = replace(lesson_settings(key), **changes)
        data = state.generate(settings)
        point = lesson_questions.lesson_point(key, data.X, data.y)
        settings = settings if point is None else replace(settings, sample=point)
        return cls(settings, data, state.build_trainer(settings, data), selected=settings.sample)

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    def select(self, index: int) -> None:
        self.selected = max(0, min(int(index), len(self.data.y) - 1))
        self.settings = replace(self.settings, sample=self.selected)

    def set_predict(self, on: bool) -> None:
        self.settings = replace(self.settings, predict=on)

    def set_draw_mode(self, on: bool) -> None:
        self.draw_mode = on

    def replace_data(self, data: state.Dataset) -> None:
        """New points: training restarts on them if there are any (session.replace_data)."""
        self.data, self.data_version = data, self.data_version + 1
        self.select(self.selected)
        if len(data.y):
            self.trainer, self.trainer_version = state.build_trainer(self.settings, data), self.trainer_version + 1

    def draw(self, x: float, y: float, k: int, remove: bool) -> None:
        edited = drawing.edit(self.data, x, y, k, remove)
        if edited is not None:
            self.undo_stack.append(self.data)
            self.replace_data(drawing.drawn(self.data, *edited, self.settings))

    def undo(self) -> None:
        if self.undo_stack:
            self.replace_data(self.undo_stack.pop())

    def clear(self) -> None:
        self.undo_stack.append(self.data)
        self.replace_data(drawing.drawn(self.data, np.zeros((0, 2)), np.zeros(0, dtype=np.int64), self.settings))
