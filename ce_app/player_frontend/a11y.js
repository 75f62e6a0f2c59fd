// @ts-check
// What the stage's canvases show, as text, and what a screen reader is told. The words are made from the frame's
// numbers (ce_core's, as the server sent them) by the pure functions below (node-tested); TextAlternatives puts
// them on the page: every canvas gets a role and a name, descriptions are rewritten calmly (at once for a still
// frame, at most every CALM_MS while playing), and Announcer speaks the result of Step, Epoch, Pause, Reset and a
// point chosen with the keys through one polite live region.
import {element} from "./draw.js";
import {fmt, integer, percent} from "./numbers.js";

export const CALM_MS = 3000;  // while playing, descriptions change at most this often (a reader is never flooded)

// ------------------------------------------------------------------------------------------------------------
// Words from numbers (no DOM)
// ------------------------------------------------------------------------------------------------------------
/**
 * Whether a learning curve goes up, down or stays: its last value against the one a quarter of the run before it
 * (at least one point before), "flat" within 1% of the curve's range.
 * @param {ArrayLike<number>} values
 * @returns {"rising"|"falling"|"flat"|""} "" with fewer than two finite values
 */
export function trend(values) {
  const finite = Array.from(values).filter(Number.isFinite);
  if (finite.length < 2) return "";
  const last = finite[finite.length - 1], before = finite[Math.max(0, Math.floor(finite.length * 0.75) - 1)];
  const range = Math.max(...finite) - Math.min(...finite);
  if (Math.abs(last - before) <= 0.01 * range || range === 0) return "flat";
  return last > before ? "rising" : "falling";
}

/**
 * Where on the plane a spot is, in words, from its place across (0 left .. 1 right) and up (0 bottom .. 1 top).
 * @param {number} across @param {number} up
 */
export function whereOnPlane(across, up) {
  const col = across < 1 / 3 ? "left" : across > 2 / 3 ? "right" : "";
  const row = up < 1 / 3 ? "lower" : up > 2 / 3 ? "upper" : "";
  if (!col && !row) return "the middle";
  if (!row) return "the " + col;
  if (!col) return "the " + (row === "upper" ? "top" : "bottom");
  return "the " + row + " " + col;
}

/**
 * The plane's regions from its grid codes (R x R, row i along x2 upwards, column j along x1): per class, the share
 * of the plane it is predicted on and where that area lies (its centre of mass).
 * @param {ArrayLike<number>} codes region codes: class k * shades + how sure (META.region_shades)
 * @param {number} shades
 * @param {number} K
 * @returns {{k: number, share: number, where: string}[]} classes predicted somewhere, largest share first
 */
export function regionShares(codes, shades, K) {
  const r = Math.round(Math.sqrt(codes.length));
  const count = new Array(K).fill(0), across = new Array(K).fill(0), up = new Array(K).fill(0);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      const k = Math.floor(codes[i * r + j] / shades);
      if (k >= K) continue;
      count[k] += 1; across[k] += j / Math.max(1, r - 1); up[k] += i / Math.max(1, r - 1);
    }
  }
  const total = r * r || 1;
  return count.map((n, k) => ({k, n}))
    .filter(({n}) => n > 0)
    .sort((a, b) => b.n - a.n)
    .map(({k, n}) => ({k, share: n / total, where: whereOnPlane(across[k] / n, up[k] / n)}));
}

/**
 * The plane coloured by p_k (codes round(255 p_k)): the share where p_k > 1/2, and where that area lies.
 * @param {ArrayLike<number>} codes
 * @returns {{share: number, where: string}}
 */
export function probabilityShare(codes) {
  const r = Math.round(Math.sqrt(codes.length));
  let n = 0, across = 0, up = 0;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      if (codes[i * r + j] <= 127) continue;
      n += 1; across += j / Math.max(1, r - 1); up += i / Math.max(1, r - 1);
    }
  }
  return {share: n / (r * r || 1), where: n ? whereOnPlane(across / n, up / n) : ""};
}

