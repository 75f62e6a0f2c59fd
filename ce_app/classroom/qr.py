"""The QR code of a class's student link, drawn on the server with segno: nothing is fetched from elsewhere.

An SVG (for the projector: sharp at any size) or a PNG (for a download), with the standard quiet zone of 4
modules, light background and error correction level M (15% of the symbol can be lost, e.g. to a projector's
glare, and it still reads).
"""

from __future__ import annotations

import io

import segno

MAX_LINK_CHARS = 1000  # a student link is an address, a room code and a few settings; this keeps the code small
ERROR_LEVEL = "m"
BORDER = 4  # modules of quiet zone, as the standard asks


def _code(link: str) -> segno.QRCode:
    if not isinstance(link, str) or not link.startswith(("http://", "https://")) or len(link) > MAX_LINK_CHARS:
        raise ValueError(f"the link must be an http(s) address of at most {MAX_LINK_CHARS} characters")
    return segno.make(link, error=ERROR_LEVEL, micro=False, boost_error=False)


def qr_svg(link: str, *, scale: int = 10, title: str = "QR code of the class link") -> bytes:
    """The QR code of ``link`` as a standalone SVG document (UTF-8), ``scale`` pixels per module."""
    out = io.BytesIO()
    _code(link).save(out, kind="svg", scale=scale, border=BORDER, dark="#000", light="#fff", xmldecl=False,
                     title=title)  # fmt: skip
    return out.getvalue()


def qr_png(link: str, *, scale: int = 10) -> bytes:
    """The QR code of ``link`` as a PNG, ``scale`` pixels per module, black on white."""
    out = io.BytesIO()
    _code(link).save(out, kind="png", scale=scale, border=BORDER, dark="#000", light="#fff")
    return out.getvalue()


def qr_modules(link: str) -> list[list[bool]]:
    """The symbol's modules, True for dark, without the quiet zone (size x size, size = 17 + 4 x version)."""
    return [[bool(cell) for cell in row] for row in _code(link).matrix]
