// @ts-check
// The input plane on three stacked canvases: the colours of the regions and the axes (every frame), the data
// points (only when the data or the size change), and what moves with the points (misclassified rings, the last
// mini-batch, the selected point, the weight arrows: every frame). Hovering with a mouse shows a point (a touch
// shows no tooltip: nothing would take it away); a click or a tap selects it, or in draw mode reports where the
// plane was clicked.
import {bit} from "./codec.js";
import {arrow, element, marker, sizeCanvas} from "./draw.js";
import {fmt} from "./numbers.js";
import {THEME} from "./theme.js";
import {ticks} from "./ticks.js";

/**
 * @typedef {{classes: string[], colors: string[], symbols: string[], axes: string[], bounds: number[],
 *            linear: boolean}} PlaneMeta
 * @typedef {{present: boolean, draw: boolean, selected: number, step_scale: number|null}} PlaneView
 * @typedef {{select: (index: number) => void, draw: (x: number, y: number) => void}} PlaneHandlers
 * @typedef {{left: number, top: number, width: number, height: number, scale: number, x0: number, x1: number,
 *            y0: number, y1: number}} PlotBox
 */

export class Plane {
  /** @param {HTMLElement} root @param {PlaneHandlers} handlers */
  constructor(root, handlers) {
    this.root = root;
    this.handlers = handlers;
    this.regions = root.appendChild(element("canvas", "layer"));
    this.points = root.appendChild(element("canvas", "layer"));
    this.overlay = root.appendChild(element("canvas", "layer"));
    this.tip = root.appendChild(element("div", "tooltip"));
    this.grid = document.createElement("canvas");  // the R x R colour codes, scaled onto the plot
    /** @type {PlaneMeta|null} */
    this.meta = null;
    /** @type {import("./codec.js").Table|null} the points */
    this.table = null;
    /** @type {Uint8Array|null} */
    this.lut = null;
    /** @type {import("./codec.js").Row|null} */
    this.frame = null;
    /** @type {PlaneView} */
    this.view = {present: false, draw: false, selected: 0, step_scale: null};
    this.size = {width: 0, height: 0};
    this.margin = {left: 46, right: 10, top: 8, bottom: 40};
    this.font = 12;  // the ticks' and the axes' names
    this.markerRadius = 4.2;
    this.hovered = -1;
    /** @type {PlotBox|null} */
    this.box = null;
    /** @type {Float32Array|null} where each point is drawn */
    this.pixels = null;
    /** @type {{k: number, px: number, py: number}[]} */
    this.tips = [];
    /** @type {{w: number, step: number, origin: boolean}|null} how the arrows are drawn, for the caption */
    this.arrowNote = null;
    this.overlay.addEventListener("pointermove", (e) => { if (e.pointerType === "mouse") this.onMove(e); });
    this.overlay.addEventListener("pointerdown", (e) => { if (e.pointerType !== "mouse") this.hideTip(); });
    this.overlay.addEventListener("pointerleave", () => this.hideTip());
    this.overlay.addEventListener("click", (e) => this.onClick(e));
  }

  hideTip() {
    this.hovered = -1;
    this.tip.style.display = "none";
  }

  /**
   * The text size of the ticks and the room around the plot (presentation mode scales both with the screen).
   * @param {number} font @param {{left: number, right: number, top: number, bottom: number}} margin
   */
  setFont(font, margin) {
    if (font === this.font && JSON.stringify(margin) === JSON.stringify(this.margin)) return;
    this.font = font;
    this.margin = margin;
    if (this.view.present) this.markerRadius = Math.max(6, font / 3);
    this.size = {width: 0, height: 0};  // laid out again at the next resize
  }

  /** @param {PlaneMeta} meta */
  setMeta(meta) { this.meta = meta; this.layout(); this.drawPoints(); }
  /** @param {import("./codec.js").Table|null} table */
  setPoints(table) { this.table = table; this.drawPoints(); }
  /** @param {Uint8Array} bytes */
  setLut(bytes) { this.lut = bytes; }
  /** @param {PlaneView} view */
  setView(view) {
    this.view = view;
    this.markerRadius = view.present ? Math.max(6, this.font / 3) : 4.2;
    this.overlay.style.cursor = view.draw ? "crosshair" : "default";
    this.drawPoints();
  }

  /** @param {number} width @param {number} height */
  resize(width, height) {
    if (width === this.size.width && height === this.size.height) return;
    this.size = {width, height};
    this.root.style.width = width + "px";
    this.root.style.height = height + "px";
    this.layout();
    this.drawPoints();
    this.drawFrame(this.frame);
  }

