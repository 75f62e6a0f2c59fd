"""ce_app.data_io: reading and writing dataset CSV, history CSV and weights JSON; every bad file gives a DataError."""

import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ce_app.data_io import (
    MAX_ROWS,
    DataError,
    ParsedDataset,
    dataset_to_csv,
    history_to_csv,
    params_from_json,
    params_to_json,
    parse_dataset_csv,
)
from ce_core import DATASETS, History, Model, make_dataset

FOUR_ROWS = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]


def assert_valid(parsed: ParsedDataset, max_rows: int = MAX_ROWS, max_classes: int = 8) -> None:
    """The promises of a ParsedDataset, whatever file it came from."""
    n = len(parsed.y)
    assert parsed.X.shape == (n, 2) and parsed.X.dtype == np.float64 and np.isfinite(parsed.X).all()
    assert parsed.y.dtype == np.int64 and 4 <= n <= max_rows
    assert 2 <= parsed.n_classes <= max_classes
    assert sorted(set(parsed.y.tolist())) == list(range(parsed.n_classes))
    assert all(isinstance(name, str) and name for name in parsed.class_names)
    assert len(set(parsed.class_names)) == parsed.n_classes
    assert all(isinstance(note, str) and note for note in parsed.notes)


def error_of(data: bytes, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        parse_dataset_csv(data, **kwargs)
    message = str(info.value)
    assert 0 < len(message) < 300
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
    "invisible label": (with_row("3,4,b\u202e"), ["Line 3, column 3 (label)", "invisible"]),
    "unclosed quote": (with_row('3,4,"b'), ["Line 3, column 3", "double quote"]),
    "quote inside a field": (with_row('3,4 "inches",b'), ["Line 3, column 2", "double quote"]),
    "one class": (b"1,2,a\n3,4,a\n5,6,a\n7,8,a\n", ["'a'", "at least 2 classes"]),
    "nine classes": (b"".join(b"%d,1,c%d\n" % (i, i) for i in range(9)), ["9 classes", "'c0'", "at most 8"]),
    "too many rows": (b"".join(b"%d,1,%d\n" % (i, i % 2) for i in range(MAX_ROWS + 1)), ["5,001 data rows", "5,000"]),
    "far too many rows": (
        b"x1,x2,label\n" + b"".join(b"%d,1,%d\n" % (i, i % 2) for i in range(MAX_ROWS + 1)),
        ["5,002 rows", "at most 5,000"],
    ),
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
# Writing datasets: exact round trips
# ---------------------------------------------------------------------------------------------------------------
def test_dataset_csv_format():
    """Test that dataset_to_csv writes the header x1,x2,label, repr floats and integer labels, '\\n' line ends."""
    data = dataset_to_csv(np.array([[0.1, -2.0], [1e-5, 3.0]]), np.array([1, 0]))
    assert data == b"x1,x2,label\n0.1,-2.0,1\n1e-05,3.0,0\n"


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("n_classes", [2, 5, 8])
def test_make_dataset_round_trips_exactly(name, n_classes):
    """Test that make_dataset output survives dataset_to_csv -> parse_dataset_csv bit for bit."""
    X, y = make_dataset(name, 301, n_classes, noise=0.2, seed=3)
    parsed = parse_dataset_csv(dataset_to_csv(X, y))
    assert parsed.X.tobytes() == X.tobytes()
    np.testing.assert_array_equal(parsed.y, y)
    assert parsed.class_names == tuple(str(k) for k in range(n_classes))
    assert parsed.notes == ("header row detected: 'x1', 'x2', 'label'",)


def test_awkward_floats_round_trip_exactly():
    """Test that -0.0, subnormals, 0.1 + 0.2 and values near the coordinate limit survive bit for bit."""
    X = np.array([[-0.0, 5e-324], [0.1 + 0.2, 1 / 3], [-1e6, 1e6], [2.2250738585072014e-308, -123456.78901234567]])
    y = np.array([0, 1, 0, 1])
    parsed = parse_dataset_csv(dataset_to_csv(X, y))
    assert parsed.X.tobytes() == X.tobytes()


def test_random_floats_round_trip_exactly():
    """Test that 5,000 random points with random exponents survive bit for bit (the largest file allowed)."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(MAX_ROWS, 2)) * 10.0 ** rng.integers(-300, 6, size=(MAX_ROWS, 2))
    y = rng.integers(0, 8, MAX_ROWS)
    parsed = parse_dataset_csv(dataset_to_csv(X, y))
    assert parsed.X.tobytes() == X.tobytes()
    np.testing.assert_array_equal(parsed.y, y)


def test_sorted_class_names_round_trip_exactly():
    """Test that sorted class names, with commas, semicolons, quotes and unicode, give back y and the names."""
    names = tuple(sorted(['"quoted"', "a, b", "a; b; c", "plain", "Zürich"]))
    X, y = make_dataset("blobs", 50, len(names), seed=1)
    parsed = parse_dataset_csv(dataset_to_csv(X, y, names))
    assert parsed.X.tobytes() == X.tobytes()
    np.testing.assert_array_equal(parsed.y, y)
    assert parsed.class_names == names


def test_unsorted_class_names_keep_each_points_name():
    """Test that with unsorted names the reader renumbers classes but every point keeps its class name."""
    names = ("red", "green", "blue")
    X, y = make_dataset("moons", 30, 3, seed=2)
    parsed = parse_dataset_csv(dataset_to_csv(X, y, names))
    assert parsed.class_names == ("blue", "green", "red")
    assert [parsed.class_names[k] for k in parsed.y] == [names[k] for k in y]


def test_dataset_to_csv_refuses_what_it_could_not_read_back():
    """Test that NaN coordinates are a DataError and bad shapes or class names are ValueErrors."""
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(DataError, match="NaN"):
        dataset_to_csv(np.array([[np.nan, 0.0]] * 4), y)
    with pytest.raises(ValueError, match="shape"):
        dataset_to_csv(np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="integers"):
        dataset_to_csv(X, y.astype(float))
    for names in [("a", "a"), ("a", " b"), ("a", ""), ("a", "x" * 41), ("a", "b\n"), ("a",)]:
        with pytest.raises(ValueError):
            dataset_to_csv(X, y, names)


# ---------------------------------------------------------------------------------------------------------------
# Writing the history
# ---------------------------------------------------------------------------------------------------------------
def test_history_csv_columns_values_and_empty_nan():
    """Test that history_to_csv writes one row per record, one column per class, and NaN as an empty cell."""
    history = History(n_classes=3, capacity=8)
    for step in range(3):
        row = dict(step=step, epoch=step // 2, lr=0.1, train_loss=1.0 / (step + 1), train_acc=0.5, grad_norm=2.0)
        row |= dict(test_loss=np.nan, test_acc=np.nan)
        history.record(row, np.array([0.1, 0.2, 0.3]) * step)
    text = history_to_csv(history.as_dict()).decode()
    lines = text.splitlines()
    assert lines[0] == (
        "step,epoch,lr,train_loss,train_acc,test_loss,test_acc,grad_norm,"
        "grad_norm_class_0,grad_norm_class_1,grad_norm_class_2"
    )
    assert lines[2] == "1,0,0.1,0.5,0.5,,,2.0,0.1,0.2,0.3"
    assert len(lines) == 4
    frame = pd.read_csv(io.StringIO(text))
    np.testing.assert_array_equal(frame["train_loss"], history.column("train_loss"))
    np.testing.assert_array_equal(frame["grad_norm_class_2"], history.column("class_grad_norm")[:, 2])
    assert frame["test_loss"].isna().all()


def test_empty_history_gives_header_only():
    """Test that a history with no records gives just the header row."""
    text = history_to_csv(History(n_classes=2).as_dict()).decode()
    assert text == (
        "step,epoch,lr,train_loss,train_acc,test_loss,test_acc,grad_norm,grad_norm_class_0,grad_norm_class_1\n"
    )


def test_history_csv_rejects_ragged_or_incomplete_dicts():
    """Test that missing columns, unequal lengths and a badly shaped class_grad_norm are ValueErrors."""
    good = History(n_classes=2, capacity=4)
    good.record({name: 1.0 for name in ("step", "epoch", "lr", "train_loss", "train_acc")} | _rest(), np.ones(2))
    d = good.as_dict()
    with pytest.raises(ValueError, match="missing"):
        history_to_csv({k: v for k, v in d.items() if k != "lr"})
    with pytest.raises(ValueError, match="equal lengths"):
        history_to_csv(d | {"lr": np.zeros(2)})
    with pytest.raises(ValueError, match="class_grad_norm"):
        history_to_csv(d | {"class_grad_norm": np.zeros(2)})


def _rest() -> dict:
    return {"test_loss": 1.0, "test_acc": 1.0, "grad_norm": 1.0}


# ---------------------------------------------------------------------------------------------------------------
# Weights as JSON
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("hidden", [(), (4,), (3, 5)])
def test_params_round_trip_exactly(hidden):
    """Test that params_to_json -> params_from_json gives bitwise equal arrays in the same order, and the meta."""
    model = Model(3, features="poly2", hidden=hidden, activation="relu")
    params = model.init(seed=4)
    meta = {"n_classes": 3, "features": "poly2", "hidden": list(hidden), "step": np.int64(120), "note": "Zürich"}
    back, back_meta = params_from_json(params_to_json(params, meta))
    assert list(back) == list(params)
    for name, arr in params.items():
        assert back[name].shape == arr.shape and back[name].dtype == np.float64
        assert back[name].tobytes() == arr.tobytes()
    assert back_meta == meta | {"step": 120}
    model.check_params(back)


def test_params_to_json_refuses_diverged_weights():
    """Test that NaN or infinite weights (a diverged run) are a DataError, since JSON has no such numbers."""
    with pytest.raises(DataError, match="diverged"):
        params_to_json({"W": np.array([[np.nan, 1.0]]), "b": np.zeros(1)}, {})


def _doc(**params) -> bytes:
    document = {"format": "cross-entropy-playground/params", "version": 1, "meta": {}, "params": params}
    return json.dumps(document).encode()


BAD_JSON = {
    "empty": (b"", "empty"),
    "not UTF-8": (b'{"a": "\xff"}', "not UTF-8"),
    "not JSON": (b"x1,x2,label\n1,2,a\n", "not valid JSON (line 1, column 1"),
    "truncated": (_doc(b={"shape": [2], "data": [1.0, 2.0]})[:-5], "not valid JSON"),
    "NaN literal": (_doc(b={"shape": [1], "data": [0]}).replace(b"[0]", b"[NaN]"), "NaN"),
    "Infinity literal": (_doc(b={"shape": [1], "data": [0]}).replace(b"[0]", b"[-Infinity]"), "Infinity"),
    "1e400": (_doc(b={"shape": [1], "data": [0]}).replace(b"[0]", b"[1e400]"), "not finite"),
    "huge integer": (_doc(b={"shape": [1], "data": [10**400]}), "too large"),
    "endless integer": (_doc(b={"shape": [1], "data": [0]}).replace(b"[0]", b"[" + b"9" * 5000 + b"]"), "digits"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "a list": (b"[1, 2, 3]", "not a weights file"),
    "other format": (b'{"format": "something else", "params": {}}', "not a weights file"),
    "version 2": (_doc().replace(b'"version": 1', b'"version": 2'), "version '2'"),
    "version true": (_doc().replace(b'"version": 1', b'"version": true'), "version"),
    "meta a list": (_doc().replace(b'"meta": {}', b'"meta": []'), "'meta'"),
    "no params": (_doc(), "'params'"),
    "entry without shape": (_doc(W={"data": [1.0]}), "Weight 'W'"),
    "shape of floats": (_doc(W={"shape": [1.0], "data": [1.0]}), "'shape'"),
    "negative shape": (_doc(W={"shape": [-1], "data": []}), "'shape'"),
    "five dimensions": (_doc(W={"shape": [1] * 5, "data": [[[[[1.0]]]]]}), "'shape'"),
    "ragged": (_doc(W={"shape": [2, 2], "data": [[1.0, 2.0], [3.0]]}), "does not match the shape [2, 2]"),
    "shape mismatch": (_doc(W={"shape": [3], "data": [1.0, 2.0]}), "does not match"),
    "scalar for a list": (_doc(W={"shape": [1], "data": 1.0}), "does not match"),
    "strings": (_doc(W={"shape": [2], "data": ["1.0", 2.0]}), "only numbers"),
    "booleans": (_doc(W={"shape": [2], "data": [True, 2.0]}), "only numbers"),
    "nulls": (_doc(W={"shape": [2], "data": [None, 2.0]}), "only numbers"),
    "too many numbers": (_doc(W={"shape": [1001, 1000], "data": []}), "more than 1,000,000 numbers"),
    "empty name": (_doc(**{"": {"shape": [1], "data": [1.0]}}), "name"),
}


@pytest.mark.parametrize("name", BAD_JSON)
def test_bad_params_json_raises_data_error(name):
    """Test that each malformed weights file raises DataError with a short message saying what is wrong."""
    data, fragment = BAD_JSON[name]
    with pytest.raises(DataError) as info:
        params_from_json(data)
    message = str(info.value)
    assert fragment in message and len(message) < 300, message


def test_mutated_params_json_never_raises_anything_else():
    """Test that 300 randomly damaged weights files each load as finite arrays or raise DataError, never else."""
    model = Model(2, hidden=(3,))
    good = params_to_json(model.init(seed=0), {"hidden": [3]})
    rng = np.random.default_rng(11)
    pieces = [b"[", b"]", b"{", b"}", b",", b":", b'"', b"NaN", b"1e999", b"true", b"null", b"-", b"\xff", b"\x00"]
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.integers(1, 4)):
            pos = int(rng.integers(0, len(data)))
            if rng.random() < 0.5:
                data[pos : pos + int(rng.integers(0, 3))] = pieces[rng.integers(len(pieces))]
            else:
                del data[pos : pos + int(rng.integers(1, 10))]
        try:
            params, meta = params_from_json(bytes(data))
        except DataError as exc:
            assert 0 < len(str(exc)) < 300
        else:
            assert isinstance(meta, dict)
            assert all(np.isfinite(arr).all() and arr.dtype == np.float64 for arr in params.values())


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
        assert 0 < len(str(exc)) < 300, str(exc)
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


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
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


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(
    st.lists(st.lists(CELLS, min_size=0, max_size=5), max_size=12),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_csv_like_text_parses_or_raises_data_error(rows, sep, newline):
    """Test that CSV-shaped text with random cells gives a valid dataset or a short DataError."""
    check_outcome(newline.join(sep.join(row) for row in rows).encode("utf-8", errors="surrogatepass"))
