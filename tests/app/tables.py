"""The HTML tables of an AppTest page (``ce_app.figures.html_charts.table`` through ``st.html``), read back as
DataFrames: a number cell gives its full value (``data-value``), any other cell its text."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
from streamlit.testing.v1 import AppTest


class _Tables(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[tuple[list[str], list[list]]] = []
        self._cell: list | None = None
        self._in_head = False
        self.shown: list[tuple[float, str]] = []  # every number cell: (its full value, the text it shows)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self.tables and not self._in_head:
            self.tables[-1][1].append([])
        elif tag in ("th", "td"):
            self._cell = [dict(attrs).get("data-value"), ""]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            value, text = self._cell
            header, rows = self.tables[-1]
            if self._in_head:
                header.append(text)
            else:
                rows[-1].append(float(value) if value is not None else text)
                if value is not None:
                    self.shown.append((float(value), text))
            self._cell = None


def html_tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table the page's st.html elements hold, in page order."""
    found = []
    for node in at.get("html"):
        for header, rows in _Tables(node.proto.body).tables:
            found.append(pd.DataFrame([row for row in rows if row], columns=header))
    return found


def shown_numbers(at: AppTest) -> list[tuple[float, str]]:
    """Every number cell of the page's HTML tables: (its full value, the text it shows), in page order."""
    return [pair for node in at.get("html") for pair in _Tables(node.proto.body).shown]
