"""JSON from a client is parsed within bounds (ce_app/untrusted_json.py): refused with a reason, never raised."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ce_app import stage_contract, untrusted_json
from ce_app.stage.events import MAX_EVENTS

# The longest value each event field can take in a value the stage sends (JSON.stringify's form).
WIDEST_FIELD = {"step": 2**53, "stream": "0123456789ab", "chunk": 2**31, "n": 10, "index": 2**31, "show": "regions",
                "on": False, "x": -2.9999999999999996, "y": -2.9999999999999996, "k": 7, "remove": False,
                "question": "0123456789ab", "choice": "positive"}  # fmt: skip


def widest_value() -> str:
    """The longest value the stage sends: MAX_EVENTS events of the widest kind, each field at its widest."""
    kind = max(stage_contract.EVENT_KINDS, key=lambda kind: len(json.dumps(event(kind))))
    events = [event(kind) for _ in range(MAX_EVENTS)]
    value = {"session": "0123456789abcdef", "have": {"points": "12345", "stream": "0123456789ab"}, "events": events}
    return json.dumps(value, separators=(",", ":"))


def event(kind: str) -> dict:
    return {"seq": 2**53, "kind": kind, **{name: WIDEST_FIELD[name] for name in stage_contract.EVENT_FIELDS[kind]}}


def test_the_stages_widest_value_is_well_inside_the_bounds():
    """Test that the longest value the stage sends (64 draw events) is under 8 KB, an eighth of the limit, and is
    parsed as json.loads parses it."""
    text = widest_value()
    assert len(text) < 8 * 1024 <= untrusted_json.MAX_CHARS / 8
    assert untrusted_json.parse(text) == json.loads(text)
    assert untrusted_json.depth(json.loads(text), 99) == 3


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "not JSON"),
        ("{'session': 1}", "not JSON"),
        ('{"events": [', "not JSON"),
        ("1" * 4301, "not JSON"),  # Python's int() refuses more than 4,300 digits
        ("[" * 100_000 + "]" * 100_000, "characters"),
        ("[" * 30_000 + "]" * 30_000, "nested too deep to parse"),
        ("[" * 900 + "]" * 900, "nested more than 16 deep"),  # parses, but every deep copy of it would fail
        ('{"a":' * 17 + "1" + "}" * 17, "nested more than 16 deep"),
        (json.dumps("x" * untrusted_json.MAX_CHARS), "characters"),
    ],
    ids=[
        "empty",
        "python-repr",
        "truncated",
        "huge-int",
        "too-long",
        "recursion",
        "depth-900",
        "depth-17",
        "long-string",
    ],
)
def test_bad_text_is_refused_with_a_reason(text, why):
    """Test that each kind of bad text raises Refused (a ValueError) naming the problem in a few words (it never
    quotes the text: the reason goes to the server's log)."""
    kwargs = {"max_chars": 10**6} if why == "nested too deep to parse" else {}
    with pytest.raises(untrusted_json.Refused, match=why) as refused:
        untrusted_json.parse(text, **kwargs)
    assert isinstance(refused.value, ValueError) and len(str(refused.value)) < 50


def test_depth_16_is_accepted_and_17_is_not():
    """Test the bound itself: containers nested exactly MAX_DEPTH deep parse; one more does not."""
    assert untrusted_json.parse("[" * 16 + "]" * 16) == json.loads("[" * 16 + "]" * 16)
    with pytest.raises(untrusted_json.Refused):
        untrusted_json.parse("[" * 17 + "]" * 17)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_every_json_value_within_the_bounds_parses_as_json_loads_does(value):
    """Test that parse gives json.loads' value for any JSON text within the bounds, and measures its depth."""
    text = json.dumps(value)
    if len(text) <= untrusted_json.MAX_CHARS and untrusted_json.depth(value, 99) <= untrusted_json.MAX_DEPTH:
        assert untrusted_json.parse(text) == json.loads(text)


@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_any_text_is_parsed_or_refused_never_raised(text):
    """Test that arbitrary text either parses or raises Refused, and nothing else."""
    with contextlib.suppress(untrusted_json.Refused):
        untrusted_json.parse(text)