/**
 * @typedef {{classes: string[], axes: string[], bounds: number[], region_shades: number}} TextMeta
 * @typedef {{n: number, train: number, test: number, wrongTrain: number, wrongTest: number}} PointCounts
 */

/**
 * The plane, in words: its axes, the points and how many are misclassified, the training accuracy, and which class
 * each region predicts (or where p_k is over 1/2 when the plane shows one class's p_k).
 * @param {{meta: TextMeta, show: string|number, codes: ArrayLike<number>|null, counts: PointCounts,
 *          trainAcc: number|null}} state
 */
export function planeText({meta, show, codes, counts, trainAcc}) {
  const [x0, x1, y0, y1] = meta.bounds, [a, b] = meta.axes;
  const parts = ["Input plane: " + a + " across from " + fmt(x0, 3) + " to " + fmt(x1, 3) + ", " + b + " up from " +
    fmt(y0, 3) + " to " + fmt(y1, 3) + ". " + integer(counts.n) + " points of " + meta.classes.length + " classes (" +
    integer(counts.train) + " training, filled; " + integer(counts.test) + " test, open)."];
  if (trainAcc !== null && Number.isFinite(trainAcc)) {
    parts.push("Training accuracy " + percent(trainAcc) + ": " + integer(counts.wrongTrain) + " training and " +
      integer(counts.wrongTest) + " test points misclassified (ringed).");
  }
  if (codes && codes.length) {
    if (show === "regions") {
      const regions = regionShares(codes, meta.region_shades, meta.classes.length);
      parts.push("The model predicts " + regions.map((r) => "class " + meta.classes[r.k] + " on " +
        percent(r.share) + " of the plane, mostly " + r.where).join("; ") + ".");
    } else {
      const k = Number(show), p = probabilityShare(codes);
      parts.push("Coloured by p of class " + meta.classes[k] + ": over 1/2 on " + percent(p.share) + " of the plane" +
        (p.where ? ", mostly " + p.where : "") + ".");
    }
  }
  return parts.join(" ");
}

/** Index of the largest entry. @param {ArrayLike<number>} values */
function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * The selected point and what the model says about it.
 * @param {{meta: TextMeta, index: number, label: number, test: boolean, x: [number, number], probs: ArrayLike<number>,
 *          targets: ArrayLike<number>, loss: number}} point
 */
export function pointText({meta, index, label, test, x, probs, targets, loss}) {
  const said = argmax(probs), classes = meta.classes;
  const ps = Array.from(probs, (p, k) => fmt(p, 3) + " for class " + classes[k] + (targets[k] > 0.5 ? " (its class)" : ""));
  return "Selected: point " + index + ", a " + (test ? "test" : "training") + " point of class " + classes[label] +
    ", at " + meta.axes[0] + " = " + fmt(x[0], 3) + ", " + meta.axes[1] + " = " + fmt(x[1], 3) + ". The model says class " +
    classes[said] + (said === label ? ", right" : ", wrong: misclassified") + ". p = " + ps.join(", ") + ". Loss " +
    fmt(loss, 4) + ".";
}

/**
 * One bar chart of the selected point (logits, or probabilities with their targets), in words.
 * @param {string} what @param {string[]} classes @param {ArrayLike<number>} values @param {ArrayLike<number>} [targets]
 */
export function barsText(what, classes, values, targets) {
  return what + ": " + Array.from(values, (v, k) => "class " + classes[k] + " " + fmt(v, 3) +
    (targets ? " (target " + fmt(targets[k], 3) + ")" : "")).join(", ") + ". The table below has the same numbers.";
}

/**
 * The latest value of each curve and its trend.
 * @param {number[]} steps
 * @param {{label: string, values: ArrayLike<number>, format?: (v: number) => string}[]} series
 */
export function curvesText(steps, series) {
  if (!steps.length) return "No steps yet.";
  const start = steps[0], end = steps[steps.length - 1];
  const parts = series.map(({label, values, format = (v) => fmt(v, 4)}) => {
    const last = values.length ? values[values.length - 1] : NaN, direction = trend(values);
    if (!Number.isFinite(last)) return label + " not defined";
    return label + " " + format(last) + (direction ? ", " + direction : "");
  });
  return "From step " + integer(start) + " to " + integer(end) + ": " + parts.join("; ") + ".";
}