  /** The plot area and the data-to-pixel map, with one scale for both axes. */
  layout() {
    if (!this.meta || !this.size.width) return;
    const [x0, x1, y0, y1] = this.meta.bounds;
    const m = this.margin;
    const w = this.size.width - m.left - m.right, h = this.size.height - m.top - m.bottom;
    const scale = Math.min(w / (x1 - x0), h / (y1 - y0));
    const pw = scale * (x1 - x0), ph = scale * (y1 - y0);
    const left = m.left + (w - pw) / 2, top = m.top + (h - ph) / 2;
    this.box = {left, top, width: pw, height: ph, scale, x0, x1, y0, y1};
    for (const canvas of [this.regions, this.points, this.overlay]) sizeCanvas(canvas, this.size.width, this.size.height);
  }

  /** @param {number} x */
  px(x) { const b = /** @type {PlotBox} */ (this.box); return b.left + (x - b.x0) * b.scale; }
  /** @param {number} y */
  py(y) { const b = /** @type {PlotBox} */ (this.box); return b.top + (b.y1 - y) * b.scale; }
  /** @param {number} px */
  dataX(px) { const b = /** @type {PlotBox} */ (this.box); return b.x0 + (px - b.left) / b.scale; }
  /** @param {number} py */
  dataY(py) { const b = /** @type {PlotBox} */ (this.box); return b.y1 - (py - b.top) / b.scale; }

  /** Draw a frame; null draws the bare plane with its points (nothing to train yet). @param {import("./codec.js").Row|null} frame */
  drawFrame(frame) {
    this.frame = frame;
    if (!this.box) return;
    this.drawRegions(frame);
    this.drawOverlay(frame);
  }

  /** @param {import("./codec.js").Row|null} frame */
  drawRegions(frame) {
    const ctx = /** @type {CanvasRenderingContext2D} */ (this.regions.getContext("2d"));
    const {left, top, width, height} = /** @type {PlotBox} */ (this.box);
    ctx.clearRect(0, 0, this.size.width, this.size.height);
    ctx.fillStyle = THEME.background;
    ctx.fillRect(left, top, width, height);
    if (frame && this.lut) {
      const codes = /** @type {Uint8Array} */ (frame.grid), lut = this.lut;
      const r = Math.round(Math.sqrt(codes.length));
      if (this.grid.width !== r) { this.grid.width = r; this.grid.height = r; }
      const g = /** @type {CanvasRenderingContext2D} */ (this.grid.getContext("2d"));
      const image = g.createImageData(r, r);
      const px = image.data;
      for (let i = 0; i < r; i++) {
        const row = (r - 1 - i) * r;  // grid rows follow x2 upwards; image rows run downwards
        for (let j = 0; j < r; j++) {
          const code = codes[i * r + j], out = (row + j) * 4;
          px[out] = lut[code * 3]; px[out + 1] = lut[code * 3 + 1]; px[out + 2] = lut[code * 3 + 2]; px[out + 3] = 255;
        }
      }
      g.putImageData(image, 0, 0);
      // grid points sit on the bounds' edges: cell j is centred on x0 + j (x1 - x0) / (r - 1)
      const cell = width / (r - 1);
      ctx.save();
      ctx.beginPath(); ctx.rect(left, top, width, height); ctx.clip();
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(this.grid, left - cell / 2, top - cell / 2, width + cell, height + cell);
      ctx.restore();
    }
    this.drawAxes(ctx);
  }

