// The stage's small charts on canvases: bars for one point's logits and probabilities, and the learning curves.
"use strict";

const CE_FONT = '"Source Sans", "Source Sans Pro", "DejaVu Sans", Arial, sans-serif';
const CE_TEXT = "#31333F", CE_MUTED = "#6b6f7e", CE_LOSS = "#0072B2", CE_ACC = "#D55E00";

function ceTitle(ctx, text, x, y, font) {
  ctx.fillStyle = CE_TEXT;
  ctx.font = "600 " + font + "px " + CE_FONT;
  ctx.textAlign = "left"; ctx.textBaseline = "top";
  ctx.fillText(text, x, y);
}

// Bars, one per class: values (K), optional outlined target bars beside them, a fixed or a fitted value axis.
class CeBars {
  constructor(canvas) { this.canvas = canvas; this.width = 0; this.height = 0; }

  resize(width, height) {
    if (width === this.width && height === this.height) return;
    this.width = width; this.height = height;
    this.ctx = ceSizeCanvas(this.canvas, width, height);
  }

  draw({title, values, targets, colors, labels, range, digits = 3, font = 12}) {
    const ctx = this.ctx, W = this.width, H = this.height;
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    ceTitle(ctx, title, 4, 2, font + 1);
    const K = values.length;
    let lo, hi;
    if (range) { [lo, hi] = range; } else {
      lo = Math.min(0, ...values); hi = Math.max(0, ...values);
      const pad = 0.18 * (hi - lo || 1);
      lo = lo < 0 ? lo - pad : 0; hi = hi > 0 ? hi + pad : 0;
      if (hi === lo) hi = lo + 1;
    }
    const left = 34, right = 6, top = font + 14, bottom = font + 10;
    const plotH = H - top - bottom, plotW = W - left - right;
    const y = (v) => top + ((hi - Math.min(hi, Math.max(lo, v))) / (hi - lo)) * plotH;
    ctx.font = (font - 1) + "px " + CE_FONT;
    ctx.strokeStyle = "rgba(0,0,0,0.08)"; ctx.fillStyle = CE_MUTED;
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of ceTicks(lo, hi, Math.max(2, Math.floor(plotH / 32)))) {
      ctx.beginPath(); ctx.moveTo(left, y(t)); ctx.lineTo(W - right, y(t)); ctx.stroke();
      ctx.fillText(ceTickLabel(t), left - 4, y(t));
    }
    ctx.strokeStyle = "#999999";
    ctx.beginPath(); ctx.moveTo(left, y(0)); ctx.lineTo(W - right, y(0)); ctx.stroke();
    const slot = plotW / K, bar = targets ? slot * 0.36 : slot * 0.62;
    ctx.textAlign = "center";
    for (let k = 0; k < K; k++) {
      const cx = left + slot * (k + 0.5);
      const x = targets ? cx - bar - 1 : cx - bar / 2;
      const v = values[k];
      ctx.fillStyle = colors[k];
      ctx.fillRect(x, Math.min(y(v), y(0)), bar, Math.abs(y(v) - y(0)));
      ctx.fillStyle = CE_TEXT;
      ctx.textBaseline = v >= 0 ? "bottom" : "top";
      ctx.fillText(ceSigned(ceFormat(v, digits)), x + bar / 2, v >= 0 ? y(v) - 1 : y(v) + 1);
      if (targets) {
        ctx.strokeStyle = CE_NEUTRAL; ctx.lineWidth = 1.6;
        const t = targets[k];
        ctx.strokeRect(cx + 1, Math.min(y(t), y(0)), bar, Math.abs(y(t) - y(0)));
      }
      ctx.fillStyle = CE_MUTED; ctx.textBaseline = "top";
      ctx.fillText(labels[k], cx, H - bottom + 3);
    }
  }
}

// The learning curves so far: the history sent with a stream, then one point per frame shown.
class CeCurves {
  constructor() { this.reset(null, 0); }

  reset(table, K) {
    this.K = K;
    this.step = []; this.train_loss = []; this.test_loss = []; this.train_acc = []; this.test_acc = [];
    this.norms = Array.from({length: K}, () => []);
    if (!table) return;
    for (let i = 0; i < table.rows; i++) {
      this.add(table.get("step", i), table.get("train_loss", i), table.get("test_loss", i), table.get("train_acc", i),
               table.get("test_acc", i), table.get("class_grad_norm", i));
    }
  }

