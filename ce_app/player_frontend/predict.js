// @ts-check
// Predict mode on the stage: the Predict toggle, the panel that asks one question before a Step, Step ×10, Epoch or
// short Play, and the reveal once its steps ran: right or wrong (in words and an icon, never by colour alone), the
// part of the stage that tells (highlighted on the plane, the bars, the table or the metrics) and one sentence of
// why, announced politely to screen readers. The server asks, runs and judges (ce_app/stage/prediction.py); this
// module shows. The pure parts (what the panel shows, which buttons a question holds back, its height, its
// colours' contrast, a region's outline) are tested under node (tests/js/predict.test.js).
import {element, sizeCanvas} from "./draw.js";
import {integer} from "./numbers.js";
import {THEME} from "./theme.js";

/** The toolbar buttons that run steps: a question on screen holds them back until it is answered or skipped. */
export const RUN_BUTTONS = ["step", "step10", "epoch", "play"];
const SHADES = 32;  // region codes are 32 k + shade (ce_app/palette.py SHADES)
const ICONS = {  // inline, so that they render with any fonts installed; the words beside them say the same
  right: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2.5 8.5l3.5 3.5 7.5-8" fill="none" stroke="currentColor" stroke-width="2.4"/></svg>',
  wrong: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M3.5 3.5l9 9M12.5 3.5l-9 9" fill="none" stroke="currentColor" stroke-width="2.4"/></svg>',
  skipped: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M3 3.5l5 4.5-5 4.5zM8.5 3.5l5 4.5-5 4.5z" fill="currentColor"/></svg>',
};

/**
 * @typedef {{predict: boolean, question: any, reveal: any, hidden: string[], idle: string, diverged: boolean,
 *            show: string|number, present: boolean}} PredictView  the VIEW keys this module reads
 * @typedef {"off"|"idle"|"question"|"reveal"} PanelState
 */

/** What the panel shows. @param {PredictView} view @returns {PanelState} */
export function panelState(view) {
  if (!view.predict) return "off";
  if (view.question) return "question";
  if (view.reveal) return "reveal";
  return "idle";
}

/** Whether the toolbar button `key` waits for the question on screen. @param {PredictView} view @param {string} key */
export function heldBack(view, key) {
  return Boolean(view.predict && view.question) && RUN_BUTTONS.includes(key);
}

/**
 * The Play button's label: in predict mode one press plays a few steps (STREAM.limit), the ones asked about.
 * @param {PredictView} view @param {{limit: number}|null} stream
 */
export function playLabel(view, stream) {
  return view.predict && stream ? "Play " + integer(stream.limit) + " steps" : "Play";
}

/**
 * The reveal in words: the verdict first (an icon name and a sentence that says it without colour), then why.
 * @param {{verdict: string, choice: string, answer: string, why: string, look: string}} reveal
 * @param {boolean} regionsShown the plane shows the predicted classes (a region can be outlined)
 * @returns {{icon: "right"|"wrong"|"skipped", verdict: string, answer: string, why: string, look: string}}
 */
export function revealWords(reveal, regionsShown) {
  const look = "Highlighted: " + reveal.look + (regionsShown ? "." : " (colour by predicted class to see it).");
  const quoted = (/** @type {string} */ label) => "“" + label + "”";
  const answer = "The answer: " + quoted(reveal.answer) + ".";
  if (reveal.verdict === "right") return {icon: "right", verdict: "Right!", answer, why: reveal.why, look};
  if (reveal.verdict === "wrong") {
    return {icon: "wrong", verdict: "Not this time.", answer: "You said " + quoted(reveal.choice) + "; the answer: " +
            quoted(reveal.answer) + ".", why: reveal.why, look};
  }
  return {icon: "skipped", verdict: "Skipped.", answer, why: reveal.why, look};
}

/**
 * The panel's height: fixed for a stage width, so that a question, a reveal and nothing all take the same room and
 * the stage below never moves. Narrow stages stack the choices under the text.
 * @param {number} width the stage's width in CSS pixels
 * @param {boolean} present presentation mode (larger text)
 */
