// @ts-check
// Binary tables from ce_app/frame_codec.py: a JSON header that names every column, and zlib-compressed bytes.
//
//   header = {rows, bytes, columns: [{name, dtype, shape, offset}]}
//
// Column `name` holds rows * prod(shape) values of `dtype`, little-endian, starting at `offset` (a multiple of 8).
// The names come from the header only: nothing here (or in the stage) lists a table's columns again.

const DTYPES = {
  int8: Int8Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, int32: Int32Array,
  float32: Float32Array, float64: Float64Array,
};

/** @typedef {{name: string, dtype: string, shape: number[], offset: number}} ColumnHeader */
/** @typedef {{rows: number, bytes: number, columns: ColumnHeader[]}} TableHeader */
/** @typedef {Int8Array|Uint8Array|Uint16Array|Uint32Array|Int32Array|Float32Array|Float64Array} Column */
/** One row of a table: a number for a scalar column, a typed array (a view, no copy) for the others. */
/** @typedef {Record<string, number|Column>} Row */

/**
 * "deflate" in the Compression Streams API is the zlib format (RFC 1950) that Python's zlib.compress writes.
 * @param {Uint8Array<ArrayBuffer>} bytes
 */
async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A decoded table: its columns by name. */
export class Table {
  /**
   * @param {number} rows
   * @param {Map<string, {size: number, shape: number[], data: Column}>} columns
   */
  constructor(rows, columns) {
    this.rows = rows;
    this.columns = columns;
  }

  /** @returns {string[]} the column names, in the header's order */
  get names() { return [...this.columns.keys()]; }

  /** @param {string} name */
  has(name) { return this.columns.has(name); }

  /** @param {string} name */
  column(name) {
    const column = this.columns.get(name);
    if (!column) throw new Error("the table has no column " + name);
    return column;
  }

  /** @param {string} name */
  shape(name) { return this.column(name).shape; }

  /**
   * One row's entry: a number for a scalar column, else a view of the row's values.
   * @param {string} name
   * @param {number} row
   * @returns {number|Column}
   */
  get(name, row) {
    const c = this.column(name);
    return c.shape.length === 0 ? c.data[row] : c.data.subarray(row * c.size, (row + 1) * c.size);
  }

  /** The whole column, row after row. @param {string} name */
  all(name) { return this.column(name).data; }

  /** Row `i` with every column the header names. @param {number} i @returns {Row} */
  row(i) {
    /** @type {Row} */
    const out = {};
    for (const name of this.columns.keys()) out[name] = this.get(name, i);
    return out;
  }
}

/**
 * Decode a packed table; null when there is none.
 * @param {TableHeader|undefined|null} header
 * @param {Uint8Array<ArrayBuffer>|undefined|null} blob
 * @returns {Promise<Table|null>}
 */
export async function unpackTable(header, blob) {
  if (!header || !blob) return null;
  const raw = await inflate(blob);
  if (raw.length !== header.bytes) throw new Error("a table holds " + raw.length + " bytes, its header says " + header.bytes);
  const columns = new Map();
  for (const column of header.columns) {
    const Type = DTYPES[/** @type {keyof typeof DTYPES} */ (column.dtype)];
    if (!Type) throw new Error("unknown dtype " + column.dtype);
    const size = column.shape.reduce((a, b) => a * b, 1);
    columns.set(column.name, {size, shape: column.shape, data: new Type(raw.buffer, raw.byteOffset + column.offset, size * header.rows)});
  }
  return new Table(header.rows, columns);
}

/**
 * Bit i of a mask written by numpy.packbits(..., bitorder="little").
 * @param {ArrayLike<number>} mask
 * @param {number} i
 */
export function bit(mask, i) {
  return (mask[i >> 3] >> (i & 7)) & 1;
}
