// Binary tables from ce_app/frame_codec.py: a JSON header that names every column, and zlib-compressed bytes.
//
//   header = {rows, bytes, columns: [{name, dtype, shape, offset}]}
//
// Column `name` holds rows * prod(shape) values of `dtype`, little-endian, starting at `offset` (a multiple of 8).
// unpackTable() returns {rows, get(name, row) -> typed array of one row's entry, all(name) -> the whole column}.
"use strict";

const CE_DTYPES = {
  int8: Int8Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, int32: Int32Array,
  float32: Float32Array, float64: Float64Array,
};

async function ceInflate(bytes) {
  // "deflate" in the Compression Streams API is the zlib format (RFC 1950) that Python's zlib.compress writes.
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function ceUnpackTable(header, blob) {
  if (!header || !blob) return null;
  const raw = await ceInflate(blob);
  if (raw.length !== header.bytes) throw new Error("a table holds " + raw.length + " bytes, its header says " + header.bytes);
  const buffer = raw.buffer;
  const columns = {};
  for (const column of header.columns) {
    const Type = CE_DTYPES[column.dtype];
    if (!Type) throw new Error("unknown dtype " + column.dtype);
    const size = column.shape.reduce((a, b) => a * b, 1);
    columns[column.name] = {size, shape: column.shape, data: new Type(buffer, raw.byteOffset + column.offset, size * header.rows)};
  }
  return {
    rows: header.rows,
    has: (name) => name in columns,
    shape: (name) => columns[name].shape,
    get(name, row) {
      const c = columns[name];
      return c.size === 1 && c.shape.length === 0 ? c.data[row] : c.data.subarray(row * c.size, (row + 1) * c.size);
    },
    all: (name) => columns[name].data,
  };
}

// Bit i of a mask written by numpy.packbits(..., bitorder="little").
function ceBit(mask, i) {
  return (mask[i >> 3] >> (i & 7)) & 1;
}
