// @ts-check
// The training stage: controls, metrics, the input plane, the selected point, the learning curves, the network
// view and the last mini-batch, all drawn from one frame at a time. The server (ce_app/player.py, ce_app/stage)
// sends chunks of frames; Playback (playback.js) plays them on requestAnimationFrame at the chosen rate.
//
// Streamlit's component protocol (version 1) over postMessage, no build step:
//   page -> us : {type: "streamlit:render", args, theme} (bytes arguments arrive as Uint8Array; the theme is sent
//                again when the viewer switches it)
//   us -> page : streamlit:componentReady, streamlit:setFrameHeight, streamlit:setComponentValue
// What the arguments hold and what events we may send is declared in ce_app/stage_contract.py, and
// tests/unit/test_stage_contract.py holds this folder to it: a key read here must be sent, a key sent must be read.
import {Announcer, TextAlternatives, announcement, textTable} from "./a11y.js";
import {Bars, Curves, Heatmap, LineChart} from "./charts.js";
import {StageClient} from "./client.js";
import {bit, unpackTable} from "./codec.js";
import {TOOLBAR, buttonStates, choosePoint, drawToolStates, keyAction, playTitle, statusLine} from "./controls.js";
import {element, marker, sizeCanvas} from "./draw.js";
import {columnGroups, presentCharts, presentFont, presentPlane} from "./layout.js";
import {nextMisclassified, pointInDirection, stepPoint} from "./navigate.js";
import {FORMATS, fmt, full, integer} from "./numbers.js";
import {Network} from "./network.js";
import {Plane} from "./plane.js";
import {Playback} from "./playback.js";
import {PredictPanel, heldBack, playLabel} from "./predict.js";
import {THEME, applyTheme, classColors, paletteColors, readable} from "./theme.js";

const RECONNECT_WAIT_MS = 6000;  // after a reconnect, a session that does not answer by then is gone
const STAGE_PADDING = 12;  // #stage's padding left and right (index.html): room for the focus rings
const BOTTOM_MARGIN = 20;  // presentation mode: below the stage, when the page cannot be measured
const FRAME_TITLE = "Training stage: controls, metrics, the input plane, the selected point and the learning curves";
const KEYS_HINT = "Keys: Space plays and pauses, → steps; ] and [ choose the next and previous point, m the next " +
  "misclassified one; on the focused plane the arrow keys move to the nearest point that way.";
const ICONS = {  // inline, so that they render with any fonts installed (the warning's colours follow the theme)
  play: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M4 2.5v11l9-5.5z" fill="currentColor"/></svg>',
  pause: '<svg viewBox="0 0 16 16" aria-hidden="true"><rect x="3.5" y="2.5" width="3" height="11" fill="currentColor"/><rect x="9.5" y="2.5" width="3" height="11" fill="currentColor"/></svg>',
  draw: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2 14l1-4 7.5-7.5 3 3L6 13z" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>',
  warn: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M8 1.5l7 13H1z" fill="currentColor"/><rect x="7.25" y="6" width="1.5" height="4.5" fill="var(--bg)"/><rect x="7.25" y="11.5" width="1.5" height="1.5" fill="var(--bg)"/></svg>',
};
// The toolbar: label (our own markup), tooltip. Keys: controls.TOOLBAR.
const BUTTONS = {
  step: ["Step", "One SGD update on the next mini-batch (key →)."],
  step10: ["Step ×10", "Ten updates."],
  epoch: ["Epoch", "Steps until every training point has been used once in this pass."],
  play: [ICONS.play + "<span>Play</span>", "Play (space bar)"],
  reset: ["Reset", "Back to the initial weights of this seed, step 0."],
  network: ["Network", "Look inside the network: every hidden unit's activation over the plane, the logits, and the weights between them."],
  draw: [ICONS.draw + "<span>Draw points</span>", "Click on the plane to add points of a chosen class, or remove them; training restarts on the edited points."],
};

/** @typedef {import("./codec.js").Row & {seq: number, index: number, last: boolean, step: number}} Frame */
/** @typedef {{kind: string, seq: number, before: number, index?: number}} Awaited  what a press waits for, to say */

/** The stage's fixed parts in index.html, by name. */
function elements() {
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  return {stage: $("stage"), toolbar: $("toolbar"), status: $("status"), metrics: $("metrics"), modes: $("modes"),
          planeBox: $("plane"), caption: $("plane-caption"), inspector: $("inspector"), head: $("point-head"),
          lines: $("point-lines"), table: $("point-table"), curves: $("curves"), problem: $("problem"),
          batch: $("batch"), batchHead: $("batch-head"), batchCharts: $("batch-charts"), batchCaption: $("batch-caption"),
          network: $("network"), networkTip: $("network-tip"), batchTip: $("batch-tip"), left: $("left"),
          logits: $("logits"), probs: $("probs"), batchPmy: $("batch-pmy"), batchContrib: $("batch-contrib"),
          lossCurve: $("loss-curve"), gradCurve: $("grad-curve"), presentCurve: $("present-curve"), main: $("main"),
          announce: $("announce")};
}

/** @param {HTMLElement} el */
const canvas = (el) => /** @type {HTMLCanvasElement} */ (el);

/** A KeyTarget (controls.js) for the element a key press went to. @param {EventTarget|null} target */
function keyTarget(target) {
  const el = /** @type {HTMLElement|null} */ (target);
  if (!el || !el.tagName) return {tag: "", type: "", role: "", editable: false};
  return {tag: el.tagName.toLowerCase(), type: String(/** @type {HTMLInputElement} */ (el).type || "").toLowerCase(),
          role: el.getAttribute("role") || "", editable: Boolean(el.isContentEditable), arrows: el.dataset?.arrows || "",
          inStage: el.ownerDocument === document};
}

