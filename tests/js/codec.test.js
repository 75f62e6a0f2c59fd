// codec.js decodes what ce_app/frame_codec.py packs: every column of real tables, bit for bit.
import assert from "node:assert/strict";
import {test} from "node:test";

import {bit, unpackTable} from "../../ce_app/player_frontend/codec.js";
import {fixtures, number} from "./fixtures.js";

const bytes = (base64) => new Uint8Array(Buffer.from(base64, "base64"));

for (const [name, fixture] of Object.entries(fixtures.tables)) {
  test(`${name}: every column decodes to what frame_codec.unpack reads`, async () => {
    const table = await unpackTable(fixture.header, bytes(fixture.blob));
    assert.deepEqual(table.names, fixture.header.columns.map((c) => c.name));
    assert.equal(table.rows, fixture.header.rows);
    for (const [column, expected] of Object.entries(fixture.columns)) {
      assert.deepEqual(Array.from(table.all(column)), expected.map(number), `column ${column}`);
    }
  });
}

test("a row holds every column: a number for a scalar column, a view of the row for the others", async () => {
  const fixture = fixtures.tables.linear_frames;
  const table = await unpackTable(fixture.header, bytes(fixture.blob));
  const row = table.row(1);
  assert.deepEqual(Object.keys(row), table.names);
  assert.equal(row.step, number(fixture.columns.step[1]));
  const size = table.shape("point_probs").reduce((a, b) => a * b, 1);
  assert.deepEqual(Array.from(row.point_probs), fixture.columns.point_probs.slice(size, 2 * size).map(number));
});

test("bit() reads the masks numpy.packbits wrote (the misclassified points)", async () => {
  const {column, row, bits} = fixtures.masks.linear_frames;
  const fixture = fixtures.tables.linear_frames;
  const table = await unpackTable(fixture.header, bytes(fixture.blob));
  const mask = table.get(column, row);
  assert.deepEqual(bits.map((_, i) => bit(mask, i)), bits);
  assert.ok(bits.includes(1) && bits.includes(0), "the fixture should have points on both sides");
});

test("a table whose bytes do not match its header is refused", async () => {
  const fixture = fixtures.tables.points;
  await assert.rejects(unpackTable({...fixture.header, bytes: fixture.header.bytes + 8}, bytes(fixture.blob)), /bytes/);
  await assert.rejects(unpackTable({...fixture.header, columns: [{name: "x", dtype: "complex", shape: [], offset: 0}]},
                                   bytes(fixture.blob)), /dtype/);
  assert.equal(await unpackTable(null, null), null);
});
