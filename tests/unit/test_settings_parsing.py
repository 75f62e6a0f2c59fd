"""ce_app.settings.from_query: a link's query parameters -> Settings and notices, tested and fuzzed directly."""

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ce_app.settings import (
    DEFAULTS,
    HIDEABLE,
    LR_VALUES,
    MAX_NOTICE_CHARS,
    SPECS,
    Settings,
    batch_sizes,
    from_query,
    nearest_batch,
    nearest_lr,
    to_query,
    train_size,
)
from ce_core import make_dataset, split_indices

# More examples than the profile's 50 (tests/conftest.py sets the seed and deadline); a few seconds in all.
FUZZ = hypothesis_settings(max_examples=1500)
FEW = hypothesis_settings(max_examples=300)

QUOTE_CHARS = 30  # the most of a link's text a notice may repeat
INT_TEXT = re.compile(r"[+-]?[0-9]+")
FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")
FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９.")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


# ---------------------------------------------------------------------------------------------------------------
# What every result promises
# ---------------------------------------------------------------------------------------------------------------
def assert_valid_settings(settings: Settings, query: dict) -> None:
    """Every field has its type and lies within its SPECS bounds or choices; sample and batch fit the data."""
    assert isinstance(settings, Settings)
    for name, spec in SPECS.items():
        value = getattr(settings, name)
        if spec.kind == "int":
            assert type(value) is int and spec.low <= value <= spec.high, (name, value)
        elif spec.kind == "float":
            assert type(value) is float and spec.low <= value <= spec.high, (name, value)
        elif spec.kind == "lr":
            assert value in LR_VALUES, value
        elif spec.kind == "choice":
            assert value in spec.choices, (name, value)
        elif spec.kind == "bool":
            assert type(value) is bool
        else:
            parts = value.split(",") if value else []
            assert parts == [control for control in HIDEABLE if control in parts], value
    assert settings.sample < settings.n
    if "batch" in query:
        assert settings.batch in batch_sizes(train_size(settings.n, settings.K, settings.test))


def used_as_written(name: str, raw: str, value) -> bool:
    """Whether ``value`` is exactly what ``raw`` says, in the form a link written by the app would say it."""
    kind, text = SPECS[name].kind, raw.strip()
    if kind == "choice":
        return text.isascii() and text.lower() == value
    if kind == "bool":
        return text.isascii() and text.lower() in (TRUE_WORDS if value else FALSE_WORDS)
    if kind == "hide":
        parts = [part.strip() for part in text.split(",") if part.strip()]
        known = all(part.isascii() and part.lower() in HIDEABLE for part in parts)
        return known and {part.lower() for part in parts} == set(value.split(",")) - {""}
    if kind == "int":
        return INT_TEXT.fullmatch(text) is not None and int(text) == value
    if FLOAT_TEXT.fullmatch(text) is None:
        return False
    return math.isclose(float(text), value, rel_tol=1e-6) if kind == "lr" else float(text) == value


def notices_about(name: str, notices: list[str]) -> list[str]:
    return [notice for notice in notices if notice.startswith((f"{name}=", f"{name}:"))]


def assert_echoes_little(texts: list[str], notices: list[str]) -> None:
    """No notice repeats more than QUOTE_CHARS characters in a row of any text from the link."""
    for text in texts:
        for start in range(len(text) - QUOTE_CHARS):
            window = text[start : start + QUOTE_CHARS + 1]
            assert not any(window in notice for notice in notices), (window, notices)