export class Stage {
  constructor() {
    this.client = new StageClient();
    this.playback = new Playback();
    this.curves = new Curves();
    /** @type {any} META of the last render */
    this.meta = null;
    /** @type {any} VIEW of the last render */
    this.view = {hidden: [], idle: "", selected: 0};
    /** @type {any} STREAM of the stream on screen */
    this.stream = null;
    /** @type {import("./codec.js").Table|null} */
    this.points = null;
    /** @type {{info: any, table: import("./codec.js").Table}|null} the last mini-batch */
    this.batch = null;
    /** @type {Frame|null} the frame on screen */
    this.frame = null;
    this.lastFramesId = -1;
    /** @type {{light: Uint8Array, dark: Uint8Array}|null} the plane's colours in both themes (ARGS.lut, lut_dark) */
    this.luts = null;
    /** @type {Awaited|null} a press whose result the live region says once it is on screen */
    this.awaited = null;
    this.metaKey = "";  // META as JSON: when it changes, everything labelled by it is built again
    this.metaVersion = 0;
    this.layoutKey = "";
    /** @type {number|null} the VIEW.focus seen last (null before the first render) */
    this.focusSeen = null;
    /** @type {number|null} */
    this.reconnectedAt = null;
    this.helloSeq = 0;
    this.frameHeight = 0;
    this.ready = false;  // the first render has been drawn whole: heights are reported from then on
    this.presentFont = 0;  // presentation mode's font size (layout.js), 0 otherwise
    this.tableSample = "−0.0000";  // the widest number the inspector's table is laid out for
    this.screenKey = "";  // presentation mode: the screen's size and the stage's top on it, as last laid out
    this.screenCheckedAt = 0;
    this.batchClass = 0;
    this.drawClass = 0;
    this.drawRemove = false;
    /** @type {Record<string, string>} what each DOM part was last built from */
    this.built = {};
    this.work = Promise.resolve();
    this.el = elements();
    try { /** @type {HTMLIFrameElement} */ (window.frameElement).title = FRAME_TITLE; } catch { /* another origin */ }
    this.announcer = new Announcer(this.el.announce);
    this.buttons = this.buildToolbar();
    /** @type {Record<string, HTMLElement>} the metric boxes' values, by frame column */
    this.metricValues = {};
    this.plane = new Plane(this.el.planeBox, {
      select: (index) => this.select(index),
      draw: (x, y) => this.send("draw", {x, y, k: this.drawClass, remove: this.drawRemove}),
    });
    const point = this.buildPointHead();
    this.pointInput = point.input;
    this.pointInfo = point.info;
    this.pointError = point.error;
    /** @type {HTMLElement[][]} the inspector table's cells, a row per class */
    this.cells = [];
    this.logitBars = new Bars(canvas(this.el.logits));
    this.probBars = new Bars(canvas(this.el.probs));
    this.batchPmy = new Heatmap(canvas(this.el.batchPmy), this.el.batchTip);
    this.batchContrib = new Heatmap(canvas(this.el.batchContrib), this.el.batchTip);
    this.network = new Network(this.el.network, this.el.networkTip, (text) => this.announcer.say(text));
    this.lossChart = new LineChart(canvas(this.el.lossCurve));
    this.gradChart = new LineChart(canvas(this.el.gradCurve));
    this.presentChart = new LineChart(canvas(this.el.presentCurve));
    this.text = new TextAlternatives(this);
    this.predict = new PredictPanel(this);
    requestAnimationFrame((now) => this.tick(now));
    window.addEventListener("message", (event) => {
      if (event.source !== window.parent) return;  // only the Streamlit page that holds this frame
      const data = event.data;
      if (data && data.type === "streamlit:render" && data.args) {
        const args = data.args, theme = data.theme;
        this.work = this.work.then(() => { this.setTheme(theme); return this.apply(args); })
          .then(() => this.settled()).catch((error) => this.problem(error));
      }
    });
    new ResizeObserver(() => this.layout()).observe(document.body);
    document.addEventListener("keydown", (e) => this.onKey(e));
    try { window.parent.document.addEventListener("keydown", (e) => this.onKey(e)); } catch { /* another origin */ }
    this.watchConnection();
    this.post("streamlit:componentReady", {apiVersion: 1});
  }

  // A server that restarted (or a replica that went away) takes the session with it. Streamlit reconnects the
  // page to a new, empty session but does not rerun an idle page, so nothing would answer the stage any more.
  // After a reconnect the stage says hello; if no answer comes, it reloads the page, whose address holds the
  // settings, and says so.
  watchConnection() {
    /** @type {HTMLElement|null} */
    let root;
    try { root = window.parent.document.querySelector('[data-testid="stApp"]'); } catch { return; }
    if (!root) return;
    const app = root;
    let last = app.dataset.testConnectionState;
    new MutationObserver(() => {
      const state = app.dataset.testConnectionState;
      if (state === "CONNECTED" && last !== "CONNECTED" && this.client.secret !== null) {
        this.reconnectedAt = performance.now();
        this.send("hello");
        this.helloSeq = this.client.seq;
      }
      last = state;
    }).observe(app, {attributes: true, attributeFilter: ["data-test-connection-state"]});
  }

  /** @param {number} now */
  checkReconnect(now) {
    if (this.reconnectedAt === null || now - this.reconnectedAt < RECONNECT_WAIT_MS) return;
    this.reconnectedAt = null;
    this.el.status.textContent = "The server restarted and this session is gone: reloading the page with the same settings…";
    this.el.status.className = "warn";
    window.cePlayer.reloading = true;
    setTimeout(() => window.parent.location.reload(), 1500);
  }

  // --------------------------------------------------------------------------------------------------------
  // Building the DOM
  // --------------------------------------------------------------------------------------------------------
  /** The toolbar's buttons, by key (controls.TOOLBAR). @returns {Record<string, HTMLButtonElement>} */
  buildToolbar() {
    /** @type {Record<string, HTMLButtonElement>} */
    const buttons = {};
    for (const key of TOOLBAR) {
      const [label, help] = BUTTONS[/** @type {keyof typeof BUTTONS} */ (key)];
      const b = element("button", key === "play" ? "primary" : "");
      b.dataset.key = key;
      b.title = help;
      b.innerHTML = label;  // our own fixed labels and icons, never text from the server
      b.addEventListener("click", () => this.press(key));
      buttons[key] = this.el.toolbar.appendChild(b);
    }
    return buttons;
  }

  /** "Point #": the box, what the point is, and why a number typed there was refused. */
  buildPointHead() {
    const head = this.el.head;
    head.appendChild(element("label", "", "Point #")).htmlFor = "point-input";
    const input = head.appendChild(element("input"));
    input.id = "point-input";
    input.type = "number"; input.min = "0"; input.step = "1";
    input.setAttribute("aria-label", "Selected point #");
    input.setAttribute("aria-describedby", "point-error");
    input.title = KEYS_HINT;
    input.addEventListener("change", () => this.choose(input.value));
    const info = head.appendChild(element("span", "info", ""));
    const keys = head.appendChild(element("span", "keys", "Keys: ] [ m"));
    keys.title = KEYS_HINT;  // the plane's own name tells a screen reader the same
    keys.setAttribute("aria-hidden", "true");
    const error = head.appendChild(element("span", "error", ""));
    error.id = "point-error";
    error.setAttribute("role", "alert");
    error.hidden = true;
    return {input, info, error};
  }

  /** The metrics row: one box per META.metrics entry (labels and help come from the server). */
  buildMetrics() {
    this.el.metrics.replaceChildren();
    this.metricValues = {};
    for (const metric of this.meta.metrics) {
      const box = element("div", "metric");
      box.dataset.metric = metric.name;
      box.title = metric.help;
      box.appendChild(element("div", "label", metric.label));
      this.metricValues[metric.name] = box.appendChild(element("div", "value", ""));
      this.el.metrics.appendChild(box);
    }
  }