export function panelHeight(width, present) {
  if (width < 720) return 200;
  if (present) return width >= 1000 ? 82 : 96;  // a 1280 px projector leaves about 1100 px to the stage
  return 96;
}

/** @param {string} hex "#rrggbb" */
function luminance(hex) {
  const channel = (/** @type {number} */ i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG's contrast ratio of two colours "#rrggbb" (1 to 21). @param {string} a @param {string} b */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * The outline of class k's region on the plane's colour grid (region codes 32 k + shade, R x R, row i along x2
 * upwards, column j along x1): every side between a cell of class k and a neighbour that is not, in grid units
 * (cell (i, j) is centred on (j, i)). Sides on the edge of the grid are left out: the plot's frame draws them.
 * @param {ArrayLike<number>} codes @param {number} r @param {number} k
 * @returns {Array<[number, number, number, number]>} segments [u0, v0, u1, v1]
 */
export function regionEdges(codes, r, k) {
  /** @type {Array<[number, number, number, number]>} */
  const out = [];
  const inside = (/** @type {number} */ i, /** @type {number} */ j) => Math.floor(codes[i * r + j] / SHADES) === k;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      const here = inside(i, j);
      if (j + 1 < r && here !== inside(i, j + 1)) out.push([j + 0.5, i - 0.5, j + 0.5, i + 0.5]);
      if (i + 1 < r && here !== inside(i + 1, j)) out.push([j - 0.5, i + 0.5, j + 0.5, i + 0.5]);
    }
  }
  return out;
}

/**
 * The panel's style, from the theme's colours (index.html holds the stage's own).
 * @param {typeof THEME} theme
 */
export function panelCss(theme) {
  return `
    #predict { box-sizing: border-box; border: 1px solid ${theme.frame}; border-left: 4px solid ${theme.highlight};
               border-radius: 8px; padding: 6px 10px; background: ${theme.background}; color: ${theme.text};
               overflow-y: auto; display: flex; flex-direction: column; justify-content: center; }
    #predict[hidden] { display: none; }
    #predict:focus { outline: none; }
    #predict .ask { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; }
    #predict .ask[hidden], #predict .reveal[hidden], #predict .idle[hidden] { display: none; }
    #predict .text { flex: 1 1 380px; margin: 0; line-height: 1.35; }
    #predict .badge { font-weight: 600; color: ${theme.highlight}; margin-right: 6px; }
    #predict .choices { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
    #predict .choices button { height: 34px; }
    #predict .choices button.skip { border-style: dashed; }
    #predict .then { color: ${theme.muted}; font-size: 13px; }
    #predict button:focus-visible, #toolbar button[data-key="predict"]:focus-visible {
      outline: 3px solid ${theme.highlight}; outline-offset: 2px; }
    #predict .reveal p { margin: 0; line-height: 1.35; }
    #predict .verdict { font-weight: 600; white-space: nowrap; }
    #predict .verdict svg { width: 15px; height: 15px; margin-right: 4px; vertical-align: -2px; }
    #predict .verdict.right { color: ${theme.right}; }
    #predict .verdict.wrong { color: ${theme.wrong}; }
    #predict .look { color: ${theme.highlight}; }
    #predict .idle { color: ${theme.muted}; margin: 0; }
    body.present #predict { font-size: 1em; height: 4.6em !important; }
    body.present #predict .then { font-size: 1em; }
    body.present #predict .choices button { height: 2em; }
    body.narrow #predict { justify-content: flex-start; padding-top: 10px; }
    body.narrow #predict .text { flex-basis: 100%; }
    .predict-highlight { outline: 3px dashed ${theme.highlight}; outline-offset: 2px; }
  `;
}

