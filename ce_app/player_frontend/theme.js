// @ts-check
// Every colour and font the stage draws with, in one place: a pure function from Streamlit's theme (sent with
// every render, and again when the viewer switches theme) to the stage's colours, each checked for WCAG 2.1 AA
// contrast here, and THEME, the colours in force, which the drawing code reads and the page's CSS follows through
// custom properties (index.html). Other panels read THEME too, and `readable` gives any colour a text shade.

/** @typedef {[number, number, number]} Rgb */
/**
 * Streamlit's theme as a v1 component receives it (every field optional: an older page may send none).
 * @typedef {{base?: string, primaryColor?: string, backgroundColor?: string, secondaryBackgroundColor?: string,
 *            textColor?: string, font?: string}} StreamlitTheme
 */

const FONT = '"Source Sans", "Source Sans Pro", "DejaVu Sans", Arial, sans-serif';
const TEXT_RATIO = 4.5;  // WCAG 1.4.3: text
const GRAPHIC_RATIO = 3;  // WCAG 1.4.11: focus rings, lines and marks a reader needs

/** Streamlit's own defaults, for the parts of a theme that are missing or unreadable. */
const DEFAULTS = {
  light: {primary: "#C53948", background: "#ffffff", surface: "#f0f2f6", text: "#111111"},
  dark: {primary: "#C53948", background: "#171614", surface: "#2D2B27", text: "#EDEBE8"},
};

/**
 * The colours that are not Streamlit's to choose: they depend on whether the background is light or dark only.
 * The plane's marks are chosen to show on its regions (ce_app/palette.py mixes them with the same background).
 */
const FIXED = {
  light: {
    loss: "#0072B2",  // the loss curves (5.2:1 on white)
    accuracy: "#D55E00",  // the accuracy curves (3.9:1)
    ring: "#C00000",  // misclassified points, the next-step arrows
    batch: "#7B2CBF",  // the last mini-batch's boxes
    neutral: "#444444",  // the weight arrows, target outlines
    selected: "#111111",  // the selected point, a chosen unit
    gridLine: "rgba(0,0,0,0.08)",
    zeroLine: "#8a8a8a",
    frame: "#b9bcc6",
    warnText: "#7d353b",  // a refused number, a problem (8.6:1 on warnBackground)
    warnBackground: "#fdebec",
    shadow: "rgba(0,0,0,0.12)",
    highlight: "#C2185B",  // a part of the stage pointed at (issue 18's predict panel: 5.9:1 on white)
    right: "#1B7837",  // "right" as text (5.5:1)
    wrong: "#B2182B",  // "wrong" as text (6.9:1)
    positive: /** @type {Rgb} */ ([178, 24, 43]),  // diverging scale: red for positive
    negative: /** @type {Rgb} */ ([33, 102, 172]),  // blue for negative
  },
  dark: {
    loss: "#56B4E9",
    accuracy: "#E69F00",
    ring: "#FF6B6B",
    batch: "#D0A8FF",
    neutral: "#C8C8C8",
    selected: "#FFFFFF",
    gridLine: "rgba(255,255,255,0.1)",
    zeroLine: "#8a8a8a",
    frame: "#6b6b6b",
    warnText: "#FFB3B8",
    warnBackground: "#3b1c20",
    shadow: "rgba(0,0,0,0.5)",
    highlight: "#F48FB1",  // 8.1:1 on #171614
    right: "#7FD48A",
    wrong: "#FF8A8A",
    positive: /** @type {Rgb} */ ([239, 108, 95]),
    negative: /** @type {Rgb} */ ([92, 163, 222]),
  },
};

// ------------------------------------------------------------------------------------------------------------
// Colour arithmetic (WCAG 2.x)
// ------------------------------------------------------------------------------------------------------------
/**
 * "#rgb", "#rrggbb", "rgb(r, g, b)" or "rgba(r, g, b, a)" (alpha ignored) as [r, g, b]; null for anything else.
 * @param {unknown} css
 * @returns {Rgb|null}
 */
