// @ts-check
// The stage's small charts on canvases: bars for one point's logits and probabilities, the learning curves, and
// the heat maps of the last mini-batch.
import {sizeCanvas, title} from "./draw.js";
import {legendRows} from "./layout.js";
import {fmt, integer} from "./numbers.js";
import {THEME, diverging} from "./theme.js";
import {logTicks, ticks} from "./ticks.js";

const MAX_CURVE_POINTS = 2000;  // thinned by half beyond this, as the trainer's own history is

/** A canvas chart that keeps its size until told otherwise. */
class CanvasChart {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas; this.width = 0; this.height = 0;
    this.font = 12;  // the size of its text as last drawn (the tick labels are one pixel smaller)
    this.legendRight = 0;  // where its legend ends, in its own pixels (tests: a legend never runs past the chart)
    /** @type {CanvasRenderingContext2D|null} */
    this.ctx = null;
  }

  /** @param {number} width @param {number} height */
  resize(width, height) {
    if (width === this.width && height === this.height) return;
    this.width = width; this.height = height;
    this.ctx = sizeCanvas(this.canvas, width, height);
  }
}

/** Bars, one per class: values (K), optional outlined target bars beside them, a fixed or a fitted value axis. */
export class Bars extends CanvasChart {
  /** @type {{left: number, top: number, width: number, height: number, count: number}|null} the bars' area */
  plot = null;

  /**
   * @param {{title: string, values: number[], targets?: number[], colors: string[], labels: string[],
   *          range?: [number, number], digits?: number, font?: number}} spec
   */
  draw({title: text, values, targets, colors, labels, range, digits = 3, font = 12}) {
    const ctx = this.ctx, W = this.width, H = this.height;
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    title(ctx, text, 4, 2, font + 1);
    const K = values.length;
    let lo, hi;
    if (range) { [lo, hi] = range; } else {
      lo = Math.min(0, ...values); hi = Math.max(0, ...values);
      const pad = 0.18 * (hi - lo || 1);
      lo = lo < 0 ? lo - pad : 0; hi = hi > 0 ? hi + pad : 0;
      if (hi === lo) hi = lo + 1;
    }
    const left = Math.max(34, 2 * font), right = 6, top = font + 14, bottom = font + 10;
    const plotH = H - top - bottom, plotW = W - left - right;
    this.plot = {left, top, width: plotW, height: plotH, count: values.length};  // where the bars are (predict.js)
    const y = (/** @type {number} */ v) => top + ((hi - Math.min(hi, Math.max(lo, v))) / (hi - lo)) * plotH;
    ctx.font = (font - 1) + "px " + THEME.font;
    ctx.strokeStyle = THEME.gridLine; ctx.fillStyle = THEME.muted;
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of ticks(lo, hi, Math.max(2, Math.floor(plotH / Math.max(32, 2.2 * font))))) {
      ctx.beginPath(); ctx.moveTo(left, y(t)); ctx.lineTo(W - right, y(t)); ctx.stroke();
      ctx.fillText(fmt(t, 3), left - 4, y(t));
    }
    ctx.strokeStyle = THEME.zeroLine;
    ctx.beginPath(); ctx.moveTo(left, y(0)); ctx.lineTo(W - right, y(0)); ctx.stroke();
    const slot = plotW / K, bar = targets ? slot * 0.36 : slot * 0.62;
    ctx.textAlign = "center";
    for (let k = 0; k < K; k++) {
      const cx = left + slot * (k + 0.5);
      const x = targets ? cx - bar - 1 : cx - bar / 2;
      const v = values[k];
      ctx.fillStyle = colors[k];
      ctx.fillRect(x, Math.min(y(v), y(0)), bar, Math.abs(y(v) - y(0)));
      ctx.fillStyle = THEME.text;
      ctx.textBaseline = v >= 0 ? "bottom" : "top";
      const label = fmt(v, digits);  // over its bar when it fits the bar's slot (the table has every number)
      if (ctx.measureText(label).width <= slot - 2) ctx.fillText(label, x + bar / 2, v >= 0 ? y(v) - 1 : y(v) + 1);
      if (targets) {
        ctx.strokeStyle = THEME.neutral; ctx.lineWidth = 1.6;
        const t = targets[k];
        ctx.strokeRect(cx + 1, Math.min(y(t), y(0)), bar, Math.abs(y(t) - y(0)));
      }
      ctx.fillStyle = THEME.muted; ctx.textBaseline = "top";
      ctx.fillText(labels[k], cx, H - bottom + 3);
    }
  }
}