  // --------------------------------------------------------------------------------------------------------
  // Talking to Streamlit
  // --------------------------------------------------------------------------------------------------------
  /** @param {string} type @param {object} [extra] */
  post(type, extra) {
    window.parent.postMessage(Object.assign({isStreamlitMessage: true, type}, extra), "*");
  }

  /**
   * Send an event (with every one not yet acknowledged). Kinds and fields: stage_contract.EVENTS.
   * @param {string} kind
   * @param {Record<string, unknown>} [fields]
   */
  send(kind, fields) {
    if (!this.client.event(kind, fields)) return;
    this.post("streamlit:setComponentValue", {dataType: "json", value: this.client.value()});
  }

  /**
   * Streamlit's theme (with every render; again when the viewer switches it): the stage's colours follow it, and
   * everything drawn on a canvas is drawn again.
   * @param {import("./theme.js").StreamlitTheme|undefined} theme
   */
  setTheme(theme) {
    if (!applyTheme(theme)) return;
    this.network.setTheme();
    if (this.luts) this.plane.setLut(THEME.base === "dark" ? this.luts.dark : this.luts.light);
    if (!this.meta) return;
    this.plane.setMeta(this.themedMeta());
    this.network.setMeta(this.themedMeta());
    this.built = {metrics: this.built.metrics};  // pills, table and batch view take the new class shades
    this.showControls();
    this.show(this.frame);
  }

  /** META with the class colours of the theme in force (the plane and the network draw with `colors`). */
  themedMeta() {
    return {...this.meta, colors: classColors(this.meta), palette: paletteColors(this.meta)};
  }

  /** @param {any} args the component's arguments: stage_contract.ARGS */
  async apply(args) {
    if (this.reconnectedAt !== null && args.acked >= this.helloSeq) this.reconnectedAt = null;  // the session answered
    this.client.receive(args);
    const metaKey = JSON.stringify(args.meta);
    if (metaKey !== this.metaKey) { this.metaKey = metaKey; this.metaVersion += 1; }
    const layoutKey = [this.metaVersion, args.view.present, args.view.hidden.join(","), args.view.network, args.view.predict].join("|");
    this.meta = args.meta;
    this.view = args.view;
    if (this.built.metrics !== String(this.metaVersion)) { this.built.metrics = String(this.metaVersion); this.buildMetrics(); }
    if (args.points) {
      this.points = await unpackTable(args.points, args.points_blob);
      this.plane.setPoints(this.points);
    }
    this.luts = {light: args.lut, dark: args.lut_dark};
    this.plane.setLut(THEME.base === "dark" ? args.lut_dark : args.lut);
    this.plane.setView({...this.view, draw: this.view.draw && !this.playback.animating});
    if (layoutKey !== this.layoutKey) {
      this.layoutKey = layoutKey;
      this.plane.setMeta(this.themedMeta());
      this.network.setMeta(this.themedMeta());
      this.layout();
    }
    this.takeFocusIfAsked();
    this.showControls();
    if (!this.client.points && !args.points) { this.send("hello"); return; }
    if (this.client.pendingControl()) return;  // the server has not seen our last click yet: its stream is older
    const stream = args.stream, chunk = args.chunk;
    const newStream = !this.stream || this.stream.id !== stream.id;
    if (args.history || this.view.idle) this.curves.reset(await unpackTable(args.history, args.history_blob));
    if (args.batch) this.batch = {info: args.batch, table: /** @type {import("./codec.js").Table} */ (await unpackTable(args.batch, args.batch_blob))};
    else if (!stream.playing) this.batch = null;  // paused before the first step: no batch yet
    if (chunk.id === this.lastFramesId && !newStream) { this.holdStream(stream); this.showControls(); return; }
    const table = /** @type {import("./codec.js").Table} */ (await unpackTable(chunk, args.frames));
    this.lastFramesId = chunk.id;
    /** @type {Frame[]} */
    const frames = [];
    for (let i = 0; i < table.rows; i++) frames.push(this.frameAt(table, i, chunk.seq, i === table.rows - 1));
    this.holdStream(stream);
    if (stream.playing) {
      this.playback.take(frames, newStream, performance.now());
    } else {
      this.playback.still(frames.length ? frames[0] : null);
      this.show(frames.length ? frames[0] : null);
    }
    this.showControls();
  }

  /**
   * A press of Step, Step ×10, Epoch, Pause or Reset (its still frame), or a point chosen with the keys (a frame
   * that shows it), is on screen: the live region says what it did, once.
   */
  sayResult() {
    const awaited = this.awaited, frame = this.frame;
    if (!awaited || !frame || this.client.acked < awaited.seq) return;
    if (awaited.kind === "select") {
      if (this.view.selected !== awaited.index) return;
      this.announcer.say(this.text.describePoint(frame));
    } else {
      if (this.playback.animating || (this.stream && this.stream.playing)) return;
      this.announcer.say(announcement(awaited.kind, /** @type {any} */ (frame), awaited.before));
    }
    this.awaited = null;
  }

  /** Say the result of the event just sent once it is on screen. @param {string} kind @param {number} [index] */
  awaitResult(kind, index) {
    if (this.client.seq > this.client.acked) this.awaited = {kind, seq: this.client.seq, before: this.shownStep(), index};
  }

  /** @param {any} stream STREAM */
  holdStream(stream) {
    this.stream = stream;
    this.client.holdStream(stream.id);
  }

  /**
   * Row i of a chunk: every column its header names, and where the frame sits in its stream.
   * @param {import("./codec.js").Table} table @param {number} i @param {number} seq @param {boolean} last
   * @returns {Frame}
   */
  frameAt(table, i, seq, last) {
    return /** @type {Frame} */ ({...table.row(i), seq, index: i, last});
  }

  // --------------------------------------------------------------------------------------------------------
  // Controls
  // --------------------------------------------------------------------------------------------------------
  /** A toolbar button was pressed (a click, or Space/Enter on it). @param {string} key */
  press(key) {
    if (key === "step") this.send("step", {n: 1});
    else if (key === "step10") this.send("step", {n: 10});
    else if (key === "epoch") this.send("epoch");
    else if (key === "play") this.togglePlay();
    else if (key === "reset") this.send("reset");
    else if (key === "network") this.toggleNetwork();
    else if (key === "draw") this.send("draw_mode", {on: !this.view.draw});
    if (["step", "step10", "epoch", "reset"].includes(key)) this.awaitResult(key);
  }

  /** The step of the frame on screen (0 before any). */
  shownStep() {
    return this.frame ? this.frame.step : 0;
  }

  /** The stream on screen ("" before any). */
  shownStream() {
    return this.stream ? this.stream.id : "";
  }

