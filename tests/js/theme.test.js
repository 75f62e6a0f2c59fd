// theme.js: Streamlit's theme to the stage's colours, with the WCAG contrast of every pair a reader depends on
// computed here from the colours themselves.
import assert from "node:assert/strict";
import {test} from "node:test";

import {contrast, cssVariables, hex, mix, parseColor, readableRgb, stageColors} from "../../ce_app/player_frontend/theme.js";
import {fixtures} from "./fixtures.js";

// What Streamlit 1.67 sent this app (its .streamlit/config.toml) in each theme, and its own stock themes.
const APP_LIGHT = {base: "light", primaryColor: "#C53948", backgroundColor: "#ffffff", secondaryBackgroundColor: "#f0f2f6",
                   textColor: "#111111", font: '"Source Sans", sans-serif'};
const APP_DARK = {base: "dark", primaryColor: "#C53948", backgroundColor: "#171614", secondaryBackgroundColor: "#2D2B27",
                  textColor: "#EDEBE8", font: '"Source Sans", sans-serif'};
const STOCK_LIGHT = {base: "light", primaryColor: "#FF4B4B", backgroundColor: "#FFFFFF", secondaryBackgroundColor: "#F0F2F6",
                     textColor: "#31333F"};
const STOCK_DARK = {base: "dark", primaryColor: "#FF4B4B", backgroundColor: "#0E1117", secondaryBackgroundColor: "#262730",
                    textColor: "#FAFAFA"};
const THEMES = {"app light": APP_LIGHT, "app dark": APP_DARK, "stock light": STOCK_LIGHT, "stock dark": STOCK_DARK,
                "none": null, "a hostile one": {base: "dark", primaryColor: "#333333", backgroundColor: "#000000",
                                                textColor: "#222222", secondaryBackgroundColor: "not a colour"}};

const rgb = (css) => {
  const value = parseColor(css);
  assert.ok(value, `not a colour: ${css}`);
  return value;
};
const ratio = (a, b) => contrast(rgb(a), rgb(b));

test("contrast follows WCAG 2.x: black on white 21:1, the same colour 1:1, white on #C53948 5.2:1", () => {
  assert.equal(ratio("#000", "#ffffff").toFixed(2), "21.00");
  assert.equal(ratio("#777777", "#777777"), 1);
  assert.equal(ratio("#ffffff", "#C53948").toFixed(1), "5.2");
  assert.equal(ratio("#E69F00", "#ffffff").toFixed(2), "2.25");  // issue 17: class 1's orange as text
  assert.deepEqual(parseColor("rgb(1, 2, 3)"), [1, 2, 3]);
  assert.equal(parseColor("red"), null);
  assert.equal(hex(mix([0, 0, 0], [255, 255, 255], 0.5)), "#808080");
});

for (const [name, theme] of Object.entries(THEMES)) {
  test(`${name} theme: every text 4.5:1 on what it sits on, the focus ring 3:1 around it`, () => {
    const c = stageColors(theme);
    const pairs = {
      "text on the background": [c.text, c.background, 4.5],
      "text on a button": [c.onSurface, c.surface, 4.5],
      "secondary text on the background": [c.muted, c.background, 4.5],
      "secondary text on a button": [c.muted, c.surface, 4.5],
      "Play's label on the primary colour": [c.onPrimary, c.primary, 4.5],
      "a chosen pill's label": [c.onChosen, c.chosen, 4.5],
      "a warning": [c.warnText, c.warnBackground, 4.5],
      "the warning line on the background": [c.warnText, c.background, 4.5],
      "the focus ring on the background": [c.focus, c.background, 3],
      "the loss curve on the background": [c.loss, c.background, 3],
      "the accuracy curve on the background": [c.accuracy, c.background, 3],
      "the selected point's mark on the background": [c.selected, c.background, 3],
      "the last batch's boxes on the background": [c.batch, c.background, 3],
      "a highlight as text": [c.highlight, c.background, 4.5],
      "'right' as text": [c.right, c.background, 4.5],
      "'wrong' as text": [c.wrong, c.background, 4.5],
    };
    const low = Object.entries(pairs).filter(([, [a, b, least]]) => ratio(a, b) < least)
      .map(([what, [a, b]]) => `${what}: ${a} on ${b} ${ratio(a, b).toFixed(2)}:1`);
    assert.deepEqual(low, []);
    assert.equal(c.base, theme && theme.base === "dark" ? "dark" : "light");
  });
}

test("the app's own colours are kept where they pass: its primary colour, text and background", () => {
  const c = stageColors(APP_DARK);
  assert.deepEqual([c.primary, c.text, c.background, c.surface], ["#c53948", "#edebe8", "#171614", "#2d2b27"]);
  assert.equal(stageColors(APP_LIGHT).primary, "#c53948");
  // Streamlit's stock red (3.3:1 under white) is darkened just enough
  const stock = stageColors(STOCK_LIGHT);
  assert.ok(ratio(stock.primary, "#ffffff") >= 4.5 && ratio(stock.primary, "#ffffff") < 5.2, stock.primary);
});

test("every class colour has a text shade of 4.5:1 in both themes, as near the colour as it can be", () => {
  const {colors, colors_dark: colorsDark} = fixtures.palette;
  for (const [theme, palette] of [[APP_LIGHT, colors], [APP_DARK, colorsDark]]) {
    const back = rgb(stageColors(theme).background);
    for (const color of palette) {
      const shade = readableRgb(rgb(color), back, 4.5);
      assert.ok(contrast(shade, back) >= 4.5, `${color} on ${theme.base}`);
      if (contrast(rgb(color), back) >= 4.5) assert.equal(hex(shade), color.toLowerCase(), "a colour that passes is kept");
      // not darkened (or lightened) further than needed: half way back does not pass
      assert.ok(contrast(mix(rgb(color), shade, 0.5), back) < 4.5 || hex(shade) === color.toLowerCase(), color);
    }
  }
});

test("the class colours of the dark theme (palette.py) all have 3:1 against its background, as marks and lines", () => {
  const back = rgb(fixtures.palette.dark_background);
  assert.equal(stageColors(APP_DARK).background, fixtures.palette.dark_background.toLowerCase());
  const low = fixtures.palette.colors_dark.filter((color) => contrast(rgb(color), back) < 3);
  assert.deepEqual(low, []);
});

test("the CSS custom properties name every colour index.html uses", () => {
  const vars = cssVariables(stageColors(APP_LIGHT));
  for (const name of ["--bg", "--text", "--muted", "--primary", "--on-primary", "--focus", "--chosen", "--on-chosen"]) {
    assert.ok(vars[name], name);
  }
});
