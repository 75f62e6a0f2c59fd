// A Plotly chart that is updated in place, optionally drawn as stacked layers.
//
// Streamlit's st.plotly_chart rebuilds a chart from scratch whenever its figure changes; during auto-run that
// rebuild, not the server, limited the training page to about 4 frames per second. This component keeps its plots
// alive and hands each new figure to Plotly.react.
//
// Plotly redraws every trace of a plot when any of them changes, so a figure can be split into layers (args.layers:
// lists of trace indices, bottom first), each its own plot stacked on the one below with a transparent background.
// A layer whose traces did not change is not redrawn: the input plane keeps its 500 data points on a top layer that
// stays put while the decision regions below it change every frame. Only the top layer takes the mouse (hover and
// clicks); the layers below it show the axes, the title and everything that moves.
//
// It speaks Streamlit's component protocol (version 1) over postMessage directly, so it needs no build step:
//   parent -> us : {type: "streamlit:render", args: {spec, height, clickable, layers}}
//   us -> parent : streamlit:componentReady, streamlit:setFrameHeight, streamlit:setComponentValue
// A click on a point of the top layer (when `clickable`) reports {x, y, curve, index, seq}: `curve` is the trace's
// index in the whole figure, `index` its customdata[0], and `seq` counts clicks, so Python can tell a new click from
// the value it has already handled.
(function () {
  "use strict";
  const stack = document.getElementById("chart");
  const problem = document.getElementById("problem");
  const layers = []; // [{div, signature, traces}] bottom first
  let clicks = 0;
  let clickable = false;
  let frameHeight = null;
  // Plotly (4.8 MB, copied next to this file from the installed plotly package by ce_app/live_chart.py) loads after
  // the frame has told Streamlit it is ready: Streamlit reports a component that is not ready within 60 s as an
  // error, and on a slow machine with several charts on the page, loading Plotly first could take that long.
  //
  // Streamlit serves component files without a cache lifetime, so every chart frame would download Plotly again
  // (about 1.5 MB gzipped, and gzipping it costs the server's event loop each time). One frame per page downloads
  // it and leaves the text on the page's window; the others wait for that text (only a string crosses between the
  // frames, so a frame that goes away takes nothing with it) and take over if nothing arrives within 15 s.
  const SHARED = "__ceLiveChartPlotlyJs";
  const TAKE_OVER_MS = 15000;

  function pageWindow() {
    try {
      void window.parent.document; // throws if the page is of another origin
      return window.parent;
    } catch (error) {
      return null;
    }
  }

  function download() {
    return fetch("plotly.min.js").then(function (response) {
      if (!response.ok) throw new Error("plotly.min.js did not load (" + response.status + ")");
      return response.text();
    });
  }

  function plotlySource() {
    const page = pageWindow();
    if (page === null) return download();
    if (typeof page[SHARED] === "string") return Promise.resolve(page[SHARED]);
    const since = page[SHARED + "Since"];
    if (typeof since !== "number" || Date.now() - since > TAKE_OVER_MS) {
      page[SHARED + "Since"] = Date.now();
      return download().then(function (text) { page[SHARED] = text; return text; });
    }
    return new Promise(function (resolve) {
      (function wait() {
        if (typeof page[SHARED] === "string") resolve(page[SHARED]);
        else if (Date.now() - page[SHARED + "Since"] > TAKE_OVER_MS) resolve(plotlySource());
        else setTimeout(wait, 50);
      })();
    });
  }

  function loadPlotly() {
    return plotlySource().then(function (text) {
      // An inline script: every chart frame of the page runs the same text from the same address, so the browser
      // compiles it once and reuses the result in the other frames.
      const script = document.createElement("script");
      script.textContent = text;
      document.head.appendChild(script);
      if (typeof window.Plotly === "undefined") throw new Error("plotly.min.js could not be run");
    });
  }

  let drawing = Promise.all([loadPlotly(), borrowPageFont("Source Sans")]);
  let pending = null; // the newest arguments that arrived while the previous ones were still being drawn
  let lastSpec = null;
  let queued = 0; // draws scheduled and not finished

  // The page's own typeface (Streamlit's "Source Sans"), so that the charts read like the text around them. This frame
  // has the page's origin, so it can read the page's @font-face rules; their relative URLs are resolved against the
  // style sheet they come from. Resolves once the face is loaded (or after a second at most), so that Plotly
  // measures its labels in the font it will show them in.
  function borrowPageFont(family) {
    const rules = [];
    try {
      for (const sheet of window.parent.document.styleSheets) {
        let list;
        try { list = sheet.cssRules; } catch (error) { continue; } // a sheet of another origin: not readable
        for (const rule of list) {
          if (!(rule instanceof window.parent.CSSFontFaceRule) || !rule.style.getPropertyValue("font-family").includes(family)) continue;
          const base = sheet.href || window.parent.location.href;
          rules.push(rule.cssText.replace(/url\(["']?([^"')]+)["']?\)/g, function (_, url) {
            return 'url("' + new URL(url, base).href + '")';
          }));
        }
      }
    } catch (error) {
      return Promise.resolve(); // no access to the page: the fallback fonts of the figure apply
    }
    if (rules.length === 0) return Promise.resolve();
    const style = document.createElement("style");
    style.textContent = rules.join("\n");
    document.head.appendChild(style);
    const loaded = document.fonts.load('13px "' + family + '"').catch(function () {});
    return Promise.race([loaded, new Promise(function (resolve) { setTimeout(resolve, 1000); })]);
  }

  function send(type, extra) {
    window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, extra), "*");
  }

  function setHeight(height) {
    if (height !== frameHeight) {
      frameHeight = height;
      stack.style.height = height + "px";
      send("streamlit:setFrameHeight", {height: height});
    }
  }

  function firstNumber(value) {
    // customdata of a point: a number, or a row (array or typed array) whose first entry is the point's index
    if (value === undefined || value === null) return null;
    if (typeof value === "number") return value;
    if (value.length !== undefined && value.length > 0) return Number(value[0]);
    return null;
  }

  function layerDiv(position) {
    while (layers.length <= position) {
      const div = document.createElement("div");
      div.className = "layer";
      stack.appendChild(div);
      const layer = {div: div, signature: null, traces: [], draws: 0};
      layers.push(layer);
    }
    return layers[position];
  }

  function dropLayersFrom(count) {
    while (layers.length > count) {
      const layer = layers.pop();
      Plotly.purge(layer.div);
      layer.div.remove();
    }
  }

  function onClick(event) {
    if (!clickable || !event || !event.points || event.points.length === 0) return;
    const point = event.points[0];
    const top = layers[layers.length - 1];
    clicks += 1;
    send("streamlit:setComponentValue", {
      dataType: "json",
      value: {
        x: Number(point.x), y: Number(point.y), curve: top.traces[point.curveNumber],
        index: firstNumber(point.customdata), seq: clicks,
      },
    });
  }

  // The margins Plotly settled on for a drawn plot, after automargin and colour bars. `_size` is not public API;
  // plotly is pinned in requirements.txt, and without it the figure's own margins are the best guess.
  function plotMargins(gd, layout) {
    const size = gd._fullLayout && gd._fullLayout._size;
    if (size) return size;
    const margin = layout.margin || {};
    return {l: margin.l || 0, r: margin.r || 0, t: margin.t || 0, b: margin.b || 0};
  }

  // The layout of a layer above the bottom one: see-through, no title, axes without lines or labels, and the
  // bottom plot's exact margins (a colour bar widens them there), so that both plot areas coincide.
  function overlayLayout(layout, size) {
    const hidden = {showgrid: false, zeroline: false, showline: false, showticklabels: false, ticks: "",
                    title: {text: ""}};
    const over = Object.assign({}, layout, {
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", title: {text: ""}, annotations: [],
      shapes: [], images: [],
      margin: {l: size.l, r: size.r, t: size.t, b: size.b, pad: 0, autoexpand: false},
    });
    Object.keys(layout).forEach(function (name) {
      if (/^[xy]axis\d*$/.test(name)) over[name] = Object.assign({}, layout[name], hidden);
    });
    return over;
  }

  async function show(args) {
    if (args.spec === lastSpec && args.height === frameHeight) return;
    lastSpec = args.spec;
    const figure = JSON.parse(args.spec);
    const data = figure.data || [];
    const layout = Object.assign({}, figure.layout, {height: args.height, autosize: true});
    const config = Object.assign({responsive: true, displayModeBar: false, scrollZoom: false}, figure.config || {});
    const groups = Array.isArray(args.layers) && args.layers.length > 0
      ? args.layers : [data.map(function (_, i) { return i; })];
    clickable = Boolean(args.clickable);
    setHeight(args.height);
    dropLayersFrom(groups.length);
    for (let position = 0; position < groups.length; position++) {
      const layer = layerDiv(position);
      const traces = groups[position].filter(function (i) { return i >= 0 && i < data.length; });
      const layerData = traces.map(function (i) { return data[i]; });
      const layerLayout = position === 0 ? layout : overlayLayout(layout, plotMargins(layers[0].div, layout));
      const signature = JSON.stringify([layerData, layerLayout]);
      const top = position === groups.length - 1;
      layer.div.style.pointerEvents = top ? "auto" : "none";
      if (signature === layer.signature) continue; // unchanged: Plotly would redraw it all the same
      layer.signature = signature;
      layer.traces = traces;
      await Plotly.react(layer.div, layerData, layerLayout, top ? config : Object.assign({}, config, {staticPlot: true}));
      layer.draws += 1;
      if (top && !layer.listening) {
        layer.listening = true;
        layer.div.on("plotly_click", onClick);
      }
    }
    problem.style.display = "none";
  }

  function draw(args) {
    // Figures arrive faster than Plotly can draw them only when the machine is overloaded: keep the newest and skip
    // the ones in between, so the chart never falls behind.
    const idle = pending === null;
    pending = args;
    if (!idle) return;
    queued += 1;
    drawing = drawing.then(function () {
      const next = pending;
      pending = null;
      return show(next);
    }).catch(function (error) {
      pending = null;
      lastSpec = null;
      layers.forEach(function (layer) { layer.signature = null; });
      problem.textContent = "This chart could not be drawn: " + (error && error.message ? error.message : error);
      problem.style.display = "block";
    }).finally(function () { queued -= 1; });
  }

  // For tests and benchmarks: how often each layer has been drawn (bottom first), and whether a figure that has
  // arrived is still waiting to be drawn.
  window.ceLiveChart = {
    draws: function () { return layers.map(function (layer) { return layer.draws; }); },
    busy: function () { return queued > 0; },
  };

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) return; // only the Streamlit page that holds this frame draws in it
    const data = event.data;
    if (!data || data.type !== "streamlit:render" || !data.args) return;
    if (typeof data.args.height === "number") setHeight(data.args.height); // at once: the page must not jump later
    draw(data.args);
  });
  send("streamlit:componentReady", {apiVersion: 1});
})();
