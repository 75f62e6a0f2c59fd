// The fixtures the Python side makes for these tests (tests/js/fixtures.py): read from the file pytest names in
// CE_JS_FIXTURES, or made by running Python (python3, or $PYTHON) when the tests run on their own.
import {execFileSync} from "node:child_process";
import {readFileSync} from "node:fs";
import {fileURLToPath} from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function load() {
  const path = process.env.CE_JS_FIXTURES;
  if (path) return readFileSync(path, "utf8");
  return execFileSync(process.env.PYTHON || "python3", ["-m", "tests.js.fixtures"], {cwd: ROOT, encoding: "utf8",
                                                                                        maxBuffer: 64 * 1024 * 1024});
}

export const fixtures = JSON.parse(load());

/** A JSON fixture value as the number it stands for ("NaN", "Infinity" and "-Infinity" are strings in JSON). */
export function number(value) {
  return typeof value === "string" ? Number(value) : value;
}