export class PredictPanel {
  /** @param {import("./stage.js").Stage} stage */
  constructor(stage) {
    this.stage = stage;
    this.style = document.head.appendChild(element("style"));
    this.styleKey = "";
    this.toggle = stage.el.toolbar.appendChild(element("button", "", "Predict"));
    this.toggle.dataset.key = "predict";
    this.toggle.title = "Predict mode: before Step, Step ×10, Epoch or Play, say what will happen; then see whether you were right, and why.";
    this.toggle.setAttribute("aria-pressed", "false");
    this.toggle.addEventListener("click", () => this.stage.send("predict", {on: !this.stage.view.predict}));
    this.root = element("section");
    this.root.id = "predict";
    this.root.tabIndex = -1;
    this.root.setAttribute("aria-label", "Predict");
    this.root.hidden = true;
    stage.el.status.after(this.root);
    this.idle = this.root.appendChild(element("p", "idle", ""));
    this.ask = this.root.appendChild(element("div", "ask"));
    this.ask.setAttribute("role", "group");
    this.ask.setAttribute("aria-labelledby", "predict-text");
    this.text = this.ask.appendChild(element("p", "text"));
    this.badge = this.text.appendChild(element("span", "badge", ""));
    this.words = this.text.appendChild(element("span"));
    this.text.id = "predict-text";
    this.choices = this.ask.appendChild(element("div", "choices"));
    // The reveal lives in a polite live region that is always in the page, so that its new text is announced.
    this.revealBox = this.root.appendChild(element("div", "reveal"));
    this.revealBox.setAttribute("aria-live", "polite");
    this.layer = element("canvas", "layer");  // the highlight on the plane, above its own layers; clicks go through
    this.layer.style.pointerEvents = "none";
    this.layer.setAttribute("aria-hidden", "true");  // the reveal's words say what is outlined
    this.layer.hidden = true;
    stage.plane.root.appendChild(this.layer);
    this.layerSize = "";
    this.shown = "";  // what the panel was last built from
    this.questionId = "";  // the question on screen (its choices have the focus when it is new)
    this.action = "";  // the toolbar button whose question was answered: the focus goes back to it
    /** @type {HTMLElement[]} elements outlined by the reveal */
    this.outlined = [];
  }

  /** @returns {PredictView} */
  get view() {
    return this.stage.view;
  }

  /** The panel's room: fixed for the stage's width while predict mode is on. @param {number} width @param {boolean} present */
  layout(width, present) {
    this.root.style.height = panelHeight(width, present) + "px";
  }

  /** Bring the toggle and the panel in line with VIEW (cheap when nothing changed). @param {boolean} playing */
  show(playing) {
    const view = this.view;
    const styleKey = JSON.stringify(THEME);
    if (styleKey !== this.styleKey) { this.styleKey = styleKey; this.style.textContent = panelCss(THEME); }
    this.toggle.hidden = view.hidden.includes("predict");
    this.toggle.disabled = Boolean(view.idle) || playing;
    this.toggle.classList.toggle("chosen", view.predict);
    this.toggle.setAttribute("aria-pressed", String(view.predict));
    const state = panelState(view);
    const key = state + "|" + JSON.stringify(state === "question" ? view.question : state === "reveal" ? view.reveal : view.show) +
      "|" + this.stage.stream?.limit;
    if (key === this.shown) return;
    const hadFocus = this.root.contains(document.activeElement);
    this.shown = key;
    this.root.hidden = state === "off";
    this.idle.hidden = state !== "idle";
    this.ask.hidden = state !== "question";
    if (state === "idle") {
      this.idle.textContent = "Predict mode: Step, Step ×10, Epoch and " + playLabel(view, this.stage.stream) +
        " first ask what they will do. Answer, then watch.";
    }
    if (state === "question") this.showQuestion(view.question);
    if (state === "reveal") this.showReveal(view.reveal);
    else this.revealBox.replaceChildren();
    if (state !== "question") this.questionId = "";
    if (hadFocus && state !== "question") this.returnFocus();
  }

