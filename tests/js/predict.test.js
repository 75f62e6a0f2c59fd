// predict.js: what the predict panel shows, which buttons a question holds back, the Play label, the reveal's
// words, the panel's fixed height, its colours' contrast and a region's outline, without a browser. The question
// and the reveal are real ones, made by the stage core (tests/js/fixtures.py).
import assert from "node:assert/strict";
import {test} from "node:test";

import {contrast, heldBack, panelHeight, panelState, playLabel, regionEdges, revealWords}
  from "../../ce_app/player_frontend/predict.js";
import {THEME} from "../../ce_app/player_frontend/theme.js";
import {fixtures} from "./fixtures.js";

const {question, reveal} = fixtures.predict;
const VIEW = {predict: true, question: null, reveal: null, hidden: [], idle: "", diverged: false, show: "regions",
              present: false};

test("the stage core's question and reveal carry exactly the contract's keys, and no answer in the question", () => {
  assert.deepEqual(Object.keys(question).sort(), [...fixtures.contract.question].sort());
  assert.deepEqual(Object.keys(reveal).sort(), [...fixtures.contract.reveal].sort());
  assert.ok(!("answer" in question), "the question does not carry its answer");
  assert.ok(question.choices.every((/** @type {string[]} */ pair) => pair.length === 2));
});

test("the panel shows nothing, the mode, a question or a reveal", () => {
  assert.equal(panelState({...VIEW, predict: false, question}), "off");
  assert.equal(panelState(VIEW), "idle");
  assert.equal(panelState({...VIEW, question}), "question");
  assert.equal(panelState({...VIEW, reveal}), "reveal");
});

test("a question on screen holds back the buttons that run steps, and nothing else", () => {
  const asking = {...VIEW, question};
  const held = ["step", "step10", "epoch", "play", "reset", "network", "draw", "predict"].filter((k) => heldBack(asking, k));
  assert.deepEqual(held, ["step", "step10", "epoch", "play"]);
  assert.equal(heldBack({...VIEW, reveal}, "step"), false, "a reveal waits for nothing");
  assert.equal(heldBack({...asking, predict: false}, "step"), false);
});

test("in predict mode Play names the steps it runs", () => {
  assert.equal(playLabel(VIEW, {limit: 50}), "Play 50 steps");
  assert.equal(playLabel(VIEW, {limit: 1000}), "Play 1,000 steps");
  assert.equal(playLabel({...VIEW, predict: false}, {limit: 20000}), "Play");
  assert.equal(playLabel(VIEW, null), "Play");
});

test("the reveal says right, wrong or skipped in words (not by colour alone), then why and where to look", () => {
  const wrong = revealWords(reveal, true);
  assert.equal(wrong.icon, "wrong");
  assert.equal(wrong.verdict, "Not this time.");
  assert.equal(wrong.answer, "You said “" + reveal.choice + "”; the answer: “" + reveal.answer + "”.");
  assert.equal(wrong.why, reveal.why);
  assert.equal(wrong.look, "Highlighted: " + reveal.look + ".");
  const right = revealWords({...reveal, verdict: "right", choice: reveal.answer}, true);
  assert.deepEqual([right.icon, right.verdict, right.answer], ["right", "Right!", "The answer: “" + reveal.answer + "”."]);
  const skipped = revealWords({...reveal, verdict: "skipped", choice: ""}, true);
  assert.deepEqual([skipped.icon, skipped.verdict], ["skipped", "Skipped."]);
  assert.match(revealWords(reveal, false).look, /colour by predicted class/);
});

test("the panel's height depends on the stage's width only, so a question and a reveal take the same room", () => {
  for (const width of [390, 719, 720, 1000, 1280, 1900]) {
    assert.ok(panelHeight(width, false) >= 90 && panelHeight(width, true) >= 70, String(width));
  }
  assert.ok(panelHeight(390, false) > panelHeight(1280, false), "a phone stacks the choices under the text");
  assert.ok(panelHeight(1100, true) <= 82, "presentation mode on a 1280 px projector: room for the plane");
});

test("contrast ratios as WCAG defines them, and the panel's text colours at least 4.5:1 on the stage", () => {
  assert.equal(contrast("#000000", "#ffffff"), 21);
  assert.equal(contrast("#ffffff", "#ffffff"), 1);
  assert.ok(Math.abs(contrast("#777777", "#ffffff") - 4.48) < 0.01);
  for (const name of ["text", "muted", "highlight", "right", "wrong"]) {
    const color = /** @type {string} */ (THEME[/** @type {keyof typeof THEME} */ (name)]);
    assert.ok(contrast(color, THEME.background) >= 4.5, name + " " + color);
  }
});

test("a region's outline: the sides between its cells and the others, hand-counted on a 3 x 3 grid", () => {
  // row i runs along x2 upwards, column j along x1; class 0 holds (0, 1), (0, 2), (1, 0) and (1, 1), so its edges
  // have it on either side; shades (code % 32) do not matter
  const classes = [1, 0, 0,
                   0, 0, 1,
                   1, 1, 1];
  const codes = classes.map((k, i) => 32 * k + (i * 7) % 32);
  const edges = regionEdges(codes, 3, 0).map((e) => e.join(",")).sort();
  assert.deepEqual(edges, ["-0.5,0.5,0.5,0.5", "-0.5,1.5,0.5,1.5", "0.5,-0.5,0.5,0.5", "0.5,1.5,1.5,1.5",
                           "1.5,0.5,1.5,1.5", "1.5,0.5,2.5,0.5"]);
  assert.deepEqual(regionEdges(codes, 3, 2), [], "a class with no cell has no outline");
  assert.deepEqual(regionEdges(classes.map(() => 32 + 3), 3, 1), [], "a region filling the plane: the frame is its edge");
});
