"""ce_app.dataset_csv: reading a dataset CSV; every good file gives a valid dataset, every bad one a DataError."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ce_app.dataset_csv import (
    MAX_ABS_COORD,
    MAX_LABEL_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_ROWS,
    DataError,
    ParsedDataset,
    escape_label,
    parse_dataset_csv,
    unescape_label,
)
from ce_core import make_dataset


def fuzz(max_examples: int) -> settings:
    """Hypothesis settings with more examples; the rest (seed, deadline) from the profile in tests/conftest.py."""
    return settings(max_examples=max_examples)


FOUR_ROWS = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # a number a spreadsheet reads


def assert_valid(parsed: ParsedDataset, max_rows: int = MAX_ROWS, max_classes: int = 8) -> None:
    """The promises of a ParsedDataset, whatever file it came from."""
    n = len(parsed.y)
    assert parsed.X.shape == (n, 2) and parsed.X.dtype == np.float64 and np.isfinite(parsed.X).all()
    assert np.abs(parsed.X).max() <= MAX_ABS_COORD
    assert parsed.y.dtype == np.int64 and 4 <= n <= max_rows
    assert 2 <= parsed.n_classes <= max_classes
    assert sorted(set(parsed.y.tolist())) == list(range(parsed.n_classes))
    assert all(isinstance(name, str) and 0 < len(name) <= MAX_LABEL_CHARS for name in parsed.class_names)
    assert all(name.isprintable() and name == name.strip() for name in parsed.class_names)
    assert len(set(parsed.class_names)) == parsed.n_classes
    assert all(isinstance(note, str) and note for note in parsed.notes)


def error_of(data: bytes, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        parse_dataset_csv(data, **kwargs)
    message = str(info.value)
    assert 0 < len(message) <= MAX_MESSAGE_CHARS
    return message


# ---------------------------------------------------------------------------------------------------------------
# Good files
# ---------------------------------------------------------------------------------------------------------------
GOOD_FILES = {
    "no header": (b"1,2,0\n3,4,1\n5,6,0\n7,8,1\n", FOUR_ROWS, [0, 1, 0, 1], ("0", "1"), []),
    "header": (b"x1,x2,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n", FOUR_ROWS, [0, 1, 0, 1], ("0", "1"), ["header row"]),
    "semicolon": (b"x1;x2;label\n1;2;0\n3;4;1\n5;6;0\n7;8;1\n", FOUR_ROWS, [0, 1, 0, 1], ("0", "1"), ["semicolon"]),
    "decimal commas": (
        b"1,5;-2,25;0\n3;4;1\n,5;6,;0\n7e1;8;1\n",
        [[1.5, -2.25], [3, 4], [0.5, 6], [70, 8]],
        [0, 1, 0, 1],
        ("0", "1"),
        ["semicolon", "decimal commas"],
    ),
    "BOM": (b"\xef\xbb\xbfx1,x2,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n", FOUR_ROWS, [0, 1, 0, 1], ("a", "b"), []),
    "CRLF": (b"x1,x2,label\r\n1,2,a\r\n3,4,b\r\n5,6,a\r\n7,8,b\r\n", FOUR_ROWS, [0, 1, 0, 1], ("a", "b"), []),
    "CR only": (b"1,2,a\r3,4,b\r5,6,a\r7,8,b", FOUR_ROWS, [0, 1, 0, 1], ("a", "b"), []),
    "class names sorted": (
        b"1,2,dog\n3,4,cat\n5,6,emu\n7,8,cat\n9,9,emu\n",
        [*FOUR_ROWS, [9.0, 9.0]],
        [1, 0, 2, 0, 2],
        ("cat", "dog", "emu"),
        ["class 'dog' has a single point"],
    ),
    "non-contiguous ints": (
        b"1,2,7\n3,4,3\n5,6,3\n7,8,7\n",
        FOUR_ROWS,
        [1, 0, 0, 1],
        ("3", "7"),
        ["integer labels 3, 7 renumbered 0 to 1"],
    ),
    "negative and padded ints": (b"1,2,-1\n3,4,+002\n5,6,-1\n7,8,2\n", FOUR_ROWS, [0, 1, 0, 1], ("-1", "2"), []),
    "labels like 1.0": (b"1,2,0.0\n3,4,1.0\n5,6,0.\n7,8,1\n", FOUR_ROWS, [0, 1, 0, 1], ("0", "1"), ["'1.0'"]),
    "blank lines and spaces": (
        b"\n  x1 , x2 ,label  \n\n 1 ,2, a\n\t3,4 ,b\n\n\n5,6,a\n7,  8,b  \n\n\n",
        FOUR_ROWS,
        [0, 1, 0, 1],
        ("a", "b"),
        ["4 blank lines ignored"],
    ),
    "quoted labels": (
        b'1,2,"a, b"\n3,4,"say ""hi"""\n5,6,  "a, b"  \n7,8,c\n',
        FOUR_ROWS,
        [0, 2, 0, 1],
        ("a, b", "c", 'say "hi"'),
        [],
    ),
    "spreadsheet leftovers": (
        b"x1,x2,label,,\n1,2,a,\n3,4,b,,\n,,\n5,6,a\n7,8,b\n , ,\n,,,\n",
        FOUR_ROWS,
        [0, 1, 0, 1],
        ("a", "b"),
        ["3 rows holding only separators", "empty columns"],
    ),
    "semicolons and empty columns": (
        b"x1;x2;label;;\n1;2;a;\n3;4;b;;\n5;6;a;\n7;8;b;\n",
        FOUR_ROWS,
        [0, 1, 0, 1],
        ("a", "b"),
        ["semicolon", "empty columns"],
    ),
    "pandas index column": (
        b",x1,x2,label\n0,1,2,a\n1,3,4,b\n2,5,6,a\n3,7,8,b\n",
        FOUR_ROWS,
        [0, 1, 0, 1],
        ("a", "b"),
        ["row index"],
    ),
    "label column first": (
        b"class,x,y\na,1,2\nb,3,4\na,5,6\nb,7,8\n",
        FOUR_ROWS,
        [0, 1, 0, 1],
        ("a", "b"),
        ["label read from column 1"],
    ),
    "mixed labels": (b"1,2,0\n3,4,b\n5,6,0\n7,8,b\n", FOUR_ROWS, [0, 1, 0, 1], ("0", "b"), ["mix numbers and names"]),
    "unicode names": (
        "x1,x2,label\n1,2,Zürich\n3,4,東京\n5,6,Zürich\n7,8,東京\n".encode(),
        FOUR_ROWS,
        [0, 1, 0, 1],
        ("Zürich", "東京"),
        [],
    ),
    "names a spreadsheet escaped": (
        b"1,2,'=SUM(A1)\n3,4,'@x\n5,6,'-a\n7,8,''+b\n",
        FOUR_ROWS,
        [2, 3, 1, 0],
        ("'+b", "-a", "=SUM(A1)", "@x"),
        [],
    ),
    "apostrophes that escape nothing": (
        b"1,2,'a\n3,4,'\n5,6,'a\n7,8,'\n",
        FOUR_ROWS,
        [1, 0, 1, 0],
        ("'", "'a"),
        [],
    ),
    "large coordinates": (
        b"1e6,2,a\n3,-1e6,b\n5,6,a\n7,8,b\n",
        [[1e6, 2.0], [3.0, -1e6], [5.0, 6.0], [7.0, 8.0]],
        [0, 1, 0, 1],
        ("a", "b"),
        ["coordinates reach 1e6: with polynomial features training may diverge"],
    ),
    "exponents and signs": (
        b"1e0,+2,a\n.3e1,4.,b\n5E+0,6.0e-0,a\n700e-2,0.08E2,b\n",
        FOUR_ROWS,
        [0, 1, 0, 1],
        ("a", "b"),
        [],
    ),
}


