// @ts-check
// The network view: every hidden unit's activation and every class's logit as a small map over the plane,
// arranged layer by layer, with the weights between layers as lines (red positive, blue negative, thicker larger).
// Click a unit to see its incoming weights. The maps and weights come with each frame (ce_core.frames units,
// layer_weights), quantized by ce_app/frame_codec.py: maps around 128 with their largest |value|, weights as int8.
// Every unit is also a button over its map (one Tab stop: the arrow keys move between units, Enter or Space
// chooses one), and `rows` gives the whole network as a table of units and weights for a screen reader.
import {element, sizeCanvas} from "./draw.js";
import {fmt} from "./numbers.js";
import {THEME, classColors, divergingRgb} from "./theme.js";

const LINES_MAX = 1200;  // lines between two layers beyond this count are left out (click a unit instead)

/**
 * @typedef {{layers: number[], classes: string[], colors: string[], colors_dark: string[], inputs: string[],
 *            activation: string}} NetworkMeta
 * @typedef {{layer: number, index: number, unit: number, x: number, y: number}} Tile
 */

/** The weight matrices of a frame, V1, V2, ..., W (one column each, int8): as many as net_w_scale has entries. */
/** @param {import("./codec.js").Row} frame @returns {Int8Array[]} */
function weightsOf(frame) {
  return Array.from(/** @type {Float32Array} */ (frame.net_w_scale), (_, l) => /** @type {Int8Array} */ (frame["net_w" + l]));
}

/** A unit's map (codes around 127.5) as its lowest and highest value. @param {Uint8Array} codes @param {number} scale */
function unitRange(codes, scale) {
  let lo = 255, hi = 0;
  for (const c of codes) { if (c < lo) lo = c; if (c > hi) hi = c; }
  return [(lo - 127.5) / 127.5 * scale, (hi - 127.5) / 127.5 * scale];
}

