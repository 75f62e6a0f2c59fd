// @ts-check
// What the stage's controls do, with no DOM: which buttons show and are enabled, what the status line says, which
// point a typed number selects, and what a key press does. stage.js applies the answers to the page.
import {fmt, integer} from "./numbers.js";

/** The toolbar's buttons, in order; the names a teacher's link may hide (settings.HIDEABLE) among them. */
export const TOOLBAR = ["step", "step10", "epoch", "play", "reset", "network", "draw"];

/**
 * @typedef {{hidden: string[], present: boolean, diverged: boolean, divergence: string, draw: boolean,
 *            network: boolean, notice: string, hint: string, idle: string}} ViewPart
 * @typedef {{playing: boolean, fps: number, spf: number, ended: string, reason: string, limit: number}} StreamPart
 * @typedef {{hidden: boolean, disabled: boolean, pressed: boolean|null}} ButtonState
 */

/**
 * Which toolbar buttons show, which are enabled, and which toggles are pressed.
 * @param {{view: ViewPart, meta: {layers: number[]}, playing: boolean}} state
 * @returns {Record<string, ButtonState>}
 */
export function buttonStates({view, meta, playing}) {
  const hidden = new Set(view.hidden);
  const idle = Boolean(view.idle);  // nothing to train: no points, or a single class
  /** @type {Record<string, ButtonState>} */
  const out = {};
  for (const key of TOOLBAR) {
    const hide = hidden.has(key) || (key === "draw" && view.present) || (key === "network" && !meta.layers.length);
    let disabled;
    if (key === "draw") disabled = playing;  // the points cannot change under a playing stream
    else if (key === "network") disabled = idle;  // may change while playing: the stream restarts where it is
    else if (key === "play") disabled = idle || (view.diverged && !playing);  // Pause is always possible
    else if (key === "reset") disabled = idle;
    else disabled = idle || view.diverged || playing;
    const pressed = key === "draw" ? view.draw : key === "network" ? view.network : null;
    out[key] = {hidden: hide, disabled, pressed};
  }
  return out;
}

/**
 * The draw tools' Undo and Clear: Undo once an edit can be taken back, Clear while there are points.
 * @param {{view: {can_undo: boolean}, pointCount: number}} state
 */
export function drawToolStates({view, pointCount}) {
  return {undo: {disabled: !view.can_undo}, clear: {disabled: pointCount === 0}};
}

/**
 * The Play button's tooltip.
 * @param {StreamPart|null} stream
 * @param {boolean} playing
 */
export function playTitle(stream, playing) {
  if (playing) return "Pause on the frame on screen (space bar)";
  if (!stream) return "Play (space bar)";
  return "Play: " + stream.spf + " steps per frame at " + stream.fps + " frames per second, at most " +
    integer(stream.limit) + " steps per press (space bar)";
}

/**
 * What the status line says, and whether it is a warning.
 * @param {{view: ViewPart, stream: StreamPart|null, playing: boolean, atEnd: boolean, lr: number|null}} state
 *   atEnd: the last frame of a stream that ends is on screen; lr: the learning rate of the frame on screen
 * @returns {{text: string, warn: boolean}}
 */
export function statusLine({view, stream, playing, atEnd, lr}) {
  if (view.diverged) {
    return {text: "Training diverged: " + view.divergence + ". The plots show the last finite state; press Reset.", warn: true};
  }
  if (atEnd && stream && stream.reason) return {text: stream.reason, warn: false};
  if (view.notice) return {text: view.notice, warn: false};
  if (view.idle) return {text: view.idle, warn: false};
  if (playing && stream) {
    return {text: stream.spf + " steps per frame, " + stream.fps + " frames/s, learning rate " + fmt(lr), warn: false};
  }
  if (view.hint) return {text: view.hint, warn: false};
  return {text: "", warn: false};
}

/**
 * The point a number typed into "Point #" asks for, or why there is none.
 * @param {string} text what the box holds
 * @param {number} count how many points there are
 * @returns {{index: number, error: ""} | {index: null, error: string}}
 */