  /** @param {CanvasRenderingContext2D} ctx */
  drawAxes(ctx) {
    const {left, top, width, height, x0, x1, y0, y1} = /** @type {PlotBox} */ (this.box);
    const meta = /** @type {PlaneMeta} */ (this.meta);
    const font = this.font;
    ctx.save();
    ctx.font = font + "px " + THEME.font;
    ctx.fillStyle = THEME.muted;
    ctx.strokeStyle = THEME.gridLine;
    ctx.lineWidth = 1;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ticks(x0, x1, Math.max(3, Math.floor(width / 80)))) {
      const x = this.px(t);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
      ctx.fillText(fmt(t, 3), x, top + height + 4);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of ticks(y0, y1, Math.max(3, Math.floor(height / 60)))) {
      const y = this.py(t);
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + width, y); ctx.stroke();
      ctx.fillText(fmt(t, 3), left - 5, y);
    }
    ctx.fillStyle = THEME.text;
    ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText(meta.axes[0], left + width / 2, this.size.height - 2);
    ctx.translate(font * 0.75, top + height / 2); ctx.rotate(-Math.PI / 2); ctx.textBaseline = "middle";
    ctx.fillText(meta.axes[1], 0, 0);
    ctx.restore();
    ctx.strokeStyle = THEME.frame;
    ctx.strokeRect(left + 0.5, top + 0.5, width - 1, height - 1);
  }

  drawPoints() {
    if (!this.box || !this.table || !this.meta) return;
    const ctx = /** @type {CanvasRenderingContext2D} */ (this.points.getContext("2d"));
    ctx.clearRect(0, 0, this.size.width, this.size.height);
    const n = this.table.rows, x = this.table.all("x"), label = this.table.all("label"), test = this.table.all("test");
    const r = this.markerRadius;
    this.pixels = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const k = label[i], px = this.px(x[2 * i]), py = this.py(x[2 * i + 1]);
      this.pixels[2 * i] = px; this.pixels[2 * i + 1] = py;
      marker(ctx, this.meta.symbols[k], px, py, r, this.meta.colors[k], test[i] === 1);
    }
  }

  /**
   * Where the weight arrows start: the origin when it is in view (u_k = w_k . x + b_k grows along w_k from there),
   * else the middle of the plot.
   * @returns {[number, number, boolean]}
   */
  arrowOrigin() {
    const {x0, x1, y0, y1} = /** @type {PlotBox} */ (this.box);
    const inside = x0 < 0 && 0 < x1 && y0 < 0 && 0 < y1;
    return inside ? [0, 0, true] : [(x0 + x1) / 2, (y0 + y1) / 2, false];
  }

  /** @param {ArrayLike<number>} W */
  arrowScale(W) {
    const {x0, x1, y0, y1} = /** @type {PlotBox} */ (this.box);
    const half = 0.45 * Math.min(x1 - x0, y1 - y0);
    let longest = 0;
    for (let k = 0; k < W.length / 2; k++) longest = Math.max(longest, Math.hypot(W[2 * k], W[2 * k + 1]));
    return longest > half ? half / longest : 1;  // shrink, never grow
  }

  /** @param {import("./codec.js").Row|null} frame */
  drawOverlay(frame) {
    const ctx = /** @type {CanvasRenderingContext2D} */ (this.overlay.getContext("2d"));
    const box = /** @type {PlotBox} */ (this.box), meta = /** @type {PlaneMeta} */ (this.meta);
    ctx.clearRect(0, 0, this.size.width, this.size.height);
    this.tips = [];
    this.arrowNote = null;
    if (!this.table || !this.pixels) return;
    const pixels = this.pixels, n = this.table.rows, r = this.markerRadius;
    const thick = Math.max(1, r / 4.2 * 0.8);  // marks grow with the markers (presentation mode on a large screen)
    ctx.save();
    ctx.beginPath(); ctx.rect(box.left, box.top, box.width, box.height); ctx.clip();
    if (frame) {
      const wrong = /** @type {Uint8Array} */ (frame.wrong), batch = /** @type {Uint8Array} */ (frame.batch);
      ctx.lineWidth = 1.3 * thick;
      ctx.strokeStyle = THEME.ring;
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        if (!bit(wrong, i)) continue;
        ctx.moveTo(pixels[2 * i] + r + 3, pixels[2 * i + 1]); ctx.arc(pixels[2 * i], pixels[2 * i + 1], r + 3, 0, 2 * Math.PI);
      }
      ctx.stroke();
      ctx.strokeStyle = THEME.batch;
      ctx.lineWidth = 1.5 * thick;
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        if (!bit(batch, i)) continue;
        const a = r + 5.5;
        ctx.rect(pixels[2 * i] - a, pixels[2 * i + 1] - a, 2 * a, 2 * a);
      }
      ctx.stroke();
      const s = this.view.selected;
      if (s >= 0 && s < n) {
        const px = pixels[2 * s], py = pixels[2 * s + 1];
        ctx.lineWidth = 3 * thick; ctx.strokeStyle = THEME.selected;
        ctx.beginPath(); ctx.arc(px, py, r + 9 * thick, 0, 2 * Math.PI); ctx.stroke();
        ctx.fillStyle = THEME.selected; ctx.beginPath(); ctx.arc(px, py, 2.2 * thick, 0, 2 * Math.PI); ctx.fill();
      }
      if (frame.W) this.drawArrows(ctx, /** @type {Float64Array} */ (frame.W), /** @type {Float64Array} */ (frame.next_W), meta);
    }
    ctx.restore();
    if (this.hovered >= 0) this.showTip(this.hovered);
  }

  /**
   * The class weight vectors w_k as grey arrows and the next step's change as dotted red ones (linear models).
   * @param {CanvasRenderingContext2D} ctx
   * @param {Float64Array} W
   * @param {Float64Array} next
   * @param {PlaneMeta} meta
   */
  drawArrows(ctx, W, next, meta) {
    const [ox, oy, origin] = this.arrowOrigin();
    const ws = this.arrowScale(W), ss = this.view.step_scale || 1;
    for (let k = 0; k < W.length / 2; k++) {
      const tx = ox + ws * W[2 * k], ty = oy + ws * W[2 * k + 1];
      arrow(ctx, this.px(ox), this.py(oy), this.px(tx), this.py(ty), THEME.neutral, 3, false);
      ctx.fillStyle = meta.colors[k];
      ctx.beginPath(); ctx.arc(this.px(tx), this.py(ty), 4.5, 0, 2 * Math.PI); ctx.fill();
      const hx = tx + ss * next[2 * k], hy = ty + ss * next[2 * k + 1];
      arrow(ctx, this.px(tx), this.py(ty), this.px(hx), this.py(hy), THEME.ring, 2.2, true);
      this.tips.push({k, px: this.px(tx), py: this.py(ty)});
    }
    this.arrowNote = {w: ws, step: ss, origin};
  }

  /** @param {number} px @param {number} py @param {number} radius */
  nearest(px, py, radius) {
    if (!this.pixels) return -1;
    let best = -1, bestDistance = radius * radius;
    for (let i = 0; i < this.pixels.length / 2; i++) {
      const dx = this.pixels[2 * i] - px, dy = this.pixels[2 * i + 1] - py, d = dx * dx + dy * dy;
      if (d < bestDistance) { best = i; bestDistance = d; }
    }
    return best;
  }

  /** @param {MouseEvent} event @returns {[number, number]} */
  position(event) {
    const rect = this.overlay.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }

  /** @param {MouseEvent} event */
  onMove(event) {
    const [px, py] = this.position(event);
    const frame = this.frame, meta = this.meta;
    if (frame && frame.W && meta) {
      const W = /** @type {Float64Array} */ (frame.W), next = /** @type {Float64Array} */ (frame.next_W);
      const b = /** @type {Float64Array} */ (frame.b);
      for (const tip of this.tips) {
        if (Math.hypot(tip.px - px, tip.py - py) < 8) {
          const k = tip.k;
          this.tipAt(px, py, "w_" + k + " (class " + meta.classes[k] + ") = (" + fmt(W[2 * k]) + ", " + fmt(W[2 * k + 1]) +
            "), b_" + k + " = " + fmt(b[k]) + "\nnext step of w_" + k + ": (" + fmt(next[2 * k], 3) + ", " +
            fmt(next[2 * k + 1], 3) + ")");
          this.hovered = -1;
          return;
        }
      }
    }
    const i = this.view.draw ? -1 : this.nearest(px, py, 10);
    this.hovered = i;
    this.overlay.style.cursor = this.view.draw ? "crosshair" : i >= 0 ? "pointer" : "default";
    if (i < 0) { this.tip.style.display = "none"; return; }
    this.showTip(i);
  }

  /** @param {number} i */
  showTip(i) {
    if (!this.table || !this.pixels || !this.meta) return;
    const x = this.table.all("x"), k = this.table.all("label")[i], test = this.table.all("test")[i];
    const wrong = this.frame && bit(/** @type {Uint8Array} */ (this.frame.wrong), i) ? "\nmisclassified" : "";
    this.tipAt(this.pixels[2 * i], this.pixels[2 * i + 1],
      "point #" + i + ", class " + this.meta.classes[k] + " (" + (test ? "test" : "training") + ")\n" +
      this.meta.axes[0] + " = " + fmt(x[2 * i]) + ", " + this.meta.axes[1] + " = " + fmt(x[2 * i + 1]) + wrong +
      "\nclick to inspect it");
  }

  /** @param {number} px @param {number} py @param {string} text */
  tipAt(px, py, text) {
    this.tip.textContent = text;
    this.tip.style.display = "block";
    const w = this.tip.offsetWidth, h = this.tip.offsetHeight;
    this.tip.style.left = Math.min(px + 12, this.size.width - w - 2) + "px";
    this.tip.style.top = Math.max(2, py - h - 10) + "px";
  }

  /** @param {MouseEvent} event */
  onClick(event) {
    const [px, py] = this.position(event);
    const box = this.box;
    if (!box) return;
    if (this.view.draw) {
      const inside = px >= box.left && px <= box.left + box.width && py >= box.top && py <= box.top + box.height;
      if (inside) this.handlers.draw(this.dataX(px), this.dataY(py));
      return;
    }
    const i = this.nearest(px, py, 12);
    if (i >= 0) this.handlers.select(i);
  }
}
