"""Import and export: datasets as CSV, the training history as CSV, weights as JSON. Bytes in, bytes out.

Nothing here touches the disk or imports streamlit: a page hands over ``uploaded_file.getvalue()`` and gets back
plain arrays, or hands over arrays and gets the bytes for ``st.download_button``.

Dataset CSV, the one format the app reads::

    x1,x2,label          <- optional header row
    0.25,-1.5,cat        <- x1, x2: decimal numbers; label: an integer or a class name
    1.75,0.5,dog

Reading is forgiving about what cannot be misread and strict about everything else. Forgiven, and reported in
``ParsedDataset.notes``: a header row, a ';' separator (with decimal commas), blank lines, rows of bare separators,
empty trailing columns, a pandas index column, a label column moved to the front by the header, labels such as
"1.0", gaps in integer labels. Refused with a :class:`DataError` that names the line (1-based, as a text editor
numbers it, blank lines included) and the column: anything else, from binary files to NaN coordinates.

Encoding: UTF-8, with or without a byte order mark. There is deliberately no Latin-1 fallback: every byte string
decodes as Latin-1, so a fallback cannot tell an old Excel "CSV" (cp1252) from binary junk, and it would silently
turn "Zürich" saved as Mac Roman or Shift JIS into nonsense class names. One clear message ("save it as CSV
UTF-8") is better than a dataset with wrong names.
"""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ce_core.datasets import MAX_CLASSES
from ce_core.history import COLUMNS as HISTORY_COLUMNS

MAX_ROWS = 5000  # data rows a file may hold: every point is drawn, and trained on, on each rerun
MIN_ROWS = 4  # fewer points cannot be split into a training and a test set with two classes in each
MAX_ABS_COORD = 1e6  # beyond this the plots, the learning rates and the poly3 features (x^3) stop making sense
MAX_LABEL_CHARS = 40  # class names end up in legends and sidebars
MAX_LINE_CHARS = 256  # two 25-digit numbers and a quoted 40-character name fit with room to spare
QUOTE_CHARS = 30  # the longest piece of a user's cell echoed back in a message
MAX_MESSAGE_CHARS = 280  # messages are shown as plain text under an upload widget

PARAMS_FORMAT = "cross-entropy-playground/params"
PARAMS_VERSION = 1
MAX_PARAM_NUMBERS = 1_000_000  # the largest model the app builds has about 5,000 weights
MAX_PARAM_ARRAYS = 64
MAX_PARAM_NDIM = 4
MAX_JSON_BYTES = 32 * 1024 * 1024  # a million numbers at ~25 characters each, plus brackets

_SEPARATOR_NAMES = {",": "','", ";": "';'"}
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

    Messages are plain text (show them with ``st.error``, never as HTML or Markdown), under 300 characters, and
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
    class_names: tuple[str, ...]  # (K,) label text of class k as written in the file ("7" for 007 and +7)
    notes: tuple[str, ...] = ()  # harmless things fixed while reading, e.g. "semicolon separator"

    @property
    def n_classes(self) -> int:
        """K, the number of classes."""
        return len(self.class_names)


# ---------------------------------------------------------------------------------------------------------------
# Reading a dataset
# ---------------------------------------------------------------------------------------------------------------
def _quote(text: str, limit: int = QUOTE_CHARS) -> str:
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
    """',' or ';': whichever splits more of the first lines into exactly 3 fields; ';' wins a tie.

    A tie is the European Excel export "1,5;2,5;a", where the commas are decimal commas. Quoted text is ignored,
    so a class name such as "a;b;c" does not vote.
    """
    sample = [_QUOTED.sub("", line) for line in lines[:20]]
    score = {sep: sum(line.count(sep) == 2 for line in sample) for sep in (",", ";")}
    if score[";"] >= score[","] and score[";"] > 0:
        return ";"
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
        shown = ", ".join(_quote(name, 12) for name in names[:5])
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
                    f"Line {line}: the header names {_quote(names[j])} twice (columns {j + 1 + offset} and "
                    f"{k + 1 + offset}); name the columns x1, x2, label."
                )
    label_at = [j for j in range(3) if folded[j] in _LABEL_HEADER_NAMES]
    if len(label_at) == 1 and label_at[0] != 2:
        x_at = [j for j in range(3) if j != label_at[0]]
        roles = {"x1": x_at[0], "x2": x_at[1], "label": label_at[0]}
        notes.append(
            f"label read from column {label_at[0] + 1 + offset} ({_quote(names[label_at[0]])}), "
            f"x1 and x2 from columns {x_at[0] + 1 + offset} and {x_at[1] + 1 + offset}"
        )
    notes.append("header row detected: " + ", ".join(_quote(name, 20) for name in names))
    if has_index:
        notes.append(f"first column ({_quote(cells[0]) if cells[0] else 'no name'}) read as a row index and ignored")
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
            raise DataError(f"{where}: {_quote(cell)} is not a finite number; NaN and infinity are not allowed.")
        if word in _MISSING_WORDS:
            raise DataError(f"{where}: {_quote(cell)} marks a missing value; every row needs two numbers.")
        raise DataError(f"{where}: {_quote(cell)} is not a number.")
    value = float(cell)
    if not math.isfinite(value):
        raise DataError(f"{where}: {_quote(cell)} is too large to be a number (beyond ±1.8e308).")
    if abs(value) > MAX_ABS_COORD:
        raise DataError(
            f"{where}: {_quote(cell)} is outside ±{MAX_ABS_COORD:,.0f}; rescale the data (the app suits values "
            "of a few units)."
        )
    return value, comma