# ---------------------------------------------------------------------------------------------------------------
# Fuzzing: thousands of hostile links
# ---------------------------------------------------------------------------------------------------------------
WORDS = [
    *(choice for spec in SPECS.values() for choice in spec.choices), "SPIRAL", "Adam ", "true", "FALSE", "yes",
    "Off", "maybe", "", " ", "1e3", "1_000", "1__0", "３", "１２", "١٢", "0x10", "+5", " 3 ", "-0", "1e-400",
    "9" * 400, "nan", "-inf", "Infinity", "1,5", "3.0", "3.", ".5", "0.30000000000000004", "2147483648", "None",
    "<script>alert(1)</script>", "[x](javascript:alert(1))", "**bold**", "\x00", "\u202e", "😀" * 10, "\u212a",
]  # fmt: skip
NUMBERS = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats().map(repr),
    st.floats(-1e4, 1e4).map(lambda v: f"{v:.3g}"),
    st.integers(0, 3000).map(lambda v: f"{v:_}"),
    st.integers(0, 3000).map(lambda v: str(v).translate(FULLWIDTH)),
    st.integers(0, 3000).map(lambda v: str(v).translate(ARABIC_INDIC)),
    st.integers(0, 3000).map(lambda v: f"{v:e}"),
)
HIDE_LISTS = st.lists(st.sampled_from([*HIDEABLE, "Epoch", " step ", "<b>", "x" * 40, "", "ｓｔｅｐ"]), max_size=6)
VALUES = st.one_of(
    NUMBERS,
    st.sampled_from(WORDS),
    HIDE_LISTS.map(",".join),
    st.text(max_size=60),
    st.integers(190, 260).map(lambda k: "7" * k),  # around MAX_VALUE_CHARS
)
QUERIES = st.dictionaries(
    st.one_of(st.sampled_from(list(SPECS)), st.text(max_size=40)),
    st.one_of(VALUES, VALUES, st.lists(VALUES, max_size=3)),  # a list: a repeated parameter
    max_size=10,
)


@FUZZ
@given(QUERIES)
def test_from_query_never_raises_and_always_gives_valid_settings(query):
    """Test that any query gives settings within their bounds and short, printable, plain-text notices."""
    settings, notices = from_query(query)
    assert_valid_settings(settings, query)
    assert isinstance(notices, list)
    for notice in notices:
        assert type(notice) is str and 0 < len(notice) <= MAX_NOTICE_CHARS and notice.isprintable(), notice
    values = [item for raw in query.values() for item in (raw if isinstance(raw, list) else [raw])]
    assert_echoes_little([*query, *values], notices)


@FUZZ
@given(QUERIES)
def test_every_value_not_used_as_written_has_a_notice(query):
    """Test that a value changed in any way gets a notice naming its parameter, and a value used as is gets none."""
    settings, notices = from_query(query)
    for name, raw in query.items():
        if name not in SPECS:
            assert any("nknown link parameter" in notice for notice in notices)
            continue
        repeated = isinstance(raw, list) and len(set(raw)) > 1
        last = (raw[-1] if raw else "") if isinstance(raw, list) else raw
        if repeated or not used_as_written(name, last, getattr(settings, name)):
            assert notices_about(name, notices), (name, raw, getattr(settings, name), notices)
        else:
            assert not notices_about(name, notices), (name, raw, notices)


@st.composite
def slider_settings(draw) -> Settings:
    """Settings the sidebar can show: floats on their slider steps, batch among the slider's sizes."""
    n, K, test = draw(st.integers(2, 200)) * 10, draw(st.integers(2, 8)), draw(st.integers(0, 10)) / 20
    hide = draw(st.lists(st.sampled_from(HIDEABLE), unique=True))
    return Settings(
        dataset=draw(st.sampled_from(SPECS["dataset"].choices)), K=K, n=n, noise=draw(st.integers(0, 20)) / 20,
        test=test, seed=draw(st.integers(0, 2**31 - 1)), features=draw(st.sampled_from(SPECS["features"].choices)),
        layers=draw(st.integers(0, 2)), width=draw(st.integers(1, 64)), act=draw(st.sampled_from(SPECS["act"].choices)),
        opt=draw(st.sampled_from(SPECS["opt"].choices)), lr=draw(st.sampled_from(LR_VALUES)),
        schedule=draw(st.sampled_from(SPECS["schedule"].choices)),
        batch=draw(st.sampled_from(batch_sizes(train_size(n, K, test)))), momentum=draw(st.integers(0, 99)) / 100,
        l2=draw(st.integers(0, 1000)) / 1000, smooth=draw(st.integers(0, 50)) / 100, T=draw(st.integers(1, 1000)) / 100,
        spf=draw(st.integers(1, 50)), fps=draw(st.integers(1, 20)), sample=draw(st.integers(0, n - 1)),
        present=draw(st.booleans()), predict=draw(st.booleans()),
        hide=",".join(control for control in HIDEABLE if control in hide),
    )  # fmt: skip


