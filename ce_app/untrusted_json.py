"""JSON from a client, parsed within bounds: a value too long, not JSON, or nested too deep is refused, never raised.

The stage's value (``ce_app/player.py``) is JSON text written by the browser, so anyone can send any text in its
place. ``json.loads`` alone raises on text that is not JSON, on an integer of more than 4,300 digits and on
nesting deeper than the interpreter's recursion limit, and a value nested a few hundred deep parses but makes
every later deep copy of it fail. This module does not import streamlit (``streamlit_internals`` hands it the
values Streamlit would parse).
"""

from __future__ import annotations

import json

MAX_CHARS = 64 * 1024  # a stage value of 64 events is under 8 KB (tests/unit/test_untrusted_json.py)
MAX_DEPTH = 16  # the stage's value nests 3 deep: {"events": [{...}]}


class Refused(ValueError):
    """The text is not a value we accept; the message says why in a few words (never quoting the text)."""


def parse(text: str, max_chars: int = MAX_CHARS, max_depth: int = MAX_DEPTH):
    """The JSON value of ``text``, or :class:`Refused` if it is longer than ``max_chars`` characters, is not
    JSON (a huge integer included), or has containers nested more than ``max_depth`` deep."""
    if len(text) > max_chars:
        raise Refused(f"{len(text):,} characters, more than {max_chars:,}")
    try:
        value = json.loads(text)
    except RecursionError:
        raise Refused("nested too deep to parse") from None
    except ValueError as error:  # JSONDecodeError, and int() refusing more than 4,300 digits
        raise Refused(f"not JSON ({type(error).__name__})") from None
    if depth(value, max_depth) > max_depth:
        raise Refused(f"nested more than {max_depth} deep")
    return value


def depth(value, limit: int) -> int:
    """How deep lists and dicts nest in ``value`` (a scalar is 0, ``[]`` is 1); stops counting past ``limit``.

    Iterative, so any depth is measured without recursion.
    """
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