/**
 * The learning curves so far: every column of the history table sent with a stream, then one row per frame shown
 * (frames carry the same columns). The column names come from the table's header.
 */
export class Curves {
  constructor() {
    /** @type {Map<string, Array<number|number[]>>} */
    this.columns = new Map();
  }

  /** Start again from a history table (null: no curves, e.g. nothing to train). @param {import("./codec.js").Table|null} table */
  reset(table) {
    this.columns = new Map();
    if (!table) return;
    for (const name of table.names) this.columns.set(name, []);
    for (let i = 0; i < table.rows; i++) this.add(table.row(i));
  }

  /** @returns {number} rows kept */
  get length() {
    const steps = this.columns.get("step");
    return steps ? steps.length : 0;
  }

  /** Add a frame's row (a frame already in the curves is skipped). @param {import("./codec.js").Row} row */
  add(row) {
    const steps = /** @type {number[]|undefined} */ (this.columns.get("step"));
    if (!steps || (steps.length && /** @type {number} */ (row.step) <= steps[steps.length - 1])) return;
    for (const [name, values] of this.columns) {
      const entry = row[name];
      values.push(typeof entry === "number" ? entry : Array.from(entry));  // a copy: the frame's views pin its chunk
    }
    if (steps.length > MAX_CURVE_POINTS) this.thin();
  }

  thin() {  // keep every other row and always the latest, as the trainer's own history does
    for (const [name, values] of this.columns) {
      this.columns.set(name, values.filter((_, i) => i % 2 === 0 || i === values.length - 1));
    }
  }

  /** A scalar column's values. @param {string} name @returns {number[]} */
  series(name) {
    return /** @type {number[]} */ (this.columns.get(name) || []);
  }

  /** Entry k of a per-class column, row by row. @param {string} name @param {number} k @returns {number[]} */
  entry(name, k) {
    return /** @type {number[][]} */ (this.columns.get(name) || []).map((row) => row[k]);
  }
}

/**
 * @typedef {{values: number[], color: string, dash?: boolean, axis?: "left"|"right", width?: number}} Series
 * @typedef {{label: string, color: string, dash?: boolean}} LegendItem
 */