@FEW
@given(slider_settings())
def test_a_link_the_app_writes_reads_back_exactly_and_silently(settings):
    """Test that from_query(to_query(s)) gives back s with no notice, for any settings the sidebar can show."""
    assert from_query(to_query(settings)) == (settings, [])


# ---------------------------------------------------------------------------------------------------------------
# Values that are used, but changed: each says how it was read
# ---------------------------------------------------------------------------------------------------------------
CHANGED = {
    "fullwidth digit": ({"K": "３"}, "K", 3, "K='３' read as 3"),
    "Arabic-Indic digit": ({"K": "٣"}, "K", 3, "K='٣' read as 3"),
    "fullwidth and out of range": ({"K": "９"}, "K", 8, "K='９' (read as 9) is outside [2, 8]; using 8"),
    "exponent for an int": ({"n": "1e3"}, "n", 1000, "n='1e3' read as 1000"),
    "underscore": ({"n": "1_000"}, "n", 1000, "n='1_000' read as 1000"),
    "decimal point for an int": ({"K": "3.0"}, "K", 3, "K='3.0' read as 3"),
    "fullwidth float": ({"noise": "０.５"}, "noise", 0.5, "noise='０.５' read as 0.5"),
    "underscore lr": ({"lr": "0.000_1"}, "lr", 1e-4, "lr='0.000_1' read as 0.0001"),
    "sample beyond the points": (
        {"sample": "500"}, "sample", 299, "sample='500' is outside [0, 299] (the dataset has 300 points); using 299",
    ),
    "sample beyond the link's n": (
        {"sample": "150", "n": "100"}, "sample", 99,
        "sample='150' is outside [0, 99] (the dataset has 100 points); using 99",
    ),
    "batch beyond the training points": (
        {"batch": "500"}, "batch", 240,
        "batch='500' is outside [1, 240] (the data have 240 training points); using 240",
    ),
    "batch beyond the link's training points": (
        {"batch": "64", "n": "20", "test": "0"}, "batch", 20,
        "batch='64' is outside [1, 20] (the data have 20 training points); using 20",
    ),
    "batch between slider sizes": (
        {"batch": "100"}, "batch", 128,
        "batch='100' is not one of the slider's sizes (powers of 2, or all 240); using the nearest value 128",
    ),
    "batch read and snapped": (
        {"batch": "1e2"}, "batch", 128,
        "batch='1e2' (read as 100) is not one of the slider's sizes (powers of 2, or all 240); using the nearest "
        "value 128",
    ),
    "repeated parameter": ({"K": ["2", "5"]}, "K", 5, "K: given 2 times in the link; the last value is used"),
}  # fmt: skip


@pytest.mark.parametrize("case", CHANGED)
def test_a_value_used_but_changed_says_how_it_was_read(case):
    """Test that each accepted-but-changed value is used as shown, with exactly the one notice shown."""
    query, name, value, notice = CHANGED[case]
    settings, notices = from_query(query)
    assert getattr(settings, name) == value
    assert notices == [notice]


@pytest.mark.parametrize(
    "query",
    [
        {"K": "+5"},
        {"n": " 300 "},
        {"n": "0300"},
        {"dataset": "SPIRAL"},
        {"present": "Yes"},
        {"present": ""},
        {"predict": "on"},
        {"hide": "Epoch, step ,epoch"},
        {"lr": "1e-1"},
        {"noise": "-0"},
        {"noise": ".25"},
        {"K": ["3", "3"]},
        {"sample": "299"},
        {"batch": "240"},
    ],
)
def test_plain_values_are_used_silently(query):
    """Test that ASCII numbers, any letter case, spaces around a value and repeated equal values give no notice."""
    assert from_query(query)[1] == []


def test_minus_zero_is_read_as_zero():
    """Test that noise=-0 gives +0.0, so the settings equal the defaults' zero and to_query writes no sign."""
    settings, _ = from_query({"noise": "-0"})
    assert settings.noise == 0.0 and math.copysign(1.0, settings.noise) == 1.0


