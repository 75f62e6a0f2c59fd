// The input plane on three stacked canvases: the colours of the regions and the axes (every frame), the data
// points (only when the data or the size change), and what moves with the points (misclassified rings, the last
// mini-batch, the selected point, the weight arrows: every frame). Hover shows a point; a click selects it, or in
// draw mode reports where the plane was clicked.
"use strict";

const CE_RING = "#C00000", CE_BATCH = "#7B2CBF", CE_NEUTRAL = "#444444", CE_GRID = "rgba(0,0,0,0.08)";

class CePlane {
  constructor(root, handlers) {
    this.root = root;
    this.handlers = handlers;  // {select(index), draw(x, y)}
    this.regions = root.appendChild(ceElement("canvas", "layer"));
    this.points = root.appendChild(ceElement("canvas", "layer"));
    this.overlay = root.appendChild(ceElement("canvas", "layer"));
    this.tip = root.appendChild(ceElement("div", "tooltip"));
    this.grid = document.createElement("canvas");  // the R x R colour codes, scaled onto the plot
    this.meta = null; this.table = null; this.lut = null; this.frame = null; this.view = {};
    this.size = {width: 0, height: 0};
    this.margin = {left: 46, right: 10, top: 8, bottom: 40};
    this.markerRadius = 4.2;
    this.hovered = -1;
    this.overlay.addEventListener("mousemove", (e) => this.onMove(e));
    this.overlay.addEventListener("mouseleave", () => { this.hovered = -1; this.tip.style.display = "none"; });
    this.overlay.addEventListener("click", (e) => this.onClick(e));
  }

  setMeta(meta) { this.meta = meta; this.layout(); this.drawPoints(); }
  setPoints(table) { this.table = table; this.drawPoints(); }
  setLut(bytes) { this.lut = bytes; }
  setView(view) {
    this.view = view;
    this.markerRadius = view.present ? 6 : 4.2;
    this.overlay.style.cursor = view.draw ? "crosshair" : "default";
    this.drawPoints();
  }

  resize(width, height) {
    if (width === this.size.width && height === this.size.height) return;
    this.size = {width, height};
    this.root.style.width = width + "px";
    this.root.style.height = height + "px";
    this.layout();
    this.drawPoints();
    if (this.frame) this.drawFrame(this.frame);
  }

  // The plot area and the data-to-pixel map, with one scale for both axes.
  layout() {
    if (!this.meta || !this.size.width) return;
    const [x0, x1, y0, y1] = this.meta.bounds;
    const m = this.margin;
    const w = this.size.width - m.left - m.right, h = this.size.height - m.top - m.bottom;
    const scale = Math.min(w / (x1 - x0), h / (y1 - y0));
    const pw = scale * (x1 - x0), ph = scale * (y1 - y0);
    const left = m.left + (w - pw) / 2, top = m.top + (h - ph) / 2;
    this.box = {left, top, width: pw, height: ph, scale, x0, x1, y0, y1};
    for (const canvas of [this.regions, this.points, this.overlay]) ceSizeCanvas(canvas, this.size.width, this.size.height);
  }

  px(x) { return this.box.left + (x - this.box.x0) * this.box.scale; }
  py(y) { return this.box.top + (this.box.y1 - y) * this.box.scale; }
  dataX(px) { return this.box.x0 + (px - this.box.left) / this.box.scale; }
  dataY(py) { return this.box.y1 - (py - this.box.top) / this.box.scale; }

  drawFrame(frame) {
    this.frame = frame;
    if (!this.box) return;
    this.drawRegions(frame);
    this.drawOverlay(frame);
  }

