// @ts-check
// The stage's entry point (index.html loads it as a module): one Stage, and what tests and benchmarks may read.
import {Stage} from "./stage.js";

// For tests and benchmarks: what is on screen, and how playing went (frames shown, stalls, how late frames were).
window.cePlayer = {step: null, playing: false, reloading: false, stats: null,
  pointPixels: () => [], pointCount: () => 0, showMetric: () => {}};
const stage = new Stage();
window.ceStage = stage;
window.cePlayer.stats = stage.playback.stats;
// Where each point is drawn, in this frame's viewport pixels: [index, x, y] (tests click on them).
window.cePlayer.pointPixels = () => {
  const pixels = stage.plane.pixels, rect = stage.plane.overlay.getBoundingClientRect();
  /** @type {Array<[number, number, number]>} */
  const out = [];
  for (let i = 0; pixels && i < pixels.length / 2; i++) out.push([i, rect.left + pixels[2 * i], rect.top + pixels[2 * i + 1]]);
  return out;
};
window.cePlayer.pointCount = () => (stage.points ? stage.points.rows : 0);
window.cePlayer.showMetric = (name, value) => stage.showMetricValue(name, value);
