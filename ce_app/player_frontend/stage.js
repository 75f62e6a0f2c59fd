// The training stage: controls, metrics, the input plane, the selected point and the learning curves, all drawn
// from one frame at a time. The server (ce_app/player.py) sends chunks of frames; this file plays them with
// requestAnimationFrame at the chosen rate and asks for the next chunk as soon as it starts playing one.
//
// Streamlit's component protocol (version 1) over postMessage, no build step:
//   page -> us : {type: "streamlit:render", args}      (bytes arguments arrive as Uint8Array)
//   us -> page : streamlit:componentReady, streamlit:setFrameHeight, streamlit:setComponentValue
// Our value: {session, have: {points, stream}, events: [{seq, kind, ...}]}: every event not yet acknowledged
// (args.acked), so that none is lost when Streamlit merges two values into one rerun.
"use strict";

const CONTROL_EVENTS = new Set(["play", "pause", "step", "epoch", "reset", "select", "mode", "draw", "network",
                                 "draw_mode", "undo", "clear"]);
const RETRY_MS = 4000;  // a chunk asked for and not received by then is asked for again
const RECONNECT_WAIT_MS = 6000;  // after a reconnect, a session that does not answer by then is gone
const METRICS = [
  ["step", "Step", "Optimizer steps taken since the start (or the last Reset)."],
  ["epoch", "Epoch", "Passes over the training points: steps × batch size / training points."],
  ["train_loss", "Train loss", "Mean cross-entropy −log p_y over the training points."],
  ["test_loss", "Test loss", "The same on the held-out test points (– when there are none)."],
  ["train_acc", "Train acc.", "Share of training points whose most probable class is the true one."],
  ["test_acc", "Test acc.", "The same on the test points."],
  ["grad_norm", "‖gradient‖", "Length of the whole gradient of the last step (all weights and biases together)."],
];
const ICONS = {  // inline, so that they render with any fonts installed
  play: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M4 2.5v11l9-5.5z" fill="currentColor"/></svg>',
  pause: '<svg viewBox="0 0 16 16" aria-hidden="true"><rect x="3.5" y="2.5" width="3" height="11" fill="currentColor"/><rect x="9.5" y="2.5" width="3" height="11" fill="currentColor"/></svg>',
  draw: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M2 14l1-4 7.5-7.5 3 3L6 13z" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>',
  warn: '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M8 1.5l7 13H1z" fill="#C00000"/><rect x="7.25" y="6" width="1.5" height="4.5" fill="#fff"/><rect x="7.25" y="11.5" width="1.5" height="1.5" fill="#fff"/></svg>',
};

class CeStage {
  constructor() {
    this.session = null; this.seq = 0; this.acked = 0; this.events = [];
    this.meta = null; this.view = {}; this.points = null; this.pointsVersion = null;
    this.stream = null; this.lastFramesId = -1; this.queue = []; this.frame = null; this.requested = null;
    this.animating = false; this.holding = false; this.nextDue = null; this.stallSince = null; this.startedAt = 0;
    this.curves = new CeCurves();
    this.stats = {shown: 0, chunks: 0, stalls: 0, lateMs: [], started: 0};
    this.work = Promise.resolve();
    this.frameHeight = 0;
    this.build();
    requestAnimationFrame((now) => this.tick(now));
    window.addEventListener("message", (event) => {
      if (event.source !== window.parent) return;  // only the Streamlit page that holds this frame
      const data = event.data;
      if (data && data.type === "streamlit:render" && data.args) {
        const args = data.args;
        this.work = this.work.then(() => this.apply(args)).catch((error) => this.problem(error));
      }
    });
    new ResizeObserver(() => this.layout()).observe(document.body);
    document.addEventListener("keydown", (e) => this.onKey(e));
    try { window.parent.document.addEventListener("keydown", (e) => this.onKey(e)); } catch (error) { /* another origin */ }
    this.watchConnection();
    this.post("streamlit:componentReady", {apiVersion: 1});
  }

  // A server that restarted (or a replica that went away) takes the session with it. Streamlit reconnects the
  // page to a new, empty session but does not rerun an idle page, so nothing would answer the stage any more.
  // After a reconnect the stage says hello; if no answer comes, it reloads the page, whose address holds the
  // settings, and says so.
  watchConnection() {
    let app;
    try { app = window.parent.document.querySelector('[data-testid="stApp"]'); } catch (error) { return; }
    if (!app) return;
    let last = app.dataset.testConnectionState;
    new MutationObserver(() => {
      const state = app.dataset.testConnectionState;
      if (state === "CONNECTED" && last !== "CONNECTED" && this.session !== null) {
        this.reconnectedAt = performance.now();
        this.send("hello");
        this.helloSeq = this.seq;
      }
      last = state;
    }).observe(app, {attributes: true, attributeFilter: ["data-test-connection-state"]});
  }