  drawRegions(frame) {
    const ctx = this.regions.getContext("2d");
    const {left, top, width, height} = this.box;
    ctx.clearRect(0, 0, this.size.width, this.size.height);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(left, top, width, height);
    if (frame && this.lut) {
      const codes = frame.grid;
      const r = Math.round(Math.sqrt(codes.length));
      if (this.grid.width !== r) { this.grid.width = r; this.grid.height = r; }
      const g = this.grid.getContext("2d");
      const image = g.createImageData(r, r);
      const px = image.data;
      for (let i = 0; i < r; i++) {
        const row = (r - 1 - i) * r;  // grid rows follow x2 upwards; image rows run downwards
        for (let j = 0; j < r; j++) {
          const code = codes[i * r + j], out = (row + j) * 4;
          px[out] = this.lut[code * 3]; px[out + 1] = this.lut[code * 3 + 1]; px[out + 2] = this.lut[code * 3 + 2]; px[out + 3] = 255;
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

  drawAxes(ctx) {
    const {left, top, width, height, x0, x1, y0, y1} = this.box;
    const font = this.view.present ? 15 : 12;
    ctx.save();
    ctx.font = font + "px " + CE_FONT;
    ctx.fillStyle = "#6b6f7e";
    ctx.strokeStyle = CE_GRID;
    ctx.lineWidth = 1;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of ceTicks(x0, x1, Math.max(3, Math.floor(width / 80)))) {
      const x = this.px(t);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
      ctx.fillText(ceTickLabel(t), x, top + height + 4);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of ceTicks(y0, y1, Math.max(3, Math.floor(height / 60)))) {
      const y = this.py(t);
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + width, y); ctx.stroke();
      ctx.fillText(ceTickLabel(t), left - 5, y);
    }
    ctx.fillStyle = "#31333F";
    ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText(this.meta.axes[0], left + width / 2, this.size.height - 2);
    ctx.translate(11, top + height / 2); ctx.rotate(-Math.PI / 2); ctx.textBaseline = "middle";
    ctx.fillText(this.meta.axes[1], 0, 0);
    ctx.restore();
    ctx.strokeStyle = "#c7c9d1";
    ctx.strokeRect(left + 0.5, top + 0.5, width - 1, height - 1);
  }

  drawPoints() {
    if (!this.box || !this.table || !this.meta) return;
    const ctx = this.points.getContext("2d");
    ctx.clearRect(0, 0, this.size.width, this.size.height);
    const n = this.table.rows, x = this.table.all("x"), label = this.table.all("label"), test = this.table.all("test");
    const r = this.markerRadius;
    this.pixels = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const k = label[i], px = this.px(x[2 * i]), py = this.py(x[2 * i + 1]);
      this.pixels[2 * i] = px; this.pixels[2 * i + 1] = py;
      ceMarker(ctx, this.meta.symbols[k], px, py, r, this.meta.colors[k], "#ffffff", test[i] === 1);
    }
  }

  // Where the weight arrows start: the origin when it is in view (u_k = w_k . x + b_k grows along w_k from there),
  // else the middle of the plot.
  arrowOrigin() {
    const {x0, x1, y0, y1} = this.box;
    const inside = x0 < 0 && 0 < x1 && y0 < 0 && 0 < y1;
    return inside ? [0, 0, true] : [(x0 + x1) / 2, (y0 + y1) / 2, false];
  }

  arrowScale(W) {
    const {x0, x1, y0, y1} = this.box;
    const half = 0.45 * Math.min(x1 - x0, y1 - y0);
    let longest = 0;
    for (let k = 0; k < W.length / 2; k++) longest = Math.max(longest, Math.hypot(W[2 * k], W[2 * k + 1]));
    return longest > half ? half / longest : 1;  // shrink, never grow
  }

  drawOverlay(frame) {
    const ctx = this.overlay.getContext("2d");
    ctx.clearRect(0, 0, this.size.width, this.size.height);
    if (!this.table || !this.pixels) return;
    const n = this.table.rows, r = this.markerRadius;
    ctx.save();
    ctx.beginPath(); ctx.rect(this.box.left, this.box.top, this.box.width, this.box.height); ctx.clip();
    ctx.lineWidth = 1.3;
    ctx.strokeStyle = CE_RING;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if (!ceBit(frame.wrong, i)) continue;
      const px = this.pixels[2 * i], py = this.pixels[2 * i + 1];
      ctx.moveTo(px + r + 3, py); ctx.arc(px, py, r + 3, 0, 2 * Math.PI);
    }
    ctx.stroke();
    ctx.strokeStyle = CE_BATCH;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if (!ceBit(frame.batch, i)) continue;
      const px = this.pixels[2 * i], py = this.pixels[2 * i + 1], a = r + 5.5;
      ctx.rect(px - a, py - a, 2 * a, 2 * a);
    }
    ctx.stroke();
    const s = this.view.selected;
    if (s !== undefined && s >= 0 && s < n) {
      const px = this.pixels[2 * s], py = this.pixels[2 * s + 1];
      ctx.lineWidth = 3; ctx.strokeStyle = "#111111";
      ctx.beginPath(); ctx.arc(px, py, r + 9, 0, 2 * Math.PI); ctx.stroke();
      ctx.fillStyle = "#111111"; ctx.beginPath(); ctx.arc(px, py, 2.2, 0, 2 * Math.PI); ctx.fill();
    }
    this.tips = [];
    if (frame.W) {
      const [ox, oy] = this.arrowOrigin();
      const ws = this.arrowScale(frame.W), ss = this.view.step_scale || 1;
      const K = frame.W.length / 2;
      for (let k = 0; k < K; k++) {
        const tx = ox + ws * frame.W[2 * k], ty = oy + ws * frame.W[2 * k + 1];
        ceArrow(ctx, this.px(ox), this.py(oy), this.px(tx), this.py(ty), CE_NEUTRAL, 3, false);
        ctx.fillStyle = this.meta.colors[k];
        ctx.beginPath(); ctx.arc(this.px(tx), this.py(ty), 4.5, 0, 2 * Math.PI); ctx.fill();
        const hx = tx + ss * frame.next_W[2 * k], hy = ty + ss * frame.next_W[2 * k + 1];
        ceArrow(ctx, this.px(tx), this.py(ty), this.px(hx), this.py(hy), CE_RING, 2.2, true);
        this.tips.push({k, px: this.px(tx), py: this.py(ty)});
      }
      this.arrowNote = {w: ws, step: ss, origin: this.arrowOrigin()[2]};
    } else {
      this.arrowNote = null;
    }
    ctx.restore();
    if (this.hovered >= 0) this.showTip(this.hovered);
  }

  nearest(px, py, radius) {
    if (!this.pixels) return -1;
    let best = -1, bestDistance = radius * radius;
    for (let i = 0; i < this.pixels.length / 2; i++) {
      const dx = this.pixels[2 * i] - px, dy = this.pixels[2 * i + 1] - py, d = dx * dx + dy * dy;
      if (d < bestDistance) { best = i; bestDistance = d; }
    }
    return best;
  }

  position(event) {
    const rect = this.overlay.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }

  onMove(event) {
    const [px, py] = this.position(event);
    if (this.tips && this.frame && this.frame.W) {
      for (const tip of this.tips) {
        if (Math.hypot(tip.px - px, tip.py - py) < 8) {
          const k = tip.k, W = this.frame.W, dW = this.frame.next_W;
          this.tipAt(px, py, "w_" + k + " = (" + ceFormat(W[2 * k]) + ", " + ceFormat(W[2 * k + 1]) + ")\nnext step: (" +
            ceFormat(dW[2 * k], 3) + ", " + ceFormat(dW[2 * k + 1], 3) + ")");
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

  showTip(i) {
    const x = this.table.all("x"), k = this.table.all("label")[i], test = this.table.all("test")[i];
    const wrong = this.frame && ceBit(this.frame.wrong, i) ? "\nmisclassified" : "";
    this.tipAt(this.pixels[2 * i], this.pixels[2 * i + 1],
      "point #" + i + ", class " + this.meta.classes[k] + " (" + (test ? "test" : "training") + ")\n" +
      this.meta.axes[0] + " = " + ceFormat(x[2 * i]) + ", " + this.meta.axes[1] + " = " + ceFormat(x[2 * i + 1]) + wrong +
      "\nclick to inspect it");
  }

  tipAt(px, py, text) {
    this.tip.textContent = text;
    this.tip.style.display = "block";
    const w = this.tip.offsetWidth, h = this.tip.offsetHeight;
    this.tip.style.left = Math.min(px + 12, this.size.width - w - 2) + "px";
    this.tip.style.top = Math.max(2, py - h - 10) + "px";
  }

  onClick(event) {
    const [px, py] = this.position(event);
    if (!this.box) return;
    if (this.view.draw) {
      const inside = px >= this.box.left && px <= this.box.left + this.box.width && py >= this.box.top && py <= this.box.top + this.box.height;
      if (inside) this.handlers.draw(this.dataX(px), this.dataY(py));
      return;
    }
    const i = this.nearest(px, py, 12);
    if (i >= 0) this.handlers.select(i);
  }
}