@pytest.mark.parametrize("name", GOOD_FILES)
def test_good_files_parse(name):
    """Test that each hand-written good file gives the expected X, y, class names and notes."""
    data, X, y, class_names, notes = GOOD_FILES[name]
    parsed = parse_dataset_csv(data)
    assert_valid(parsed)
    np.testing.assert_array_equal(parsed.X, np.array(X, dtype=float))
    assert parsed.y.tolist() == y
    assert parsed.class_names == class_names
    for note in notes:
        assert note in " | ".join(parsed.notes)


def test_clean_file_has_no_notes():
    """Test that a plain file with nothing to fix gives no notes."""
    assert parse_dataset_csv(b"1,2,0\n3,4,1\n5,6,0\n7,8,1\n").notes == ()


def test_accepts_bytearray_and_memoryview():
    """Test that bytearray and memoryview inputs read like bytes, and anything else is a TypeError."""
    data = b"1,2,0\n3,4,1\n5,6,0\n7,8,1\n"
    assert parse_dataset_csv(bytearray(data)).y.tolist() == parse_dataset_csv(memoryview(data)).y.tolist()
    with pytest.raises(TypeError):
        parse_dataset_csv(data.decode())


def test_limits_are_keywords():
    """Test that max_rows and max_classes can be raised or lowered per call."""
    data = b"".join(b"%d,0,%d\n" % (i, i) for i in range(10))
    assert parse_dataset_csv(data, max_classes=10).n_classes == 10
    assert "at most 8" in error_of(data)
    assert "at most 9 are read" in error_of(data, max_rows=9, max_classes=10)