/** A line chart over the step axis with a left value axis and an optional right one (0-100%) or a log scale. */
export class LineChart extends CanvasChart {
  /**
   * @param {{title: string, steps: number[], series: Series[], left: {log: boolean}, right: boolean,
   *          legend: LegendItem[], font?: number, compactLegend?: boolean}} spec
   *   compactLegend: the legend in the title's row (a short one), not in rows of its own below the plot
   */
  draw({title: text, steps, series, left, right, legend, font = 12, compactLegend = false}) {
    const ctx = this.ctx, W = this.width, H = this.height;
    if (!ctx) return;
    this.font = font;
    ctx.clearRect(0, 0, W, H);
    title(ctx, text, 4, 2, font + 1);
    ctx.font = (font - 1) + "px " + THEME.font;
    const swatch = 16 + 0.35 * font;
    const legendWidths = legend.map((item) => swatch + 4 + ctx.measureText(item.label).width + 0.9 * font);
    const titleWidth = ctx.measureText(text).width * 1.15 + 12;
    let rows = legendRows(legendWidths, W - titleWidth);
    const compact = compactLegend && rows.length === 1;  // in the title's row only when it fits there whole
    if (!compact) rows = legendRows(legendWidths, W - 2.2 * font - 30);
    const legendHeight = compact ? 0 : rows.length * (font + 4);
    const l = Math.round(2.2 * font + 24), r = right ? Math.round(1.6 * font + 26) : 10;
    const top = font + 16, bottom = 2 * font + 10 + legendHeight;
    const plotW = W - l - r, plotH = H - top - bottom;
    const xmax = Math.max(1, steps.length ? steps[steps.length - 1] : 0);
    const x = (/** @type {number} */ s) => l + (s / xmax) * plotW;
    let lo = Infinity, hi = -Infinity;
    for (const s of series) {
      if (s.axis === "right") continue;
      for (const v of s.values) {
        if (!Number.isFinite(v) || (left.log && v <= 0)) continue;
        lo = Math.min(lo, v); hi = Math.max(hi, v);
      }
    }
    if (!Number.isFinite(lo)) { lo = left.log ? 0.1 : 0; hi = 1; }
    if (left.log) {
      if (hi / lo < 10) { const mid = Math.sqrt(hi * lo); lo = Math.min(lo, mid / 3.2); hi = Math.max(hi, mid * 3.2); }
      lo /= 1.15; hi *= 1.15;
    } else { lo = 0; hi = hi > 0 ? hi * 1.08 : 1; }
    const yl = left.log
      ? (/** @type {number} */ v) => top + (Math.log(hi) - Math.log(v)) / (Math.log(hi) - Math.log(lo)) * plotH
      : (/** @type {number} */ v) => top + (hi - v) / (hi - lo) * plotH;
    const yr = (/** @type {number} */ v) => top + (1.02 - v) / 1.02 * plotH;
    ctx.font = (font - 1) + "px " + THEME.font;
    ctx.lineWidth = 1;
    ctx.strokeStyle = THEME.gridLine; ctx.fillStyle = THEME.muted;
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of left.log ? logTicks(lo, hi) : ticks(lo, hi, Math.max(2, Math.floor(plotH / Math.max(40, 2.5 * font))))) {
      ctx.beginPath(); ctx.moveTo(l, yl(t)); ctx.lineTo(l + plotW, yl(t)); ctx.stroke();
      ctx.fillText(fmt(t, 3), l - 4, yl(t));
    }
    if (right) {
      ctx.textAlign = "left";
      for (const t of [0, 0.25, 0.5, 0.75, 1]) ctx.fillText(Math.round(100 * t) + "%", l + plotW + 4, yr(t));
    }
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ticks(0, xmax, Math.max(2, Math.floor(plotW / Math.max(70, 5 * font))), true)) {
      ctx.beginPath(); ctx.moveTo(x(t), top); ctx.lineTo(x(t), top + plotH); ctx.stroke();
      ctx.fillText(integer(t), x(t), top + plotH + 3);
    }
    ctx.fillText("step", l + plotW / 2, top + plotH + font + 3);
    ctx.save();
    ctx.beginPath(); ctx.rect(l, top - 2, plotW, plotH + 4); ctx.clip();
    for (const s of series) {
      const y = s.axis === "right" ? yr : yl;
      ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 2; ctx.setLineDash(s.dash ? [4, 3] : []);
      ctx.beginPath();
      let drawing = false, last = null;
      for (let i = 0; i < steps.length; i++) {
        const v = s.values[i];
        if (!Number.isFinite(v) || (s.axis !== "right" && left.log && v <= 0)) { drawing = false; continue; }
        const px = x(steps[i]), py = y(v);
        if (drawing) ctx.lineTo(px, py); else ctx.moveTo(px, py);
        drawing = true; last = [px, py];
      }
      ctx.stroke();
      if (last && steps.length === 1) {  // a single point (step 0) is drawn as a dot
        ctx.fillStyle = s.color; ctx.beginPath(); ctx.arc(last[0], last[1], 2.5, 0, 2 * Math.PI); ctx.fill();
      }
    }
    ctx.restore();
    ctx.setLineDash([]);
    // the legend: in the title's row, or in rows along the bottom that fit the chart's width
    ctx.textAlign = "left"; ctx.textBaseline = "middle";
    this.legendRight = 0;
    rows.forEach((row, n) => {
      const ly = compact ? 2 + (font + 1) / 2 : H - legendHeight + n * (font + 4) + (font + 4) / 2;
      for (const [i, x] of row) {
        const item = legend[i], lx = (compact ? titleWidth : l) + x;
        ctx.strokeStyle = item.color; ctx.lineWidth = compact ? 3 : 2; ctx.setLineDash(item.dash ? [4, 3] : []);
        ctx.beginPath(); ctx.moveTo(lx, ly); ctx.lineTo(lx + swatch, ly); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = THEME.text;
        ctx.fillText(item.label, lx + swatch + 4, ly);
        this.legendRight = Math.max(this.legendRight, lx + swatch + 4 + ctx.measureText(item.label).width);
      }
    });
  }
}

