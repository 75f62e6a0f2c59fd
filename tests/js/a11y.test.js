// a11y.js: the words a screen reader gets for the plane, the selected point, the bars, the curves and a press,
// made from numbers as the frames carry them.
import assert from "node:assert/strict";
import {test} from "node:test";

import {announcement, barsText, countPoints, curvesText, planeText, pointText, probabilityShare, regionShares,
        trend, whereOnPlane} from "../../ce_app/player_frontend/a11y.js";

const META = {classes: ["0", "1", "2"], axes: ["x1", "x2"], bounds: [-2, 2, -1, 1], region_shades: 32};

/** A 4 x 4 grid of region codes (row i along x2 upwards, column j along x1): class 0 left, class 1 right. */
function halves() {
  const codes = new Uint8Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) codes[i * 4 + j] = j < 2 ? 0 * 32 + 31 : 1 * 32 + 5;
  return codes;
}

test("a curve rises, falls or stays flat, over its last quarter", () => {
  assert.equal(trend([1, 0.9, 0.8, 0.5]), "falling");
  assert.equal(trend([0.2, 0.4, 0.6, 0.9]), "rising");
  assert.equal(trend([1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), "flat");
  assert.equal(trend([0.3]), "");
  assert.equal(trend([NaN, 0.5, NaN, 0.4]), "falling", "undefined values are skipped");
});

test("places on the plane in words", () => {
  assert.equal(whereOnPlane(0.1, 0.9), "the upper left");
  assert.equal(whereOnPlane(0.5, 0.5), "the middle");
  assert.equal(whereOnPlane(0.9, 0.5), "the right");
  assert.equal(whereOnPlane(0.5, 0.1), "the bottom");
});

test("which class each region predicts: its share of the plane and where it lies", () => {
  assert.deepEqual(regionShares(halves(), 32, 3), [{k: 0, share: 0.5, where: "the left"}, {k: 1, share: 0.5, where: "the right"}]);
  const codes = new Uint8Array(16).fill(2 * 32);  // all class 2, however unsure
  assert.deepEqual(regionShares(codes, 32, 3), [{k: 2, share: 1, where: "the middle"}]);
  // p_k: 255 p over the plane; above 1/2 on the top row only
  const p = new Uint8Array(16);
  p.fill(250, 12, 16);
  assert.deepEqual(probabilityShare(p), {share: 0.25, where: "the top"});
});

test("the plane's description has its axes, its points, the misclassified ones, the accuracy and the regions", () => {
  const counts = {n: 10, train: 8, test: 2, wrongTrain: 3, wrongTest: 1};
  const text = planeText({meta: META, show: "regions", codes: halves(), counts, trainAcc: 0.625});
  assert.equal(text, "Input plane: x1 across from −2 to 2, x2 up from −1 to 1. 10 points of 3 classes (8 training, filled; " +
    "2 test, open). Training accuracy 62.5%: 3 training and 1 test points misclassified (ringed). The model predicts " +
    "class 0 on 50.0% of the plane, mostly the left; class 1 on 50.0% of the plane, mostly the right.");
  const one = planeText({meta: META, show: 1, codes: new Uint8Array(16).fill(200), counts, trainAcc: null});
  assert.match(one, /Coloured by p of class 1: over 1\/2 on 100% of the plane, mostly the middle\.$/);
});

test("the misclassified points are counted from the frame's bit mask, training and test apart", () => {
  // points 0..9, test points 8 and 9; misclassified 1, 3, 9 (bits little-endian as numpy.packbits writes them)
  const wrong = new Uint8Array([0b00001010, 0b00000010]);
  const test_ = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
  assert.deepEqual(countPoints(wrong, test_), {n: 10, train: 8, test: 2, wrongTrain: 2, wrongTest: 1});
});

test("the selected point: where it is, its class, what the model says, right or wrong", () => {
  const base = {meta: META, index: 7, label: 1, test: false, x: [0.5, -0.25], targets: [0, 1, 0], loss: 0.916};
  assert.equal(pointText({...base, probs: [0.2, 0.4, 0.4]}),
    "Selected: point 7, a training point of class 1, at x1 = 0.5, x2 = −0.25. The model says class 1, right. " +
    "p = 0.2 for class 0, 0.4 for class 1 (its class), 0.4 for class 2. Loss 0.916.");
  assert.match(pointText({...base, test: true, probs: [0.7, 0.2, 0.1]}), /a test point .* says class 0, wrong: misclassified\./);
});

test("bars, curves and the result of a press in words", () => {
  assert.equal(barsText("p_k of point 3", ["a", "b"], [0.25, 0.75], [0, 1]),
               "p_k of point 3: class a 0.25 (target 0), class b 0.75 (target 1). The table below has the same numbers.");
  assert.equal(curvesText([0, 10, 20], [{label: "train loss", values: [1.1, 0.8, 0.5]},
                                        {label: "test loss", values: [NaN, NaN, NaN]}]),
               "From step 0 to 20: train loss 0.5, falling; test loss not defined.");
  const frame = {step: 11, epoch: 1.375, train_loss: 0.52, train_acc: 0.875};
  assert.equal(announcement("step", frame, 10), "One step: now step 11, train loss 0.52, train accuracy 87.5%.");
  assert.equal(announcement("step10", frame, 1), "10 steps: now step 11, train loss 0.52, train accuracy 87.5%.");
  assert.equal(announcement("epoch", frame, 3), "Epoch done, 8 steps: now step 11, train loss 0.52, train accuracy 87.5%.");
  assert.equal(announcement("pause", frame, 0), "Paused at step 11, epoch 1.38: train loss 0.52, train accuracy 87.5%.");
  assert.equal(announcement("reset", {...frame, step: 0}, 40), "Reset to step 0: train loss 0.52, train accuracy 87.5%.");
});
