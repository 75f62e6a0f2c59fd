"""How every number on screen is written: one rule, the same in Python and in the stage (``player_frontend/numbers.js``).

The golden cases in ``tests/golden/number_format.json`` hold both implementations to it (``tests/unit/test_numbers.py``
and ``tests/js/numbers.test.js``).

``fmt(value, digits=4)``, a computed number (losses, probabilities, gradients, weights, ticks):

- not a finite number (None, NaN, ±inf): "–" (an en dash: the value is not defined, e.g. the test loss without test
  points);
- zero (and −0): "0";
- 1e-3 <= |value| < 1e5: plain digits, rounded to ``digits`` significant digits but never into the integer part
  (12345.6 is "12346", not "12350"), trailing zeros dropped: 0.000512 is never written like that, 0.00123 is
  "0.00123", 2.5 is "2.5";
- otherwise (and when rounding reaches 1e5): scientific, ``digits`` significant digits in the mantissa, trailing
  zeros dropped, the exponent as a plain integer: "5.12e−4", "1.235e5", "1e−12";
- ties round away from zero, on the exact binary value (what JavaScript's ``toPrecision`` does): 0.125 to two
  digits is "0.13", 1.005 to three is "1" (1.005 is stored as 1.00499999999999989...);
- a minus sign is U+2212 ("−"), in the number and in the exponent.

The switch points fit a metric box of the stage (at most about 8 characters) and keep 0.001 to 99,999 readable
without an exponent.

``percent(value)``: 100 * value with one decimal ("97.5%"), "0%" and "100%" exactly; "–" when not finite.
``fixed(value, decimals)``: exactly ``decimals`` decimals ("3.10"), ties away from zero; "–" when not finite.
``integer(value)``: rounded (ties away from zero), digits grouped by thousands with "," ("12,345"); "–" when not
finite. Both write |value| >= 1e21 as ``fmt`` does.
``full(value)``: ``fmt`` with 12 significant digits, for tooltips.
"""

from __future__ import annotations

import functools
import math
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

MINUS = "\u2212"
UNDEFINED = "\u2013"
FIXED_LOW, FIXED_HIGH = 1e-3, 1e5  # plain digits for LOW <= |value| < HIGH, scientific outside
FULL_DIGITS = 12
HUGE = 1e21  # fixed() and integer() write larger values as fmt() does (JavaScript's toFixed turns scientific there)
_EXACT = Context(prec=2000)  # enough for any double exactly: nothing is rounded twice


def _exactly(function):
    """Run ``function`` with Decimal arithmetic that never rounds except where it says so."""

    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with localcontext(_EXACT):
            return function(*args, **kwargs)

    return wrapped


def _finite(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _signed(negative: bool, text: str) -> str:
    return (MINUS if negative else "") + text


def _strip_zeros(digits: str) -> str:
    return digits.rstrip("0").rstrip(".") if "." in digits else digits


def _scientific(size: float, digits: int) -> str:
    """|value| as mantissa (``digits`` significant digits, zeros dropped) 'e' exponent, like toExponential."""
    exact = Decimal(size)  # the exact binary value; quantize rounds it half-up, as toExponential does
    power = exact.adjusted()
    rounded = exact.scaleb(-power).quantize(Decimal(1).scaleb(-(digits - 1)), rounding=ROUND_HALF_UP)
    if rounded >= 10:  # 9.9996 to four digits is 10.00: one more power of ten
        power += 1
        rounded = exact.scaleb(-power).quantize(Decimal(1).scaleb(-(digits - 1)), rounding=ROUND_HALF_UP)
    mantissa, exponent = _strip_zeros(f"{rounded:f}"), power
    return mantissa + "e" + _signed(exponent < 0, str(abs(exponent)))


def _plain(size: float, digits: int) -> str:
    """|value| in plain digits with ``digits`` significant digits (or all of its integer digits)."""
    exact = Decimal(size)
    integer_digits = exact.adjusted() + 1
    significant = max(digits, integer_digits)
    rounded = exact.quantize(Decimal(1).scaleb(integer_digits - significant), rounding=ROUND_HALF_UP)
    return _strip_zeros(f"{rounded:f}")


@_exactly
def fmt(value, digits: int = 4) -> str:
    """A number in at most ``digits`` significant digits, by the rule in this module's docstring."""
    number = _finite(value)
    if number is None:
        return UNDEFINED
    if number == 0:
        return "0"
    size = abs(number)
    if FIXED_LOW <= size < FIXED_HIGH:
        text = _plain(size, digits)
        if Decimal(text) < FIXED_HIGH:
            return _signed(number < 0, text)
    return _signed(number < 0, _scientific(size, digits))


def latex(value, digits: int = 4) -> str:
    """``fmt`` as LaTeX: 5.12 \\times 10^{-4} for 5.12e−4, an ASCII minus, an upright '–' when not defined."""
    text = fmt(value, digits)
    if text == UNDEFINED:
        return r"\text{–}"
    text = text.replace(MINUS, "-")
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{exponent}}}"


def texts(values, digits: int = 4) -> list[str]:
    """``fmt`` of each value (a chart's labels and hover texts)."""
    return [fmt(value, digits) for value in values]


def full(value) -> str:
    """The value to 12 significant digits (a tooltip's 'full' value)."""
    return fmt(value, FULL_DIGITS)


@_exactly
def fixed(value, decimals: int) -> str:
    """The value with exactly ``decimals`` decimals, ties away from zero (JavaScript's toFixed)."""
    number = _finite(value)
    if number is None or abs(number) >= HUGE:
        return fmt(number)
    rounded = Decimal(abs(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return _signed(number < 0 and rounded != 0, f"{rounded:f}")


def percent(value) -> str:
    """A share (0..1) as a percentage with one decimal; exactly 0 and 1 without one."""
    number = _finite(value)
    if number is None:
        return UNDEFINED
    hundred = 100 * number
    if hundred in (0, 100):
        return f"{int(hundred)}%"
    return fixed(hundred, 1) + "%"


@_exactly
def integer(value) -> str:
    """A whole number with its thousands grouped by ','."""
    number = _finite(value)
    if number is None or abs(number) >= HUGE:
        return fmt(number)
    rounded = int(Decimal(abs(number)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return _signed(number < 0 and rounded != 0, f"{rounded:,}")
