// @ts-check
// Every colour and font the stage draws with, in one place (the page's CSS in index.html holds the rest), so a
// theme (Streamlit sends its own with every render) can be applied here alone.

export const THEME = {
  font: '"Source Sans", "Source Sans Pro", "DejaVu Sans", Arial, sans-serif',
  text: "#31333F",
  muted: "#6b6f7e",
  background: "#ffffff",
  gridLine: "rgba(0,0,0,0.08)",
  zeroLine: "#999999",
  frame: "#c7c9d1",
  loss: "#0072B2",  // the loss curves
  accuracy: "#D55E00",  // the accuracy curves
  ring: "#C00000",  // misclassified points, the next-step arrows
  batch: "#7B2CBF",  // the last mini-batch's boxes
  neutral: "#444444",  // the weight arrows, target outlines
  selected: "#111111",  // the selected point, a chosen unit
  highlight: "#C2185B",  // predict mode: the part of the stage that tells the answer (5.9:1 on white)
  right: "#1B7837",  // predict mode: "Right!" (5.5:1 on white; the words and an icon say it too)
  wrong: "#B2182B",  // predict mode: "Not this time." (6.9:1 on white)
  markerEdge: "#ffffff",
  openFill: "rgba(255,255,255,0.85)",  // inside an open (test) marker
  positive: [178, 24, 43],  // diverging scale: red for positive
  negative: [33, 102, 172],  // blue for negative
};

/**
 * Red for positive, blue for negative, white at 0 (RdBu reversed), for values already scaled to [-1, 1].
 * @param {number} v
 * @returns {[number, number, number]}
 */
export function divergingRgb(v) {
  const t = Math.max(-1, Math.min(1, v)), end = t >= 0 ? THEME.positive : THEME.negative, a = Math.abs(t);
  const channel = (/** @type {number} */ i) => Math.round(end[i] + (1 - a) * (255 - end[i]));
  return [channel(0), channel(1), channel(2)];
}

/** @param {number} v */
export function diverging(v) {
  return "rgb(" + divergingRgb(v).join(",") + ")";
}