  checkReconnect(now) {
    if (this.reconnectedAt === undefined || this.reconnectedAt === null || now - this.reconnectedAt < RECONNECT_WAIT_MS) return;
    this.reconnectedAt = null;
    this.el.status.textContent = "The server restarted and this session is gone: reloading the page with the same settings…";
    this.el.status.className = "warn";
    window.cePlayer.reloading = true;
    setTimeout(() => window.parent.location.reload(), 1500);
  }

  // --------------------------------------------------------------------------------------------------------
  // Building the DOM
  // --------------------------------------------------------------------------------------------------------
  build() {
    const $ = (id) => document.getElementById(id);
    this.el = {stage: $("stage"), toolbar: $("toolbar"), status: $("status"), metrics: $("metrics"), modes: $("modes"),
               planeBox: $("plane"), caption: $("plane-caption"), inspector: $("inspector"), head: $("point-head"),
               lines: $("point-lines"), table: $("point-table"), curves: $("curves"), problem: $("problem")};
    const button = (key, label, title, handler, primary) => {
      const b = ceElement("button", primary ? "primary" : "", "");
      b.dataset.key = key;
      b.title = title;
      b.innerHTML = label;  // our own fixed labels and icons, never text from the server
      b.addEventListener("click", handler);
      this.el.toolbar.appendChild(b);
      return b;
    };
    this.buttons = {
      step: button("step", "Step", "One SGD update on the next mini-batch (key →).", () => this.send("step", {n: 1})),
      step10: button("step10", "Step ×10", "Ten updates.", () => this.send("step", {n: 10})),
      epoch: button("epoch", "Epoch", "Steps until every training point has been used once in this pass.", () => this.send("epoch")),
      play: button("play", ICONS.play + "<span>Play</span>", "Play (space bar)", () => this.togglePlay(), true),
      reset: button("reset", "Reset", "Back to the initial weights of this seed, step 0.", () => this.send("reset")),
      network: button("network", "Network", "Look inside the network: every hidden unit's activation over the plane, " +
                      "the logits, and the weights between them.", () => this.toggleNetwork()),
      draw: button("draw", ICONS.draw + "<span>Draw points</span>", "Click on the plane to add points of a chosen class, " +
                   "or remove them; training restarts on the edited points.", () => this.send("draw_mode", {on: !this.view.draw})),
    };
    this.drawClass = 0;
    this.drawRemove = false;
    this.metricValues = {};
    for (const [key, label, help] of METRICS) {
      const box = ceElement("div", "metric");
      box.dataset.metric = key;
      box.title = help;
      box.appendChild(ceElement("div", "label", label));
      this.metricValues[key] = box.appendChild(ceElement("div", "value", "–"));
      this.el.metrics.appendChild(box);
    }
    this.plane = new CePlane(this.el.planeBox, {
      select: (index) => this.select(index),
      draw: (x, y) => this.send("draw", {x, y, k: this.drawClass, remove: this.drawRemove}),
    });
    const head = this.el.head;
    head.appendChild(ceElement("span", "", "Point #"));
    this.pointInput = head.appendChild(ceElement("input"));
    this.pointInput.type = "number"; this.pointInput.min = "0"; this.pointInput.step = "1";
    this.pointInput.setAttribute("aria-label", "Selected point #");
    this.pointInput.addEventListener("change", () => this.select(Number(this.pointInput.value)));
    this.pointInfo = head.appendChild(ceElement("span", "info", ""));
    this.logitBars = new CeBars(document.getElementById("logits"));
    this.probBars = new CeBars(document.getElementById("probs"));
    const batchTip = document.getElementById("batch-tip");
    this.batchPmy = new CeHeatmap(document.getElementById("batch-pmy"), batchTip);
    this.batchContrib = new CeHeatmap(document.getElementById("batch-contrib"), batchTip);
    this.batch = null;
    this.batchClass = 0;
    this.network = new CeNetwork(document.getElementById("network"), document.getElementById("network-tip"));
    this.lossChart = new CeLineChart(document.getElementById("loss-curve"));
    this.gradChart = new CeLineChart(document.getElementById("grad-curve"));
  }

  // --------------------------------------------------------------------------------------------------------
  // Talking to Streamlit
  // --------------------------------------------------------------------------------------------------------
  post(type, extra) {
    window.parent.postMessage(Object.assign({isStreamlitMessage: true, type}, extra), "*");
  }

