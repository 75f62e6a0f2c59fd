"""Reading a dataset: CSV bytes in, a :class:`ParsedDataset` or a :class:`DataError` out.

Nothing here touches the disk or imports streamlit: a page hands over ``uploaded_file.getvalue()`` and gets back
plain arrays. Writing (datasets, the history, weights) is in :mod:`ce_app.exports`.

Dataset CSV, the one format the app reads::

    x1,x2,label          <- optional header row
    0.25,-1.5,cat        <- x1, x2: decimal numbers; label: an integer or a class name
    1.75,0.5,dog

Reading is forgiving about what cannot be misread and strict about everything else. Forgiven, and reported in
``ParsedDataset.notes``: a header row, a ';' separator (with decimal commas), blank lines, rows of bare separators,
empty trailing columns, a pandas index column, a label column moved to the front by the header, labels such as
"1.0", gaps in integer labels. Refused with a :class:`DataError` that names the line (1-based, as a text editor
numbers it, blank lines included) and the column: anything else, from binary files to NaN coordinates.

Class names that a spreadsheet would run as a formula (starting with =, +, - or @, and not a number) are written
with a leading apostrophe, "'=SUM(A1)", the way spreadsheets mark text; the reader removes that one apostrophe
again (see :func:`escape_label`), so a downloaded file uploads back to exactly the same names.

Encoding: UTF-8, with or without a byte order mark. There is deliberately no Latin-1 fallback: every byte string
decodes as Latin-1, so a fallback cannot tell an old Excel "CSV" (cp1252) from binary junk, and it would silently
turn "Zürich" saved as Mac Roman or Shift JIS into nonsense class names. One clear message ("save it as CSV
UTF-8") is better than a dataset with wrong names.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ce_core.datasets import MAX_CLASSES

from . import numbers

MAX_ROWS = 5000  # data rows a file may hold: every point is drawn, and trained on, on each rerun
MIN_ROWS = 4  # fewer points cannot be split into a training and a test set with two classes in each
MAX_ABS_COORD = 1e6  # beyond this the plots, the learning rates and the poly3 features (x^3) stop making sense
MAX_LABEL_CHARS = 40  # class names end up in legends and sidebars
MAX_LINE_CHARS = 256  # two 25-digit numbers and a quoted 40-character name fit with room to spare
QUOTE_CHARS = 30  # the longest piece of a user's cell echoed back in a message
MAX_MESSAGE_CHARS = 280  # messages are shown as plain text under an upload widget
LARGE_COORD = 100.0  # beyond this, poly3 features with SGD diverge even at the smallest lr: the notes warn
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_CHARS = ("=", "+", "-", "@")

_SEPARATOR_NAMES = {",": "','", ";": "';'"}
# Separators people export by mistake: each gets a message that names the two the reader accepts.
_OTHER_SEPARATORS = {"\t": "tabs", "|": "vertical bars (|)", " ": "spaces"}
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_INT_LABEL = re.compile(r"([+-]?\d+)(\.0*)?", re.ASCII)
_QUOTED = re.compile(r'"[^"]*"')
# One CSV field: spaces, then a wholly quoted text ("" is a quote inside it) or text with no quote at all. Only
# space and tab may surround a quoted text: they are what pandas' ``skipinitialspace`` skips.
_FIELD = {sep: re.compile(rf'[ \t]*(?:"(?:[^"]|"")*"[ \t]*|[^"{sep}]*)') for sep in ",;"}
# C0 and C1 control characters other than tab, line feed and carriage return: never in a text file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NON_FINITE_WORDS = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_MISSING_WORDS = {"na", "n/a", "#n/a", "null", "none", "nil", "missing", "?", "-", "--"}
_LABEL_HEADER_NAMES = {"label", "labels", "class", "classes", "target", "category", "y_true"}
_INDEX_HEADER_NAMES = {"", "unnamed: 0", "index", "id"}
# Appended to every line before pandas splits it: the field it lands in is the line's field count, which pandas
# would otherwise hide by padding short rows with "". Control characters are refused earlier, so it is unique.
_SENTINEL = "\x01"


class DataError(ValueError):
    """A file the app cannot use, or data it cannot save; the message says where and why in a sentence or two.

    Messages are plain text (escape them before ``st.error``, which renders Markdown), at most 280 characters, and
    quote at most 30 characters of any cell of the file.
    """

    def __init__(self, message: str):
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 1] + "…"
        super().__init__(message)


@dataclass(frozen=True)
class ParsedDataset:
    """A dataset read from a CSV file, ready for ce_core."""

    X: np.ndarray  # (n, 2) float64 coordinates x1, x2, all finite, |x| <= MAX_ABS_COORD
    y: np.ndarray  # (n,) int64 class labels 0..K-1, every class present at least once
    class_names: tuple[str, ...]  # (K,) class k's label as written ("7" for 007 and +7, "=x" for the escaped "'=x")
    notes: tuple[str, ...] = ()  # harmless things fixed while reading, e.g. "semicolon separator"
    axis_names: tuple[str, str] = ("x1", "x2")  # the header's names of the two coordinate columns, if it had one

    @property
    def n_classes(self) -> int:
        """K, the number of classes."""
        return len(self.class_names)


# ---------------------------------------------------------------------------------------------------------------
# Class names and spreadsheets
# ---------------------------------------------------------------------------------------------------------------
_ESCAPED_NEXT = (*FORMULA_CHARS, "'")  # what may follow the apostrophe that escape_label adds


def escape_label(name: str) -> str:
    """A class name as text a spreadsheet will not run: "'" + name when the name would start a formula.

    Prefixed: names starting with =, +, - or @ that are not numbers ("-1" and "+2.5" stay numbers), and names
    starting with "'" followed by one of those or by another "'", so that ``unescape_label(escape_label(name))``
    gives back every name.
    """
    formula = name.startswith(FORMULA_CHARS) and not _NUMBER.fullmatch(name)
    return "'" + name if formula or (name[:1] == "'" and name[1:2] in _ESCAPED_NEXT) else name


def unescape_label(cell: str) -> str:
    """The class name an escaped label cell stands for: one leading "'" before =, +, -, @ or "'" removed."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in _ESCAPED_NEXT else cell


