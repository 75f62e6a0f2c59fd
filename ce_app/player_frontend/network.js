// The network view: every hidden unit's activation and every class's logit as a small map over the plane,
// arranged layer by layer, with the weights between layers as lines (red positive, blue negative, thicker larger).
// Click a unit to see its incoming weights. The maps and weights come with each frame (ce_core.frames units,
// layer_weights), quantized by ce_app/frame_codec.py: maps around 128 with their largest |value|, weights as int8.
"use strict";

const CE_NET_LINES_MAX = 1200;  // lines between two layers beyond this count are left out (click a unit instead)

class CeNetwork {
  constructor(root, tip) {
    this.root = root; this.tip = tip;
    this.canvas = root.querySelector("canvas");
    this.detail = root.querySelector(".detail");
    this.width = 0; this.height = 0; this.tiles = []; this.selected = null; this.frame = null;
    this.scratch = document.createElement("canvas");
    this.lut = new Uint8ClampedArray(256 * 3);
    for (let c = 0; c < 256; c++) {
      const rgb = ceDiverging((c - 127.5) / 127.5).match(/\d+/g).map(Number);
      this.lut.set(rgb, 3 * c);
    }
    this.canvas.addEventListener("mousemove", (e) => this.onMove(e));
    this.canvas.addEventListener("mouseleave", () => { this.tip.style.display = "none"; });
    this.canvas.addEventListener("click", (e) => this.onClick(e));
  }

  setMeta(meta) { this.meta = meta; this.selected = null; this.layoutKey = null; }

  resize(width, height) {
    if (width === this.width && height === this.height) return;
    this.width = width; this.height = height;
    this.ctx = ceSizeCanvas(this.canvas, width, height);
    this.layoutKey = null;
  }

  // Tile positions: one column per layer (inputs, hidden layers, outputs); a tall layer wraps into sub-columns.
  layout() {
    const layers = [...this.meta.layers, this.meta.classes.length];
    const key = layers.join(",") + "|" + this.width + "|" + this.height;
    if (this.layoutKey === key) return;
    this.layoutKey = key;
    const columns = layers.length + 1, top = 22, usable = this.height - top - 6;
    const slot = this.width / columns;
    let size = 48;
    for (const s of [48, 40, 32, 26, 20, 16, 12]) {
      size = s;
      const fits = layers.every((n) => Math.ceil(n / Math.floor(usable / (s + 4))) * (s + 4) <= slot - 8);
      if (fits) break;
    }
    const perColumn = Math.max(1, Math.floor(usable / (size + 4)));
    this.size = size;
    this.positions = layers.map((n, l) => {
      const blocks = Math.ceil(n / perColumn), rows = Math.min(n, perColumn);
      const x0 = slot * (l + 1) + (slot - blocks * (size + 4)) / 2, y0 = top + (usable - rows * (size + 4)) / 2;
      return Array.from({length: n}, (_, i) => ({x: x0 + Math.floor(i / perColumn) * (size + 4), y: y0 + (i % perColumn) * (size + 4)}));
    });
    const inputs = this.meta.inputs;
    const step = Math.min(34, usable / Math.max(1, inputs.length));
    this.inputPositions = inputs.map((_, i) => ({x: slot / 2, y: top + (usable - step * inputs.length) / 2 + step * (i + 0.5)}));
  }