  send(kind, fields = {}) {
    if (this.session === null) return;
    this.seq += 1;
    this.events.push(Object.assign({seq: this.seq, kind}, fields));
    this.flush();
  }

  flush() {
    const have = {points: this.pointsVersion, stream: this.stream ? this.stream.id : ""};
    this.post("streamlit:setComponentValue", {dataType: "json", value: {session: this.session, have, events: this.events}});
  }

  pendingControl() {
    return this.events.some((e) => CONTROL_EVENTS.has(e.kind));
  }

  async apply(args) {
    if (this.reconnectedAt && args.acked >= this.helloSeq) this.reconnectedAt = null;  // the session answered
    this.session = args.session;
    this.acked = args.acked;
    this.seq = Math.max(this.seq, this.acked);
    this.events = this.events.filter((e) => e.seq > this.acked);
    const relayout = JSON.stringify([args.meta, args.view.present, args.view.hidden, args.view.network]) !== this.layoutKey;
    this.meta = args.meta;
    this.view = args.view;
    if (args.points) {
      this.points = await ceUnpackTable(args.points, args.points_blob);
      this.pointsVersion = args.view.points_version;
      this.plane.setPoints(this.points);
    }
    this.plane.setLut(args.lut);
    this.plane.setView(Object.assign({}, this.view, {draw: this.view.draw && !this.animating}));
    if (relayout) { this.plane.setMeta(this.meta); this.network.setMeta(this.meta); this.layout(); }
    this.showControls();
    if (!this.points && !args.points) { this.send("hello"); return; }
    if (this.pendingControl()) return;  // the server has not seen our last click yet: its stream is older
    const stream = args.stream;
    const newStream = !this.stream || this.stream.id !== stream.id;
    if (args.history) {
      this.curves.reset(await ceUnpackTable(args.history, args.history_blob), this.meta.classes.length);
    }
    if (args.batch) this.batch = {info: args.batch, table: await ceUnpackTable(args.batch, args.batch_blob)};
    else if (!stream.playing) this.batch = null;  // paused before the first step: no batch yet
    if (args.chunk.id === this.lastFramesId && !newStream) { this.stream = stream; return; }
    const table = await ceUnpackTable(args.chunk, args.frames);
    this.lastFramesId = args.chunk.id;
    const frames = [];
    for (let i = 0; i < table.rows; i++) frames.push(this.frameAt(table, i, args.chunk.seq, i === table.rows - 1));
    if (newStream) this.queue = [];
    this.stream = stream;
    this.requested = null;
    this.holding = false;
    if (stream.playing) {
      this.stats.chunks += 1;
      this.queue.push(...frames);
      if (!this.animating) { this.animating = true; this.nextDue = null; this.startedAt = performance.now(); }
    } else {
      this.animating = false;
      this.queue = [];
      this.show(frames.length ? frames[0] : null);
    }
    this.showControls();
  }

  frameAt(table, i, seq, last) {
    const f = {seq, index: i, last};
    for (const name of ["step", "epoch", "lr", "train_loss", "test_loss", "train_acc", "test_acc", "grad_norm", "point_loss"]) f[name] = table.get(name, i);
    for (const name of ["class_grad_norm", "grid", "wrong", "batch", "point_logits", "point_probs", "point_targets",
                        "point_dL_du", "point_dL_dw", "point_z"]) f[name] = table.get(name, i);
    if (table.has("W")) { f.W = table.get("W", i); f.b = table.get("b", i); f.next_W = table.get("next_W", i); }
    if (table.has("units")) {
      f.units = table.get("units", i);
      f.units_scale = table.get("units_scale", i);
      f.net_w_scale = table.get("net_w_scale", i);
      f.net_w = Array.from(f.net_w_scale, (_, l) => table.get("net_w" + l, i));
    }
    return f;
  }

  // --------------------------------------------------------------------------------------------------------
  // Playing
  // --------------------------------------------------------------------------------------------------------
  togglePlay() {
    if (this.animating || (this.stream && this.stream.playing && this.pendingControl())) {
      this.animating = false;
      this.send("pause", {step: this.frame ? this.frame.step : 0, stream: this.stream ? this.stream.id : ""});
    } else {
      this.animating = true;  // at once: the frames follow
      this.nextDue = null;
      this.startedAt = performance.now();
      this.stats.started += 1;
      this.send("play");
    }
    this.showControls();
  }

