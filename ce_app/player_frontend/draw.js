// @ts-check
// Small drawing helpers shared by the plane and the charts: canvases, class markers, arrows, elements.
import {THEME} from "./theme.js";

/**
 * A canvas sized in CSS pixels and drawn at the screen's pixel density.
 * @param {HTMLCanvasElement} canvas
 * @param {number} width
 * @param {number} height
 */
export function sizeCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/**
 * One class marker (the symbols of ce_app/palette.py) centred on (x, y) with radius r, filled or open.
 * @param {CanvasRenderingContext2D} ctx
 * @param {string} symbol
 * @param {number} x
 * @param {number} y
 * @param {number} r
 * @param {string} fill
 * @param {boolean} open
 */
export function marker(ctx, symbol, x, y, r, fill, open) {
  ctx.beginPath();
  switch (symbol) {
    case "square": ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7); break;
    case "diamond": ctx.moveTo(x, y - r * 1.15); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r * 1.15); ctx.lineTo(x - r, y); ctx.closePath(); break;
    case "triangle-up": ctx.moveTo(x, y - r * 1.1); ctx.lineTo(x + r, y + r * 0.8); ctx.lineTo(x - r, y + r * 0.8); ctx.closePath(); break;
    case "triangle-down": ctx.moveTo(x, y + r * 1.1); ctx.lineTo(x + r, y - r * 0.8); ctx.lineTo(x - r, y - r * 0.8); ctx.closePath(); break;
    case "x": {
      const a = r * 0.95, w = r * 0.38;
      ctx.moveTo(x - a + w, y - a); ctx.lineTo(x, y - w); ctx.lineTo(x + a - w, y - a); ctx.lineTo(x + a, y - a + w);
      ctx.lineTo(x + w, y); ctx.lineTo(x + a, y + a - w); ctx.lineTo(x + a - w, y + a); ctx.lineTo(x, y + w);
      ctx.lineTo(x - a + w, y + a); ctx.lineTo(x - a, y + a - w); ctx.lineTo(x - w, y); ctx.lineTo(x - a, y - a + w);
      ctx.closePath(); break;
    }
    case "star": case "pentagon": {
      const points = symbol === "star" ? 10 : 5;
      for (let i = 0; i < points; i++) {
        const radius = symbol === "star" && i % 2 ? r * 0.5 : r * 1.1;
        const angle = -Math.PI / 2 + (i * 2 * Math.PI) / points;
        const px = x + radius * Math.cos(angle), py = y + radius * Math.sin(angle);
        if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
      }
      ctx.closePath(); break;
    }
    default: ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
  ctx.fillStyle = open ? THEME.openFill : fill;
  ctx.fill();
  ctx.lineWidth = open ? 1.8 : 0.9;
  ctx.strokeStyle = open ? fill : THEME.markerEdge;
  ctx.stroke();
}

/**
 * An arrow from (x0, y0) to (x1, y1); nothing when shorter than half a pixel.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} x0
 * @param {number} y0
 * @param {number} x1
 * @param {number} y1
 * @param {string} color
 * @param {number} width
 * @param {boolean} dashed
 */
export function arrow(ctx, x0, y0, x1, y1, color, width, dashed) {
  const length = Math.hypot(x1 - x0, y1 - y0);
  if (length < 0.5) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dashed ? [3, 3] : []);
  const head = Math.min(10, length * 0.4);
  const ux = (x1 - x0) / length, uy = (y1 - y0) / length;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1 - ux * head * 0.8, y1 - uy * head * 0.8);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - ux * head - uy * head * 0.45, y1 - uy * head + ux * head * 0.45);
  ctx.lineTo(x1 - ux * head + uy * head * 0.45, y1 - uy * head - ux * head * 0.45);
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}

/**
 * A chart's title in its top left corner.
 * @param {CanvasRenderingContext2D} ctx
 * @param {string} text
 * @param {number} x
 * @param {number} y
 * @param {number} font
 */
export function title(ctx, text, x, y, font) {
  ctx.fillStyle = THEME.text;
  ctx.font = "600 " + font + "px " + THEME.font;
  ctx.textAlign = "left"; ctx.textBaseline = "top";
  ctx.fillText(text, x, y);
}

/**
 * A new element; `text` is always data, never markup (text from the server may come from a user's file).
 * @template {keyof HTMLElementTagNameMap} T
 * @param {T} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[T]}
 */
export function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