def _check_label(cell: str, where: str) -> str:
    if not cell:
        raise DataError(f"{where}: the label is empty.")
    if len(cell) > MAX_LABEL_CHARS:
        raise DataError(f"{where}: the label {_quote(cell)} is longer than {MAX_LABEL_CHARS} characters.")
    if not cell.isprintable():
        raise DataError(f"{where}: the label {_quote(cell)} contains an invisible or control character.")
    return cell


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
    if len(lines) > max_rows + 1:  # + 1: the first line may be a header
        raise DataError(f"The file has {len(lines):,} rows; at most {max_rows:,} are read.")
    n_blank = sum(number < line_numbers[-1] for number in blank)  # the empty line after the last "\n" is no news
    if n_blank:
        notes.append(f"{_plural(n_blank, 'blank line')} ignored")
    if n_separator_rows:
        notes.append(f"{_plural(n_separator_rows, 'row')} holding only separators ignored")

    rows = _split_rows(lines, sep)
    first = _drop_trailing_empty(rows[0], 3, [False])
    has_header, n_fields, roles = _read_header(first, line_numbers[0], sep, notes)
    body = range(1 if has_header else 0, len(rows))
    n_rows = len(body)
    if n_rows > max_rows:
        raise DataError(f"The file has {n_rows:,} data rows; at most {max_rows:,} are read.")
    if n_rows < MIN_ROWS:
        raise DataError(f"The file has {_plural(n_rows, 'data row')}; at least {MIN_ROWS} are needed.")

    column_names = {j: role for role, j in roles.items()}
    expected = ", ".join(column_names.get(j, "index") for j in range(n_fields))
    X = np.empty((n_rows, 2))
    labels = []
    trimmed, decimal_comma = [False], False
    for i, r in enumerate(body):
        line = line_numbers[r]
        cells = _drop_trailing_empty(rows[r], n_fields, trimmed)
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

    y, class_names = _classes(labels, notes)
    n_classes = len(class_names)
    if n_classes < 2:
        raise DataError(
            f"Every row has the label {_quote(class_names[0])}: at least 2 classes are needed to learn anything."
        )
    if n_classes > max_classes:
        shown = ", ".join(_quote(name, 12) for name in class_names[:6])
        raise DataError(f"The file has {n_classes:,} classes ({shown}, …); at most {max_classes} are allowed.")
    counts = np.bincount(y, minlength=n_classes)
    lonely = [_quote(class_names[k], 12) for k in np.flatnonzero(counts == 1)]
    if lonely:
        notes.append(
            f"class {lonely[0]} has a single point"
            if len(lonely) == 1
            else f"classes {', '.join(lonely)} have a single point each"
        )
    return ParsedDataset(X=X, y=y, class_names=class_names, notes=tuple(notes))


def _drop_trailing_empty(cells: list[str], keep: int, trimmed: list[bool]) -> list[str]:
    """Drop empty fields past the first ``keep`` (Excel writes "1,2,a,," for formatted empty columns)."""
    end = len(cells)
    while end > keep and not cells[end - 1]:
        end -= 1
    if end < len(cells):
        trimmed[0] = True
    return cells[:end]


# ---------------------------------------------------------------------------------------------------------------
# Writing a dataset and a history
# ---------------------------------------------------------------------------------------------------------------
def _csv_label(name: str) -> str:
    """A class name as a CSV field: quoted when it holds a separator or a quote, with quotes doubled."""
    return '"' + name.replace('"', '""') + '"' if any(ch in name for ch in ',;"') else name