  togglePlay() {
    if (this.playback.animating || (this.stream && this.stream.playing && this.client.pendingControl())) {
      this.playback.animating = false;
      this.send("pause", {step: this.shownStep(), stream: this.shownStream()});
      this.awaitResult("pause");
    } else if (this.view.predict) {
      this.send("play");  // predict mode: a question first; the frames come once it is answered
    } else {
      this.playback.start(performance.now());
      this.send("play");
    }
    this.showControls();
  }

  /** @param {number} index */
  select(index) {
    if (this.playback.animating) this.playback.holding = true;  // wait on this frame for the stream that shows the point
    this.send("select", {index, step: this.shownStep()});
  }

  /** The box "Point #" changed: select that point, or say why not and show the selected one again. @param {string} text */
  choose(text) {
    const choice = choosePoint(text, this.points ? this.points.rows : 0);
    this.pointError.textContent = choice.error;
    this.pointError.hidden = !choice.error;
    this.pointInput.setAttribute("aria-invalid", String(Boolean(choice.error)));
    if (choice.index === null) this.pointInput.value = String(this.view.selected);
    else this.select(choice.index);
    this.reportHeight();
  }

  toggleNetwork() {
    if (this.playback.animating) this.playback.holding = true;
    this.send("network", {on: !this.view.network, step: this.shownStep()});
  }

  /** @param {string|number} show */
  setMode(show) {
    if (this.playback.animating) this.playback.holding = true;
    this.send("mode", {show, step: this.shownStep()});
  }

  /** The keyboard shortcuts, from the stage or the page around it. @param {KeyboardEvent} event */
  onKey(event) {
    const action = keyAction({key: event.key, altKey: event.altKey, ctrlKey: event.ctrlKey, metaKey: event.metaKey,
                              target: keyTarget(event.target)});
    if (!action) return;
    event.preventDefault();  // the page must not scroll under the stage
    if (action !== "play" && action !== "step") { this.choosePointByKey(action); return; }
    const button = this.buttons[action];
    if (event.repeat && action === "play") return;  // a held space bar plays (or pauses) once
    if (!button.hidden && !button.disabled) this.press(action);
  }