export class Network {
  /**
   * @param {HTMLElement} root @param {HTMLElement} tip
   * @param {(text: string) => void} [say] tells a screen reader which unit was chosen
   */
  constructor(root, tip, say = () => {}) {
    this.root = root; this.tip = tip;
    this.canvas = /** @type {HTMLCanvasElement} */ (root.querySelector("canvas"));
    this.detail = /** @type {HTMLElement} */ (root.querySelector(".detail"));
    this.width = 0; this.height = 0; this.size = 48;
    /** @type {CanvasRenderingContext2D|null} */
    this.ctx = null;
    /** @type {Tile[]} */
    this.tiles = [];
    /** @type {{layer: number, index: number}|null} */
    this.selected = null;
    /** @type {import("./codec.js").Row|null} */
    this.frame = null;
    /** @type {NetworkMeta|null} */
    this.meta = null;
    /** @type {string|null} */
    this.layoutKey = null;
    /** @type {{x: number, y: number}[][]} */
    this.positions = [];
    /** @type {{x: number, y: number}[]} */
    this.inputPositions = [];
    this.say = say;
    this.font = 12;
    this.scratch = document.createElement("canvas");
    this.lut = new Uint8ClampedArray(256 * 3);
    this.setTheme();
    /** @type {HTMLButtonElement[]} one per tile, in the order of `tiles` */
    this.buttons = [];
    this.focusIndex = 0;  // the unit that takes the Tab stop
    this.buttonLayer = element("div", "units");
    this.canvas.after(this.buttonLayer);
    this.canvas.addEventListener("click", () => this.choose(null));
    this.buttonLayer.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** The size of its text (presentation mode scales it with the screen). @param {number} font */
  setFont(font) {
    if (font !== this.font) { this.font = font; this.layoutKey = null; }
  }

  /** The theme changed: the maps' colours follow it. */
  setTheme() {
    for (let c = 0; c < 256; c++) this.lut.set(divergingRgb((c - 127.5) / 127.5), 3 * c);
  }

  /** @param {NetworkMeta} meta */
  setMeta(meta) { this.meta = meta; this.selected = null; this.layoutKey = null; }

  /** @param {number} width @param {number} height */
  resize(width, height) {
    if (width === this.width && height === this.height) return;
    this.width = width; this.height = height;
    this.ctx = sizeCanvas(this.canvas, width, height);
    this.layoutKey = null;
  }

  /** Tile positions: one column per layer (inputs, hidden layers, outputs); a tall layer wraps into sub-columns. */
  layout() {
    const meta = /** @type {NetworkMeta} */ (this.meta);
    const layers = [...meta.layers, meta.classes.length];
    const key = layers.join(",") + "|" + this.width + "|" + this.height + "|" + this.font;
    if (this.layoutKey === key) return;
    this.layoutKey = key;
    const columns = layers.length + 1, top = 2 * this.font + 8, usable = this.height - top - 6;
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
    const inputs = meta.inputs;
    const step = Math.min(34, usable / Math.max(1, inputs.length));
    this.inputPositions = inputs.map((_, i) => ({x: slot / 2, y: top + (usable - step * inputs.length) / 2 + step * (i + 0.5)}));
    this.tiles = [];
    let unit = 0;
    layers.forEach((n, l) => {
      for (let i = 0; i < n; i++, unit++) this.tiles.push({layer: l, index: i, unit, ...this.positions[l][i]});
    });
    this.buildButtons();
  }

  /** A button over every unit's map, for the keyboard and screen readers (the map itself is on the canvas). */
  buildButtons() {
    const s = this.size;
    this.focusIndex = Math.max(0, Math.min(this.focusIndex, this.tiles.length - 1));
    this.buttons = this.tiles.map((tile, t) => {
      const b = element("button", "unit");
      b.type = "button";
      b.dataset.arrows = "units";  // its arrow keys move between units (controls.keyAction)
      b.tabIndex = t === this.focusIndex ? 0 : -1;
      Object.assign(b.style, {left: tile.x + "px", top: tile.y + "px", width: s + "px", height: s + "px"});
      b.setAttribute("aria-label", this.unitName(tile.layer, tile.index));
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", () => this.choose(tile));
      b.addEventListener("pointermove", (e) => { if (e.pointerType === "mouse") this.showTip(tile, b, e); });
      b.addEventListener("pointerleave", () => { this.tip.style.display = "none"; });
      b.addEventListener("focus", () => { this.focusIndex = t; });
      return b;
    });
    this.buttonLayer.replaceChildren(...this.buttons);
  }

  /** @param {import("./codec.js").Row|null} frame */
  draw(frame) {
    if (!frame || !frame.units || !this.ctx || !this.meta) return;
    const meta = this.meta, ctx = this.ctx;
    this.frame = frame;
    this.layout();
    const s = this.size, units = /** @type {Uint8Array} */ (frame.units), weights = weightsOf(frame);
    ctx.clearRect(0, 0, this.width, this.height);
    const layers = [...meta.layers, meta.classes.length];
    const names = ["inputs z0", ...meta.layers.map((_, l) => "hidden layer " + (l + 1) + " (" + meta.activation + ")"), "logits u_k"];
    const short = ["z0", ...meta.layers.map((_, l) => "h" + (l + 1) + " (" + meta.activation + ")"), "u_k"];
    ctx.font = "600 " + this.font + "px " + THEME.font; ctx.fillStyle = THEME.text; ctx.textAlign = "center"; ctx.textBaseline = "top";
    const slot = this.width / (layers.length + 1);
    names.forEach((long, c) => {  // too wide for its column: on two lines ("hidden layer 1" over "(relu)"), or short
      const x = slot * (c + 0.5), fits = (/** @type {string} */ text) => ctx.measureText(text).width <= slot - 6;
      const name = fits(long) || fits(long.split(" (")[0]) ? long : short[c], cut = name.indexOf(" (");
      if (cut < 0 || fits(name)) { ctx.fillText(name, x, 2); return; }
      ctx.fillText(name.slice(0, cut), x, 2);
      ctx.fillText(name.slice(cut + 1), x, 4 + this.font);
    });
    const [pr, pg, pb] = THEME.positive, [nr, ng, nb] = THEME.negative;
    for (let l = 0; l < layers.length; l++) {  // lines: the weights into each layer, from the layer before
      const w = weights[l], from = l === 0 ? this.inputPositions : this.positions[l - 1], to = this.positions[l];
      if (from.length * to.length > LINES_MAX) continue;
      for (let j = 0; j < to.length; j++) {
        for (let i = 0; i < from.length; i++) {
          const v = w[j * from.length + i] / 127, alpha = 0.15 + 0.6 * Math.abs(v);
          if (Math.abs(v) < 0.05) continue;
          ctx.strokeStyle = v > 0 ? `rgba(${pr},${pg},${pb},${alpha})` : `rgba(${nr},${ng},${nb},${alpha})`;
          ctx.lineWidth = 0.4 + 2.6 * Math.abs(v);
          const a = from[i], b = to[j], off = l === 0 ? 0 : s / 2;
          ctx.beginPath(); ctx.moveTo(a.x + (l === 0 ? 6 : s), a.y + off); ctx.lineTo(b.x, b.y + s / 2); ctx.stroke();
        }
      }
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle"; ctx.font = this.font + "px " + THEME.font;
    meta.inputs.forEach((name, i) => {
      const p = this.inputPositions[i];
      ctx.fillStyle = THEME.muted; ctx.fillText(name, p.x - 4, p.y);
      ctx.fillStyle = THEME.text; ctx.beginPath(); ctx.arc(p.x + 2, p.y, 3, 0, 2 * Math.PI); ctx.fill();
    });
    const r = Math.round(Math.sqrt(units.length / layers.reduce((a, b) => a + b, 0)));  // the tiles
    if (this.scratch.width !== r) { this.scratch.width = r; this.scratch.height = r; }
    const g = /** @type {CanvasRenderingContext2D} */ (this.scratch.getContext("2d")), image = g.createImageData(r, r);
    let unit = 0;
    ctx.imageSmoothingEnabled = true;
    const colors = classColors(meta);
    layers.forEach((n, l) => {
      for (let i = 0; i < n; i++, unit++) {
        const codes = units.subarray(unit * r * r, (unit + 1) * r * r);
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
        ctx.strokeStyle = chosen ? THEME.selected : output ? colors[i] : THEME.frame;
        ctx.strokeRect(p.x + 0.5, p.y + 0.5, s - 1, s - 1);
      }
    });
    if (this.selected) this.showDetail();
  }

  /** @param {number} layer @param {number} index */
  unitName(layer, index) {
    const meta = /** @type {NetworkMeta} */ (this.meta);
    return layer === meta.layers.length ? "u_" + index + " (class " + meta.classes[index] + ")" : "h" + (layer + 1) + " unit " + (index + 1);
  }

  /** @param {Tile} tile @param {HTMLElement} button @param {PointerEvent} event */
  showTip(tile, button, event) {
    if (!this.frame) return;
    const rect = this.canvas.getBoundingClientRect(), x = event.clientX - rect.left, y = event.clientY - rect.top;
    const scale = /** @type {Float32Array} */ (this.frame.units_scale)[tile.unit];
    this.tip.textContent = this.unitName(tile.layer, tile.index) + "\nover the plane: from " + fmt(-scale, 3) +
      " (blue) to +" + fmt(scale, 3) + " (red) at most\nclick for its incoming weights";
    this.tip.style.display = "block";
    this.tip.style.left = Math.min(x + 12, this.width - 220) + "px";
    this.tip.style.top = Math.max(0, y - 50) + "px";
    void button;
  }

  /** A unit was chosen (a click, or Enter on its button), or none (a click beside the units). @param {Tile|null} tile */
  choose(tile) {
    this.selected = tile ? {layer: tile.layer, index: tile.index} : null;
    this.buttons.forEach((b, t) => b.setAttribute("aria-pressed", String(tile !== null && this.tiles[t] === tile)));
    this.draw(this.frame);
    if (!tile) this.detail.textContent = "Click a unit to see its incoming weights.";
    else this.say(this.detail.textContent || "");
  }

  /** Arrow keys between the units' buttons: up and down within a layer, left and right to the next layer. @param {KeyboardEvent} event */
  onKey(event) {
    const moves = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0], Home: [0, -1e9], End: [0, 1e9]};
    const move = moves[/** @type {keyof typeof moves} */ (event.key)];
    if (!move || !this.tiles.length) return;
    event.preventDefault();
    const here = this.tiles[this.focusIndex], layers = this.positions.length;
    let target;
    if (move[0]) {
      const layer = Math.max(0, Math.min(layers - 1, here.layer + move[0]));
      const same = this.tiles.filter((t) => t.layer === layer);
      const at = same.length * (here.index + 0.5) / this.tiles.filter((t) => t.layer === here.layer).length;
      target = same[Math.min(same.length - 1, Math.floor(at))];
    } else {
      const same = this.tiles.filter((t) => t.layer === here.layer);
      target = same[Math.max(0, Math.min(same.length - 1, here.index + move[1]))];
    }
    const t = this.tiles.indexOf(target);
    this.buttons[this.focusIndex].tabIndex = -1;
    this.focusIndex = t;
    this.buttons[t].tabIndex = 0;
    this.buttons[t].focus();
  }