def dataset_to_csv(X, y, class_names=None) -> bytes:
    """Write a dataset as UTF-8 CSV with the header ``x1,x2,label``, one row per point, '\\n' line ends.

    Parameters
    ----------
    X : array of shape (n, 2), finite; written with ``repr``, the shortest text that reads back to the same float.
    y : integer array of shape (n,); labels 0..K-1 when ``class_names`` is given.
    class_names : optional sequence of K names written instead of the integers (each non-empty, at most 40
        printable characters, no surrounding spaces, all different).

    ``parse_dataset_csv`` reads the bytes back with X bitwise equal, and with y equal when every class 0..K-1
    occurs and the names are in sorted order (ce_core's integer labels always are); otherwise
    ``class_names[y]`` is what survives, since the reader numbers classes in sorted order.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got shape {X.shape}")
    if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integers of shape ({X.shape[0]},), got {y.dtype} of shape {y.shape}")
    if not np.isfinite(X).all():
        raise DataError("The data contains NaN or infinite coordinates, which cannot be saved.")
    if class_names is None:
        labels = [str(v) for v in y.tolist()]
    else:
        names = [str(name) for name in class_names]
        for name in names:
            if not name or len(name) > MAX_LABEL_CHARS or not name.isprintable() or name != name.strip():
                raise ValueError(
                    f"class name {_quote(name)} must be 1 to {MAX_LABEL_CHARS} printable characters "
                    "without surrounding spaces"
                )
        if len(set(names)) != len(names):
            raise ValueError(f"class names must be different, got {names}")
        if y.size and (y.min() < 0 or y.max() >= len(names)):
            raise ValueError(f"y must be in [0, {len(names) - 1}] to index class_names")
        quoted = [_csv_label(name) for name in names]
        labels = [quoted[v] for v in y.tolist()]
    body = "".join(f"{a!r},{b!r},{label}\n" for (a, b), label in zip(X.tolist(), labels, strict=True))
    return ("x1,x2,label\n" + body).encode("utf-8")


def history_to_csv(history: dict) -> bytes:
    """Write the dict of ``ce_core.History.as_dict()`` as UTF-8 CSV, one row per recorded step.

    Columns: step, epoch, lr, train_loss, train_acc, test_loss, test_acc, grad_norm, any other 1-D columns the
    dict holds, then grad_norm_class_0 .. grad_norm_class_{K-1} from ``class_grad_norm`` (len, K). NaN (a metric
    not computed, e.g. the test loss without a test set) is an empty cell; step and epoch are written as integers
    when they are whole numbers. Floats use ``repr``, so nothing is rounded.
    """
    missing = [name for name in HISTORY_COLUMNS if name not in history]
    if missing:
        raise ValueError(f"history is missing the columns {missing}")
    columns: dict[str, np.ndarray] = {}
    names = list(HISTORY_COLUMNS) + [name for name in history if name not in HISTORY_COLUMNS]
    for name in names:
        if name == "class_grad_norm":
            continue
        values = np.asarray(history[name], dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"history[{name!r}] must be 1-D, got shape {values.shape}")
        columns[name] = values
    n = len(columns["step"])
    lengths = {name: len(values) for name, values in columns.items()}
    if set(lengths.values()) != {n}:
        raise ValueError(f"history columns must have equal lengths, got {lengths}")
    if "class_grad_norm" in history:
        per_class = np.asarray(history["class_grad_norm"], dtype=np.float64)
        if per_class.ndim != 2 or per_class.shape[0] != n:
            raise ValueError(f"history['class_grad_norm'] must have shape ({n}, K), got {per_class.shape}")
        for k in range(per_class.shape[1]):
            columns[f"grad_norm_class_{k}"] = per_class[:, k]
    frame = pd.DataFrame(columns)
    for name in ("step", "epoch"):
        values = columns[name]
        if np.isfinite(values).all() and (values == np.round(values)).all():
            frame[name] = values.astype(np.int64)
    return frame.to_csv(index=False, na_rep="", lineterminator="\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------------------------
# Weights as JSON
# ---------------------------------------------------------------------------------------------------------------
def _json_default(value):
    """Let numpy scalars and arrays in ``meta`` through json.dumps as plain numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"meta holds a {type(value).__name__}, which JSON cannot store")


