// @ts-check
// Axis ticks: round values (1, 2 or 5 times a power of ten) covering a range, and ticks of a log axis.

/**
 * About `count` round tick values covering [lo, hi]; whole numbers only when `integer`.
 * @param {number} lo
 * @param {number} hi
 * @param {number} [count]
 * @param {boolean} [integer]
 * @returns {number[]}
 */
export function ticks(lo, hi, count = 5, integer = false) {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return Number.isFinite(lo) ? [lo] : [];
  let step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
  for (const m of [1, 2, 5, 10]) {
    if ((hi - lo) / (step * m) <= count) { step *= m; break; }
  }
  if (integer) step = Math.max(1, Math.round(step));
  // Tick i is i * step, or i / (1 / step) for steps below 1: 3 / 10 is 0.3 where 3 * 0.1 is 0.30000000000000004.
  const inverse = step < 1 ? Math.round(1 / step) : 0;
  const at = (/** @type {number} */ i) => (inverse ? i / inverse : i * step);
  const first = Math.ceil(lo / step - 1e-9), last = Math.floor(hi / step + 1e-9);
  const out = [];
  for (let i = first; i <= last; i++) out.push(i === 0 ? 0 : at(i));
  return out;
}

/**
 * Ticks of a log axis over [lo, hi] (both > 0): every power of ten, with 2 and 5 in between when the range spans
 * few decades, and at least two ticks even inside one decade.
 * @param {number} lo
 * @param {number} hi
 * @returns {number[]}
 */
export function logTicks(lo, hi) {
  if (!(lo > 0) || !(hi > lo)) return [];
  const first = Math.floor(Math.log10(lo)), last = Math.ceil(Math.log10(hi));
  const decades = last - first;
  const steps = decades <= 1 ? [1, 1.5, 2, 3, 5, 7] : decades <= 3 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(decades / 6));
  const out = [];
  for (let e = first; e <= last; e += every) {
    for (const m of steps) {
      const t = m * Math.pow(10, e);
      if (t >= lo * 0.999 && t <= hi * 1.001) out.push(t);
    }
  }
  return out;
}
