"""The class link's QR code: drawn locally, no outside reference, and it reads back as the link.

An independent decoder (zxing-cpp) reads both the PNG and a rasterisation of the SVG's path made here, so the
test holds even if segno's own matrix were wrong.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from ce_app.classroom import qr

LINKS = [
    "http://localhost:8501/?room=K7MQ4PXZ",
    "https://class.example.org/?room=23456789&lesson=label-smoothing&present=1&hide=step10,epoch,data,model",
]
SVG = "{http://www.w3.org/2000/svg}"


def svg_modules(svg: bytes, scale: int) -> np.ndarray:
    """The dark modules the SVG's stroked path draws (rows as 'M x y' or 'm dx dy', then 'h n' runs of n modules;
    the other path is the light background)."""
    root = ET.fromstring(svg)
    size = int(root.get("width")) // scale
    grid = np.zeros((size, size), dtype=bool)
    (path,) = (element for element in root.iter(SVG + "path") if element.get("stroke"))  # the dark modules
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path.get("d")):
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            run = int(numbers[0])
            grid[int(y), int(x) : int(x) + run] = True
            x += run
    return grid


@pytest.mark.parametrize("link", LINKS)
def test_the_png_decodes_to_the_link(link):
    """Test that an independent decoder reads the PNG back as exactly the link, at error correction level M."""
    image = np.array(Image.open(io.BytesIO(qr.qr_png(link, scale=4))).convert("L"))
    (result,) = zxingcpp.read_barcodes(image)
    assert result.text == link and result.format == zxingcpp.BarcodeFormat.QRCode and result.ec_level == "M"


@pytest.mark.parametrize("link", LINKS)
def test_the_svg_draws_the_same_code_and_decodes(link):
    """Test that the SVG's path, rasterised here, is segno's matrix with a 4-module quiet zone and decodes."""
    scale = 10
    svg = qr.qr_svg(link, scale=scale)
    modules = svg_modules(svg, scale)
    expected = np.pad(np.array(qr.qr_modules(link)), qr.BORDER)
    np.testing.assert_array_equal(modules, expected)
    pixels = np.where(np.kron(modules, np.ones((3, 3))), 0, 255).astype(np.uint8)
    (result,) = zxingcpp.read_barcodes(pixels)
    assert result.text == link


def test_the_svg_refers_to_nothing_outside_itself():
    """Test that the SVG has no link, image, script, style import or URL besides its own namespace."""
    svg = qr.qr_svg(LINKS[1])
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg" and root.get("width") == root.get("height")
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "title", "g", "path"}, tags
    for element in root.iter():
        for name, value in element.attrib.items():
            assert "href" not in name and "url(" not in value and "http" not in value
    assert svg.decode().count("http") == 1  # xmlns="http://www.w3.org/2000/svg"; the link is only in the modules


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "ftp://x", "/relative", "http://x/" + "a" * 2000, None, 5])
def test_a_link_that_is_not_an_http_address_is_refused(bad):
    """Test that only http(s) addresses of sensible length are drawn."""
    with pytest.raises(ValueError, match="http"):
        qr.qr_svg(bad)
