"""The plane's colours (ce_app/palette.py) on the light and the dark background: hand-computed entries, and the dark
theme's class colours checked with the WCAG contrast formula."""

from __future__ import annotations

import numpy as np
import pytest

from ce_app import palette


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_light_lut_is_the_class_colour_mixed_with_white():
    """Test that band 1 of the light regions runs from 90% to 30% of the way from #E69F00 to white."""
    lut = palette.region_rgb(3)
    assert lut[32].tolist() == [round(230 + 25 * 0.9), round(159 + 96 * 0.9), round(0 + 255 * 0.9)]
    assert lut[63].tolist() == [round(230 + 25 * 0.3), round(159 + 96 * 0.3), round(0 + 255 * 0.3)]
    assert (lut[96:] == 255).all(), "codes of classes that do not exist are the background"


def test_the_dark_lut_is_the_class_colour_mixed_with_the_dark_background():
    """Test that the dark regions run from 88% to 40% of the way from the class colour to #171614, and that p_k = 0
    is the background itself there."""
    lut = palette.region_rgb(2, dark=True)
    back = np.array([0x17, 0x16, 0x14], dtype=float)
    blue = np.array([0x00, 0x72, 0xB2], dtype=float)
    assert lut[0].tolist() == np.rint(blue + (back - blue) * 0.88).astype(int).tolist()
    assert lut[31].tolist() == np.rint(blue + (back - blue) * 0.4).astype(int).tolist()
    assert (lut[64:] == back).all()
    p = palette.probability_rgb(0, dark=True)
    assert np.abs(p[0].astype(float) - back).max() <= 6, "p_k = 0 is (nearly) the background"


@pytest.mark.parametrize("k", range(len(palette.CLASS_COLORS_DARK)))
def test_every_class_colour_shows_on_the_dark_background(k):
    """Test that each class colour of the dark theme has at least 3:1 against its background (WCAG 1.4.11), as
    markers, bars and lines need; black, which has 1.2:1, is the one replaced."""
    assert _contrast(palette.CLASS_COLORS_DARK[k], palette.DARK_BACKGROUND) >= 3
    if palette.CLASS_COLORS[k] != palette.CLASS_COLORS_DARK[k]:
        assert _contrast(palette.CLASS_COLORS[k], palette.DARK_BACKGROUND) < 3