  add(step, trainLoss, testLoss, trainAcc, testAcc, norms) {
    const last = this.step.length ? this.step[this.step.length - 1] : -1;
    if (step <= last) return;  // a frame already in the curves
    this.step.push(step); this.train_loss.push(trainLoss); this.test_loss.push(testLoss);
    this.train_acc.push(trainAcc); this.test_acc.push(testAcc);
    for (let k = 0; k < this.K; k++) this.norms[k].push(norms[k]);
    if (this.step.length > 2000) this.thin();
  }

  thin() {  // keep every other point and always the latest, as the trainer's own history does
    const keep = (a) => a.filter((_, i) => i % 2 === 0 || i === a.length - 1);
    for (const name of ["step", "train_loss", "test_loss", "train_acc", "test_acc"]) this[name] = keep(this[name]);
    this.norms = this.norms.map(keep);
  }
}

// A line chart over the step axis with a left value axis and an optional right one (0-100%) or a log scale.
class CeLineChart {
  constructor(canvas) { this.canvas = canvas; this.width = 0; this.height = 0; }

  resize(width, height) {
    if (width === this.width && height === this.height) return;
    this.width = width; this.height = height;
    this.ctx = ceSizeCanvas(this.canvas, width, height);
  }

  // series: [{values, color, dash, axis: "left" | "right"}]; left: {log, title}; right: {title} (0..1 shown as %)
  draw({title, steps, series, left, right, legend, font = 12}) {
    const ctx = this.ctx, W = this.width, H = this.height;
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    ceTitle(ctx, title, 4, 2, font + 1);
    const top = font + 16, bottom = font + 30, l = 50, r = right ? 46 : 10;
    const plotW = W - l - r, plotH = H - top - bottom;
    const lastStep = steps.length ? steps[steps.length - 1] : 0;
    const xmax = Math.max(1, lastStep);
    const x = (s) => l + (s / xmax) * plotW;
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
      ? (v) => top + (Math.log(hi) - Math.log(v)) / (Math.log(hi) - Math.log(lo)) * plotH
      : (v) => top + (hi - v) / (hi - lo) * plotH;
    const yr = (v) => top + (1.02 - v) / 1.02 * plotH;
    ctx.font = (font - 1) + "px " + CE_FONT;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(0,0,0,0.08)"; ctx.fillStyle = CE_MUTED;
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of left.log ? ceLogTicks(lo, hi) : ceTicks(lo, hi, Math.max(2, Math.floor(plotH / 40)))) {
      ctx.beginPath(); ctx.moveTo(l, yl(t)); ctx.lineTo(l + plotW, yl(t)); ctx.stroke();
      ctx.fillText(ceTickLabel(t), l - 4, yl(t));
    }
    if (right) {
      ctx.textAlign = "left";
      for (const t of [0, 0.25, 0.5, 0.75, 1]) ctx.fillText(Math.round(100 * t) + "%", l + plotW + 4, yr(t));
    }
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ceTicks(0, xmax, Math.max(2, Math.floor(plotW / 70)), true)) {
      ctx.beginPath(); ctx.moveTo(x(t), top); ctx.lineTo(x(t), top + plotH); ctx.stroke();
      ctx.fillText(ceFormat(t, 6).replace(/\B(?=(\d{3})+(?!\d))/g, ","), x(t), top + plotH + 3);
    }
    ctx.fillText("step", l + plotW / 2, top + plotH + font + 4);
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
    // legend along the bottom
    let lx = l;
    ctx.textAlign = "left"; ctx.textBaseline = "middle";
    const ly = H - 8;
    for (const item of legend) {
      ctx.strokeStyle = item.color; ctx.lineWidth = 2; ctx.setLineDash(item.dash ? [4, 3] : []);
      ctx.beginPath(); ctx.moveTo(lx, ly); ctx.lineTo(lx + 16, ly); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = CE_TEXT;
      ctx.fillText(item.label, lx + 20, ly);
      lx += 28 + ctx.measureText(item.label).width;
    }
  }
}

