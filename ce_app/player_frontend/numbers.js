// @ts-check
// How every number on the stage is written: the rule of ce_app/numbers.py (read its docstring), the same golden
// cases (tests/golden/number_format.json) for both. In short: at most `digits` significant digits; plain digits
// for 1e-3 <= |v| < 1e5 (never rounding into the integer part), scientific outside ("5.12e−4", "1.235e5"); ties
// away from zero; a real minus sign; "–" for a value that is not a finite number.

export const MINUS = "\u2212";
export const UNDEFINED = "\u2013";
const FIXED_LOW = 1e-3, FIXED_HIGH = 1e5;  // plain digits in [LOW, HIGH), scientific outside
const HUGE = 1e21;  // fixed() and integer() write larger values as fmt() does (toFixed turns scientific there)

/** @param {unknown} value @returns {value is number} */
function finite(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/** @param {boolean} negative @param {string} text */
function signed(negative, text) {
  return (negative ? MINUS : "") + text;
}

/** @param {string} digits */
function stripZeros(digits) {
  return digits.includes(".") ? digits.replace(/\.?0+$/, "") : digits;
}

/**
 * A number in at most `digits` significant digits (ce_app/numbers.py: fmt).
 * @param {unknown} value
 * @param {number} [digits]
 */
export function fmt(value, digits = 4) {
  if (!finite(value)) return UNDEFINED;
  if (value === 0) return "0";
  const size = Math.abs(value);
  if (size >= FIXED_LOW && size < FIXED_HIGH) {
    const integerDigits = Number(size.toExponential().split("e")[1]) + 1;  // of the exact value, not log10's
    const text = size.toPrecision(Math.max(digits, integerDigits));
    if (Number(text) < FIXED_HIGH) return signed(value < 0, stripZeros(text));
  }
  const [mantissa, exponent] = size.toExponential(digits - 1).split("e");
  const power = Number(exponent);
  return signed(value < 0, stripZeros(mantissa) + "e" + signed(power < 0, String(Math.abs(power))));
}

/** The value to 12 significant digits, for a tooltip. @param {unknown} value */
export function full(value) {
  return fmt(value, 12);
}

/**
 * Exactly `decimals` decimals, ties away from zero.
 * @param {unknown} value
 * @param {number} decimals
 */
export function fixed(value, decimals) {
  if (!finite(value) || Math.abs(value) >= HUGE) return fmt(value);
  const text = Math.abs(value).toFixed(decimals);
  return signed(value < 0 && Number(text) !== 0, text);
}

/** A share (0..1) as a percentage with one decimal; exactly 0 and 1 without one. @param {unknown} value */
export function percent(value) {
  if (!finite(value)) return UNDEFINED;
  const hundred = 100 * value;
  if (hundred === 0 || hundred === 100) return String(Math.abs(hundred)) + "%";
  return fixed(hundred, 1) + "%";
}

/** A whole number with its thousands grouped by ",". @param {unknown} value */
export function integer(value) {
  if (!finite(value) || Math.abs(value) >= HUGE) return fmt(value);
  const rounded = Math.round(Math.abs(value));  // rounds half up: on the size, that is away from zero
  return signed(value < 0 && rounded !== 0, String(rounded).replace(/\B(?=(\d{3})+(?!\d))/g, ","));
}

/**
 * The formats a metric box may name (META.metrics[].format), each called with the metric's digits.
 * @type {Record<string, (value: unknown, digits: number) => string>}
 */
export const FORMATS = {
  fmt,
  fixed,
  percent: (value) => percent(value),
  integer: (value) => integer(value),
};