/** @typedef {{rows: number[][], labels: string[], limit: number}} HeatBlock */

/** A heat map of a few blocks of rows (e.g. the samples, then their mean), each block on its own colour scale. */
export class Heatmap extends CanvasChart {
  /** @param {HTMLCanvasElement} canvas @param {HTMLElement} tip */
  constructor(canvas, tip) {
    super(canvas);
    this.tip = tip;
    /** @type {{x: number, y: number, w: number, h: number, text: string}[]} */
    this.cells = [];
    canvas.addEventListener("pointermove", (e) => { if (e.pointerType === "mouse") this.onMove(e); });
    canvas.addEventListener("pointerleave", () => { this.tip.style.display = "none"; });
  }

  /** @param {{title: string, note: string, blocks: HeatBlock[], columns: string[], font?: number}} spec */
  draw({title: text, note, blocks, columns, font = 12}) {
    const ctx = this.ctx, W = this.width, H = this.height;
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    title(ctx, text, 4, 2, font + 1);
    this.cells = [];
    const rows = blocks.reduce((n, b) => n + b.rows.length, 0);
    const left = blocks.length > 1 ? 96 : 58, top = font + 12 + (note ? font + 4 : 0), gap = 6 * (blocks.length - 1), bottom = 22;
    if (note) { ctx.fillStyle = THEME.muted; ctx.font = (font - 1) + "px " + THEME.font; ctx.fillText(note, 4, font + 8); }
    const cellH = Math.max(2, Math.min(18, (H - top - bottom - gap) / Math.max(1, rows)));
    const cellW = (W - left - 4) / Math.max(1, columns.length);
    let y = top;
    ctx.font = Math.min(font - 1, Math.max(8, cellH)) + "px " + THEME.font;
    ctx.textBaseline = "middle";
    for (const block of blocks) {
      const limit = block.limit || 1;
      block.rows.forEach((values, i) => {
        values.forEach((v, j) => {
          ctx.fillStyle = diverging(v / limit);
          ctx.fillRect(left + j * cellW, y, Math.ceil(cellW), Math.ceil(cellH));
          this.cells.push({x: left + j * cellW, y, w: cellW, h: cellH, text: block.labels[i] + ", " + columns[j] + ": " + fmt(v, 4)});
        });
        if (cellH >= 8 || block.rows.length <= 3) {
          ctx.fillStyle = THEME.muted; ctx.textAlign = "right";
          ctx.fillText(block.labels[i], left - 4, y + cellH / 2);
        }
        y += cellH;
      });
      y += 6;
    }
    ctx.fillStyle = THEME.muted; ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.font = (font - 1) + "px " + THEME.font;
    const every = Math.max(1, Math.ceil(columns.length / Math.max(1, Math.floor((W - left) / 46))));
    columns.forEach((name, j) => { if (j % every === 0) ctx.fillText(name, left + (j + 0.5) * cellW, y + 2); });
  }

  /** @param {MouseEvent} event */
  onMove(event) {
    const rect = this.canvas.getBoundingClientRect(), x = event.clientX - rect.left, y = event.clientY - rect.top;
    const cell = this.cells.find((c) => x >= c.x && x < c.x + c.w && y >= c.y && y < c.y + c.h);
    if (!cell) { this.tip.style.display = "none"; return; }
    this.tip.textContent = cell.text;
    this.tip.style.display = "block";
    const parent = /** @type {HTMLElement} */ (this.canvas.offsetParent).getBoundingClientRect();
    this.tip.style.left = (rect.left - parent.left + Math.min(x + 12, this.width - 160)) + "px";
    this.tip.style.top = (rect.top - parent.top + y - 30) + "px";
  }
}
