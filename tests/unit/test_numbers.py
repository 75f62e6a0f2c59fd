"""The number format (ce_app/numbers.py) against the golden cases the stage's numbers.js is also held to."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ce_app import numbers

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "number_format.json").read_text(encoding="utf-8"))
SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}


def _value(raw):
    return SPECIAL[raw] if isinstance(raw, str) else raw


@pytest.mark.parametrize(("function", "value", "argument", "text"), GOLDEN["cases"])
def test_golden_case(function, value, argument, text):
    """Test that the Python format writes each golden case's value as its text."""
    call = getattr(numbers, function)
    assert (call(_value(value)) if argument is None else call(_value(value), argument)) == text


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(2, 12))
def test_fmt_is_short_and_reads_back_close(value, digits):
    """Test that fmt never uses more than digits significant digits outside the integer part, and that the text
    reads back to within half a unit of its last digit."""
    text = numbers.fmt(value, digits)
    back = Decimal(text.replace(numbers.MINUS, "-"))  # in decimal: near the largest float, rounding up overflows
    mantissa = text.replace(numbers.MINUS, "").split("e")[0]
    significant = mantissa.replace(".", "").lstrip("0")
    assert len(significant) <= max(digits, 5)
    if value != 0:
        exact = Decimal(value)
        assert abs(back - exact) <= abs(exact) * Decimal(10) ** (1 - digits) / 2
