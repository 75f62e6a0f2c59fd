"""ce_app.exports: the dataset CSV, the history CSV and the weights JSON; downloads read back exactly."""

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ce_app.dataset_csv import MAX_ABS_COORD, MAX_LABEL_CHARS, MAX_ROWS, DataError, parse_dataset_csv
from ce_app.exports import PARAMS_FORMAT, dataset_to_csv, history_to_csv, params_to_json
from ce_core import DATASETS, History, Model, make_dataset

INT_LIKE = re.compile(r"[+-]?[0-9]+(\.0*)?")  # labels the reader reads as integers (and renames: "007" -> "7")


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


def test_names_a_spreadsheet_would_run_are_written_as_text():
    """Test that names starting with =, +, -, @ get a leading apostrophe, while numbers and coordinates do not."""
    names = ("'=quoted", "+x", "-1", "-x", '=HYPERLINK("http://x","a, b")', "@SUM(A1)", "plain")
    X = np.array([[-1.5, 2.0], [0.5, -3e-7], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0], [5.0, 5.0]])
    text = dataset_to_csv(X, np.arange(7), names).decode()
    assert text.splitlines() == [
        "x1,x2,label",
        "-1.5,2.0,''=quoted",
        "0.5,-3e-07,'+x",
        "1.0,1.0,-1",
        "2.0,2.0,'-x",
        '3.0,3.0,"\'=HYPERLINK(""http://x"",""a, b"")"',
        "4.0,4.0,'@SUM(A1)",
        "5.0,5.0,plain",
    ]
    cells = pd.read_csv(io.StringIO(text), dtype=str)["label"]  # as a spreadsheet sees each cell
    assert not any(cell.startswith(("=", "+", "@")) or (cell.startswith("-") and cell != "-1") for cell in cells)


def test_downloaded_names_upload_back_exactly():
    """Test that download -> upload gives back formula-like names (and the coordinates) exactly."""
    names = tuple(sorted(["=1+1", "+x", "-x", "@x", "'=x", "''", "'", "-1"]))
    X, y = make_dataset("blobs", 90, len(names), seed=5)
    parsed = parse_dataset_csv(dataset_to_csv(X, y, names))
    assert parsed.class_names == names and parsed.X.tobytes() == X.tobytes()
    np.testing.assert_array_equal(parsed.y, y)


NAMES = st.text(
    st.one_of(st.characters(categories=("L", "M", "N", "P", "S")), st.sampled_from(" ,;\"'=+-@")),
    min_size=1,
    max_size=MAX_LABEL_CHARS,
).filter(lambda name: name == name.strip())


@st.composite
def datasets(draw) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """A dataset the app could hold: finite coordinates within limits, K <= 8 classes all present, sorted names."""
    n_classes = draw(st.integers(2, 8))
    names = tuple(sorted(draw(st.lists(NAMES, min_size=n_classes, max_size=n_classes, unique=True))))
    if all(INT_LIKE.fullmatch(name) for name in names):
        names = tuple(str(k) for k in range(n_classes))  # the one int-like form that reads back as written
    y = [*range(n_classes), *draw(st.lists(st.integers(0, n_classes - 1), min_size=2, max_size=40))]
    coord = st.floats(-MAX_ABS_COORD, MAX_ABS_COORD, allow_nan=False)
    X = np.array(draw(st.lists(st.tuples(coord, coord), min_size=len(y), max_size=len(y))), dtype=float)
    return X, np.array(draw(st.permutations(y)), dtype=np.int64), names


@settings(max_examples=400)
@given(datasets())
def test_any_dataset_round_trips_exactly(case):
    """Test that any valid dataset, names with commas, quotes, unicode or formulas included, reads back exactly."""
    X, y, names = case
    parsed = parse_dataset_csv(dataset_to_csv(X, y, names))
    assert parsed.X.tobytes() == X.tobytes()
    np.testing.assert_array_equal(parsed.y, y)
    assert parsed.class_names == names


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


def test_history_csv_names_the_per_class_columns_by_the_class_names():
    """Test that an uploaded file's class names label the per-class columns, quoted where CSV needs it."""
    history = History(n_classes=3, capacity=8)
    history.record(dict(step=0, epoch=0, lr=0.1, train_loss=1.0, train_acc=0.5, grad_norm=2.0, test_loss=1.0,
                        test_acc=0.5), np.array([0.1, 0.2, 0.3]))  # fmt: skip
    text = history_to_csv(history.as_dict(), ("bird", "=cat", "d,og")).decode()
    assert text.splitlines()[0].endswith(',grad_norm_class_bird,grad_norm_class_=cat,"grad_norm_class_d,og"')
    assert pd.read_csv(io.StringIO(text))["grad_norm_class_d,og"].tolist() == [0.3]
    with pytest.raises(ValueError, match="class names"):
        history_to_csv(history.as_dict(), ("bird", "cat"))


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
def test_params_json_holds_the_exact_weights(hidden):
    """Test that params_to_json writes every array bitwise exactly, in order, with its shape, format and meta."""
    model = Model(3, features="poly2", hidden=hidden, activation="relu")
    params = model.init(seed=4)
    meta = {"n_classes": 3, "features": "poly2", "hidden": list(hidden), "step": np.int64(120), "note": "Zürich"}
    document = json.loads(params_to_json(params, meta).decode("utf-8"))
    assert document["format"] == PARAMS_FORMAT and document["version"] == 1
    assert document["meta"] == meta | {"step": 120}
    assert list(document["params"]) == list(params)
    back = {name: np.array(entry["data"], dtype=np.float64) for name, entry in document["params"].items()}
    for name, arr in params.items():
        assert document["params"][name]["shape"] == list(arr.shape)
        assert back[name].shape == arr.shape and back[name].tobytes() == arr.tobytes()
    model.check_params(back)


def test_params_to_json_refuses_diverged_weights():
    """Test that NaN or infinite weights (a diverged run) are a DataError, since JSON has no such numbers."""
    with pytest.raises(DataError, match="diverged"):
        params_to_json({"W": np.array([[np.nan, 1.0]]), "b": np.zeros(1)}, {})
