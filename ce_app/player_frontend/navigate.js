// @ts-check
// Which point a key chooses, with no DOM: the next or previous one by number, the next misclassified one, or the
// nearest one in the direction of an arrow key on the plane. stage.js selects the answer as a click would.

/**
 * The point `delta` places after `current` (before, when negative), going round.
 * @param {number} current @param {number} count @param {number} delta
 * @returns {number|null} null when there are no points
 */
export function stepPoint(current, count, delta) {
  if (count <= 0) return null;
  const from = current >= 0 && current < count ? current : delta > 0 ? -1 : 0;
  return (((from + delta) % count) + count) % count;
}

/**
 * The first misclassified point after `current`, going round (`current` itself last).
 * @param {number} current @param {number} count @param {(i: number) => boolean} wrong
 * @returns {number|null} null when none is misclassified
 */
export function nextMisclassified(current, count, wrong) {
  for (let d = 1; d <= count; d++) {
    const i = (((current + d) % count) + count) % count;
    if (wrong(i)) return i;
  }
  return null;
}

/**
 * The nearest point in the direction (dx, dy) on screen (y grows downwards) from point `current`: among the points
 * within 45° of that direction, the one with the least distance along it plus twice the distance across it.
 * @param {ArrayLike<number>} pixels x, y of every point on screen, interleaved
 * @param {number} current @param {number} dx @param {number} dy
 * @returns {number|null} null when no point lies that way
 */
export function pointInDirection(pixels, current, dx, dy) {
  const n = pixels.length / 2;
  if (current < 0 || current >= n) return n ? 0 : null;
  const x0 = pixels[2 * current], y0 = pixels[2 * current + 1];
  let best = null, bestCost = Infinity;
  for (let i = 0; i < n; i++) {
    if (i === current) continue;
    const ex = pixels[2 * i] - x0, ey = pixels[2 * i + 1] - y0;
    const along = ex * dx + ey * dy, across = Math.abs(ex * dy - ey * dx);
    if (along <= 0 || across > along) continue;
    const cost = along + 2 * across;
    if (cost < bestCost) { best = i; bestCost = cost; }
  }
  return best;
}
