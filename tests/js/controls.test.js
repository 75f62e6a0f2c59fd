// controls.js: which buttons are enabled, what the status line says, which point a typed number selects, and
// what a key press does: the stage's logic, without a browser.
import assert from "node:assert/strict";
import {test} from "node:test";

import {buttonStates, choosePoint, drawToolStates, keyAction, playTitle, statusLine} from "../../ce_app/player_frontend/controls.js";

const VIEW = {hidden: [], present: false, diverged: false, divergence: "", draw: false, network: false, notice: "",
              hint: "", idle: ""};
const META = {layers: [8]};
const STREAM = {playing: false, fps: 20, spf: 2, ended: "", reason: "", limit: 20000};
const enabled = (states) => Object.keys(states).filter((k) => !states[k].hidden && !states[k].disabled).sort();

test("paused with points: every button works", () => {
  assert.deepEqual(enabled(buttonStates({view: VIEW, meta: META, playing: false})),
                   ["draw", "epoch", "network", "play", "reset", "step", "step10"]);
});

test("playing: only Pause, Reset and the network view; the points cannot be drawn on", () => {
  assert.deepEqual(enabled(buttonStates({view: VIEW, meta: META, playing: true})), ["network", "play", "reset"]);
});

test("nothing to train (an empty canvas, or one class): only Draw points works", () => {
  const view = {...VIEW, draw: true, idle: "No points yet: click on the plane to add points."};
  const states = buttonStates({view, meta: META, playing: false});
  assert.deepEqual(enabled(states), ["draw"]);
  assert.equal(states.draw.pressed, true);
});

test("diverged: Reset only (and Pause if it was playing)", () => {
  const view = {...VIEW, diverged: true};
  assert.deepEqual(enabled(buttonStates({view, meta: META, playing: false})), ["draw", "network", "reset"]);
  assert.ok(enabled(buttonStates({view, meta: META, playing: true})).includes("play"));
});

test("hidden buttons: a teacher's link, presentation mode, a linear model without a network to show", () => {
  const states = buttonStates({view: {...VIEW, hidden: ["step10", "epoch"], present: true}, meta: {layers: []}, playing: false});
  assert.deepEqual(Object.keys(states).filter((k) => states[k].hidden).sort(), ["draw", "epoch", "network", "step10"]);
});

test("presentation mode keeps the network view (lessons 4 and 5 are about hidden units), not drawing", () => {
  const states = buttonStates({view: {...VIEW, present: true}, meta: {layers: [32, 32]}, playing: false});
  assert.equal(states.network.hidden, false);
  assert.equal(states.draw.hidden, true);
});

test("Undo works once an edit can be taken back; Clear while there are points", () => {
  assert.deepEqual(drawToolStates({view: {can_undo: false}, pointCount: 5}), {undo: {disabled: true}, clear: {disabled: false}});
  assert.deepEqual(drawToolStates({view: {can_undo: true}, pointCount: 0}), {undo: {disabled: false}, clear: {disabled: true}});
});

test("the status line: divergence first, then the end of a stream, a notice, why nothing trains, what plays, the hint", () => {
  const line = (view, extra = {}) => statusLine({view: {...VIEW, ...view}, stream: STREAM, playing: false, atEnd: false, lr: 0.1, ...extra});
  assert.deepEqual(line({diverged: true, divergence: "the loss reached 1e9", hint: "h"}),
                   {text: "Training diverged: the loss reached 1e9. The plots show the last finite state; press Reset.", warn: true});
  assert.equal(line({notice: "n", hint: "h"}, {atEnd: true, stream: {...STREAM, reason: "Auto-run paused after 20,000 steps."}}).text,
               "Auto-run paused after 20,000 steps.");
  assert.equal(line({notice: "Canvas cleared.", hint: "h"}).text, "Canvas cleared.");
  assert.equal(line({idle: "No points yet: click on the plane to add points."}).text, "No points yet: click on the plane to add points.");
  assert.equal(line({hint: "Hint: after 300 steps…"}).text, "Hint: after 300 steps…");
  assert.equal(line({hint: "Hint"}, {playing: true, stream: {...STREAM, playing: true}, lr: 0.0005}).text,
               "2 steps per frame, 20 frames/s, learning rate 5e−4");
  assert.equal(line({}).text, "");
});

