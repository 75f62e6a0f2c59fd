// navigate.js: which point a key chooses.
import assert from "node:assert/strict";
import {test} from "node:test";

import {nextMisclassified, pointInDirection, stepPoint} from "../../ce_app/player_frontend/navigate.js";

test("] and [ go round the points by number", () => {
  assert.equal(stepPoint(3, 10, 1), 4);
  assert.equal(stepPoint(9, 10, 1), 0);
  assert.equal(stepPoint(0, 10, -1), 9);
  assert.equal(stepPoint(0, 0, 1), null);
  assert.equal(stepPoint(25, 10, 1), 0, "a selection out of range starts from the first point");
});

test("m finds the next misclassified point after the selected one, going round, or none", () => {
  const wrong = new Set([2, 7]);
  assert.equal(nextMisclassified(2, 10, (i) => wrong.has(i)), 7);
  assert.equal(nextMisclassified(7, 10, (i) => wrong.has(i)), 2);
  assert.equal(nextMisclassified(8, 10, (i) => wrong.has(i)), 2);
  assert.equal(nextMisclassified(2, 10, (i) => i === 2), 2, "the selected one itself comes last");
  assert.equal(nextMisclassified(0, 10, () => false), null);
});

test("an arrow key goes to the nearest point that way, within 45°, preferring one straight ahead", () => {
  // point 0 in the middle; 1 right, 2 far right, 3 up-right (steep: not 'right'), 4 left, 5 below (y grows downwards)
  const pixels = [100, 100, 140, 104, 300, 100, 130, 40, 50, 100, 100, 160];
  assert.equal(pointInDirection(pixels, 0, 1, 0), 1);
  assert.equal(pointInDirection(pixels, 0, -1, 0), 4);
  assert.equal(pointInDirection(pixels, 0, 0, -1), 3);
  assert.equal(pointInDirection(pixels, 0, 0, 1), 5);
  assert.equal(pointInDirection(pixels, 2, 1, 0), null, "nothing right of the rightmost point");
  assert.equal(pointInDirection(pixels, -1, 1, 0), 0);
});