  draw(frame) {
    if (!frame || !frame.units || !this.ctx || !this.meta) return;
    this.frame = frame;
    this.layout();
    const ctx = this.ctx, s = this.size;
    ctx.clearRect(0, 0, this.width, this.height);
    const layers = [...this.meta.layers, this.meta.classes.length];
    const names = ["inputs z0", ...this.meta.layers.map((_, l) => "hidden layer " + (l + 1) + " (" + this.meta.activation + ")"), "logits u_k"];
    ctx.font = "600 12px " + CE_FONT; ctx.fillStyle = CE_TEXT; ctx.textAlign = "center"; ctx.textBaseline = "top";
    const slot = this.width / (layers.length + 1);
    names.forEach((name, c) => ctx.fillText(name, slot * (c + 0.5), 2));
    // lines: the weights into each layer, from the previous layer's units (or the inputs)
    for (let l = 0; l < layers.length; l++) {
      const w = frame.net_w[l], from = l === 0 ? this.inputPositions : this.positions[l - 1], to = this.positions[l];
      if (from.length * to.length > CE_NET_LINES_MAX) continue;
      for (let j = 0; j < to.length; j++) {
        for (let i = 0; i < from.length; i++) {
          const v = w[j * from.length + i] / 127;
          if (Math.abs(v) < 0.05) continue;
          ctx.strokeStyle = v > 0 ? "rgba(178,24,43," + (0.15 + 0.6 * Math.abs(v)) + ")" : "rgba(33,102,172," + (0.15 + 0.6 * Math.abs(v)) + ")";
          ctx.lineWidth = 0.4 + 2.6 * Math.abs(v);
          const a = from[i], b = to[j], off = l === 0 ? 0 : s / 2;
          ctx.beginPath(); ctx.moveTo(a.x + (l === 0 ? 6 : s), a.y + off); ctx.lineTo(b.x, b.y + s / 2); ctx.stroke();
        }
      }
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle"; ctx.font = "12px " + CE_FONT; ctx.fillStyle = CE_MUTED;
    this.meta.inputs.forEach((name, i) => {
      const p = this.inputPositions[i];
      ctx.fillText(name, p.x - 4, p.y);
      ctx.fillStyle = "#31333F"; ctx.beginPath(); ctx.arc(p.x + 2, p.y, 3, 0, 2 * Math.PI); ctx.fill(); ctx.fillStyle = CE_MUTED;
    });
    // tiles
    const r = Math.round(Math.sqrt(frame.units.length / layers.reduce((a, b) => a + b, 0)));
    if (this.scratch.width !== r) { this.scratch.width = r; this.scratch.height = r; }
    const g = this.scratch.getContext("2d"), image = g.createImageData(r, r);
    this.tiles = [];
    let unit = 0;
    ctx.imageSmoothingEnabled = true;
    layers.forEach((n, l) => {
      for (let i = 0; i < n; i++, unit++) {
        const codes = frame.units.subarray(unit * r * r, (unit + 1) * r * r);
        for (let row = 0; row < r; row++) {
          for (let col = 0; col < r; col++) {
            const code = codes[row * r + col], out = ((r - 1 - row) * r + col) * 4;
            image.data[out] = this.lut[3 * code]; image.data[out + 1] = this.lut[3 * code + 1]; image.data[out + 2] = this.lut[3 * code + 2]; image.data[out + 3] = 255;
          }
        }
        g.putImageData(image, 0, 0);
        const p = this.positions[l][i];
        ctx.drawImage(this.scratch, p.x, p.y, s, s);
        const output = l === layers.length - 1;
        const chosen = this.selected && this.selected.layer === l && this.selected.index === i;
        ctx.lineWidth = chosen ? 3 : output ? 2 : 1;
        ctx.strokeStyle = chosen ? "#111111" : output ? this.meta.colors[i] : "#c7c9d1";
        ctx.strokeRect(p.x + 0.5, p.y + 0.5, s - 1, s - 1);
        this.tiles.push({layer: l, index: i, unit, x: p.x, y: p.y});
      }
    });
    if (this.selected) this.showDetail();
  }

  unitName(layer, index) {
    return layer === this.meta.layers.length ? "u_" + index + " (class " + this.meta.classes[index] + ")" : "h" + (layer + 1) + " unit " + (index + 1);
  }

  hit(event) {
    const rect = this.canvas.getBoundingClientRect(), x = event.clientX - rect.left, y = event.clientY - rect.top;
    return [this.tiles.find((t) => x >= t.x && x < t.x + this.size && y >= t.y && y < t.y + this.size), x, y];
  }

  onMove(event) {
    const [tile, x, y] = this.hit(event);
    if (!tile) { this.tip.style.display = "none"; this.canvas.style.cursor = "default"; return; }
    this.canvas.style.cursor = "pointer";
    const scale = this.frame.units_scale[tile.unit];
    this.tip.textContent = this.unitName(tile.layer, tile.index) + "\nover the plane: from −" + ceFormat(scale, 3) +
      " (blue) to +" + ceFormat(scale, 3) + " (red) at most\nclick for its incoming weights";
    this.tip.style.display = "block";
    this.tip.style.left = Math.min(x + 12, this.width - 220) + "px";
    this.tip.style.top = Math.max(0, y - 50) + "px";
  }

  onClick(event) {
    const [tile] = this.hit(event);
    this.selected = tile ? {layer: tile.layer, index: tile.index} : null;
    this.draw(this.frame);
    if (!tile) this.detail.textContent = "Click a unit to see its incoming weights.";
  }

  showDetail() {
    const {layer, index} = this.selected;
    const w = this.frame.net_w[layer], scale = this.frame.net_w_scale[layer];
    const inputs = layer === 0 ? this.meta.inputs : Array.from({length: this.meta.layers[layer - 1]}, (_, i) => "h" + layer + " unit " + (i + 1));
    const row = Array.from(w.subarray(index * inputs.length, (index + 1) * inputs.length), (v) => v / 127 * scale);
    const parts = row.map((v, i) => inputs[i] + " " + ceSigned(ceFormat(v, 2)));
    this.detail.textContent = "Incoming weights of " + this.unitName(layer, index) + " (to 2 digits; the largest |weight| of this layer is " +
      ceFormat(scale, 3) + "): " + parts.join(",  ");
  }
}