  select(index) {
    const n = this.points ? this.points.rows : 0;
    if (!Number.isInteger(index) || index < 0 || index >= n) { this.showPoint(); return; }
    if (this.animating) this.holding = true;  // wait on this frame for the stream that shows the new point
    this.send("select", {index, step: this.frame ? this.frame.step : 0});
  }

  toggleNetwork() {
    if (this.animating) this.holding = true;
    this.send("network", {on: !this.view.network, step: this.frame ? this.frame.step : 0});
  }

  setMode(show) {
    if (this.animating) this.holding = true;
    this.send("mode", {show, step: this.frame ? this.frame.step : 0});
  }

  request(seq) {
    this.requested = {seq, at: performance.now()};
    this.send("more", {chunk: seq, stream: this.stream.id});
  }

  tick(now) {
    requestAnimationFrame((t) => this.tick(t));
    this.checkReconnect(now);
    if (!this.animating || this.holding || !this.stream || !this.stream.playing) return;
    const interval = 1000 / Math.max(1, this.stream.fps);
    if (this.nextDue === null) this.nextDue = now;
    if (now < this.nextDue - 3) return;
    if (this.queue.length) {
      const frame = this.queue.shift();
      if (this.stallSince !== null) {
        this.stats.lateMs.push(now - this.stallSince);
        this.stallSince = null;
      }
      this.show(frame);
      this.stats.shown += 1;
      // keep the cadence, but never try to catch up with frames that came late
      this.nextDue = now - this.nextDue > interval ? now + interval : this.nextDue + interval;
      if (frame.index === 0 && !(this.stream.ended && frame.last)) this.request(frame.seq + 1);
      return;
    }
    if (this.frame && this.frame.last && this.stream.ended && this.frame.seq === this.lastChunkSeq()) {
      this.animating = false;  // the end of a stream that stops: the server already sits on this frame
      this.send("ended", {stream: this.stream.id, step: this.frame.step});
      this.showControls();
      return;
    }
    if (this.stallSince === null && this.stats.shown > 0 && now - this.startedAt > 1500) {
      this.stallSince = now;
      this.stats.stalls += 1;
    }
    if (this.frame && (!this.requested || now - this.requested.at > RETRY_MS)) this.request(this.frame.seq + 1);
  }

  lastChunkSeq() { return this.frame ? this.frame.seq : -1; }

  // --------------------------------------------------------------------------------------------------------
  // Showing one frame
  // --------------------------------------------------------------------------------------------------------
  show(frame) {
    this.frame = frame;
    window.cePlayer.step = frame ? frame.step : null;
    if (!frame) { this.plane.drawFrame({grid: null, wrong: new Uint8Array(0), batch: new Uint8Array(0)}); this.showEmpty(); return; }
    this.curves.add(frame.step, frame.train_loss, frame.test_loss, frame.train_acc, frame.test_acc, frame.class_grad_norm);
    this.showMetrics(frame);
    this.plane.drawFrame(frame);
    this.showArrowNote();
    this.showPoint();
    this.showCurves();
    this.showBatch();
    if (this.view.network && !this.view.present) this.network.draw(frame);
  }

