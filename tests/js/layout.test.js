// layout.js: the presentation font and the plane on every projector the issue names, split tables and legends.
import assert from "node:assert/strict";
import {test} from "node:test";

import {columnGroups, legendRows, presentCharts, presentFont, presentPlane} from "../../ce_app/player_frontend/layout.js";

test("the presentation font is 18 px up to 1280 x 720 and grows with the screen", () => {
  const sizes = {"1024x768": 18, "1280x720": 18, "1366x768": 19, "1920x1080": 27, "2560x1440": 36};
  for (const [size, font] of Object.entries(sizes)) {
    const [w, h] = size.split("x").map(Number);
    assert.equal(presentFont(w, h), font, size);
  }
  assert.equal(presentFont(390, 844), 18, "never below 18");
  assert.equal(presentFont(7680, 4320), 40, "nor above 40");
});

test("the plane takes the main row's height on a wide screen and at most 56% of the width on a narrow one", () => {
  const margin = {left: 50, right: 10, top: 8, bottom: 46};
  const wide = presentPlane({width: 1244, mainHeight: 430, modesHeight: 34, aspect: 1, margin, gap: 18});
  assert.equal(wide.planeHeight, 396);
  assert.equal(wide.planeWidth, 396 - 54 + 60);
  assert.equal(wide.rightWidth, 1244 - wide.planeWidth - 18);
  const narrow = presentPlane({width: 700, mainHeight: 900, modesHeight: 34, aspect: 1, margin, gap: 18});
  assert.equal(narrow.planeWidth, 392);
  assert.equal(narrow.planeHeight, 392 - 60 + 54, "the plot stays square");
  const table = presentPlane({width: 904, mainHeight: 430, modesHeight: 0, aspect: 1, margin, gap: 18, rightNeeds: 480});
  assert.equal(table.rightWidth, 480, "a narrower plane, so that the table is whole");
  assert.equal(table.planeHeight, 406 - 60 + 54);
  const least = presentPlane({width: 904, mainHeight: 430, modesHeight: 0, aspect: 1, margin, gap: 18, rightNeeds: 800});
  assert.equal(least.planeWidth, Math.floor(904 * 0.38), "but never under 38% of the width");
  const tall = presentPlane({width: 1244, mainHeight: 430, modesHeight: 34, aspect: 2, margin, gap: 18});
  assert.equal(tall.planeHeight, 396);
  assert.ok(tall.planeWidth < wide.planeWidth, "tall data: a narrower plane");
});

test("the inspector's charts share what its other parts leave, never under 6 lines of text", () => {
  const charts = presentCharts({rightWidth: 800, mainHeight: 430, fixedHeight: 200, font: 18, gap: 14});
  assert.equal(charts.height, 230);
  assert.ok(charts.barsWidth + charts.curveWidth + 14 <= 800);
  assert.equal(presentCharts({rightWidth: 800, mainHeight: 430, fixedHeight: 400, font: 18, gap: 14}).height, 108);
});

test("a table too wide for its box is split into parts that fit, each with the rows' names", () => {
  assert.deepEqual(columnGroups([80, 60, 60, 60], 300), [[1, 2, 3]]);
  assert.deepEqual(columnGroups([80, 60, 60, 60, 90, 90], 250), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(columnGroups([80, 60, 60, 60, 90, 90], 260), [[1, 2, 3], [4, 5]]);
  assert.deepEqual(columnGroups([80, 400, 60], 250), [[1], [2]], "a column wider than the box gets a part of its own");
});

test("a legend wraps into rows that fit its chart", () => {
  assert.deepEqual(legendRows([100, 100, 100], 250), [[[0, 0], [1, 100]], [[2, 0]]]);
  assert.deepEqual(legendRows([100, 100], 1000), [[[0, 0], [1, 100]]]);
});
