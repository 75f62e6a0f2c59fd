// The stage's number format (numbers.js) against the golden cases ce_app/numbers.py is also held to.
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {test} from "node:test";

import * as numbers from "../../ce_app/player_frontend/numbers.js";

const golden = JSON.parse(readFileSync(new URL("../golden/number_format.json", import.meta.url), "utf8"));
const SPECIAL = {"NaN": NaN, "Infinity": Infinity, "-Infinity": -Infinity, "-0": -0};

test("every golden case is written as its text", () => {
  const wrong = [];
  for (const [name, raw, argument, text] of golden.cases) {
    const value = typeof raw === "string" ? SPECIAL[raw] : raw;
    const got = argument === null ? numbers[name](value) : numbers[name](value, argument);
    if (got !== text) wrong.push(`${name}(${raw}${argument === null ? "" : ", " + argument}) = ${got}, expected ${text}`);
  }
  assert.deepEqual(wrong, []);
});

test("a metric's format is looked up by the name the server sends", () => {
  assert.equal(numbers.FORMATS.percent(0.5, 1), "50.0%");
  assert.equal(numbers.FORMATS.fixed(1.5, 2), "1.50");
  assert.equal(numbers.FORMATS.fmt(0.000512, 4), "5.12e−4");
  assert.equal(numbers.FORMATS.integer(12345, 0), "12,345");
});

test("random values are written as ce_app/numbers.py writes them", async () => {
  const {fixtures} = await import("./fixtures.js");
  const wrong = fixtures.numbers.filter(([value, digits, text]) => numbers.fmt(value, digits) !== text);
  assert.deepEqual(wrong.slice(0, 5), []);
  assert.ok(fixtures.numbers.length >= 500);
});