export function choosePoint(text, count) {
  if (!count) return {index: null, error: "There are no points to select yet."};
  const range = "the points are numbered 0 to " + integer(count - 1);
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return {index: null, error: "Point # takes a whole number: " + range + "."};
  const index = Number(trimmed);
  if (index >= count) return {index: null, error: "There is no point " + trimmed + ": " + range + "."};
  return {index, error: ""};
}

/**
 * @typedef {{tag: string, type: string, role: string, editable: boolean, arrows?: string, inStage?: boolean}} KeyTarget
 *   the focused element; arrows: what its arrow keys move between ("points" on the plane, "units" in the network
 *   view, "" otherwise); inStage: it is inside the stage's own document
 * @typedef {{key: string, altKey: boolean, ctrlKey: boolean, metaKey: boolean, target: KeyTarget}} KeyPress
 * @typedef {"play"|"step"|"next"|"previous"|"misclassified"|"left"|"right"|"up"|"down"} KeyActionName
 */

const BUTTON_INPUTS = new Set(["button", "submit", "reset", "checkbox", "radio", "file", "color", "image"]);
const TEXT_ROLES = new Set(["textbox", "searchbox", "combobox", "spinbutton"]);
const PRESSABLE_ROLES = new Set(["button", "checkbox", "switch", "radio", "tab", "menuitem", "menuitemcheckbox",
  "menuitemradio", "option", "treeitem"]);
const ARROW_ROLES = new Set(["slider", "radio", "radiogroup", "tab", "tablist", "menu", "menubar", "menuitem",
  "listbox", "option", "tree", "treeitem", "grid", "scrollbar", "separator"]);
// Single-character shortcuts that choose a point: only while the focus is in the stage (WCAG 2.1.4), so that they
// never take a letter typed elsewhere on the page.
const POINT_KEYS = {"]": "next", "[": "previous", "m": "misclassified", "M": "misclassified"};
const PLANE_ARROWS = {ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down"};

/** @param {KeyTarget} t */
function isTextField(t) {
  if (t.editable || t.tag === "textarea" || t.tag === "select" || TEXT_ROLES.has(t.role)) return true;
  return t.tag === "input" && !BUTTON_INPUTS.has(t.type) && t.type !== "range";
}

/**
 * What a key press does on the stage, or null to leave it to the page:
 * - "play" (Space: Play or Pause) and "step" (→), wherever the focus is, in the stage or on the page around it,
 *   except in a text field; Space on a focused button presses that button, and → on a slider or a list moves it;
 * - "next", "previous", "misclassified" (], [ and m: choose a point), while the focus is in the stage;
 * - on the focused plane, the arrow keys: "left", "right", "up", "down" (the nearest point that way); in the network
 *   view the arrows are its own (they move between units).
 * @param {KeyPress} press
 * @returns {KeyActionName|null}
 */
export function keyAction(press) {
  if (press.altKey || press.ctrlKey || press.metaKey) return null;
  const t = press.target;
  if (isTextField(t)) return null;
  if (t.arrows === "points" && press.key in PLANE_ARROWS) {
    return /** @type {KeyActionName} */ (PLANE_ARROWS[/** @type {keyof typeof PLANE_ARROWS} */ (press.key)]);
  }
  if (press.key in POINT_KEYS) {
    return t.inStage ? /** @type {KeyActionName} */ (POINT_KEYS[/** @type {keyof typeof POINT_KEYS} */ (press.key)]) : null;
  }
  if (press.key !== " " && press.key !== "ArrowRight") return null;
  if (press.key === " ") {
    const pressable = t.tag === "button" || t.tag === "summary" || (t.tag === "input" && BUTTON_INPUTS.has(t.type)) ||
      PRESSABLE_ROLES.has(t.role);
    return pressable ? null : "play";
  }
  const arrows = (t.tag === "input" && (t.type === "range" || t.type === "radio")) || ARROW_ROLES.has(t.role) ||
    Boolean(t.arrows);
  return arrows ? null : "step";
}