def params_to_json(params: dict, meta: dict) -> bytes:
    """Write weights and a description of the model as UTF-8 JSON.

    Layout: ``{"format": "cross-entropy-playground/params", "version": 1, "meta": {...},
    "params": {"W": {"shape": [K, D], "data": [[...], ...]}, "b": {"shape": [K], "data": [...]}, ...}}``,
    arrays as nested lists in the order of ``params`` (the order layers are applied), floats in ``repr`` form so
    ``params_from_json`` gives back bitwise equal arrays. Tuples in ``meta`` come back as lists.

    Raises DataError when a weight is NaN or infinite (a diverged run: JSON has no such numbers), ValueError when
    ``params`` or ``meta`` has the wrong types.
    """
    if not isinstance(params, dict) or not isinstance(meta, dict):
        raise ValueError("params and meta must be dicts")
    arrays = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name or len(name) > MAX_LABEL_CHARS or not name.isprintable():
            raise ValueError(f"parameter names must be 1 to {MAX_LABEL_CHARS} printable characters, got {name!r}")
        arr = np.asarray(value, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise DataError(f"The weight {_quote(name)} holds NaN or infinity (training diverged); reset to save.")
        arrays[name] = {"shape": list(arr.shape), "data": arr.tolist()}
    document = {"format": PARAMS_FORMAT, "version": PARAMS_VERSION, "meta": meta, "params": arrays}
    try:
        text = json.dumps(document, allow_nan=False, default=_json_default, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"meta cannot be written as JSON: {exc}") from None
    return text.encode("utf-8")


def _reject_constant(word: str):
    raise DataError(f"The file holds {word}, which is not a finite number.")


def _nested_to_array(data, shape: tuple[int, ...], where: str) -> np.ndarray:
    """Check that ``data`` is nested lists of numbers with exactly ``shape``; return it as float64."""
    items = [data]
    for depth, size in enumerate(shape):
        children = []
        for item in items:
            if type(item) is not list or len(item) != size:
                raise DataError(f"{where}: the data does not match the shape {list(shape)} at depth {depth + 1}.")
            children.extend(item)
        items = children
    # Exact types: json gives int and float for numbers; bool is an int subclass but true is not a weight.
    if not all(type(v) is float or type(v) is int for v in items):
        raise DataError(f"{where}: the data must hold only numbers.")
    try:
        arr = np.array(items, dtype=np.float64)
    except OverflowError:
        raise DataError(f"{where}: a number is too large.") from None
    if not np.isfinite(arr).all():
        raise DataError(f"{where}: number {int(np.flatnonzero(~np.isfinite(arr))[0])} is too large (not finite).")
    return arr.reshape(shape)


def params_from_json(data: bytes) -> tuple[dict[str, np.ndarray], dict]:
    """Read weights written by :func:`params_to_json`; return (params name -> float64 array, meta dict).

    Raises DataError, and nothing else, for any bytes that are not such a file: not UTF-8 JSON, another format,
    wrong types, data that does not match its shape, non-finite numbers, more than 1,000,000 numbers.
    The caller still checks the arrays against its model (``Model.check_params``).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_JSON_BYTES:
        raise DataError(f"The file is {len(data) / 1e6:.1f} MB; at most {MAX_JSON_BYTES / 1e6:.0f} MB is read.")
    if not data.strip():
        raise DataError("The file is empty.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("The file is not UTF-8 text, so it is not a weights file (.json).") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DataError(f"The file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except RecursionError:
        raise DataError("The file's JSON is nested too deeply.") from None
    except ValueError as exc:  # DataError from _reject_constant, or an integer with thousands of digits
        if isinstance(exc, DataError):
            raise
        raise DataError("The file holds a number with too many digits.") from None

    if not isinstance(document, dict) or document.get("format") != PARAMS_FORMAT:
        raise DataError("This is not a weights file saved by Cross-Entropy Playground (its 'format' is missing).")
    if type(document.get("version")) is not int or document["version"] != PARAMS_VERSION:
        raise DataError(f"The weights file has version {_quote(str(document.get('version')))}; expected 1.")
    meta, arrays = document.get("meta"), document.get("params")
    if not isinstance(meta, dict):
        raise DataError("The weights file's 'meta' must be a JSON object.")
    if not isinstance(arrays, dict) or not arrays:
        raise DataError("The weights file's 'params' must be a non-empty JSON object.")
    if len(arrays) > MAX_PARAM_ARRAYS:
        raise DataError(f"The weights file has {len(arrays):,} arrays; at most {MAX_PARAM_ARRAYS} are read.")

    params, total = {}, 0
    for name, entry in arrays.items():
        where = f"Weight {_quote(name)}"
        if not name or len(name) > MAX_LABEL_CHARS or not name.isprintable():
            raise DataError(f"{where}: a weight name must be 1 to {MAX_LABEL_CHARS} printable characters.")
        if not isinstance(entry, dict) or "shape" not in entry or "data" not in entry:
            raise DataError(f"{where}: expected an object with 'shape' and 'data'.")
        shape = entry["shape"]
        if (
            type(shape) is not list
            or len(shape) > MAX_PARAM_NDIM
            or not all(type(d) is int and 0 <= d <= MAX_PARAM_NUMBERS for d in shape)
        ):
            raise DataError(f"{where}: 'shape' must be a list of at most {MAX_PARAM_NDIM} sizes (whole numbers).")
        total += math.prod(shape)
        if total > MAX_PARAM_NUMBERS:
            raise DataError(f"The weights file holds more than {MAX_PARAM_NUMBERS:,} numbers.")
        params[name] = _nested_to_array(entry["data"], tuple(shape), where)
    return params, meta