/**
 * What a press of Step, Step ×10, Epoch, Pause or Reset did, for the live region.
 * @param {string} kind step, step10, epoch, pause or reset
 * @param {{step: number, epoch: number, train_loss: number, train_acc: number}} frame the frame then on screen
 * @param {number} before the step on screen when it was pressed
 */
export function announcement(kind, frame, before) {
  const now = "train loss " + fmt(frame.train_loss, 4) + ", train accuracy " + percent(frame.train_acc) + ".";
  const steps = frame.step - before;
  if (kind === "reset") return "Reset to step 0: " + now;
  if (kind === "pause") return "Paused at step " + integer(frame.step) + ", epoch " + fmt(frame.epoch, 3) + ": " + now;
  const did = kind === "epoch" ? "Epoch done, " + integer(steps) + (steps === 1 ? " step" : " steps")
    : steps === 1 ? "One step" : integer(steps) + " steps";
  return did + ": now step " + integer(frame.step) + ", " + now;
}

// ------------------------------------------------------------------------------------------------------------
// On the page
// ------------------------------------------------------------------------------------------------------------
/** One polite live region (index.html's #announce): a sentence at a time, never while frames play. */
export class Announcer {
  /** @param {HTMLElement} region */
  constructor(region) {
    this.region = region;
    this.timer = 0;
  }

  /** @param {string} text */
  say(text) {
    // emptied first, so that the same sentence twice (two Steps that change nothing) is spoken twice
    this.region.textContent = "";
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => { this.region.textContent = text; }, 60);
  }
}

/**
 * A canvas as an image with a name, described by a hidden paragraph (made next to it) that `describe` rewrites.
 * @param {HTMLCanvasElement} canvas @param {string} name @param {string} id of the description
 * @returns {HTMLElement} the description
 */
export function labelCanvas(canvas, name, id) {
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", name);
  let text = document.getElementById(id);
  if (!text) {
    text = element("p", "sr-only");
    text.id = id;
    canvas.after(text);
  }
  canvas.setAttribute("aria-describedby", id);
  return text;
}

/**
 * A table a screen reader can walk (kept out of sight): a caption, column headings, and a heading cell per row.
 * @param {string} caption @param {string[]} headings @param {string[][]} rows (the first entry of each heads it)
 */
export function textTable(caption, headings, rows) {
  const table = element("table", "sr-only");
  table.appendChild(element("caption", "", caption));
  const head = table.appendChild(element("thead")).appendChild(element("tr"));
  for (const h of headings) head.appendChild(element("th", "", h)).setAttribute("scope", "col");
  const body = table.appendChild(element("tbody"));
  for (const row of rows) {
    const tr = body.appendChild(element("tr"));
    row.forEach((cell, j) => {
      const el = tr.appendChild(element(j ? "td" : "th", "", cell));
      if (!j) el.setAttribute("scope", "row");
    });
  }
  return table;
}

/** Rewrites text only when it changed (a description a reader is on is not touched for nothing). */
export class Calm {
  constructor() {
    this.last = -Infinity;
  }

  /** Whether to rewrite now: always for a still frame, at most every CALM_MS while playing. @param {boolean} playing */
  due(playing) {
    const now = performance.now();
    if (playing && now - this.last < CALM_MS) return false;
    this.last = now;
    return true;
  }
}

/** @param {HTMLElement} el @param {string} text */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * The misclassified points of a frame, training and test apart.
 * @param {Uint8Array} wrong the frame's bit mask @param {ArrayLike<number>} test 1 for a test point
 * @returns {PointCounts}
 */
export function countPoints(wrong, test) {
  const counts = {n: test.length, train: 0, test: 0, wrongTrain: 0, wrongTest: 0};
  for (let i = 0; i < test.length; i++) {
    const isTest = test[i] === 1, isWrong = (wrong[i >> 3] >> (i & 7)) & 1;
    if (isTest) { counts.test += 1; counts.wrongTest += isWrong; } else { counts.train += 1; counts.wrongTrain += isWrong; }
  }
  return counts;
}

