// Small drawing helpers shared by the plane and the charts: number formats, axis ticks, marker shapes, canvases.
"use strict";

// A number in at most `digits` significant digits that always fits a metric box: scientific notation below 1e-3
// and from 1e5 on (6.96e-6, not 0.000006963 cut to "0.000006…"). NaN and infinities show as "–".
function ceFormat(value, digits = 4) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value === 0) return "0";
  const size = Math.abs(value);
  if (size < 1e-3 || size >= 1e5) {
    const [mantissa, exponent] = value.toExponential(digits - 2).split("e");
    return mantissa.replace(/\.?0+$/, "") + "e" + Number(exponent);
  }
  return String(Number(value.toPrecision(digits)));
}

// The full value, for a tooltip.
function ceFull(value) {
  return Number.isFinite(value) ? String(Number(value.toPrecision(12))) : "not defined";
}

function cePercent(value) {
  if (!Number.isFinite(value)) return "–";
  const percent = 100 * value;
  return (percent === 100 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)) + "%";
}

// Minus signs that read as minus signs (U+2212), for labels.
function ceSigned(text) {
  return String(text).replace(/^-/, "\u2212").replace(/e-/, "e\u2212");
}

// About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten).
function ceTicks(lo, hi, count = 5, integer = false) {
  if (!(hi > lo)) return [lo];
  let step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
  for (const m of [1, 2, 5, 10]) {
    if ((hi - lo) / (step * m) <= count) { step *= m; break; }
  }
  if (integer) step = Math.max(1, Math.round(step));
  const ticks = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

// Ticks of a log axis over [lo, hi] (both > 0): every power of ten, with 2 and 5 in between when the range spans
// few decades, and at least two labelled ticks even inside one decade.
function ceLogTicks(lo, hi) {
  const first = Math.floor(Math.log10(lo)), last = Math.ceil(Math.log10(hi));
  const decades = last - first;
  const steps = decades <= 1 ? [1, 1.5, 2, 3, 5, 7] : decades <= 3 ? [1, 2, 5] : [1];
  const ticks = [];
  const every = Math.max(1, Math.ceil(decades / 6));
  for (let e = first; e <= last; e += every) {
    for (const m of steps) {
      const t = m * Math.pow(10, e);
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

function ceTickLabel(value) {
  return ceSigned(ceFormat(value, 3));
}

// A canvas sized in CSS pixels and drawn at the screen's pixel density.
function ceSizeCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

// One class marker (the symbols of ce_app/palette.py) centred on (x, y) with radius r, filled or open.
function ceMarker(ctx, symbol, x, y, r, fill, stroke, open) {
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
  if (open) {
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fill();
    ctx.lineWidth = 1.8;
    ctx.strokeStyle = fill;
    ctx.stroke();
  } else {
    ctx.fillStyle = fill;
    ctx.fill();
    ctx.lineWidth = 0.9;
    ctx.strokeStyle = stroke;
    ctx.stroke();
  }
}

function ceArrow(ctx, x0, y0, x1, y1, color, width, dashed) {
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

function ceElement(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;  // text from the server is always data, never markup
  return el;
}
