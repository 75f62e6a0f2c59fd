// @ts-check
// Sizes that depend on the screen, with no DOM: the presentation font for a projector, where the plane goes and how
// large it is, the room the inspector's charts get, and how a table too wide for its box is split into tables that
// fit (every column shown, none cut). stage.js measures the page and applies the answers.

export const PRESENT_MIN_FONT = 18;  // issue 17: nothing a student reads smaller, at 1280 x 720 and up
export const PRESENT_MAX_FONT = 40;
const PLANE_SHARE = 0.56;  // the plane's column takes at most this share of the width: the inspector keeps the rest
const PLANE_LEAST_SHARE = 0.38;  // and gives the inspector room for its table whole down to this share

/**
 * The presentation font size for a window: 18 px at 1280 x 720 (and below), growing with the screen (27 px at
 * 1920 x 1080, 36 px at 2560 x 1440), bounded by the width on a narrow screen and the height on a wide one.
 * @param {number} width @param {number} height the window's size in CSS pixels
 */
export function presentFont(width, height) {
  const fit = Math.min(width / 71, height / 40);
  return Math.round(Math.max(PRESENT_MIN_FONT, Math.min(PRESENT_MAX_FONT, fit)));
}

/**
 * @typedef {{left: number, right: number, top: number, bottom: number}} Margin
 */

/**
 * The plane in presentation mode: as tall as the main row leaves (below the pills above it), as wide as the data's
 * aspect makes it, at most PLANE_SHARE of the width and less if the inspector's table needs the room to be whole
 * (down to PLANE_LEAST_SHARE); the inspector (or the network) gets the rest.
 * @param {{width: number, mainHeight: number, modesHeight: number, aspect: number, margin: Margin, gap: number,
 *          rightNeeds?: number}} room
 *   width: the stage's; mainHeight: the main row's; aspect: (y1 - y0) / (x1 - x0) of the data; rightNeeds: the
 *   inspector's table's own width
 * @returns {{planeWidth: number, planeHeight: number, rightWidth: number}}
 */
export function presentPlane({width, mainHeight, modesHeight, aspect, margin, gap, rightNeeds = 0}) {
  const across = margin.left + margin.right, down = margin.top + margin.bottom;
  let planeHeight = Math.max(down + 60, Math.floor(mainHeight - modesHeight));
  let planeWidth = Math.round((planeHeight - down) / aspect + across);
  const widest = Math.floor(Math.max(width * PLANE_LEAST_SHARE, Math.min(width * PLANE_SHARE, width - gap - rightNeeds)));
  if (planeWidth > widest) {
    planeWidth = widest;
    planeHeight = Math.min(planeHeight, Math.round((widest - across) * aspect + down));
  }
  return {planeWidth, planeHeight, rightWidth: Math.max(0, width - planeWidth - gap)};
}

/**
 * The inspector's two charts side by side in presentation mode (the selected point's p_k bars and the loss curve):
 * the height its other parts (the point's head, its numbers, the table) leave in the main row, within bounds.
 * @param {{rightWidth: number, mainHeight: number, fixedHeight: number, font: number, gap: number}} room
 * @returns {{barsWidth: number, curveWidth: number, height: number}}
 */
export function presentCharts({rightWidth, mainHeight, fixedHeight, font, gap}) {
  const height = Math.floor(Math.max(6 * font, Math.min(18 * font, mainHeight - fixedHeight)));
  const barsWidth = Math.floor((rightWidth - gap) * 0.46);
  return {barsWidth, curveWidth: Math.max(0, rightWidth - gap - barsWidth - 1), height};
}

/**
 * How to split a table's columns so that every part fits `available` pixels: the first column (the row's name) is
 * repeated in every part; the others keep their order, as many in each part as fit (at least one).
 * @param {number[]} widths every column's width, the first one the rows' names
 * @param {number} available
 * @returns {number[][]} the columns (indices > 0) of each part
 */
export function columnGroups(widths, available) {
  const groups = [];
  let group = [], used = widths[0];
  for (let j = 1; j < widths.length; j++) {
    if (group.length && used + widths[j] > available) {
      groups.push(group);
      group = [];
      used = widths[0];
    }
    group.push(j);
    used += widths[j];
  }
  if (group.length) groups.push(group);
  return groups;
}

/**
 * A legend's items in rows that fit a width: [row of [item index, x]], items in order, never split.
 * @param {number[]} widths each item's width (its swatch, its label and the gap after it)
 * @param {number} available
 * @returns {Array<Array<[number, number]>>}
 */
export function legendRows(widths, available) {
  /** @type {Array<Array<[number, number]>>} */
  const rows = [];
  let row = /** @type {Array<[number, number]>} */ ([]), x = 0;
  widths.forEach((w, i) => {
    if (row.length && x + w > available) {
      rows.push(row);
      row = [];
      x = 0;
    }
    row.push([i, x]);
    x += w;
  });
  if (row.length) rows.push(row);
  return rows;
}