  /**
   * The network as a table: one row per unit (its range over the plane and its incoming weights), for a reader.
   * @returns {{summary: string, headings: string[], rows: string[][]}|null}
   */
  rows() {
    const meta = this.meta, frame = this.frame;
    if (!meta || !frame || !frame.units) return null;
    const layers = [...meta.layers, meta.classes.length], weights = weightsOf(frame);
    const units = /** @type {Uint8Array} */ (frame.units), scales = /** @type {Float32Array} */ (frame.units_scale);
    const cells = units.length / layers.reduce((a, b) => a + b, 0);
    const rows = [];
    let unit = 0;
    for (let l = 0; l < layers.length; l++) {
      const inputs = this.inputNames(l), w = weights[l], scale = /** @type {Float32Array} */ (frame.net_w_scale)[l];
      for (let i = 0; i < layers[l]; i++, unit++) {
        const [lo, hi] = unitRange(units.subarray(unit * cells, (unit + 1) * cells), scales[unit]);
        const incoming = Array.from(w.subarray(i * inputs.length, (i + 1) * inputs.length), (v, j) => inputs[j] + " " + fmt(v / 127 * scale, 2));
        rows.push([this.unitName(l, i), "from " + fmt(lo, 2) + " to " + fmt(hi, 2), incoming.join(", ")]);
      }
    }
    const summary = "Network: inputs " + meta.inputs.join(", ") + "; " + meta.layers.map((n, l) => "hidden layer " + (l + 1) +
      " of " + n + " " + meta.activation + " units").join("; ") + "; " + meta.classes.length + " logits. Each unit's " +
      "activation over the plane is a small map (red positive, blue negative), the weights lines between them. The " +
      "table that follows lists every unit, its range over the plane and its incoming weights (to 2 digits).";
    return {summary, headings: ["unit", "over the plane", "incoming weights"], rows};
  }

  /** Names of the inputs of layer l (the features, or the units of the layer before). @param {number} l */
  inputNames(l) {
    const meta = /** @type {NetworkMeta} */ (this.meta);
    return l === 0 ? meta.inputs : Array.from({length: meta.layers[l - 1]}, (_, i) => "h" + l + " unit " + (i + 1));
  }

  showDetail() {
    const frame = /** @type {import("./codec.js").Row} */ (this.frame);
    const {layer, index} = /** @type {{layer: number, index: number}} */ (this.selected);
    const w = weightsOf(frame)[layer], scale = /** @type {Float32Array} */ (frame.net_w_scale)[layer];
    const inputs = this.inputNames(layer);
    const row = Array.from(w.subarray(index * inputs.length, (index + 1) * inputs.length), (v) => v / 127 * scale);
    const parts = row.map((v, i) => inputs[i] + " " + fmt(v, 2));
    this.detail.textContent = "Incoming weights of " + this.unitName(layer, index) + " (to 2 digits; the largest |weight| of this layer is " +
      fmt(scale, 3) + "): " + parts.join(",  ");
  }
}