def test_unknown_parameters_share_one_short_notice():
    """Test that unknown parameter names give one notice that counts them and quotes at most 30 characters."""
    _, notices = from_query({"a": "1", "b": "2", "x" * 300: "3"})
    assert notices == ["3 unknown link parameters ignored: '" + ("a, b, " + "x" * 300)[:30] + "…'."]
    assert from_query({"zoom": "2"})[1] == ["Unknown link parameter 'zoom' ignored."]


def test_notices_quote_at_most_30_characters_and_mask_invisible_ones():
    """Test that a long bad value is cut to 30 characters in its notice, with invisible characters shown as '?'."""
    value = "a" * 29 + "\u2028" + "SECRET" * 20
    (notice,) = from_query({"dataset": value})[1]
    assert notice.startswith("dataset='" + "a" * 29 + "?…' is not one of")
    assert "SECRET" not in notice and "\u2028" not in notice


def test_a_notice_for_each_kind_of_fallback():
    """Test the exact notice for a value too long, not a number, infinite, not whole, unknown choice and hide."""
    cases = {
        "lr": ("x" * 201, "lr: value too long (201 characters); using 0.1"),
        "K": ("abc", "K='abc' is not a number; using 3"),
        "T": ("nan", "T='nan' is not a number; using 1.0"),
        "noise": ("1e999", "noise='1e999' is infinite or too large; using 0.1"),
        "seed": ("1.5", "seed='1.5' is not a whole number; using 0"),
        "opt": ("rmsprop", "opt='rmsprop' is not one of sgd, momentum, adam; using 'sgd'"),
        "present": ("maybe", "present='maybe' is not true/false; using False"),
        "predict": ("2", "predict='2' is not true/false; using False"),
        "width": ("0", "width='0' is outside [1, 64]; using 1"),
        "l2": ("2", "l2='2' is outside [0, 1]; using 1.0"),
        "hide": ("epoch,<b>", "hide='<b>': unknown control names ignored (known: " + ", ".join(HIDEABLE) + ")"),
    }
    for name, (raw, notice) in cases.items():
        assert from_query({name: raw})[1] == [notice], name
    assert from_query({"hide": "epoch,<b>"})[0].hide == "epoch"


# ---------------------------------------------------------------------------------------------------------------
# The helpers that bound sample, batch and lr
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [20, 21, 37, 300, 2000])
@pytest.mark.parametrize("test", [0.0, 0.05, 0.2, 0.35, 0.5])
def test_train_size_matches_the_generated_split(n, test):
    """Test that train_size(n, K, test) is the training-set size of the dataset the app generates, for every K."""
    for K in range(2, 9):
        _, y = make_dataset("blobs", n, K, seed=1)
        train, _ = split_indices(y, test, seed=1)
        assert train_size(n, K, test) == len(train), (n, K, test)


def test_batch_sizes_are_the_sidebar_sliders():
    """Test that batch_sizes equals the sidebar's batch_options for every training-set size the app can have."""
    from ce_app.controls import batch_options

    for n_train in range(1, 2001):
        assert batch_sizes(n_train) == batch_options(n_train)


@pytest.mark.parametrize(
    ("value", "n_train", "expected"), [(1, 240, 1), (3, 240, 2), (6, 240, 4), (100, 240, 128), (200, 240, 240),
                                       (239, 240, 240), (240, 240, 240), (5000, 240, 240), (20, 16, 16)],
)  # fmt: skip
def test_nearest_batch(value, n_train, expected):
    """Test that nearest_batch picks the closest slider size, the smaller on a tie, and full batch past the end."""
    assert nearest_batch(value, n_train) == expected


def test_nearest_lr_stays_on_the_scale():
    """Test that nearest_lr keeps slider values, snaps on the log scale, and gives the ends beyond them."""
    assert [nearest_lr(v) for v in LR_VALUES] == list(LR_VALUES)
    assert nearest_lr(0.3) == 0.2 and nearest_lr(0.35) == 0.5 and nearest_lr(0.15) == 0.2
    assert nearest_lr(1e-9) == 1e-4 and nearest_lr(1e9) == 10.0 and nearest_lr(0.0) == 1e-4
    assert all(np.diff(LR_VALUES) > 0)


def test_defaults_need_no_link():
    """Test that an empty query gives the defaults and no notices."""
    assert from_query({}) == (DEFAULTS, [])