  showBatch() {
    if (this.view.present) return;
    const head = document.getElementById("batch-head"), charts = document.getElementById("batch-charts");
    const caption = document.getElementById("batch-caption");
    const b = this.batch;
    const key = b ? b.info.step + "|" + this.batchClass + "|" + this.animating : "none";
    if (this.batchKey === key) return;
    this.batchKey = key;
    head.replaceChildren();
    if (!b) {
      head.appendChild(ceElement("span", "title", "The last mini-batch"));
      head.appendChild(ceElement("span", "", "Press Step to see what one mini-batch does to the weights."));
      charts.style.visibility = "hidden";
      caption.textContent = "";
      return;
    }
    charts.style.visibility = "visible";
    const K = this.meta.classes.length, t = b.table, n = t.rows, m = b.info.size;
    const when = this.animating ? " (as it was at step " + b.info.step.toLocaleString("en-US") + ": these update when you pause)" : "";
    head.appendChild(ceElement("span", "title", "The last mini-batch: step " + b.info.step.toLocaleString("en-US") + ", " + m + " samples" + when));
    head.appendChild(ceElement("span", "", "Gradient rows of"));
    this.meta.classes.forEach((name, k) => {
      const button = head.appendChild(ceElement("button", k === this.batchClass ? "chosen" : "", "class " + name));
      button.addEventListener("click", () => { this.batchClass = k; this.showBatch(); });
    });
    const labels = Array.from({length: n}, (_, i) => "#" + t.get("row", i));
    const pmy = Array.from({length: n}, (_, i) => Array.from(t.get("pmy", i)));
    this.batchPmy.draw({title: "P − Y for the last mini-batch", note: n < m ? "the first " + n + " samples" : "",
                        blocks: [{rows: pmy, labels, limit: 1}], columns: this.meta.classes.map((c) => "class " + c)});
    const k = Math.min(this.batchClass, K - 1), D = this.meta.z_all.length;
    const rows = Array.from({length: n}, (_, i) => Array.from(t.get("contribution", i).subarray(k * D, (k + 1) * D)));
    const mean = b.info.mean[k], update = b.info.update[k];
    const limit = Math.max(1e-12, ...rows.flat().map(Math.abs), ...mean.map(Math.abs));
    const uLimit = Math.max(1e-12, ...update.map(Math.abs));
    this.batchContrib.draw({
      title: "How the samples add up to dL/dw_" + k, note: "rows: (p_ik − y_ik)·z_i / T; their mean; the update Δw_k (own scale)",
      blocks: [{rows, labels, limit}, {rows: [mean], labels: ["mean: dL/dw_k"], limit}, {rows: [update], labels: ["update Δw_k"], limit: uLimit}],
      columns: this.meta.z_all,
    });
    caption.textContent = "Left: one row per sample, one column per class: p − y. Red: the model gave that class too much; " +
      "blue: too little (the true class). Right: each sample's contribution to the gradient of class " + this.meta.classes[k] +
      ", their mean (derivation 2: −1/m Xᵀ(Y − S), one row of it, plus l2·w_k with weight decay), and the change the " +
      "optimizer applied to w_k (−lr times the mean for plain SGD, lr = " + ceFormat(b.info.lr) + ").";
  }

  showMetrics(f) {
    this.setMetric("step", f.step.toLocaleString("en-US"));
    this.setMetric("epoch", f.epoch.toFixed(2), ceFull(f.epoch));
    this.setMetric("train_loss", ceFormat(f.train_loss), ceFull(f.train_loss));
    this.setMetric("test_loss", ceFormat(f.test_loss), ceFull(f.test_loss));
    this.setMetric("train_acc", cePercent(f.train_acc), ceFull(f.train_acc));
    this.setMetric("test_acc", cePercent(f.test_acc), ceFull(f.test_acc));
    this.setMetric("grad_norm", ceFormat(f.grad_norm, 3), ceFull(f.grad_norm));
  }