  /** @param {any} question VIEW.question */
  showQuestion(question) {
    this.badge.textContent = question.lesson ? "Lesson question:" : "Predict:";
    this.words.textContent = question.text;
    this.ask.dataset.kind = question.kind;
    this.choices.replaceChildren();
    for (const [choice, label] of question.choices) {
      const b = this.choices.appendChild(element("button", "", label));
      b.dataset.choice = choice;
      b.addEventListener("click", () => this.answer(question.id, choice, question.action));
    }
    const skip = this.choices.appendChild(element("button", "skip", "Skip, just run it"));
    skip.title = "Run the steps without answering (the answer is shown afterwards)";
    skip.addEventListener("click", () => {
      this.action = question.action;
      this.root.focus();
      this.stage.send("skip_question", {question: question.id});
    });
    this.choices.appendChild(element("span", "then", "then: " + question.run));
    if (question.id !== this.questionId) {  // a new question: the keyboard goes to its first answer
      this.questionId = question.id;
      window.focus();
      /** @type {HTMLButtonElement} */ (this.choices.firstElementChild).focus();
    }
  }

  /** @param {string} id @param {string} choice @param {string} action */
  answer(id, choice, action) {
    this.action = action;
    this.root.focus();  // the choices go away; the focus waits here for the steps, then goes back to the toolbar
    this.stage.send("answer", {question: id, choice});
  }

  /** @param {any} reveal VIEW.reveal */
  showReveal(reveal) {
    const words = revealWords(reveal, this.view.show === "regions" || reveal.element !== "region");
    const text = element("p");
    const verdict = text.appendChild(element("strong", "verdict " + words.icon));
    verdict.innerHTML = ICONS[words.icon];  // our own fixed icon, never text from the server
    verdict.appendChild(document.createTextNode(words.verdict));
    text.append(" " + words.answer + " " + words.why + " ");
    text.appendChild(element("span", "look", words.look));
    this.revealBox.replaceChildren(text);
    this.revealBox.dataset.verdict = reveal.verdict;
    this.action = this.action || reveal.action;
  }

  /** After an answer: back to the button that asked (Play reads Pause while the steps play), else the stage. */
  returnFocus() {
    const button = this.stage.buttons[this.action || "step"];
    this.action = "";
    if (button && !button.hidden && !button.disabled) button.focus();
    else this.stage.el.stage.focus();
  }

  // --------------------------------------------------------------------------------------------------------
  // The highlight: drawn after the stage drew a frame
  // --------------------------------------------------------------------------------------------------------
  /** @param {import("./codec.js").Row|null} frame */
  highlight(frame) {
    const view = this.view, plane = this.stage.plane;
    const reveal = panelState(view) === "reveal" && frame && plane.box ? view.reveal : null;
    if (!reveal && !this.root.dataset.highlighted) return;  // nothing shown, nothing to take away: every frame of Play
    const size = plane.size.width + "x" + plane.size.height;
    if (size !== this.layerSize) { this.layerSize = size; sizeCanvas(this.layer, plane.size.width, plane.size.height); }
    const ctx = /** @type {CanvasRenderingContext2D} */ (this.layer.getContext("2d"));
    ctx.clearRect(0, 0, plane.size.width, plane.size.height);
    for (const el of this.outlined) el.classList.remove("predict-highlight");
    this.outlined = [];
    this.root.dataset.highlighted = reveal ? this.draw(ctx, reveal, /** @type {import("./codec.js").Row} */ (frame)) : "";
    this.layer.hidden = this.root.dataset.highlighted !== "plane";
  }

