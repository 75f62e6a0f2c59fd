"""Class colours and marker symbols, the same on every chart.

Colours are the Okabe-Ito palette (Okabe & Ito, 2008), chosen to stay distinguishable for the common forms of
colour blindness; each class also has its own marker shape, so nothing relies on colour alone. The order puts the
strongest contrasts first (most lessons use 2-4 classes) and the pale yellow last.
"""

from __future__ import annotations

import numpy as np

CLASS_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
# The stage in the dark theme draws on DARK_BACKGROUND (Streamlit's dark background, which .streamlit/config.toml
# keeps): every class colour there has at least 3:1 against it (WCAG 1.4.11), so black becomes a light grey.
DARK_BACKGROUND = "#171614"
CLASS_COLORS_DARK = tuple("#BDBDBD" if color == "#000000" else color for color in CLASS_COLORS)
CLASS_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "triangle-down", "star", "pentagon")
# The same symbols as Plotly's numeric codes (adding 100 gives the open variant): sent as a small int array.
CLASS_SYMBOL_CODES = (0, 1, 2, 5, 4, 6, 17, 13)
OPEN_SYMBOL_OFFSET = 100
CLASS_SYMBOL_NAMES = ("●", "■", "◆", "▲", "✖", "▼", "★", "⬟")
# Figures are drawn on the light or the dark theme's background (white or #171614): lines and outlines that must
# show on both are mid greys with at least 3:1 against each (WCAG 1.4.11).
NEUTRAL = "#808080"  # 3.9:1 on white, 4.6:1 on #171614
# Optimizer-race runs get their own colours (from Paul Tol's "muted" and "bright" schemes, picked to stay apart
# from the class colours above and to keep 3:1 on both backgrounds), so a run's curve is never mistaken for a class;
# runs also differ by end-marker shape.
RUN_COLORS = ("#CC6677", "#4477AA", "#999933", "#AA4499")
RUN_SYMBOLS = ("circle", "square", "diamond", "triangle-up")
GRID_LINE = "rgba(128, 128, 128, 0.25)"  # faint on both backgrounds


def class_color(k: int, dark: bool = False) -> str:
    colors = CLASS_COLORS_DARK if dark else CLASS_COLORS
    return colors[k % len(colors)]


SAFE_NAME_CHARS = set(" -.,+'/:=%")  # besides letters and digits


def display_name(name: str) -> str:
    """A class name as the page may show it: letters, digits and a few harmless signs; anything else becomes '·'.

    Uploaded names reach Markdown (where [x](url), $..$, * and ` mean something), Plotly text (which reads a
    subset of HTML) and widget labels; keeping only plain characters makes every one of those safe at once.
    The original names are kept in the data and in downloads.
    """
    return "".join(c if c.isalnum() or c in SAFE_NAME_CHARS else "·" for c in str(name))


def class_label(k: int, names=None) -> str:
    """'class 2 ◆' (or the uploaded class name), used in legends and tables."""
    name = display_name(names[k]) if names is not None and k < len(names) else str(k)
    return f"class {name} {CLASS_SYMBOL_NAMES[k % len(CLASS_SYMBOL_NAMES)]}"


def mix_with_white(hex_color: str, white: float) -> str:
    """The colour ``white`` of the way towards white (0 = the colour, 1 = white), as an rgb() string."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return "rgb({},{},{})".format(*(round(c + (255 - c) * white) for c in (r, g, b)))


def run_color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


SHADES = 32  # confidence levels per class on the decision plane: 8 classes x 32 shades fit in one uint8
PALE, STRONG = 0.9, 0.3  # how far towards white the least and the most confident shade of a class are
# On the dark background the least sure shade is nearly the background and the surest keeps 60% of the class
# colour: bright class markers (and the light rings of theme.js) stay visible on every region.
PALE_DARK, STRONG_DARK = 0.88, 0.4


def region_codes(predicted: np.ndarray, confidence: np.ndarray, n_classes: int) -> np.ndarray:
    """uint8 codes 32 * predicted + shade, shade = 31 * (max p - 1/K) / (1 - 1/K), from a grid's predicted class
    and its probability (``ce_core.DecisionGrid``). One byte says both the class and how sure the model is there;
    :func:`region_rgb` colours it."""
    k = n_classes
    shade = np.clip((confidence - 1.0 / k) * ((SHADES - 1) / (1.0 - 1.0 / k)), 0, SHADES - 1)
    return (predicted.astype(np.uint8) * SHADES + np.rint(shade).astype(np.uint8)).astype(np.uint8)


def _rgb(hex_color: str) -> np.ndarray:
    return np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def region_rgb(n_classes: int, dark: bool = False) -> np.ndarray:
    """The colour of every region code, (256, 3) uint8: band k runs from a pale to a strong tint of class k, mixed
    with white (or, ``dark``, with the dark background)."""
    back = _rgb(DARK_BACKGROUND) if dark else np.full(3, 255.0)
    lut = np.tile(back, (256, 1))
    for k in range(n_classes):
        color = _rgb(class_color(k, dark))
        towards_back = np.linspace(PALE_DARK, STRONG_DARK, SHADES) if dark else np.linspace(PALE, STRONG, SHADES)
        lut[SHADES * k : SHADES * (k + 1)] = color + (back - color) * towards_back[:, None]
    return np.rint(lut).astype(np.uint8)


def probability_rgb(k: int, dark: bool = False) -> np.ndarray:
    """The colour of p_k = code / 255, (256, 3) uint8: the background (white, or the dark one) at 0 to the class
    colour (nearly full) at 1."""
    back = _rgb(DARK_BACKGROUND) if dark else np.full(3, 255.0)
    color = _rgb(class_color(k, dark))
    towards_back = np.linspace(1.0, 0.05, 256)[:, None]
    return np.rint(color + (back - color) * towards_back).astype(np.uint8)