@pytest.mark.parametrize("header", [b"", b"x1,x2,label\n"])
def test_row_limit_counts_data_rows_not_lines(header):
    """Test that 5,000 data rows are read with or without a header, and 5,001 are refused as 5,001 data rows."""
    rows = [b"%d,1,%d\n" % (i, i % 2) for i in range(MAX_ROWS + 1)]
    assert len(parse_dataset_csv(header + b"".join(rows[:MAX_ROWS])).y) == MAX_ROWS
    assert error_of(header + b"".join(rows)) == "The file has 5,001 data rows; at most 5,000 are read."


# ---------------------------------------------------------------------------------------------------------------
# Class names a spreadsheet would run as formulas
# ---------------------------------------------------------------------------------------------------------------
ESCAPED = {
    "=SUM(A1)": "'=SUM(A1)", "+x": "'+x", "-x": "'-x", "@x": "'@x", "=": "'=", "-": "'-", "-1+1": "'-1+1",
    "'=x": "''=x", "''": "'''", "'-1": "''-1",
    "-1": "-1", "+2.5": "+2.5", "-1e5": "-1e5", "-.5": "-.5", "a=b": "a=b", "'a": "'a", "'": "'", "plain": "plain",
}  # fmt: skip


@pytest.mark.parametrize("name", ESCAPED)
def test_escape_label_marks_formulas_as_text_and_keeps_numbers(name):
    """Test that names starting with =, +, -, @ (not numbers) get one apostrophe, and unescape_label removes it."""
    assert escape_label(name) == ESCAPED[name]
    assert unescape_label(escape_label(name)) == name


@fuzz(1000)
@given(st.text(alphabet=st.sampled_from("=+-@'\"a1.e ,"), max_size=8) | st.text(max_size=8))
def test_escape_label_round_trips_and_never_starts_a_formula(name):
    """Test that unescape_label inverts escape_label for any text, and only numbers start with =, +, - or @."""
    escaped = escape_label(name)
    assert unescape_label(escaped) == name
    if escaped.startswith(("=", "+", "-", "@")):
        assert escaped == name and NUMBER.fullmatch(name), name


# ---------------------------------------------------------------------------------------------------------------
# Bad files: each message names what is wrong and where
# ---------------------------------------------------------------------------------------------------------------
ROWS = "x1,x2,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n"


def with_row(line_3: str) -> bytes:
    """The good file ROWS with its line 3 replaced."""
    lines = ROWS.splitlines()
    lines[2] = line_3
    return ("\n".join(lines) + "\n").encode()