# ---------------------------------------------------------------------------------------------------------------
# Reading a dataset
# ---------------------------------------------------------------------------------------------------------------
def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """Quote a piece of user text for a message: at most ``limit`` characters, invisible ones shown as '?'."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return f"'{shown}…'" if len(text) > limit else f"'{shown}'"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _line_of(head: str | bytes) -> int:
    """The 1-based number of the line where ``head`` (the file up to some point) ends; "\r\n", "\n", "\r" end lines."""
    nl, cr = ("\n", "\r") if isinstance(head, str) else (b"\n", b"\r")
    return head.replace(cr + nl, nl).replace(cr, nl).count(nl) + 1


def _decode(data: bytes) -> str:
    """Check that ``data`` is UTF-8 text (a BOM is dropped) and return it; refuse binary files by name."""
    if not data.strip():
        raise DataError("The file is empty.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError("This is an Excel workbook or a zip archive, not CSV text. In Excel use Save As > CSV UTF-8.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError("The file is saved as UTF-16 text. Save it as CSV UTF-8 instead.")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = _line_of(data[:nul])
        raise DataError(f"Line {line} contains a NUL byte: this is a binary file, not CSV text.")
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of(data[: exc.start])
        byte = data[exc.start]
        raise DataError(
            f"Line {line} is not UTF-8 text (byte 0x{byte:02X}). Save the file as CSV UTF-8 (Excel: Save As > "
            "CSV UTF-8), or remove accented letters and symbols."
        ) from None
    bad = _CONTROL.search(text)
    if bad:
        line = _line_of(text[: bad.start()])
        raise DataError(
            f"Line {line} contains the control character U+{ord(bad.group()):04X}: this is not a plain text file."
        )
    return text


def _detect_separator(lines: list[str]) -> str:
    """',' or ';': whichever splits more of the first lines into 3 fields (empty ones at the end aside); ';' wins a tie.

    A tie is the European Excel export "1,5;2,5;a", where the commas are decimal commas. Quoted text is ignored,
    so a class name such as "a;b;c" does not vote. A file that neither splits, but that tabs, bars or spaces
    split into 3 fields on most of its first lines, is refused with a message naming the separators accepted.
    """
    sample = [_QUOTED.sub("_", line) for line in lines[:20]]  # "_": a quoted field is not an empty one
    # Trailing separators are empty spreadsheet columns ("1;2;a;;"): they do not count against a separator.
    score = {sep: sum(line.rstrip(sep + " \t").count(sep) == 2 for line in sample) for sep in (",", ";")}
    if score[";"] >= score[","] and score[";"] > 0:
        return ";"
    if score[","] == 0:
        for sep, name in _OTHER_SEPARATORS.items():
            hits = sum(len(line.split() if sep == " " else line.split(sep)) == 3 for line in sample)
            if 2 * hits >= len(sample):
                raise DataError(
                    f"The columns are separated by {name}, but the app reads only commas (,) or semicolons (;) "
                    "between columns. Save the file as CSV (comma-separated)."
                )
    return ","


def _misquoted_column(line: str, sep: str) -> int | None:
    """The 1-based column of the first field with a stray or unclosed '"', or None when the quoting is sound.

    Sound means each field is unquoted (no '"' at all) or wholly quoted ("..." with "" for a quote inside), so
    no quoted field runs on to the next line and pandas sees exactly one row per line.
    """
    field = _FIELD[sep]
    pos, column = 0, 1
    while True:
        end = field.match(line, pos).end()
        if end == len(line):
            return None
        if line[end] != sep:
            return column
        pos, column = end + 1, column + 1


def _split_rows(lines: list[str], sep: str) -> list[list[str]]:
    """Split each line into stripped fields with pandas (which undoes the quoting), one list per line.

    The lines have passed ``_misquoted_column``, so no quoted field spans two lines and pandas sees one row per line.
    """
    width = max(line.count(sep) for line in lines) + 2  # an upper bound: quoted separators do not split
    try:
        frame = pd.read_csv(
            io.StringIO("\n".join(line + sep + _SENTINEL for line in lines)),
            sep=sep,
            header=None,
            names=range(width),
            index_col=False,
            dtype=str,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
            quotechar='"',
            doublequote=True,
            engine="c",
        )
    except Exception:  # pandas' tokenizer has many error types; none should reach a user as a traceback
        raise DataError('The file could not be split into rows; check the double quotes (").') from None
    if len(frame) != len(lines):
        raise DataError('The file could not be split into rows; check the double quotes (").')
    rows = []
    for cells in frame.to_numpy(dtype=object).tolist():
        count = cells.index(_SENTINEL) if _SENTINEL in cells else len(cells)
        rows.append([cell.strip() for cell in cells[:count]])
    return rows


def _is_name(cell: str) -> bool:
    """Whether a header cell looks like a column name: starts with a letter or '_', short, no number words."""
    return (
        0 < len(cell) <= MAX_LABEL_CHARS
        and (cell[0].isalpha() or cell[0] == "_")
        and cell.isprintable()
        and cell.casefold() not in _NON_FINITE_WORDS | _MISSING_WORDS
    )


def _is_number(cell: str, sep: str) -> bool:
    return bool(_NUMBER.fullmatch(cell) or (sep == ";" and _DECIMAL_COMMA.fullmatch(cell)))


def _read_header(cells: list[str], line: int, sep: str, notes: list[str]) -> tuple[bool, int, dict[str, int]]:
    """Decide whether the first row is a header; return (has_header, fields per row, role -> column index).

    A header is a first row whose cells all look like names (x1 and x2 are not numbers). It may start with an
    index column (pandas' default ``to_csv``), and it may name the label column first ("class,x,y").
    """
    roles = {"x1": 0, "x2": 1, "label": 2}
    has_index = len(cells) == 4 and cells[0].casefold() in _INDEX_HEADER_NAMES
    names = cells[1:] if has_index else cells
    looks_like_header = (
        len(names) >= 2 and not any(_is_number(cell, sep) for cell in names[:2]) and all(map(_is_name, names))
    )
    if not looks_like_header:
        return False, 3, roles
    if len(names) != 3:
        shown = ", ".join(quote(name, 12) for name in names[:5])
        raise DataError(
            f"Line {line}: the header has {_plural(len(names), 'name')} ({shown}{', …' if len(names) > 5 else ''}); "
            "expected 3: x1, x2, label."
        )
    offset = 1 if has_index else 0
    folded = [name.casefold() for name in names]
    for j in range(3):
        for k in range(j + 1, 3):
            if folded[j] == folded[k]:
                raise DataError(
                    f"Line {line}: the header names {quote(names[j])} twice (columns {j + 1 + offset} and "
                    f"{k + 1 + offset}); name the columns x1, x2, label."
                )
    label_at = [j for j in range(3) if folded[j] in _LABEL_HEADER_NAMES]
    if len(label_at) == 1 and label_at[0] != 2:
        x_at = [j for j in range(3) if j != label_at[0]]
        roles = {"x1": x_at[0], "x2": x_at[1], "label": label_at[0]}
        notes.append(
            f"label read from column {label_at[0] + 1 + offset} ({quote(names[label_at[0]])}), "
            f"x1 and x2 from columns {x_at[0] + 1 + offset} and {x_at[1] + 1 + offset}"
        )
    notes.append("header row detected: " + ", ".join(quote(name, 20) for name in names))
    if has_index:
        notes.append(f"first column ({quote(cells[0]) if cells[0] else 'no name'}) read as a row index and ignored")
        roles = {role: j + 1 for role, j in roles.items()}
    return True, 4 if has_index else 3, roles


def _coordinate(cell: str, sep: str, where: str) -> tuple[float, bool]:
    """Parse one x1/x2 cell; return (value, whether it used a decimal comma)."""
    comma = sep == ";" and "," in cell and _DECIMAL_COMMA.fullmatch(cell) is not None
    if comma:
        cell = cell.replace(",", ".")
    if not cell:
        raise DataError(f"{where}: the cell is empty; every row needs two numbers and a label.")
    if not _NUMBER.fullmatch(cell):
        word = cell.casefold()
        if word in _NON_FINITE_WORDS:
            raise DataError(f"{where}: {quote(cell)} is not a finite number; NaN and infinity are not allowed.")
        if word in _MISSING_WORDS:
            raise DataError(f"{where}: {quote(cell)} marks a missing value; every row needs two numbers.")
        raise DataError(f"{where}: {quote(cell)} is not a number.")
    value = float(cell)
    if not math.isfinite(value):
        raise DataError(f"{where}: {quote(cell)} is too large to be a number (beyond ±1.8e308).")
    if abs(value) > MAX_ABS_COORD:
        raise DataError(
            f"{where}: {quote(cell)} is outside ±{MAX_ABS_COORD:,.0f}; rescale the data (the app suits values "
            "of a few units)."
        )
    return value, comma


def _check_label(cell: str, where: str) -> str:
    """The class name a label cell holds, checked, with the apostrophe of :func:`escape_label` removed."""
    if not cell:
        raise DataError(f"{where}: the label is empty.")
    name = unescape_label(cell)
    if len(name) > MAX_LABEL_CHARS:
        raise DataError(f"{where}: the label {quote(cell)} is longer than {MAX_LABEL_CHARS} characters.")
    if not name.isprintable():
        raise DataError(f"{where}: the label {quote(cell)} contains an invisible or control character.")
    return name


def _classes(labels: list[str], notes: list[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Map label texts to 0..K-1 in sorted order (numerically when every label is an integer)."""
    matches = [_INT_LABEL.fullmatch(label) for label in labels]
    n_ints = sum(m is not None for m in matches)
    if n_ints == len(labels):
        values = [int(m.group(1)) for m in matches]
        if any(m.group(2) is not None for m in matches):
            notes.append("labels such as '1.0' read as integers")
        unique = sorted(set(values))
        if unique != list(range(len(unique))):
            notes.append(
                f"integer labels {', '.join(map(str, unique))} renumbered 0 to {len(unique) - 1}"
                if len(unique) <= MAX_CLASSES
                else "integer labels renumbered"
            )
        names = tuple(map(str, unique))
    else:
        if n_ints:
            notes.append("labels mix numbers and names; all are read as names")
        values = labels
        unique = sorted(set(labels))
        names = tuple(unique)
    index = {value: k for k, value in enumerate(unique)}
    return np.array([index[value] for value in values], dtype=np.int64), names


def parse_dataset_csv(data: bytes, *, max_rows: int = MAX_ROWS, max_classes: int = MAX_CLASSES) -> ParsedDataset:
    """Read a 2D classification dataset from CSV bytes (x1, x2, label per row; see the module docstring).

    Parameters
    ----------
    data : the file's bytes, e.g. ``st.file_uploader(...).getvalue()``.
    max_rows : most data rows accepted (a header does not count).
    max_classes : most distinct labels accepted; at least 2 are always required.

    Returns
    -------
    ParsedDataset with X (n, 2) float64, y (n,) int64 in 0..K-1, class_names (K,), notes.
    Integer labels are numbered in increasing order (3, 7, 9 -> 0, 1, 2); names in sorted text order.

    Raises
    ------
    DataError, and nothing else, for any bytes: the message names the line and column at fault.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    notes: list[str] = []
    # A generous byte limit first, so a huge upload is refused before it is decoded and split.
    max_bytes = MAX_LINE_CHARS * (max_rows + 1) + 65536
    if len(data) > max_bytes:
        raise DataError(
            f"The file is {len(data) / 1e6:.1f} MB; at most {max_bytes / 1e6:.1f} MB ({max_rows:,} rows) is read."
        )
    text = _decode(data)

    lines, line_numbers, blank = [], [], []
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if not line.strip():
            blank.append(number)
            continue
        if len(line) > MAX_LINE_CHARS:
            raise DataError(
                f"Line {number} is {len(line):,} characters long; a row of x1, x2, label needs at most "
                f"{MAX_LINE_CHARS}."
            )
        lines.append(line)
        line_numbers.append(number)
    if not lines:
        raise DataError("The file is empty.")

    sep = _detect_separator(lines)
    if sep == ";":
        notes.append("semicolon separator")
    kept = []
    for j, (line, number) in enumerate(zip(lines, line_numbers, strict=True)):
        if not line.strip(sep + " \t"):
            continue  # bare separators: what spreadsheets write for formatted but empty rows
        column = _misquoted_column(line, sep)
        if column is not None:
            raise DataError(
                f'Line {number}, column {column}: a double quote (") is unclosed or inside a field; quote a whole '
                'field, as in "a, b", or remove the quote.'
            )
        kept.append(j)
    n_separator_rows = len(lines) - len(kept)
    lines, line_numbers = [lines[j] for j in kept], [line_numbers[j] for j in kept]
    if not lines:
        raise DataError("The file has no data: every line is empty or holds only separators.")
    n_blank = sum(number < line_numbers[-1] for number in blank)  # the empty line after the last "\n" is no news
    if n_blank:
        notes.append(f"{_plural(n_blank, 'blank line')} ignored")
    if n_separator_rows:
        notes.append(f"{_plural(n_separator_rows, 'row')} holding only separators ignored")

    # The header is decided on the first line alone, so a huge file is counted in data rows before it is split.
    first = _drop_trailing_empty(_split_rows(lines[:1], sep)[0], 3, [False])
    has_header, n_fields, roles = _read_header(first, line_numbers[0], sep, notes)
    start = 1 if has_header else 0
    axis_names = (
        tuple(first[roles[c]].strip().strip('"').strip()[:MAX_LABEL_CHARS] or c for c in ("x1", "x2"))
        if has_header
        else ("x1", "x2")
    )
    n_rows = len(lines) - start
    if n_rows > max_rows:
        raise DataError(f"The file has {n_rows:,} data rows; at most {max_rows:,} are read.")
    if n_rows < MIN_ROWS:
        raise DataError(f"The file has {_plural(n_rows, 'data row')}; at least {MIN_ROWS} are needed.")
    rows = _split_rows(lines[start:], sep)

    column_names = {j: role for role, j in roles.items()}
    expected = ", ".join(column_names.get(j, "index") for j in range(n_fields))
    X = np.empty((n_rows, 2))
    labels = []
    trimmed, decimal_comma = [False], False
    for i, (cells, line) in enumerate(zip(rows, line_numbers[start:], strict=True)):
        cells = _drop_trailing_empty(cells, n_fields, trimmed)
        if len(cells) != n_fields:
            where = f"Line {line} has {_plural(len(cells), 'field')} but {n_fields} are expected"
            if len(cells) < n_fields:
                j = len(cells)
                detail = f"column {j + 1} ({column_names.get(j, 'index')}) is missing"
            else:
                detail = f"column {n_fields + 1} is extra"
            raise DataError(f"{where} ({expected} separated by {_SEPARATOR_NAMES[sep]}); {detail}.")
        for c, role in enumerate(("x1", "x2")):
            j = roles[role]
            X[i, c], comma = _coordinate(cells[j], sep, f"Line {line}, column {j + 1} ({role})")
            decimal_comma |= comma
        j = roles["label"]
        labels.append(_check_label(cells[j], f"Line {line}, column {j + 1} (label)"))
    if decimal_comma:
        notes.append("decimal commas read as decimal points")
    if trimmed[0]:
        notes.append("empty columns at the end of rows ignored")
    biggest = float(np.abs(X).max())
    if biggest > LARGE_COORD:
        notes.append(
            f"coordinates reach {numbers.fmt(biggest, 3)}: with polynomial features training may diverge; the app suits "
            "values of a few units"
        )

    y, class_names = _classes(labels, notes)
    n_classes = len(class_names)
    if n_classes < 2:
        raise DataError(
            f"Every row has the label {quote(class_names[0])}: at least 2 classes are needed to learn anything."
        )
    if n_classes > max_classes:
        shown = ", ".join(quote(name, 12) for name in class_names[:6])
        raise DataError(f"The file has {n_classes:,} classes ({shown}, …); at most {max_classes} are allowed.")
    counts = np.bincount(y, minlength=n_classes)
    lonely = [quote(class_names[k], 12) for k in np.flatnonzero(counts == 1)]
    if lonely:
        notes.append(
            f"class {lonely[0]} has a single point"
            if len(lonely) == 1
            else f"classes {', '.join(lonely)} have a single point each"
        )
    return ParsedDataset(X=X, y=y, class_names=class_names, notes=tuple(notes), axis_names=axis_names)


def _drop_trailing_empty(cells: list[str], keep: int, trimmed: list[bool]) -> list[str]:
    """Drop empty fields past the first ``keep`` (Excel writes "1,2,a,," for formatted empty columns)."""
    end = len(cells)
    while end > keep and not cells[end - 1]:
        end -= 1
    if end < len(cells):
        trimmed[0] = True
    return cells[:end]
