// ticks.js: round tick values that cover the range, exactly (no 0.30000000000000004).
import assert from "node:assert/strict";
import {test} from "node:test";

import {logTicks, ticks} from "../../ce_app/player_frontend/ticks.js";

test("ticks are 1, 2 or 5 times a power of ten, inside the range, and exact decimals", () => {
  assert.deepEqual(ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(ticks(0, 0.5, 5), [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  assert.deepEqual(ticks(-2.3, 1.7, 4), [-2, -1, 0, 1]);
  assert.deepEqual(ticks(0, 12345, 3, true), [0, 5000, 10000]);
  assert.deepEqual(ticks(0, 3, 10, true), [0, 1, 2, 3], "whole numbers only on a step axis");
});

test("an empty or broken range gives at most one tick", () => {
  assert.deepEqual(ticks(1, 1), [1]);
  assert.deepEqual(ticks(2, 1), [2]);
  assert.deepEqual(ticks(NaN, 1), []);
});

test("log ticks: powers of ten, with 2 and 5 between them over a few decades", () => {
  assert.deepEqual(logTicks(0.001, 10), [0.001, 0.01, 0.1, 1, 10]);
  assert.deepEqual(logTicks(0.1, 10), [0.1, 0.2, 0.5, 1, 2, 5, 10]);
  assert.ok(logTicks(0.3, 0.9).length >= 2, "at least two ticks inside one decade");
  assert.deepEqual(logTicks(0, 1), []);
});