BAD_FILES = {
    "empty": (b"", ["empty"]),
    "only whitespace": (b" \n\r\n\t\n", ["empty"]),
    "only separators": (b",,\n , ,\n,,,,\n", ["no data"]),
    "NUL bytes": (b"1,2,a\n3,4\x00,b\n", ["Line 2", "NUL", "binary"]),
    "zip or xlsx": (b"PK\x03\x04\x14\x00\x06\x00", ["Excel", "CSV UTF-8"]),
    "UTF-16": ("x1,x2,label\n1,2,a\n".encode("utf-16"), ["UTF-16"]),
    "Latin-1 text": ("x1,x2,label\n1,2,a\n3,4,é\n".encode("latin-1"), ["Line 3", "not UTF-8", "0xE9"]),
    "control character": (b"x1,x2,label\n1,2,a\n3,4,\x1b[31m\n", ["Line 3", "U+001B"]),
    "missing column": (with_row("3,4"), ["Line 3", "2 fields", "column 3 (label) is missing"]),
    "missing x2": (with_row("3"), ["Line 3", "1 field ", "column 2 (x2) is missing"]),
    "too many columns": (with_row("3,4,b,9"), ["Line 3", "4 fields", "column 4 is extra"]),
    "non-numeric x1": (with_row("three,4,b"), ["Line 3, column 1 (x1)", "'three' is not a number"]),
    "non-numeric x2": (with_row("3,4 cm,b"), ["Line 3, column 2 (x2)", "'4 cm' is not a number"]),
    "unicode digits": (with_row("3,٤,b"), ["Line 3, column 2 (x2)", "not a number"]),
    "NaN": (with_row("3,NaN,b"), ["Line 3, column 2 (x2)", "NaN and infinity"]),
    "inf": (with_row("-inf,4,b"), ["Line 3, column 1 (x1)", "NaN and infinity"]),
    "missing value word": (with_row("3,NA,b"), ["Line 3, column 2 (x2)", "missing value"]),
    "empty x1": (with_row(",4,b"), ["Line 3, column 1 (x1)", "empty"]),
    "empty label": (with_row("3,4,"), ["Line 3, column 3 (label)", "label is empty"]),
    "1e400": (with_row("3,1e400,b"), ["Line 3, column 2 (x2)", "too large"]),
    "huge but finite": (with_row("3e7,4,b"), ["Line 3, column 1 (x1)", "outside", "rescale"]),
    "long label": (with_row("3,4," + "z" * 41), ["Line 3, column 3 (label)", "longer than 40"]),
    "long label after its apostrophe": (with_row("3,4,'=" + "z" * 40), ["Line 3, column 3 (label)", "longer than 40"]),
    "invisible label": (with_row("3,4,b\u202e"), ["Line 3, column 3 (label)", "invisible"]),
    "unclosed quote": (with_row('3,4,"b'), ["Line 3, column 3", "double quote"]),
    "quote inside a field": (with_row('3,4 "inches",b'), ["Line 3, column 2", "double quote"]),
    "one class": (b"1,2,a\n3,4,a\n5,6,a\n7,8,a\n", ["'a'", "at least 2 classes"]),
    "nine classes": (b"".join(b"%d,1,c%d\n" % (i, i) for i in range(9)), ["9 classes", "'c0'", "at most 8"]),
    "too many rows": (b"".join(b"%d,1,%d\n" % (i, i % 2) for i in range(MAX_ROWS + 1)), ["5,001 data rows", "5,000"]),
    "too many rows after a header": (
        b"x1,x2,label\n" + b"".join(b"%d,1,%d\n" % (i, i % 2) for i in range(MAX_ROWS + 1)),
        ["The file has 5,001 data rows; at most 5,000 are read."],
    ),
    "tab-separated": (b"x1\tx2\tlabel\n1\t2\ta\n3\t4\tb\n5\t6\ta\n7\t8\tb\n", ["tabs", "commas (,)", "semicolons (;)"]),
    "tab-separated without header": (b"1\t2\t0\n3\t4\t1\n5\t6\t0\n7\t8\t1\n", ["separated by tabs"]),
    "bar-separated": (b"1|2|0\n3|4|1\n5|6|0\n7|8|1\n", ["vertical bars (|)", "commas (,) or semicolons (;)"]),
    "space-separated": (b"1 2 0\n3 4 1\n5 6 0\n7 8 1\n", ["separated by spaces", "commas (,) or semicolons (;)"]),
    "too many bytes": (b"1,2,a\n" * 300_000, ["MB", "5,000 rows"]),
    "three rows": (b"x1,x2,label\n1,2,a\n3,4,b\n5,6,a\n", ["3 data rows", "at least 4"]),
    "duplicate header names": (b"x,y,x\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n", ["Line 1", "'x' twice", "columns 1 and 3"]),
    "header with two names": (b"\n\nx,y\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n", ["Line 3", "header has 2 names"]),
    "line too long": (b"1,2,a\n3,4,b\n" + b"5" * 300 + b",6,a\n7,8,b\n9,9,a\n", ["Line 3", "304 characters"]),
    "line numbers count blank lines": (b"x1,x2,label\n\n\n1,2,a\n\n3,oops,b\n5,6,a\n7,8,b\n", ["Line 6, column 2"]),
    "index column counted": (b",x1,x2,label\n0,1,2,a\n1,3,x,b\n2,5,6,a\n3,7,8,b\n", ["Line 3, column 3 (x2)"]),
    "reordered columns counted": (b"label,x1,x2\na,1,2\nb,3,4\na,5,?\nb,7,8\n", ["Line 4, column 3 (x2)"]),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_raise_data_error_naming_the_place(name):
    """Test that each bad file raises DataError whose message names the line, the column and the problem."""
    data, fragments = BAD_FILES[name]
    message = error_of(data)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_messages_quote_at_most_30_characters_of_a_cell():
    """Test that a long bad cell is cut to 30 characters in the message, and invisible characters are masked."""
    cell = "a" * 29 + "\u2028" + "SECRET" * 20
    message = error_of(with_row(f"3,{cell},b"))
    assert "'" + "a" * 29 + "?…'" in message
    assert "SECRET" not in message and "\u2028" not in message


def test_data_error_is_a_value_error():
    """Test that DataError is a ValueError, so callers that catch ValueError keep working."""
    assert issubclass(DataError, ValueError)


# ---------------------------------------------------------------------------------------------------------------
# Fuzzing the CSV reader
# ---------------------------------------------------------------------------------------------------------------
INJECTED = [
    "abc", "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e7", "1e-400", "", " ", "NA", "null",
    "é", "日本語", "🙂", "\u2028", "\u202e", "\u200b", "\x1b", "\x7f", "\x00", '"', '""', '"a', "1,5", "0x1F",
    "1_000", "١٢", "x" * 300, "label", "x1", ";", ",", "\t", "\r", "\n", "\ufeff",
]  # fmt: skip


def mutate(rng: np.random.Generator, rows: list[list[str]]) -> bytes:
    """A damaged copy of a good file: one to three random edits to cells, rows, text or raw bytes."""
    rows = [list(row) for row in rows]
    sep, newline = (",", "\n") if rng.random() < 0.7 else (";", "\r\n")
    raw_edits = []
    for _ in range(rng.integers(1, 4)):
        kind = rng.integers(0, 11)
        rows = rows or [[]]
        r = int(rng.integers(0, len(rows)))
        c = int(rng.integers(0, len(rows[r]))) if rows[r] else 0
        if kind == 0 and rows[r]:
            del rows[r][c]  # drop a cell
        elif kind == 1 and rows[r]:
            rows[r].insert(c, rows[r][c])  # duplicate a cell
        elif kind == 2 and rows[r]:
            rows[r][c] = str(rng.choice(INJECTED))  # replace a cell with text, NaN, unicode, controls...
        elif kind == 3 and rows[r]:
            rows[r][c] += str(rng.choice(INJECTED))  # append to a cell
        elif kind == 4:
            rows = rows[: int(rng.integers(0, 6))]  # too few rows
        elif kind == 5:
            rows = rows * int(rng.integers(2, 200))  # many rows, sometimes too many
        elif kind == 6:
            for row in rows:
                row[-1:] = [f"c{rng.integers(0, 12)}"]  # random labels, sometimes more than 8 classes
        elif kind == 7:
            rows = [[row[0], row[1], "same"] if len(row) >= 2 else row for row in rows]  # one class
        elif kind == 8:
            rows.insert(r, [str(rng.choice(INJECTED)) * int(rng.integers(1, 40))])  # a long junk line
        else:
            raw_edits.append(kind)
    text = newline.join(sep.join(row) for row in rows)
    data = bytearray(text.encode("utf-8", errors="surrogatepass") if rng.random() < 0.95 else text.encode("utf-16"))
    for kind in raw_edits:
        pos = int(rng.integers(0, len(data) + 1))
        if kind == 9:
            data[pos:pos] = rng.bytes(int(rng.integers(1, 16)))  # random bytes
        else:
            del data[pos : pos + int(rng.integers(1, 30))]  # a cut through anything, even a UTF-8 sequence
    return bytes(data)


def check_outcome(data: bytes) -> bool:
    """Parse ``data``; True if it gave a valid dataset, False if a proper DataError. Anything else fails."""
    try:
        parsed = parse_dataset_csv(data)
    except DataError as exc:
        assert 0 < len(str(exc)) <= MAX_MESSAGE_CHARS, str(exc)
        return False
    assert_valid(parsed)
    return True


def test_fuzzed_files_parse_or_raise_data_error():
    """Test that 600 mutated files each give a valid dataset or a short DataError, never another exception."""
    rng = np.random.default_rng(2024)
    X, y = make_dataset("spiral", 24, 3, seed=0)
    points = zip(X.tolist(), y.tolist(), strict=True)
    rows = [["x1", "x2", "label"]] + [[repr(a), repr(b), f"class {k}"] for (a, b), k in points]
    outcomes = [check_outcome(mutate(rng, rows)) for _ in range(600)]
    # Most mutations break the file, as intended, but some must survive, or the success path goes unchecked.
    assert 10 <= sum(outcomes) <= len(outcomes) - 300


@fuzz(1000)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_parse_or_raise_data_error(data):
    """Test that arbitrary bytes give a valid dataset or a short DataError."""
    check_outcome(data)


CELLS = st.one_of(
    st.floats().map(repr),
    st.integers(-20, 20).map(str),
    st.sampled_from(["a", "b", "c", "", " ", '"', '"x, y"', "1,5", "nan", "1e400", "x1", "label"]),
    st.text(max_size=6),
)


@fuzz(1500)
@given(
    st.lists(st.lists(CELLS, min_size=0, max_size=5), max_size=12),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_csv_like_text_parses_or_raises_data_error(rows, sep, newline):
    """Test that CSV-shaped text with random cells gives a valid dataset or a short DataError."""
    check_outcome(newline.join(sep.join(row) for row in rows).encode("utf-8", errors="surrogatepass"))


COORDS = st.floats(-MAX_ABS_COORD, MAX_ABS_COORD, allow_nan=False)


@st.composite
def forgiven_files(draw) -> tuple[bytes, np.ndarray, list[str]]:
    """A valid dataset written with the liberties the reader forgives; returns (file, X, each row's label)."""
    n_classes = draw(st.integers(2, 4))
    y = [*range(n_classes), *draw(st.lists(st.integers(0, n_classes - 1), min_size=2, max_size=30))]
    X = np.array(draw(st.lists(st.tuples(COORDS, COORDS), min_size=len(y), max_size=len(y))), dtype=float)
    names = draw(st.sampled_from([None, ["cat", "dog", "emu", "fox"], ["a, b", 'say "hi"', "Zürich", "=1+1"]]))
    labels = [str(k) if names is None else names[k] for k in y]
    sep = draw(st.sampled_from([",", ";"]))
    comma = sep == ";" and draw(st.booleans())  # decimal commas, as a European Excel writes them
    pad = draw(st.sampled_from(["", " ", "  "]))
    trailing = draw(st.sampled_from(["", sep, sep * 2]))
    lines = [f"x1{sep}x2{sep}label"] if draw(st.booleans()) else []
    for (a, b), label in zip(X.tolist(), labels, strict=True):
        cells = [repr(a).replace(".", ",") if comma else repr(a), repr(b).replace(".", ",") if comma else repr(b)]
        text = escape_label(label)
        quoted = any(ch in text for ch in ',;"') or draw(st.booleans())
        cells.append('"' + text.replace('"', '""') + '"' if quoted else text)
        lines.append(sep.join(pad + cell + pad for cell in cells) + trailing)
    for at in draw(st.lists(st.integers(0, len(lines)), max_size=3)):
        lines.insert(at, draw(st.sampled_from(["", "   ", sep * 2])))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return bom + newline.join(lines).encode(), X, labels


@fuzz(500)
@given(forgiven_files())
def test_forgiven_liberties_read_to_exactly_the_written_data(case):
    """Test that headers, ';' and decimal commas, padding, quotes, BOM, blank and empty rows change no number or name."""
    data, X, labels = case
    parsed = parse_dataset_csv(data)
    assert_valid(parsed)
    assert parsed.X.tobytes() == X.tobytes()
    assert [parsed.class_names[k] for k in parsed.y] == labels