  // One metric's text, made smaller rather than cut when its box is too narrow; the full value in the tooltip.
  setMetric(key, text, full) {
    const el = this.metricValues[key];
    el.parentElement.title = METRICS.find((m) => m[0] === key)[2] + (full ? "\n" + full : "");
    if (el.textContent === text) return;
    el.textContent = text;
    el.style.fontSize = "";
    if (el.scrollWidth > el.clientWidth) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      el.style.fontSize = Math.max(10, Math.floor(size * el.clientWidth / el.scrollWidth)) + "px";
    }
  }

  showEmpty() {
    for (const key in this.metricValues) this.metricValues[key].textContent = "–";
    this.pointInfo.textContent = "The canvas is empty: switch on Draw points and click on the plane to add points.";
    this.el.lines.textContent = "";
    this.el.table.textContent = "";
  }

  showArrowNote() {
    const note = this.plane.arrowNote;
    let text = "Colour: the class the model predicts there, deeper where it is more sure. Filled: training points; " +
      "open: test points; red ring: misclassified; purple square: the last mini-batch; black target: the selected point.";
    if (this.view.show !== "regions") text = "Colour: p of class " + this.meta.classes[this.view.show] + " at every spot, white 0 to full colour 1. " + text.slice(text.indexOf("Filled"));
    if (note) {
      text += " Grey arrows: the class weight vectors w_k" + (note.w !== 1 ? " (drawn ×" + ceFormat(note.w, 2) + ")" : "") +
        (note.origin ? ", from the origin" : ", from the middle of the plot (the origin is out of view)") +
        ": u_k = w_k·x + b_k grows along w_k. Red dotted: the step the next update makes, −lr·dL/dw_k" +
        (note.step !== 1 ? " (drawn ×" + ceFormat(note.step, 3) + ", the same all run: watch it shrink)" : "") + ".";
    }
    if (this.el.caption.textContent !== text) this.el.caption.textContent = text;
  }

  showPoint() {
    const f = this.frame;
    if (!f || !this.points) return;
    const i = this.view.selected, K = this.meta.classes.length;
    if (document.activeElement !== this.pointInput) this.pointInput.value = String(i);
    this.pointInput.max = String(this.points.rows - 1);
    const k = this.points.all("label")[i], test = this.points.all("test")[i];
    this.pointInfo.textContent = "(" + (test ? "test" : "training") + " point), true class " + this.meta.classes[k];
    const x = this.points.all("x");
    const z = Array.from(f.point_z).map((v, j) => this.meta.z_names[j] + " = " + ceSigned(ceFormat(v, 3)));
    const more = this.meta.z_size > f.point_z.length ? ", … " + (this.meta.z_size - f.point_z.length) + " more" : "";
    const zText = this.view.present ? "" : "   z = (" + z.join(", ") + more + ")";
    this.el.lines.textContent = "x = (" + this.meta.axes[0] + " = " + ceSigned(ceFormat(x[2 * i], 3)) + ", " + this.meta.axes[1] +
      " = " + ceSigned(ceFormat(x[2 * i + 1], 3)) + ")" + zText + "   loss = −Σ y_k log p_k = " + ceFormat(f.point_loss, 5);
    const labels = this.meta.classes.map((c) => c);
    const font = this.view.present ? 15 : 12;
    this.logitBars.draw({title: "Logits u_k = w_k·z + b_k", values: Array.from(f.point_logits), colors: this.meta.colors, labels, font});
    this.probBars.draw({title: "p_k (filled) and targets y_k (outline)", values: Array.from(f.point_probs),
                        targets: Array.from(f.point_targets), colors: this.meta.colors, labels, range: [0, 1.15], digits: 2, font});
    this.showTable(f, K);
  }

  showTable(f, K) {
    const names = this.meta.dw_names;
    const header = ["class", "u_k", "p_k", "y_k", "dL/du_k",
                    ...names.map((n) => names.length === 1 && this.meta.z_size > names.length ? n : "dL/dw_k[" + n + "]")];
    const titles = ["", "the logit w_k·z + b_k", "softmax(u / T)_k", "the target", "(p_k − y_k) / T",
                    ...names.map(() => "(p_k − y_k) z / T: the gradient row of w_k")];
    const key = header.join("|") + K;
    if (this.tableKey !== key) {
      this.tableKey = key;
      const table = ceElement("table");
      const head = table.appendChild(ceElement("tr"));
      header.forEach((h, j) => { head.appendChild(ceElement("th", "", h)).title = titles[j]; });
      this.cells = [];
      for (let k = 0; k < K; k++) {
        const row = table.appendChild(ceElement("tr"));
        const cells = header.map((_, j) => row.appendChild(ceElement("td", j ? "num" : "")));
        cells[0].textContent = "class " + this.meta.classes[k];
        cells[0].style.color = this.meta.colors[k];
        this.cells.push(cells);
      }
      this.el.table.replaceChildren(table);
    }
    const D = names.length;
    for (let k = 0; k < K; k++) {
      const values = [f.point_logits[k], f.point_probs[k], f.point_targets[k], f.point_dL_du[k]];
      for (let j = 0; j < D; j++) values.push(f.point_dL_dw[k * D + j]);
      values.forEach((v, j) => {
        const cell = this.cells[k][j + 1], text = ceSigned(ceFormat(v, 4));
        if (cell.textContent !== text) { cell.textContent = text; cell.title = ceFull(v); }
      });
    }
  }

  showCurves() {
    if (this.view.present || !this.lossChart.ctx) return;
    const c = this.curves, font = 12;
    this.lossChart.draw({
      title: "Loss (blue, left) and accuracy (orange, right)", steps: c.step, font,
      series: [{values: c.train_loss, color: CE_LOSS}, {values: c.test_loss, color: CE_LOSS, dash: true},
               {values: c.train_acc, color: CE_ACC, axis: "right"}, {values: c.test_acc, color: CE_ACC, dash: true, axis: "right"}],
      left: {log: false}, right: true,
      legend: [{label: "train loss", color: CE_LOSS}, {label: "test loss", color: CE_LOSS, dash: true},
               {label: "train accuracy", color: CE_ACC}, {label: "test accuracy", color: CE_ACC, dash: true}],
    });
    this.gradChart.draw({
      title: "Gradient norm per class ‖dJ/dw_k‖ (log scale)", steps: c.step, font,
      series: c.norms.map((values, k) => ({values, color: this.meta.colors[k], width: 1.8})),
      left: {log: true}, right: false,
      legend: this.meta.classes.map((name, k) => ({label: "class " + name, color: this.meta.colors[k]})),
    });
  }

  showControls() {
    const hidden = new Set(this.view.hidden || []);
    const playing = this.animating;
    const diverged = this.view.diverged;
    const empty = !this.points || this.points.rows === 0;
    for (const [key, b] of Object.entries(this.buttons)) {
      b.hidden = hidden.has(key) || ((key === "draw" || key === "network") && this.view.present) ||
        (key === "network" && !(this.meta && this.meta.layers.length));
      if (key === "network") b.disabled = empty;  // it may change while playing: the stream restarts where it is
      else if (key === "draw") b.disabled = playing;
      else b.disabled = empty || (key !== "reset" && (diverged || (key !== "play" && playing)));
    }
    this.buttons.draw.classList.toggle("chosen", Boolean(this.view.draw));
    this.buttons.network.classList.toggle("chosen", Boolean(this.view.network));
    this.buttons.draw.setAttribute("aria-pressed", String(Boolean(this.view.draw)));
    const play = this.buttons.play;
    play.innerHTML = playing ? ICONS.pause + "<span>Pause</span>" : ICONS.play + "<span>Play</span>";
    play.title = playing ? "Pause on the frame on screen (space bar)"
      : "Play " + (this.stream ? this.stream.spf : "") + " steps per frame at " + (this.stream ? this.stream.fps : "") + " frames per second (space bar)";
    play.dataset.key = playing ? "pause" : "play";
    if (playing) play.disabled = false;
    let status = "", warn = false;
    if (diverged) { status = "Training diverged: " + this.view.divergence + ". The plots show the last finite state; press Reset."; warn = true; }
    else if (this.view.notice) status = this.view.notice;
    else if (this.view.hint) status = this.view.hint;
    else if (playing && this.stream) status = this.stream.spf + " steps per frame, " + this.stream.fps + " frames/s";
    this.el.status.innerHTML = warn ? ICONS.warn : "";
    this.el.status.appendChild(document.createTextNode(status));
    this.el.status.className = warn ? "warn" : "";
    this.showModes();
    window.cePlayer.playing = Boolean(playing);
  }

  showModes() {
    if (!this.meta) return;
    if (this.view.draw) { this.showDrawTools(); return; }
    const key = this.meta.classes.join("|") + "|" + this.view.show;
    if (this.modesKey === key) return;
    this.modesKey = key;
    const box = this.el.modes;
    box.replaceChildren(ceElement("span", "label", "Colour by"));
    const options = [["regions", "predicted class"], ...this.meta.classes.map((name, k) => [k, "p(class " + name + ")"])];
    for (const [value, label] of options) {
      const b = box.appendChild(ceElement("button", value === this.view.show ? "chosen" : "", label));
      b.setAttribute("aria-pressed", String(value === this.view.show));
      b.addEventListener("click", () => { if (value !== this.view.show) this.setMode(value); });
    }
  }

  showDrawTools() {
    const key = "draw|" + this.drawClass + "|" + this.drawRemove + "|" + this.view.can_undo;
    if (this.modesKey === key) return;
    this.modesKey = key;
    const box = this.el.modes;
    box.replaceChildren(ceElement("span", "label", "A click"));
    for (const [remove, label] of [[false, "adds a point of"], [true, "removes the nearest point"]]) {
      const b = box.appendChild(ceElement("button", remove === this.drawRemove ? "chosen" : "", label));
      b.addEventListener("click", () => { this.drawRemove = remove; this.showModes(); });
    }
    this.meta.palette.forEach((color, k) => {
      const b = box.appendChild(ceElement("button", !this.drawRemove && k === this.drawClass ? "chosen" : ""));
      const mark = b.appendChild(document.createElement("canvas"));
      const ctx = ceSizeCanvas(mark, 12, 12);
      ceMarker(ctx, this.meta.palette_symbols[k], 6, 6, 4.5, color, "#ffffff", false);
      b.appendChild(document.createTextNode("class " + k));
      b.title = "New points get class " + k;
      b.addEventListener("click", () => { this.drawClass = k; this.drawRemove = false; this.showModes(); });
    });
    const undo = box.appendChild(ceElement("button", "", "Undo"));
    undo.disabled = !this.view.can_undo;
    undo.addEventListener("click", () => this.send("undo"));
    const clear = box.appendChild(ceElement("button", "", "Clear"));
    clear.addEventListener("click", () => this.send("clear"));
    box.appendChild(ceElement("span", "label", "Each edit restarts training on the new points."));
  }

  // --------------------------------------------------------------------------------------------------------
  // Layout: fixed sizes for a given width, so nothing moves while playing
  // --------------------------------------------------------------------------------------------------------
  layout() {
    if (!this.meta) return;
    const width = this.el.stage.clientWidth - 4;  // inside the stage's padding
    const present = Boolean(this.view.present);
    this.layoutKey = JSON.stringify([this.meta, this.view.present, this.view.hidden, this.view.network]);
    document.body.classList.toggle("present", present);
    const wide = width >= 720;
    document.body.classList.toggle("narrow", !wide);
    const gap = 16;
    const leftWidth = wide ? Math.floor(width * (present ? 0.62 : 0.58)) : width;
    const [x0, x1, y0, y1] = this.meta.bounds;
    const aspect = (y1 - y0) / (x1 - x0);
    const m = this.plane.margin;
    let planeHeight = Math.round((leftWidth - m.left - m.right) * aspect + m.top + m.bottom);
    let maxHeight = present ? 1e9 : 640;
    if (present) {  // the whole stage on one screen: the plane takes what the controls and metrics leave
      try {
        const frame = window.frameElement.getBoundingClientRect();
        const above = this.el.planeBox.getBoundingClientRect().top;
        maxHeight = window.parent.innerHeight - Math.max(0, frame.top) - above - 12;
      } catch (error) { maxHeight = 520; }
    }
    planeHeight = Math.max(220, Math.min(planeHeight, maxHeight));
    const planeWidth = Math.max(Math.min(leftWidth, 300),
      Math.min(leftWidth, Math.round((planeHeight - m.top - m.bottom) / aspect + m.left + m.right)));
    this.plane.resize(planeWidth, planeHeight);
    // a plane narrower than its column (tall data, or a short screen) gives the rest to the inspector
    const left = wide ? Math.max(planeWidth, Math.min(leftWidth, 420)) : width;
    const right = wide ? width - left - gap : width;
    document.getElementById("left").style.width = left + "px";
    this.el.inspector.style.width = right + "px";
    const barHeight = present ? Math.max(140, Math.min(220, Math.floor((planeHeight - 110) / 2))) : 170;
    this.logitBars.resize(right, barHeight);
    this.probBars.resize(right, barHeight);
    this.el.curves.hidden = present;
    document.getElementById("batch").hidden = present;
    const network = document.getElementById("network");
    network.hidden = present || !this.view.network || !this.meta.layers.length;
    if (!network.hidden) this.network.resize(width, 440);
    if (!present) {
      const curveWidth = wide ? Math.floor((width - gap) / 2) - 1 : width;
      this.lossChart.resize(curveWidth, 250);
      this.gradChart.resize(curveWidth, 250);
      this.batchPmy.resize(curveWidth, 300);
      this.batchContrib.resize(curveWidth, 300);
      this.batchKey = null;
    }
    if (this.frame) this.show(this.frame);
    this.reportHeight();
  }

  reportHeight() {
    const height = Math.ceil(this.el.stage.getBoundingClientRect().height) + 4;
    if (height !== this.frameHeight) {
      this.frameHeight = height;
      this.post("streamlit:setFrameHeight", {height});
    }
  }

  onKey(event) {
    const target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) return;
    const inParent = target && target.ownerDocument !== document;
    if (inParent && target !== target.ownerDocument.body) return;  // a focused widget of the page keeps its keys
    if (event.key === " " && !this.buttons.play.hidden && !this.buttons.play.disabled) {
      event.preventDefault();
      this.togglePlay();
    } else if (event.key === "ArrowRight" && !this.buttons.step.hidden && !this.buttons.step.disabled) {
      event.preventDefault();
      this.send("step", {n: 1});
    }
  }

  problem(error) {
    this.el.problem.textContent = "The stage could not be drawn: " + (error && error.message ? error.message : error);
    this.el.problem.hidden = false;
    this.reportHeight();
  }
}

// For tests and benchmarks: what is on screen, and how playing went (frames shown, stalls, how late frames were).
window.cePlayer = {step: null, playing: false};
const ceStage = new CeStage();
window.cePlayer.stats = ceStage.stats;
// Where each point is drawn, in this frame's viewport pixels: [index, x, y] (tests click on them).
window.cePlayer.pointPixels = () => {
  const pixels = ceStage.plane.pixels, rect = ceStage.plane.overlay.getBoundingClientRect(), out = [];
  for (let i = 0; pixels && i < pixels.length / 2; i++) out.push([i, rect.left + pixels[2 * i], rect.top + pixels[2 * i + 1]]);
  return out;
};
window.cePlayer.pointCount = () => (ceStage.points ? ceStage.points.rows : 0);
window.cePlayer.setMetric = (key, value) => ceStage.setMetric(key, ceFormat(value));