/**
 * Every canvas of the stage with a role, a name and a description made from the frame on screen.
 * The plane is the one canvas that takes the focus (its keys choose points); its two lower layers are part of the
 * same picture and hidden from screen readers.
 */
export class TextAlternatives {
  /** @param {import("./stage.js").Stage} stage */
  constructor(stage) {
    this.stage = stage;
    this.calm = new Calm();
    this.networkCalm = new Calm();
    /** @type {Record<string, number>} tables waiting to be built, by name */
    this.pending = {};
    const el = stage.el, plane = stage.plane;
    for (const layer of [plane.regions, plane.points]) layer.setAttribute("aria-hidden", "true");
    this.planeText = element("p", "sr-only");
    this.planeText.id = "plane-text";
    this.pointText = element("p", "sr-only");
    this.pointText.id = "point-text";
    plane.root.after(this.planeText, this.pointText);
    const overlay = plane.overlay;
    overlay.tabIndex = 0;
    overlay.dataset.arrows = "points";  // its arrow keys move between points (controls.keyAction)
    overlay.setAttribute("role", "application");
    overlay.setAttribute("aria-roledescription", "plot");
    overlay.setAttribute("aria-label", "Input plane. Keys: the arrows move to the nearest point that way, ] and [ " +
      "the next and previous point, m the next misclassified point.");
    overlay.setAttribute("aria-describedby", "plane-text point-text");
    this.logits = labelCanvas(stage.logitBars.canvas, "Logits u_k of the selected point", "logits-text");
    this.probs = labelCanvas(stage.probBars.canvas, "Probabilities p_k and targets y_k of the selected point", "probs-text");
    this.loss = labelCanvas(stage.lossChart.canvas, "Learning curves: loss and accuracy", "loss-text");
    this.grad = labelCanvas(stage.gradChart.canvas, "Gradient norm per class", "grad-text");
    this.presentLoss = labelCanvas(stage.presentChart.canvas, "Learning curve: loss", "present-loss-text");
    this.network = labelCanvas(stage.network.canvas, "Network view", "network-text");
    this.networkTable = element("div", "sr-only");  // out of the flow: it takes no room beside the canvases
    this.network.after(this.networkTable);
    this.pmy = labelCanvas(stage.batchPmy.canvas, "P − Y for the last mini-batch", "batch-pmy-text");
    this.contrib = labelCanvas(stage.batchContrib.canvas, "How the samples add up to the gradient", "batch-contrib-text");
    this.pmyTable = element("div", "sr-only");
    this.contribTable = element("div", "sr-only");
    this.pmy.after(this.pmyTable);
    this.contrib.after(this.contribTable);
    for (const bars of [stage.logitBars.canvas, stage.probBars.canvas]) bars.setAttribute("aria-details", "point-table");
    void el;
  }

  /**
   * Build a table for screen readers once the browser is idle, after the frame is on screen (a Step's answer is
   * not kept waiting for a thousand cells nobody sees); a newer one of the same name replaces it.
   * @param {string} name @param {() => void} build
   */
  later(name, build) {
    if (name in this.pending) cancelIdleCallback(this.pending[name]);
    this.pending[name] = requestIdleCallback(() => { delete this.pending[name]; build(); }, {timeout: 1000});
  }