// Red for positive, blue for negative, white at 0 (RdBu reversed), for values already scaled to [-1, 1].
function ceDiverging(v) {
  const t = Math.max(-1, Math.min(1, v));
  const [r, g, b] = t >= 0 ? [178 + (1 - t) * 77, 24 + (1 - t) * 231, 43 + (1 - t) * 212]
                           : [33 + (1 + t) * 222, 102 + (1 + t) * 153, 172 + (1 + t) * 83];
  return "rgb(" + Math.round(r) + "," + Math.round(g) + "," + Math.round(b) + ")";
}

// A heat map of a few blocks of rows (e.g. the samples, then their mean), each block on its own colour scale.
class CeHeatmap {
  constructor(canvas, tip) {
    this.canvas = canvas; this.tip = tip; this.width = 0; this.height = 0; this.cells = [];
    canvas.addEventListener("mousemove", (e) => this.onMove(e));
    canvas.addEventListener("mouseleave", () => { this.tip.style.display = "none"; });
  }

  resize(width, height) {
    if (width === this.width && height === this.height) return;
    this.width = width; this.height = height;
    this.ctx = ceSizeCanvas(this.canvas, width, height);
  }

  // blocks: [{rows: [[values]], labels: [row labels], limit}], columns: labels of the columns
  draw({title, note, blocks, columns, font = 12}) {
    const ctx = this.ctx, W = this.width, H = this.height;
    if (!ctx) return;
    ctx.clearRect(0, 0, W, H);
    ceTitle(ctx, title, 4, 2, font + 1);
    this.cells = [];
    const rows = blocks.reduce((n, b) => n + b.rows.length, 0);
    const left = blocks.length > 1 ? 96 : 58, top = font + 12 + (note ? font + 4 : 0), gap = 6 * (blocks.length - 1), bottom = 22;
    if (note) { ctx.fillStyle = CE_MUTED; ctx.font = (font - 1) + "px " + CE_FONT; ctx.fillText(note, 4, font + 8); }
    const cellH = Math.max(2, Math.min(18, (H - top - bottom - gap) / Math.max(1, rows)));
    const cellW = (W - left - 4) / Math.max(1, columns.length);
    let y = top;
    ctx.font = Math.min(font - 1, Math.max(8, cellH)) + "px " + CE_FONT;
    ctx.textBaseline = "middle";
    for (const block of blocks) {
      const limit = block.limit || 1;
      block.rows.forEach((values, i) => {
        values.forEach((v, j) => {
          ctx.fillStyle = ceDiverging(v / limit);
          ctx.fillRect(left + j * cellW, y, Math.ceil(cellW), Math.ceil(cellH));
          this.cells.push({x: left + j * cellW, y, w: cellW, h: cellH, text: block.labels[i] + ", " + columns[j] + ": " + ceSigned(ceFormat(v, 4))});
        });
        if (cellH >= 8 || block.rows.length <= 3) {
          ctx.fillStyle = CE_MUTED; ctx.textAlign = "right";
          ctx.fillText(block.labels[i], left - 4, y + cellH / 2);
        }
        y += cellH;
      });
      y += 6;
    }
    ctx.fillStyle = CE_MUTED; ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.font = (font - 1) + "px " + CE_FONT;
    const every = Math.max(1, Math.ceil(columns.length / Math.max(1, Math.floor((W - left) / 46))));
    columns.forEach((name, j) => { if (j % every === 0) ctx.fillText(name, left + (j + 0.5) * cellW, y + 2); });
  }

  onMove(event) {
    const rect = this.canvas.getBoundingClientRect(), x = event.clientX - rect.left, y = event.clientY - rect.top;
    const cell = this.cells.find((c) => x >= c.x && x < c.x + c.w && y >= c.y && y < c.y + c.h);
    if (!cell) { this.tip.style.display = "none"; return; }
    this.tip.textContent = cell.text;
    this.tip.style.display = "block";
    const parent = this.canvas.offsetParent.getBoundingClientRect();
    this.tip.style.left = (rect.left - parent.left + Math.min(x + 12, this.width - 160)) + "px";
    this.tip.style.top = (rect.top - parent.top + y - 30) + "px";
  }
}
