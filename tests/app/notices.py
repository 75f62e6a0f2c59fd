"""The notices an AppTest run showed (toasts), as the reader sees them: Markdown escapes and the zero-width breaks
that ``ce_app.text.plain`` adds are taken out again."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

_ESCAPE = re.compile(r"\\(.)")


def as_read(markdown: str) -> str:
    """A message's Markdown source as the page shows it."""
    return _ESCAPE.sub(r"\1", markdown).replace("\u200b", "")


def notices(at: AppTest) -> list[str]:
    return [as_read(toast.value) for toast in at.toast]