  /**
   * The last mini-batch's two maps as tables (they change only with a step, never while playing).
   * @param {{step: number, size: number, classes: string[], labels: string[], pmy: number[][], k: number,
   *          features: string[], contributions: number[][], mean: number[], update: number[]}|null} summary
   */
  batch(summary) {
    if (!summary) {
      setText(this.pmy, "No mini-batch yet: press Step.");
      setText(this.contrib, "");
      this.pmyTable.replaceChildren();
      this.contribTable.replaceChildren();
      return;
    }
    const classes = summary.classes.map((name) => "class " + name), f3 = (/** @type {number} */ v) => fmt(v, 3);
    setText(this.pmy, "P − Y of the mini-batch of step " + integer(summary.step) + " (" + summary.size + " samples), one row " +
      "per sample, one column per class: positive where the model gave a class too much, negative for the true class. " +
      "The table that follows has every number.");
    this.later("pmy", () => this.pmyTable.replaceChildren(textTable("P − Y, step " + integer(summary.step), ["sample", ...classes],
      summary.pmy.map((row, i) => [summary.labels[i], ...row.map(f3)]))));
    const k = "class " + summary.classes[summary.k];
    setText(this.contrib, "Each sample's contribution (p_ik − y_ik) z_i / T to dL/dw_k of " + k + ", their mean dL/dw_k " +
      "and the update the optimizer made to w_k. The table that follows has every number.");
    this.later("contributions", () => this.contribTable.replaceChildren(textTable("Contributions to dL/dw_k of " + k,
      ["row", ...summary.features], [...summary.contributions.map((row, i) => [summary.labels[i], ...row.map(f3)]),
                                      ["mean: dL/dw_k", ...summary.mean.map(f3)], ["update Δw_k", ...summary.update.map(f3)]])));
  }

  /** Whether the network's table is due a rewrite (always for a still frame). @param {boolean} playing */
  calmNetwork(playing) {
    return this.networkCalm.due(playing);
  }

  /** The selected point in words, from this frame ('' when there is none). @param {import("./stage.js").Frame} frame */
  describePoint(frame) {
    const stage = this.stage, points = stage.points, i = stage.view.selected;
    if (!points || !stage.meta || i < 0 || i >= points.rows) return "";
    const x = points.all("x");
    return pointText({meta: stage.meta, index: i, label: points.all("label")[i], test: points.all("test")[i] === 1,
      x: [x[2 * i], x[2 * i + 1]], probs: /** @type {Float64Array} */ (frame.point_probs),
      targets: /** @type {Float64Array} */ (frame.point_targets), loss: /** @type {number} */ (frame.point_loss)});
  }

  /** Describe the frame on screen (calmly while playing). @param {import("./stage.js").Frame|null} frame @param {boolean} playing */
  frame(frame, playing) {
    if (!this.calm.due(playing)) return;
    const stage = this.stage, meta = stage.meta, points = stage.points;
    if (!meta) return;
    if (!frame || !points) {
      setText(this.planeText, stage.view.idle || "Input plane: no points yet.");
      for (const el of [this.pointText, this.logits, this.probs, this.loss, this.grad, this.presentLoss]) setText(el, "");
      return;
    }
    const test = points.all("test"), counts = countPoints(/** @type {Uint8Array} */ (frame.wrong), test);
    setText(this.planeText, planeText({meta, show: stage.view.show, codes: /** @type {Uint8Array} */ (frame.grid), counts,
                                       trainAcc: /** @type {number} */ (frame.train_acc)}));
    const i = stage.view.selected;
    setText(this.pointText, this.describePoint(frame));
    setText(this.logits, barsText("Logits u_k of point " + i, meta.classes, /** @type {Float64Array} */ (frame.point_logits)));
    setText(this.probs, barsText("p_k of point " + i, meta.classes, /** @type {Float64Array} */ (frame.point_probs),
                                 /** @type {Float64Array} */ (frame.point_targets)));
    const c = stage.curves, steps = c.series("step");
    const losses = [{label: "train loss", values: c.series("train_loss")}, {label: "test loss", values: c.series("test_loss")}];
    setText(this.presentLoss, curvesText(steps, losses));
    setText(this.loss, curvesText(steps, [...losses,
      {label: "train accuracy", values: c.series("train_acc"), format: percent},
      {label: "test accuracy", values: c.series("test_acc"), format: percent}]));
    setText(this.grad, curvesText(steps, meta.classes.map((/** @type {string} */ name, /** @type {number} */ k) =>
      ({label: "class " + name, values: c.entry("class_grad_norm", k)}))));
  }
}