export function parseColor(css) {
  if (typeof css !== "string") return null;
  const text = css.trim();
  let m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text);
  if (m) {
    const h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return /** @type {Rgb} */ ([0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)));
  }
  m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*[\d.]+\s*)?\)$/i.exec(text);
  if (!m) return null;
  const rgb = [Number(m[1]), Number(m[2]), Number(m[3])];
  return rgb.every((v) => v <= 255) ? /** @type {Rgb} */ (rgb.map(Math.round)) : null;
}

/** @param {Rgb} rgb @returns {string} "#rrggbb" */
export function hex(rgb) {
  return "#" + rgb.map((v) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, "0")).join("");
}

/** The colour `t` of the way from a to b. @param {Rgb} a @param {Rgb} b @param {number} t @returns {Rgb} */
export function mix(a, b, t) {
  return /** @type {Rgb} */ (a.map((v, i) => Math.round(v + (b[i] - v) * t)));
}

/** WCAG relative luminance. @param {Rgb} rgb */
export function luminance(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, 1 to 21: (L1 + 0.05) / (L2 + 0.05) of the lighter and the darker. @param {Rgb} a @param {Rgb} b */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * `color`, or the nearest shade of it (towards black on a light background, white on a dark one) with at least
 * `ratio` contrast against `background`: class colours used as text, a primary colour under white text.
 * @param {Rgb} color @param {Rgb} background @param {number} [ratio]
 * @returns {Rgb}
 */
export function readableRgb(color, background, ratio = TEXT_RATIO) {
  const target = /** @type {Rgb} */ (luminance(background) > 0.18 ? [0, 0, 0] : [255, 255, 255]);
  for (let t = 0; t <= 1; t += 0.02) {
    const shade = mix(color, target, t);
    if (contrast(shade, background) >= ratio) return shade;
  }
  return target;
}

/**
 * `readableRgb` for CSS colours, against THEME's background unless another is given: "#rrggbb".
 * @param {string} color @param {number} [ratio] @param {string} [background]
 */
export function readable(color, ratio = TEXT_RATIO, background = THEME.background) {
  const rgb = parseColor(color), back = parseColor(background);
  return rgb && back ? hex(readableRgb(rgb, back, ratio)) : THEME.text;
}

// ------------------------------------------------------------------------------------------------------------
// Streamlit's theme -> the stage's colours
// ------------------------------------------------------------------------------------------------------------
/**
 * The stage's colours for a Streamlit theme, every text at least 4.5:1 on the background it sits on and the focus
 * ring at least 3:1 against the background around it, whatever the theme holds (a missing or unreadable colour
 * takes Streamlit's default for that base).
 * @param {StreamlitTheme|null|undefined} theme
 */
export function stageColors(theme) {
  const t = theme || {};
  const given = parseColor(t.backgroundColor);
  const dark = t.base === "dark" || (t.base !== "light" && given !== null && luminance(given) < 0.18);
  const base = dark ? "dark" : "light", defaults = DEFAULTS[base];
  const background = given || /** @type {Rgb} */ (parseColor(defaults.background));
  const surfaceGiven = parseColor(t.secondaryBackgroundColor) || /** @type {Rgb} */ (parseColor(defaults.surface));
  // buttons: the background itself in the light theme (outlined), the secondary background in the dark one
  const surface = dark ? surfaceGiven : background;
  const text = readableRgb(parseColor(t.textColor) || /** @type {Rgb} */ (parseColor(defaults.text)), background, TEXT_RATIO);
  const onSurface = readableRgb(text, surface, TEXT_RATIO);
  // secondary text: nearer the background, still 4.5:1 on it and on the buttons (a tooltip, a label)
  const muted = readableRgb(readableRgb(mix(text, background, 0.45), surface, 4.6), background, 4.6);
  let primary = parseColor(t.primaryColor) || /** @type {Rgb} */ (parseColor(defaults.primary));
  const white = /** @type {Rgb} */ ([255, 255, 255]), black = /** @type {Rgb} */ ([17, 17, 17]);
  // white on it, as on Streamlit's own primary buttons, darkened as little as 4.5:1 needs; black on a pale one
  const onPrimary = luminance(primary) < 0.35 ? white : black;
  primary = readableRgb(primary, onPrimary, TEXT_RATIO);
  const focus = contrast(primary, background) >= GRAPHIC_RATIO ? primary : text;
  const fixed = FIXED[base];
  return {
    base,
    font: typeof t.font === "string" && t.font.trim() ? t.font + ", " + FONT : FONT,
    background: hex(background),
    surface: hex(surface),
    text: hex(text),
    onSurface: hex(onSurface),
    muted: hex(muted),
    border: hex(mix(text, background, 0.72)),
    primary: hex(primary),
    onPrimary: hex(onPrimary),
    primaryHover: hex(mix(primary, onPrimary === white ? black : white, 0.15)),
    focus: hex(focus),
    chosen: hex(text),  // a chosen pill: the text colour filled, the background's colour as its text
    onChosen: hex(background),
    markerEdge: hex(background),  // the edge of a filled marker, an open marker's inside
    openFill: "rgba(" + background.join(",") + ",0.85)",
    mid: /** @type {Rgb} */ (dark ? mix(background, white, 0.1) : white),  // the diverging scale's 0
    ...fixed,
  };
}

/** @typedef {ReturnType<typeof stageColors>} StageColors */

/** The colours in force (light until Streamlit's first render says otherwise); applyTheme changes them in place. */
export const THEME = stageColors(null);

/** The CSS custom properties index.html styles the stage with, from a set of colours. @param {StageColors} c */
export function cssVariables(c) {
  return {
    "--font": c.font, "--bg": c.background, "--surface": c.surface, "--text": c.text, "--on-surface": c.onSurface,
    "--muted": c.muted, "--border": c.border, "--primary": c.primary, "--on-primary": c.onPrimary,
    "--primary-hover": c.primaryHover, "--focus": c.focus, "--chosen": c.chosen, "--on-chosen": c.onChosen,
    "--warn-text": c.warnText, "--warn-bg": c.warnBackground, "--grid": c.gridLine, "--shadow": c.shadow,
  };
}

let written = false;  // the custom properties have been written once (until then the page shows through: no flash)

/**
 * Make a Streamlit theme the one in force: THEME and the page's custom properties. Returns whether anything
 * changed (the caller redraws the canvases then).
 * @param {StreamlitTheme|null|undefined} theme
 */
export function applyTheme(theme) {
  const next = stageColors(theme);
  if (written && JSON.stringify(next) === JSON.stringify(THEME)) return false;
  written = true;
  Object.assign(THEME, next);
  const root = document.documentElement;
  for (const [name, value] of Object.entries(cssVariables(next))) root.style.setProperty(name, value);
  root.style.colorScheme = next.base;
  return true;
}

/**
 * The class colours for the theme in force (META.colors, or META.colors_dark on the dark background).
 * @param {{colors: string[], colors_dark: string[]}} meta
 */
export function classColors(meta) {
  return THEME.base === "dark" ? meta.colors_dark : meta.colors;
}

/**
 * The colours of the classes a drawn point may have, for the theme in force (META.palette or META.palette_dark).
 * @param {{palette: string[], palette_dark: string[]}} meta
 */
export function paletteColors(meta) {
  return THEME.base === "dark" ? meta.palette_dark : meta.palette;
}

/**
 * Red for positive, blue for negative, the background's neutral at 0 (RdBu reversed), for values scaled to [-1, 1].
 * @param {number} v
 * @returns {Rgb}
 */
export function divergingRgb(v) {
  const t = Math.max(-1, Math.min(1, v)), end = t >= 0 ? THEME.positive : THEME.negative, a = Math.abs(t);
  return mix(THEME.mid, end, a);
}

/** @param {number} v */
export function diverging(v) {
  return "rgb(" + divergingRgb(v).join(",") + ")";
}
