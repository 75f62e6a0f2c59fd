"""Class mode's link parameters: what a link says about the room and the role, and what students follow."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ce_app import class_links
from ce_app.settings import DEFAULTS, lesson_settings

TEACHER_KEY = "k" * 32


def test_read_takes_the_last_value_and_ignores_what_cannot_be_ours():
    """Test that a repeated parameter counts by its last value, and an over-long or non-text one as absent."""
    link = class_links.read({"room": ["AAAA-AAAA", "k7mq-4pxz"], "teacher": "x" * 500, "teach": "YES", "me": [""]})
    assert (link.room, link.code, link.teacher, link.teach, link.me) == ("k7mq-4pxz", "K7MQ4PXZ", "", True, "")
    assert class_links.read({"room": "0OIL-0OIL"}).code is None  # look-alikes are not in the code alphabet
    assert class_links.read({}) == class_links.ClassLink()


def test_the_student_link_carries_the_room_and_the_lesson_never_the_key_nor_the_teachers_screen():
    """Test the student link's query: the settings a class follows and the room, without the teacher's presentation
    mode, hidden controls or key."""
    teacher = replace(lesson_settings("spiral"), present=True, hide="sidebar", lr=0.05)
    query = class_links.student_query("K7MQ4PXZ", teacher)
    assert query == {"lesson": "spiral", "lr": "0.05", "room": "K7MQ4PXZ"}
    assert TEACHER_KEY not in repr(query) and class_links.teacher_query("K7MQ4PXZ", TEACHER_KEY)["teacher"]


def test_a_student_follows_the_lesson_but_keeps_their_own_screen():
    """Test that following a room's settings takes every setting but present and hide, even when the room's query
    names them, and that a followed page then has nothing more to follow."""
    own = replace(DEFAULTS, present=True, hide="step10")
    lesson = "lesson=xor-linear&seed=4&present=0&hide=sidebar"
    followed, notices = class_links.follow(lesson, own)
    assert (followed.lesson, followed.dataset, followed.seed) == ("xor-linear", "xor", 4)
    assert (followed.present, followed.hide, notices) == (True, "step10", [])
    assert class_links.differs(lesson, own) and not class_links.differs(lesson, followed)


@given(st.dictionaries(st.sampled_from(["K", "n", "lr", "batch", "sample", "lesson", "seed", "noise"]),
                       st.text(max_size=12), max_size=5))  # fmt: skip
def test_a_hostile_room_lesson_is_followed_once(params):
    """Test that whatever a room's settings say, a student who followed them has nothing left to follow (a value
    the checks refuse cannot make the page follow again and again)."""
    lesson = "&".join(f"{name}={value}" for name, value in params.items())
    followed, _ = class_links.follow(lesson, DEFAULTS)
    assert not class_links.differs(lesson, followed)


@pytest.mark.parametrize("name", class_links.PARAMS)
def test_class_parameters_are_not_settings(name):
    """Test that no class parameter is also a setting's name (a link would set both)."""
    assert name not in parse_qs(class_links.lesson_query(DEFAULTS)) and not hasattr(DEFAULTS, name)