test("the Play button says how much one press plays", () => {
  assert.equal(playTitle(STREAM, false), "Play: 2 steps per frame at 20 frames per second, at most 20,000 steps per press (space bar)");
  assert.equal(playTitle(STREAM, true), "Pause on the frame on screen (space bar)");
});

test("Point #: a number in range selects that point; anything else says why", () => {
  assert.deepEqual(choosePoint("7", 150), {index: 7, error: ""});
  assert.deepEqual(choosePoint(" 0 ", 150), {index: 0, error: ""});
  assert.deepEqual(choosePoint("99999", 150), {index: null, error: "There is no point 99999: the points are numbered 0 to 149."});
  for (const text of ["-3", "", "2.5", "1e3", "abc"]) {
    assert.equal(choosePoint(text, 1500).error, "Point # takes a whole number: the points are numbered 0 to 1,499.", text);
  }
  assert.equal(choosePoint("0", 0).index, null);
});

const target = (fields = {}) => ({tag: "div", type: "", role: "", editable: false, ...fields});
const press = (key, fields = {}, extra = {}) => keyAction({key, altKey: false, ctrlKey: false, metaKey: false, target: target(fields), ...extra});

test("Space plays and → steps wherever the focus is not in a text field: the page, the stage, a link", () => {
  for (const where of [{tag: "body"}, {tag: "div"}, {tag: "section"}, {tag: "iframe"}, {tag: "a"}, {tag: "canvas"}]) {
    assert.equal(press(" ", where), "play", where.tag);
    assert.equal(press("ArrowRight", where), "step", where.tag);
  }
});

test("a text field keeps its keys", () => {
  for (const where of [{tag: "input", type: "text"}, {tag: "input", type: "number"}, {tag: "textarea"}, {tag: "select"},
                       {tag: "div", editable: true}, {tag: "input", role: "combobox"}, {tag: "div", role: "textbox"}]) {
    assert.equal(press(" ", where), null, JSON.stringify(where));
    assert.equal(press("ArrowRight", where), null, JSON.stringify(where));
  }
});

test("Space on a focused button presses that button, never Play; → still steps from a button", () => {
  for (const where of [{tag: "button"}, {tag: "input", type: "checkbox"}, {tag: "div", role: "button"}, {tag: "div", role: "switch"},
                       {tag: "summary"}]) {
    assert.equal(press(" ", where), null, JSON.stringify(where));
  }
  assert.equal(press("ArrowRight", {tag: "button"}), "step");
});

test("→ on a slider, a radio group or a list moves it", () => {
  for (const where of [{tag: "input", type: "range"}, {tag: "div", role: "slider"}, {tag: "input", type: "radio"},
                       {tag: "div", role: "tab"}, {tag: "li", role: "option"}]) {
    assert.equal(press("ArrowRight", where), null, JSON.stringify(where));
  }
});

test("other keys and modified keys are left alone", () => {
  assert.equal(press("Enter"), null);
  assert.equal(press("ArrowLeft"), null);
  assert.equal(press(" ", {}, {ctrlKey: true}), null);
  assert.equal(press("ArrowRight", {}, {altKey: true}), null);
});

test("], [ and m choose the next, previous and next misclassified point, only while the focus is in the stage", () => {
  const inStage = {inStage: true};
  assert.equal(press("]", inStage), "next");
  assert.equal(press("[", inStage), "previous");
  assert.equal(press("m", inStage), "misclassified");
  assert.equal(press("M", {tag: "button", inStage: true}), "misclassified");
  for (const key of ["]", "[", "m"]) {
    assert.equal(press(key, {tag: "body"}), null, `${key} on the page around the stage is the page's (WCAG 2.1.4)`);
    assert.equal(press(key, {tag: "input", type: "number", inStage: true}), null, `${key} in Point # is typed`);
    assert.equal(press(key, inStage, {ctrlKey: true}), null);
  }
});

test("on the focused plane the arrow keys move between points; in the network view between units", () => {
  const plane = {tag: "canvas", role: "application", arrows: "points", inStage: true};
  assert.deepEqual(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].map((key) => press(key, plane)),
                   ["left", "right", "up", "down"]);
  assert.equal(press(" ", plane), "play");
  const unit = {tag: "button", arrows: "units", inStage: true};
  assert.equal(press("ArrowRight", unit), null);
  assert.equal(press("ArrowUp", unit), null);
  assert.equal(press("ArrowRight", {tag: "canvas", inStage: true}), "step", "an unfocusable canvas: → steps");
});