  /**
   * ], [, m or an arrow key on the plane: select the point it names, and say what the model says about it.
   * @param {"next"|"previous"|"misclassified"|"left"|"right"|"up"|"down"} action
   */
  choosePointByKey(action) {
    const count = this.points ? this.points.rows : 0, current = this.view.selected, frame = this.frame;
    if (!count || this.view.draw) return;
    let index = null;
    if (action === "next" || action === "previous") index = stepPoint(current, count, action === "next" ? 1 : -1);
    else if (action === "misclassified") {
      const wrong = frame ? /** @type {Uint8Array} */ (frame.wrong) : null;
      index = wrong ? nextMisclassified(current, count, (i) => bit(wrong, i) === 1) : null;
      if (index === null) { this.announcer.say("No point is misclassified."); return; }
    } else if (this.plane.pixels) {
      const [dx, dy] = {left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1]}[action];
      index = pointInDirection(this.plane.pixels, current, dx, dy);
      if (index === null) { this.announcer.say("No point further " + action + "."); return; }
    }
    if (index === null || index === current) return;
    this.select(index);
    this.awaitResult("select", index);
  }

  /** The page asked the stage to take the keyboard focus (a lesson was picked): put it on Play, or the stage. */
  takeFocusIfAsked() {
    const asked = this.view.focus, seen = this.focusSeen;
    this.focusSeen = asked;
    if (seen === null || asked <= seen) return;  // only a new request: the first render never takes the focus
    const play = this.buttons.play;
    window.focus();
    if (!play.hidden && !play.disabled) play.focus();
    else this.el.stage.focus();
  }

  // --------------------------------------------------------------------------------------------------------
  // Playing
  // --------------------------------------------------------------------------------------------------------
  /** @param {number} now */
  tick(now) {
    requestAnimationFrame((t) => this.tick(t));
    this.checkReconnect(now);
    if (this.view.present && now - this.screenCheckedAt > 500) this.checkScreen(now);
    const action = this.playback.tick(this.stream, now);
    if (action.show) this.show(/** @type {Frame} */ (action.show));
    if (action.request !== undefined) this.send("more", {chunk: action.request, stream: this.shownStream()});
    if (action.ended) this.send("ended", {stream: this.shownStream(), step: this.shownStep()});
    if (action.ended || (action.show && this.playback.atEnd)) this.showControls();
  }

  /**
   * Presentation mode: the screen, or the stage's place on it, changed (the window was resized, a notice above
   * the stage came or went): lay the stage out again for it. @param {number} now
   */
  checkScreen(now) {
    this.screenCheckedAt = now;
    let key = "";
    try {
      key = window.parent.innerWidth + "x" + window.parent.innerHeight + "@" +
        Math.round(Math.max(0, /** @type {Element} */ (window.frameElement).getBoundingClientRect().top));
    } catch { return; }
    if (key !== this.screenKey) this.layout();
  }

  // --------------------------------------------------------------------------------------------------------
  // Showing one frame
  // --------------------------------------------------------------------------------------------------------
  /** @param {Frame|null} frame */
  show(frame) {
    this.frame = frame;
    window.cePlayer.step = frame ? frame.step : null;
    if (!frame) { this.showEmpty(); this.predict.highlight(null); return; }
    this.curves.add(frame);
    this.showMetrics(frame);
    this.plane.drawFrame(frame);
    this.showCaption();
    this.showPoint(frame);
    this.showCurves();
    this.showBatch();
    if (this.view.network) this.showNetwork(frame);
    this.predict.highlight(frame);
    this.text.frame(frame, this.playback.animating);
    this.sayResult();
  }

  /** The network view and, calmly, its table of units and weights. @param {Frame} frame */
  showNetwork(frame) {
    this.network.draw(frame);
    if (!this.text.calmNetwork(this.playback.animating)) return;
    this.text.later("network", () => {
      const table = this.network.rows();
      if (!table) return;
      this.text.network.textContent = table.summary;
      this.text.networkTable.replaceChildren(textTable("Units and weights", table.headings, table.rows));
    });
  }

  /** Nothing to train (no points, or one class): the bare plane with its points, and a sentence why. */
  showEmpty() {
    for (const name in this.metricValues) this.setMetric(name, "", "");
    this.plane.drawFrame(null);
    this.showCaption();
    this.pointInfo.textContent = this.view.idle;
    this.el.lines.textContent = "";
    this.el.table.replaceChildren();
    this.built.table = "";
    for (const bars of [this.logitBars, this.probBars]) if (bars.ctx) bars.ctx.clearRect(0, 0, bars.width, bars.height);
    this.showCurves();
    this.showBatch();
    this.text.frame(null, false);
  }

  /** @param {Frame} frame */
  showMetrics(frame) {
    for (const metric of this.meta.metrics) {
      const value = frame[metric.name];
      this.setMetric(metric.name, FORMATS[metric.format](value, metric.digits), full(value));
    }
  }

  /**
   * One metric's text, made smaller rather than cut when its box is too narrow; the full value in the tooltip.
   * @param {string} name @param {string} text @param {string} fullText
   */
  setMetric(name, text, fullText) {
    const el = this.metricValues[name];
    const metric = this.meta.metrics.find((/** @type {any} */ m) => m.name === name);
    /** @type {HTMLElement} */ (el.parentElement).title = metric.help + (fullText ? "\n" + fullText : "");
    if (el.textContent === text) return;
    el.textContent = text;
    el.style.fontSize = "";
    if (el.scrollWidth > el.clientWidth) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      el.style.fontSize = Math.max(10, Math.floor(size * el.clientWidth / el.scrollWidth)) + "px";
    }
  }

  /** The plane's caption: what the colours, marks and (for the linear model) the arrows mean. */
  showCaption() {
    const meta = this.meta, view = this.view, note = this.plane.arrowNote;
    const source = meta.source === "uploaded" ? "Your uploaded points. " : meta.source === "drawn" ? "Your drawn points. " : "";
    const colour = view.idle ? "" : view.show === "regions"
      ? "Colour: the class the model predicts there, deeper where it is more sure. "
      : "Colour: p of class " + meta.classes[view.show] + " at every spot, white 0 to full colour 1. ";
    let text = source + colour + "Filled: training points; open: test points" + (view.idle ? "." :
      "; red ring: misclassified; purple square: the last mini-batch; " + (THEME.base === "dark" ? "white" : "black") +
      " target: the selected point.");
    if (meta.linear && note) {
      text += " Grey arrows: the class weight vectors w_k" + (note.w !== 1 ? " (drawn ×" + fmt(note.w, 2) + ")" : "") +
        (note.origin ? ", from the origin" : ", from the middle of the plot (the origin is out of view)") +
        ": u_k = w_k·x + b_k grows along w_k. Red dotted: the step the next update makes, −lr·dL/dw_k" +
        (note.step !== 1 ? " (drawn ×" + fmt(note.step, 3) + ", the same all run: watch it shrink)" : "") + ".";
    } else if (!meta.linear && !view.idle) {
      text += " No weight arrows: here w_k acts on z (features or hidden units), not on the plane itself.";
    }
    if (!view.idle) text += " " + KEYS_HINT;
    if (this.el.caption.textContent !== text) this.el.caption.textContent = text;
  }

  /** @param {Frame} frame */
  showPoint(frame) {
    if (!this.points) return;
    const meta = this.meta, view = this.view, i = view.selected;
    if (document.activeElement !== this.pointInput) this.pointInput.value = String(i);
    this.pointInput.max = String(this.points.rows - 1);
    const k = this.points.all("label")[i], test = this.points.all("test")[i];
    this.pointInfo.textContent = "(" + (test ? "test" : "training") + " point), true class " + meta.classes[k];
    const x = this.points.all("x"), pointZ = /** @type {Float64Array} */ (frame.point_z);
    const z = Array.from(pointZ, (v, j) => meta.z_names[j] + " = " + fmt(v, 3));
    const more = meta.z_size > pointZ.length ? ", … " + (meta.z_size - pointZ.length) + " more" : "";
    const zText = view.present ? "" : "   z = (" + z.join(", ") + more + ")";
    this.el.lines.textContent = "x = (" + meta.axes[0] + " = " + fmt(x[2 * i], 3) + ", " + meta.axes[1] + " = " +
      fmt(x[2 * i + 1], 3) + ")" + zText + "   loss = −Σ y_k log p_k = " + fmt(frame.point_loss, 5);
    const font = view.present ? this.presentFont + 1 : 12, colors = classColors(meta);
    if (!view.present) {
      this.logitBars.draw({title: "Logits u_k = w_k·z + b_k", values: Array.from(/** @type {Float64Array} */ (frame.point_logits)),
                           colors, labels: meta.classes, font});
    }
    this.probBars.draw({title: view.present ? "p_k and targets y_k" : "p_k (filled) and targets y_k (outline)",
                        values: Array.from(/** @type {Float64Array} */ (frame.point_probs)),
                        targets: Array.from(/** @type {Float64Array} */ (frame.point_targets)), colors,
                        labels: meta.classes, range: [0, 1.15], digits: 2, font});
    this.showTable(frame);
  }

  /** The selected point's row per class: u_k, p_k, y_k, dL/du_k and dL/dw_k. @param {Frame} frame */
  showTable(frame) {
    const meta = this.meta, names = meta.dw_names, K = meta.classes.length;
    const headings = ["class", "u_k", "p_k", "y_k", "dL/du_k",
                    ...names.map((/** @type {string} */ n) => names.length === 1 && meta.z_size > names.length ? n : "dL/dw_k[" + n + "]")];
    const titles = ["", "the logit w_k·z + b_k", "softmax(u / T)_k", "the target", "(p_k − y_k) / T",
                    ...names.map(() => "(p_k − y_k) z / T: the gradient row of w_k")];
    // rebuilt whenever META (class names, features, K), the theme or the room changes
    const key = [this.metaVersion, THEME.base, this.el.table.clientWidth, this.view.present].join("|");
    if (this.built.table !== key) {
      this.built.table = key;
      this.buildTables(headings, titles, K);
    }
    const D = names.length;
    const logits = /** @type {Float64Array} */ (frame.point_logits), probs = /** @type {Float64Array} */ (frame.point_probs);
    const targets = /** @type {Float64Array} */ (frame.point_targets), dLdu = /** @type {Float64Array} */ (frame.point_dL_du);
    const dLdw = /** @type {Float64Array} */ (frame.point_dL_dw);
    let widest = "";
    for (let k = 0; k < K; k++) {
      const values = [logits[k], probs[k], targets[k], dLdu[k]];
      for (let j = 0; j < D; j++) values.push(dLdw[k * D + j]);
      values.forEach((v, j) => {
        const cell = this.cells[k][j + 1], text = fmt(v, 4);
        if (text.length > widest.length) widest = text;
        if (cell.textContent !== text) { cell.textContent = text; cell.title = full(v); }
      });
    }
    // numbers wider than the table was split for (1.235e−4 where 0.1234 was): split it again, on a still frame
    const box = this.el.table;
    if (!this.playback.animating && widest.length > this.tableSample.length && box.scrollWidth > box.clientWidth + 1) {
      this.tableSample = widest;
      this.built.table = "";
      this.showTable(frame);
    }
  }

  /**
   * The inspector's table, a row per class; split into tables that fit side by side no more, each led by the
   * classes' names, when its columns are wider than the inspector (every column shown, none cut).
   * @param {string[]} headings @param {string[]} titles @param {number} K
   */
  buildTables(headings, titles, K) {
    const meta = this.meta, colors = classColors(meta), box = this.el.table;
    const caption = "The selected point, class by class";
    /** @param {number[]} columns @param {string} text */
    const build = (columns, text) => {
      const table = element("table");
      table.appendChild(element("caption", "sr-only", text));
      const head = table.appendChild(element("thead")).appendChild(element("tr"));
      for (const j of columns) {
        const th = head.appendChild(element("th", "", headings[j]));
        th.title = titles[j];
        th.setAttribute("scope", "col");
      }
      const body = table.appendChild(element("tbody"));
      for (let k = 0; k < K; k++) {
        const row = body.appendChild(element("tr"));
        for (const j of columns) {
          const cell = row.appendChild(element(j ? "td" : "th", j ? "num" : ""));
          // laid out for the widest number a column is written with (p_k and y_k are never negative)
          if (j) { this.cells[k][j] = cell; cell.textContent = j === 2 || j === 3 ? this.tableSample.replace("−", "") : this.tableSample; continue; }
          cell.setAttribute("scope", "row");
          cell.textContent = "class " + meta.classes[k];
          cell.style.color = readable(colors[k]);  // 4.5:1 on the background: a darker (or lighter) shade of the class
        }
      }
      return table;
    };
    this.cells = Array.from({length: K}, () => []);
    const all = headings.map((_, j) => j), whole = build(all, caption);
    box.replaceChildren(whole);
    const widths = Array.from(whole.querySelectorAll("thead th"), (th) => th.getBoundingClientRect().width);
    const groups = columnGroups(widths, box.clientWidth);
    if (groups.length > 1) {
      box.replaceChildren(...groups.map((g, n) => build([0, ...g], caption + ", part " + (n + 1) + " of " + groups.length)));
    }
    for (const row of this.cells) for (const cell of row) if (cell) cell.textContent = "";
  }

  showCurves() {
    const c = this.curves, meta = this.meta, steps = c.series("step"), colors = classColors(meta);
    if (this.view.present) {  // the loss only, in the inspector, as large as the screen allows
      if (!this.presentChart.ctx || this.el.presentCurve.hidden) return;
      this.presentChart.draw({
        title: "Loss", steps, font: this.presentFont + 1, compactLegend: true,
        series: [{values: c.series("train_loss"), color: THEME.loss, width: 3},
                 {values: c.series("test_loss"), color: THEME.loss, dash: true, width: 3}],
        left: {log: false}, right: false,
        legend: [{label: "train", color: THEME.loss}, {label: "test", color: THEME.loss, dash: true}],
      });
      return;
    }
    if (!this.lossChart.ctx) return;
    const font = 12;
    this.lossChart.draw({
      title: "Loss (blue, left) and accuracy (orange, right)", steps, font,
      series: [{values: c.series("train_loss"), color: THEME.loss}, {values: c.series("test_loss"), color: THEME.loss, dash: true},
               {values: c.series("train_acc"), color: THEME.accuracy, axis: "right"},
               {values: c.series("test_acc"), color: THEME.accuracy, dash: true, axis: "right"}],
      left: {log: false}, right: true,
      legend: [{label: "train loss", color: THEME.loss}, {label: "test loss", color: THEME.loss, dash: true},
               {label: "train accuracy", color: THEME.accuracy}, {label: "test accuracy", color: THEME.accuracy, dash: true}],
    });
    this.gradChart.draw({
      title: "Gradient norm per class ‖dJ/dw_k‖ (log scale)", steps, font,
      series: meta.classes.map((/** @type {string} */ _, /** @type {number} */ k) => ({values: c.entry("class_grad_norm", k), color: colors[k], width: 1.8})),
      left: {log: true}, right: false,
      legend: meta.classes.map((/** @type {string} */ name, /** @type {number} */ k) => ({label: "class " + name, color: colors[k]})),
    });
  }

  showBatch() {
    if (this.view.present) return;
    const meta = this.meta, b = this.batch, head = this.el.batchHead, charts = this.el.batchCharts;
    const batch = b ? b.info : null;
    const key = batch ? [batch.step, this.batchClass, this.playback.animating, this.metaVersion].join("|") : "none";
    if (this.built.batch === key) return;
    this.built.batch = key;
    head.replaceChildren();
    if (!b || !batch) {
      head.appendChild(element("span", "title", "The last mini-batch"));
      head.appendChild(element("span", "", this.view.idle ? "Nothing to train yet." : "Press Step to see what one mini-batch does to the weights."));
      charts.style.visibility = "hidden";
      this.el.batchCaption.textContent = "";
      this.text.batch(null);
      return;
    }
    charts.style.visibility = "visible";
    const K = meta.classes.length, t = b.table, n = t.rows, m = batch.size;
    const when = this.playback.animating ? " (as it was at step " + integer(batch.step) + ": these update when you pause)" : "";
    head.appendChild(element("span", "title", "The last mini-batch: step " + integer(batch.step) + ", " + m + " samples" + when));
    head.appendChild(element("span", "", "Gradient rows of"));
    meta.classes.forEach((/** @type {string} */ name, /** @type {number} */ k) => {
      const button = head.appendChild(element("button", k === this.batchClass ? "chosen" : "", "class " + name));
      button.setAttribute("aria-pressed", String(k === this.batchClass));
      button.addEventListener("click", () => { this.batchClass = k; this.showBatch(); });
    });
    const rowsOf = t.all("row");
    const labels = Array.from({length: n}, (_, i) => "#" + rowsOf[i]);
    const pmy = Array.from({length: n}, (_, i) => Array.from(/** @type {Float64Array} */ (t.get("pmy", i))));
    this.batchPmy.draw({title: "P − Y for the last mini-batch", note: n < m ? "the first " + n + " samples" : "",
                        blocks: [{rows: pmy, labels, limit: 1}], columns: meta.classes.map((/** @type {string} */ c) => "class " + c)});
    const k = Math.min(this.batchClass, K - 1), D = meta.z_all.length;
    const rows = Array.from({length: n}, (_, i) => Array.from(/** @type {Float64Array} */ (t.get("contribution", i)).subarray(k * D, (k + 1) * D)));
    const mean = batch.mean[k], update = batch.update[k];
    const limit = Math.max(1e-12, ...rows.flat().map(Math.abs), ...mean.map(Math.abs));
    const uLimit = Math.max(1e-12, ...update.map(Math.abs));
    this.batchContrib.draw({
      title: "How the samples add up to dL/dw_" + k, note: "rows: (p_ik − y_ik)·z_i / T; their mean; the update Δw_k (own scale)",
      blocks: [{rows, labels, limit}, {rows: [mean], labels: ["mean: dL/dw_k"], limit}, {rows: [update], labels: ["update Δw_k"], limit: uLimit}],
      columns: meta.z_all,
    });
    this.text.batch({step: batch.step, size: m, classes: meta.classes, labels, pmy, k, features: meta.z_all,
                     contributions: rows, mean, update});
    this.el.batchCaption.textContent = "Left: one row per sample, one column per class: p − y. Red: the model gave that class too much; " +
      "blue: too little (the true class). Right: each sample's contribution to the gradient of class " + meta.classes[k] +
      ", their mean (derivation 2: −1/m Xᵀ(Y − S), one row of it, plus l2·w_k with weight decay), and the change the " +
      "optimizer applied to w_k (−lr times the mean for plain SGD, lr = " + fmt(batch.lr) + ").";
  }

  showControls() {
    const view = this.view, meta = this.meta, stream = this.stream;
    if (!meta) return;
    const playing = this.playback.animating;
    const states = buttonStates({view, meta, playing});
    for (const key of TOOLBAR) {
      const b = this.buttons[key], state = states[key];
      b.hidden = state.hidden;
      b.disabled = state.disabled || heldBack(view, key);
      if (state.pressed !== null) {
        b.classList.toggle("chosen", state.pressed);
        b.setAttribute("aria-pressed", String(state.pressed));
      }
    }
    const play = this.buttons.play;
    const label = playing ? ICONS.pause + "<span>Pause</span>" : ICONS.play + "<span>" + playLabel(view, stream) + "</span>";
    if (play.innerHTML !== label) play.innerHTML = label;
    play.title = playTitle(stream, playing);
    play.dataset.key = playing ? "pause" : "play";
    const lr = this.frame ? /** @type {number} */ (this.frame.lr) : null;
    const status = statusLine({view, stream, playing, atEnd: this.playback.atEnd, lr});
    const statusKey = status.text + "|" + status.warn;
    // a polite live region while still (a hint, a notice); silent while playing, where the learning rate may change
    // on every frame
    this.el.status.setAttribute("aria-live", playing ? "off" : "polite");
    if (this.built.status !== statusKey) {
      this.built.status = statusKey;
      const before = this.el.status.offsetHeight;
      this.el.status.innerHTML = status.warn ? ICONS.warn : "";
      this.el.status.appendChild(document.createTextNode(status.text));
      this.el.status.className = status.warn ? "warn" : "";
      if (this.view.present && this.el.status.offsetHeight !== before) requestAnimationFrame(() => this.layout());
    }
    this.showModes();
    this.predict.show(playing);
    window.cePlayer.playing = playing;
  }

  showModes() {
    if (this.view.draw) { this.showDrawTools(); return; }
    const meta = this.meta, view = this.view;
    const key = "modes|" + this.metaVersion + "|" + view.show;
    if (this.built.modes === key) return;
    this.built.modes = key;
    const box = this.el.modes;
    box.replaceChildren(element("span", "label", "Colour by"));
    /** @type {Array<[string|number, string]>} */
    const options = [["regions", "predicted class"], ...meta.classes.map((/** @type {string} */ name, /** @type {number} */ k) => /** @type {[number, string]} */ ([k, "p(class " + name + ")"]))];
    for (const [value, label] of options) {
      const b = box.appendChild(element("button", value === view.show ? "chosen" : "", label));
      b.setAttribute("aria-pressed", String(value === view.show));
      b.addEventListener("click", () => { if (value !== this.view.show) this.setMode(value); });
    }
  }

  showDrawTools() {
    const meta = this.meta, view = this.view;
    const key = ["draw", this.drawClass, this.drawRemove, view.can_undo, this.points ? this.points.rows : 0,
                 this.metaVersion].join("|");
    if (this.built.modes === key) return;
    this.built.modes = key;
    const box = this.el.modes;
    box.replaceChildren(element("span", "label", "A click"));
    for (const [remove, label] of /** @type {Array<[boolean, string]>} */ ([[false, "adds a point of"], [true, "removes the nearest point"]])) {
      const b = box.appendChild(element("button", remove === this.drawRemove ? "chosen" : "", label));
      b.setAttribute("aria-pressed", String(remove === this.drawRemove));
      b.addEventListener("click", () => { this.drawRemove = remove; this.showModes(); });
    }
    paletteColors(meta).forEach((/** @type {string} */ color, /** @type {number} */ k) => {
      const chosen = !this.drawRemove && k === this.drawClass;
      const b = box.appendChild(element("button", chosen ? "chosen" : ""));
      b.setAttribute("aria-pressed", String(chosen));
      const mark = b.appendChild(document.createElement("canvas"));
      mark.setAttribute("aria-hidden", "true");  // the class's marker beside its name
      marker(sizeCanvas(mark, 12, 12), meta.palette_symbols[k], 6, 6, 4.5, color, false);
      const name = k < meta.classes.length ? meta.classes[k] : String(k);
      b.appendChild(document.createTextNode("class " + name));
      b.title = "New points get class " + name;
      b.addEventListener("click", () => { this.drawClass = k; this.drawRemove = false; this.showModes(); });
    });
    const tools = drawToolStates({view, pointCount: this.points ? this.points.rows : 0});
    const undo = box.appendChild(element("button", "", "Undo"));
    undo.dataset.key = "undo";
    undo.disabled = tools.undo.disabled;
    undo.addEventListener("click", () => this.send("undo"));
    const clear = box.appendChild(element("button", "", "Clear"));
    clear.dataset.key = "clear";
    clear.disabled = tools.clear.disabled;
    clear.addEventListener("click", () => this.send("clear"));
    box.appendChild(element("span", "label", "Each edit restarts training on the new points."));
  }

  // --------------------------------------------------------------------------------------------------------
  // Layout: fixed sizes for a given width, so nothing moves while playing
  // --------------------------------------------------------------------------------------------------------
  layout() {
    if (!this.meta) return;
    const view = this.view;
    const width = this.el.stage.clientWidth - STAGE_PADDING;  // inside the stage's padding
    const present = Boolean(view.present);
    document.body.classList.toggle("present", present);
    this.predict.layout(width, present);
    const wide = width >= 720;
    document.body.classList.toggle("narrow", !wide);
    this.placeParts(present);
    if (present) this.layoutPresent(width);
    else this.layoutPage(width, wide);
    this.show(this.frame);
    if (this.ready) this.reportHeight();
  }

  /**
   * A render is drawn whole: its height is the stage's (reported once everything of the first render is drawn, so
   * that the page below the stage does not move when the first frame fills the stage).
   */
  settled() {
    // presentation mode measures what the first frame filled in (the table, the point's numbers) before its first report
    if (!this.ready && this.view.present) this.layout();
    this.ready = true;
    this.reportHeight();
  }

  /**
   * Presentation mode moves two parts: the plane's colour buttons to a row of their own above the plane and the
   * inspector (one row on a projector, where the plane's column would wrap them), and the network view into the
   * main row, where it takes the inspector's place. @param {boolean} present
   */
  placeParts(present) {
    const el = this.el;
    if (present) {
      if (el.modes.parentElement !== el.stage) el.main.before(el.modes);
      if (el.network.parentElement !== el.main) el.main.appendChild(el.network);
    } else {
      if (el.modes.parentElement !== el.left) el.left.prepend(el.modes);
      if (el.network.parentElement !== el.stage) el.curves.after(el.network);
    }
  }

  /** The page's layout: fixed sizes for a width, the plane at most 640 px tall. @param {number} width @param {boolean} wide */
  layoutPage(width, wide) {
    const meta = this.meta, view = this.view, el = this.el;
    this.presentFont = 0;
    this.plane.setFont(12, {left: 46, right: 10, top: 8, bottom: 40});
    const gap = 16;
    const leftWidth = wide ? Math.floor(width * 0.58) : width;
    const [x0, x1, y0, y1] = meta.bounds;
    const aspect = (y1 - y0) / (x1 - x0);
    const m = this.plane.margin;
    const planeHeight = Math.max(220, Math.min(640, Math.round((leftWidth - m.left - m.right) * aspect + m.top + m.bottom)));
    const planeWidth = Math.max(Math.min(leftWidth, 300),
      Math.min(leftWidth, Math.round((planeHeight - m.top - m.bottom) / aspect + m.left + m.right)));
    this.plane.resize(planeWidth, planeHeight);
    // a plane narrower than its column (tall data) gives the rest to the inspector
    const left = wide ? Math.max(planeWidth, Math.min(leftWidth, 420)) : width;
    const right = wide ? width - left - gap : width;
    el.left.style.width = left + "px";
    el.inspector.style.width = right + "px";
    el.inspector.hidden = false;
    el.logits.hidden = false;
    el.presentCurve.hidden = true;
    this.logitBars.resize(right, 170);
    this.probBars.resize(right, 170);
    el.curves.hidden = false;
    el.batch.hidden = false;
    el.network.hidden = !view.network || !meta.layers.length;
    this.network.setFont(12);
    if (!el.network.hidden) this.network.resize(width, 440);
    const curveWidth = wide ? Math.floor((width - gap) / 2) - 1 : width;
    this.lossChart.resize(curveWidth, 250);
    this.gradChart.resize(curveWidth, 250);
    this.batchPmy.resize(curveWidth, 300);
    this.batchContrib.resize(curveWidth, 300);
    this.built.batch = "";
  }

  /**
   * Presentation mode: the whole stage on one screen, its text from 18 px up as the screen grows (layout.js); the
   * plane takes the height the rows above it leave, the inspector (or the network view) the width it leaves.
   * @param {number} width
   */
  layoutPresent(width) {
    const meta = this.meta, view = this.view, el = this.el;
    let screen = {width: window.innerWidth, height: 720, top: 0, below: BOTTOM_MARGIN};
    try {  // the page's padding and gaps below the stage
      const box = /** @type {Element} */ (window.frameElement).getBoundingClientRect();
      const page = window.parent.document.querySelector('[data-testid="stMainBlockContainer"]');
      const below = page ? page.getBoundingClientRect().bottom - box.bottom : BOTTOM_MARGIN;
      screen = {width: window.parent.innerWidth, height: window.parent.innerHeight, top: Math.max(0, box.top),
                below: Math.max(0, Math.min(60, below)) + 1};
    } catch { /* another origin: a 720 px screen */ }
    this.screenKey = screen.width + "x" + screen.height + "@" + Math.round(screen.top);
    const f = presentFont(screen.width, screen.height), gap = f;
    this.presentFont = f;
    document.body.style.setProperty("--f", f + "px");
    this.plane.setFont(f, {left: Math.round(2.9 * f), right: 10, top: 8, bottom: Math.round(2.5 * f)});
    const network = Boolean(view.network) && meta.layers.length > 0;
    el.curves.hidden = true;
    el.batch.hidden = true;
    el.network.hidden = !network;
    el.inspector.hidden = network;
    el.logits.hidden = true;  // the table has the logits; the loss curve takes the bars' place
    el.presentCurve.hidden = false;
    // the room of the main row: the screen below the stage's top, less every row above it (measured)
    const stageHeight = el.stage.getBoundingClientRect().height, mainNow = el.main.getBoundingClientRect().height;
    const mainHeight = Math.floor(screen.height - screen.top - screen.below - (stageHeight - mainNow) - 4);
    // the table's own width, laid out whole on a wide inspector (the plane may narrow to leave it that room)
    let tableWidth = 0;
    if (this.frame && !network) {
      el.inspector.style.width = width + "px";
      this.showTable(this.frame);
      tableWidth = Math.ceil(Math.max(0, ...Array.from(el.table.children, (t) => t.getBoundingClientRect().width)));
    }
    const [x0, x1, y0, y1] = meta.bounds;
    const room = presentPlane({width, mainHeight, modesHeight: 0, aspect: (y1 - y0) / (x1 - x0), margin: this.plane.margin, gap,
                               rightNeeds: tableWidth});
    this.plane.resize(room.planeWidth, room.planeHeight);
    el.left.style.width = room.planeWidth + "px";
    el.inspector.style.width = room.rightWidth + "px";
    el.network.style.width = room.rightWidth + "px";
    if (network) {
      const detail = /** @type {HTMLElement} */ (el.network.querySelector(".detail"));
      this.network.setFont(f);
      this.network.resize(room.rightWidth, Math.max(10 * f, mainHeight - detail.offsetHeight - 4));
      return;
    }
    // the charts get what the selected point's head, its numbers and the table leave (measured at this width)
    if (this.frame) this.showPoint(this.frame);
    const chartsNow = el.probs.parentElement ? /** @type {HTMLElement} */ (el.probs.parentElement).offsetHeight : 0;
    const fixed = el.inspector.offsetHeight - chartsNow;
    const charts = presentCharts({rightWidth: room.rightWidth, mainHeight, fixedHeight: fixed + 2, font: f, gap: Math.round(0.8 * f)});
    this.probBars.resize(charts.barsWidth, charts.height);
    this.presentChart.resize(charts.curveWidth, charts.height);
  }

  reportHeight() {
    const height = Math.ceil(this.el.stage.getBoundingClientRect().height) + 4;
    if (height !== this.frameHeight) {
      this.frameHeight = height;
      this.post("streamlit:setFrameHeight", {height});
    }
  }

  /** @param {any} error */
  problem(error) {
    this.el.problem.textContent = "The stage could not be drawn: " + (error && error.message ? error.message : error);
    this.el.problem.hidden = false;
    this.reportHeight();
  }

  /** For tests: a metric box showing `value` as the stage would. @param {string} name @param {number} value */
  showMetricValue(name, value) {
    const metric = this.meta.metrics.find((/** @type {any} */ m) => m.name === name);
    this.setMetric(name, FORMATS[metric.format](value, metric.digits), full(value));
  }
}