  /**
   * Highlight the part of the stage that tells the answer; where it is ("plane", "bars", "table", "metrics"), or
   * "" when it cannot be shown now (a region while the plane shows one class's p_k).
   * @param {CanvasRenderingContext2D} ctx @param {any} reveal VIEW.reveal @param {import("./codec.js").Row} frame
   */
  draw(ctx, reveal, frame) {
    const plane = this.stage.plane, k = reveal.index;
    if (reveal.element === "region" && this.view.show === "regions") {
      this.outlineRegion(ctx, frame, k);
      return "plane";
    }
    if (reveal.element === "arrow" && frame.W) {
      this.outlineArrow(ctx, /** @type {Float64Array} */ (frame.W), k);
      return "plane";
    }
    if ((reveal.element === "point" || reveal.element === "batch") && plane.pixels && k < plane.pixels.length / 2) {
      this.ring(ctx, plane.pixels[2 * k], plane.pixels[2 * k + 1], plane.markerRadius + 13);
      return "plane";
    }
    if (reveal.element === "bar") return this.outlineBar(k) ? "bars" : "";
    if (reveal.element === "row") return this.outline(this.stage.cells[k]?.[0]?.parentElement) ? "table" : "";
    if (reveal.element === "curve") {
      if (!this.stage.el.curves.hidden) this.outline(this.stage.el.lossCurve);
      return this.outline(this.stage.el.metrics.querySelector(`[data-metric="${reveal.name}"]`)) ? "metrics" : "";
    }
    return "";
  }

  /** @param {Element|null|undefined} el @returns {boolean} whether there was one to outline */
  outline(el) {
    if (!el) return false;
    el.classList.add("predict-highlight");
    this.outlined.push(/** @type {HTMLElement} */ (el));
    return true;
  }

  /** A dashed highlight with a white halo, legible on any colour beneath. @param {CanvasRenderingContext2D} ctx */
  stroke(ctx) {
    ctx.save();
    ctx.lineJoin = "round"; ctx.lineCap = "round";
    ctx.strokeStyle = THEME.markerEdge; ctx.lineWidth = 6; ctx.stroke();
    ctx.strokeStyle = THEME.highlight; ctx.lineWidth = 3; ctx.setLineDash([7, 4]); ctx.stroke();
    ctx.restore();
  }

  /** @param {CanvasRenderingContext2D} ctx @param {number} x @param {number} y @param {number} radius */
  ring(ctx, x, y, radius) {
    ctx.beginPath(); ctx.arc(x, y, radius, 0, 2 * Math.PI);
    this.stroke(ctx);
  }

  /** @param {CanvasRenderingContext2D} ctx @param {import("./codec.js").Row} frame @param {number} k */
  outlineRegion(ctx, frame, k) {
    const plane = this.stage.plane, box = /** @type {import("./plane.js").PlotBox} */ (plane.box);
    const codes = /** @type {Uint8Array} */ (frame.grid), r = Math.round(Math.sqrt(codes.length));
    const du = box.width / (r - 1), dv = box.height / (r - 1);  // grid points sit on the bounds' edges
    ctx.save();
    ctx.beginPath(); ctx.rect(box.left, box.top, box.width, box.height); ctx.clip();
    ctx.beginPath();
    for (const [u0, v0, u1, v1] of regionEdges(codes, r, k)) {
      ctx.moveTo(box.left + u0 * du, box.top + box.height - v0 * dv);
      ctx.lineTo(box.left + u1 * du, box.top + box.height - v1 * dv);
    }
    this.stroke(ctx);
    ctx.restore();
  }

  /** @param {CanvasRenderingContext2D} ctx @param {Float64Array} W @param {number} k */
  outlineArrow(ctx, W, k) {
    const plane = this.stage.plane;
    const [ox, oy] = plane.arrowOrigin(), scale = plane.arrowScale(W);
    ctx.beginPath();
    ctx.moveTo(plane.px(ox), plane.py(oy));
    ctx.lineTo(plane.px(ox + scale * W[2 * k]), plane.py(oy + scale * W[2 * k + 1]));
    this.stroke(ctx);
    this.ring(ctx, plane.px(ox + scale * W[2 * k]), plane.py(oy + scale * W[2 * k + 1]), 10);
  }

  /** The p bar of class k, outlined on the probabilities' canvas (drawn just before). @param {number} k */
  outlineBar(k) {
    const bars = this.stage.probBars, plot = bars.plot, ctx = bars.ctx;
    if (!plot || !ctx || k >= plot.count) return false;
    const slot = plot.width / plot.count;
    ctx.beginPath();
    ctx.rect(plot.left + slot * k + 2, plot.top - 4, slot - 4, plot.height + 8);
    this.stroke(ctx);
    return true;
  }
}
