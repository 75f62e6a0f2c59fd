"""Text from users (a link, an uploaded file, a class name) shown as plain text in elements that render Markdown.

``st.warning``, ``st.error``, ``st.toast``, captions and labels render Markdown: ``![](url)`` would make every
visitor's browser fetch an outside image, ``[Log in](url)`` would be a working link, ``:material/x:`` an icon.
:func:`plain` escapes every Markdown sign with a backslash, and breaks what Markdown turns into links or icons
without any sign to escape (a bare ``https://...``, ``www.``, an e-mail address, ``:shortcode:``) with an
invisible zero-width space. ``tests/e2e`` checks the rendered page has no link, image or bold from such text.
"""

from __future__ import annotations

import re

_MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$=&^])")
_ZERO_WIDTH = "\u200b"
_AUTOLINKS = re.compile(r"(:|@|(?i:www)(?=\\\.))")  # ':' (URLs, shortcodes), '@' (e-mail), 'www.'


def plain(text) -> str:
    """``text`` escaped so that Markdown shows it as it is, with no link, image, icon or formatting."""
    escaped = _MARKDOWN_SIGNS.sub(r"\\\1", str(text))
    return _AUTOLINKS.sub(lambda m: m.group(1) + _ZERO_WIDTH, escaped)
