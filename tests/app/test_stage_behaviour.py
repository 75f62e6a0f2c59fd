"""AppTest of what the stage promises a student: Undo and Clear in Draw points, the near-chance hint, focus back on
the stage after a lesson is picked, and values from the browser that cannot be trusted (a bad field drops its event;
one value cannot ask for unbounded work)."""

from __future__ import annotations

import numpy as np
import pytest

from ce_app.stage import machine
from tests.app.player import Browser


def no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def points(browser: Browser) -> np.ndarray:
    return browser.at.session_state["data"].X.copy()


@pytest.fixture
def drawing(open_app) -> Browser:
    """A session with a few steps taken and Draw points switched on."""
    browser = Browser(open_app({"dataset": "blobs", "K": "3", "n": "60"}))
    for _ in range(3):
        browser.step(10)
    browser.send("draw_mode", on=True)
    assert browser.args["view"]["draw"] is True
    return browser


def test_undo_is_offered_after_an_edit_and_brings_the_points_back(drawing):
    """Test that Undo is enabled once a point was drawn, and takes the canvas back to the points before it."""
    assert drawing.args["view"]["can_undo"] is False
    before = points(drawing)
    drawing.send("draw", x=0.5, y=0.5, k=1, remove=False)
    no_errors(drawing.at)
    assert len(points(drawing)) == len(before) + 1 and drawing.args["view"]["can_undo"] is True
    drawing.send("undo")
    np.testing.assert_array_equal(points(drawing), before)
    assert drawing.args["view"]["can_undo"] is False


def test_clear_leaves_a_clean_empty_stage_and_undo_brings_the_points_back(drawing):
    """Test that Clear leaves no stale training (no frame, no curves, no batch, no arrows, no divergence), says how
    to go on, refuses to train until there are points of two classes, and that Undo brings every point back."""
    before = points(drawing)
    drawing.send("clear")
    no_errors(drawing.at)
    args, trainer_before = drawing.args, drawing.at.session_state["trainer"]
    assert len(points(drawing)) == 0
    assert args["chunk"]["rows"] == 0 and "history" not in args and "batch" not in args
    assert args["view"]["idle"] == machine.NO_POINTS and "click on the plane to add points" in args["view"]["idle"]
    assert args["view"]["step_scale"] is None and args["view"]["hint"] == "" and args["view"]["can_undo"] is True
    drawing.step()
    drawing.send("play")
    assert drawing.args["chunk"]["rows"] == 0 and not drawing.args["stream"]["playing"]
    assert drawing.at.session_state["trainer"] is trainer_before and trainer_before.step_count == 30
    drawing.send("draw", x=-1.0, y=-1.0, k=0, remove=False)
    drawing.send("draw", x=-1.2, y=-0.8, k=0, remove=False)
    assert drawing.args["view"]["idle"] == machine.ONE_CLASS and drawing.args["chunk"]["rows"] == 0
    for x in (1.0, 1.2, 0.8):
        drawing.send("draw", x=x, y=1.0, k=1, remove=False)
    assert drawing.args["view"]["idle"] == ""
    drawing.step()
    assert drawing.frames()["step"][0] == 1
    for _ in range(6):
        drawing.send("undo")
    np.testing.assert_array_equal(points(drawing), before)
    assert drawing.args["view"]["idle"] == "" and drawing.args["chunk"]["rows"] == 1


@pytest.mark.parametrize(
    ("query", "hinted"),
    [
        ({"dataset": "spiral", "K": "5", "n": "300"}, "overlap"),  # the README's examples
        ({"dataset": "circles", "K": "2"}, "linear model"),
        ({"lesson": "linear"}, None),  # training works: no hint
    ],
)
def test_the_hint_is_sent_near_chance_after_300_steps(open_app, query, hinted):
    """Test that the stage gets the near-chance hint for the README's examples after 300 steps (none before), and
    none for the linear lesson, which trains."""
    browser = Browser(open_app(query))
    for _ in range(29):
        browser.step(10)
    assert browser.args["view"]["hint"] == ""
    browser.step(10)
    no_errors(browser.at)
    hint = browser.args["view"]["hint"]
    assert (hinted in hint) if hinted else hint == ""


def test_picking_a_lesson_asks_the_stage_to_take_the_focus(app):
    """Test that choosing a lesson in the picker tells the stage (view.focus grows) to take the keyboard focus."""
    browser = Browser(app)
    focus = browser.args["view"]["focus"]
    app.selectbox(key="lesson_pick").set_value("spiral").run()
    no_errors(app)
    assert Browser(app).args["view"]["focus"] == focus + 1


# ------------------------------------------------------------------------------------------------------------------
# Untrusted values: each bad event sent in a state where only the check of its fields stops it (the same event
# with good fields changes something, tested first)
# ------------------------------------------------------------------------------------------------------------------
def _state(browser: Browser) -> tuple:
    ss = browser.at.session_state
    return (ss["trainer"].step_count, ss["trainer"].flat_params().tobytes(), ss["player_state"].playing,
            ss["settings"].sample, len(ss["data"].y), bool(ss["draw_mode"]) if "draw_mode" in ss else False,
            ss["player_state"].show, ss["player_state"].network)  # fmt: skip


def _play(browser: Browser) -> dict:
    browser.play()
    return {"step": int(browser.frames()["step"][0]), "stream": browser.stream}


def _draw_mode(browser: Browser) -> dict:
    browser.send("draw_mode", on=True)
    return {}


CASES = {  # kind: (setup, good fields, bad field values)
    "step": (None, {"n": 1}, [{"n": "1"}, {"n": 0}, {"n": 5}, {"n": 11}, {"n": True}, {"n": 1.5}, {"n": None}, {},
                              {"n": 1, "extra": 0}]),
    "pause": (_play, {}, [{"step": "soon"}, {"step": -1}, {"step": 2.5}, {"stream": 7}, {"stream": None}]),
    "draw": (_draw_mode, {"x": 0.5, "y": 0.5, "k": 1, "remove": False},
             [{"x": float("inf")}, {"y": float("nan")}, {"x": "0.5"}, {"k": 8}, {"k": -1}, {"k": 1.5},
              {"remove": "no"}, {"remove": 0}]),
    "select": (None, {"index": 5, "step": 0}, [{"index": "5"}, {"index": 5.5}, {"index": True}, {"index": -1},
                                               {"step": "0"}]),
    "mode": (None, {"show": 1, "step": 0}, [{"show": "<img src=x>"}, {"show": "1"}, {"show": 8}, {"show": True},
                                            {"show": 1.5}]),
    "network": (None, {"on": True, "step": 0}, [{"on": "true"}, {"on": 1}, {"step": None}]),
    "draw_mode": (None, {"on": True}, [{"on": 1}, {"on": "yes"}, {"on": None}]),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CASES))
def test_an_event_with_a_bad_field_is_dropped_whole(open_app, kind):
    """Test that an event whose field is missing, extra, of the wrong type or out of range changes nothing (a Step
    with n = "1" steps zero times, not once), in a state where the same event with good fields does change it."""
    setup, good, bad_values = CASES[kind]

    def fresh() -> tuple[Browser, dict]:
        browser = Browser(open_app({"dataset": "blobs", "K": "3", "n": "60", "layers": "1", "width": "4"}))
        return browser, (setup(browser) if setup else {})

    browser, fields = fresh()
    before = _state(browser)
    browser.send(kind, **{**fields, **good})
    no_errors(browser.at)
    assert _state(browser) != before, f"the good {kind} event changed nothing: the case would be vacuous"
    browser, fields = fresh()
    for bad in bad_values:
        before = _state(browser)
        event = {"seq": browser.client.seq + 1, "kind": kind, **fields, **good, **bad}
        event = {name: value for name, value in event.items() if value is not None or name not in bad}
        if bad == {}:
            event = {"seq": event["seq"], "kind": kind}
        browser.deliver(browser.value([event]))
        no_errors(browser.at)
        assert _state(browser) == before, f"{kind} with {bad} was applied"


def test_one_value_cannot_hold_the_server(open_app):
    """Test that a value of 64 Epoch events with batch 1 and two hidden layers of 64 (on 2,000 points every one ran,
    18 s of CPU; 400 points here) runs its first events and drops the rest once WORK_BUDGET_S is spent."""
    browser = Browser(open_app({"dataset": "spiral", "K": "3", "n": "400", "batch": "1", "layers": "2",
                                "width": "64"}))  # fmt: skip
    events = [{"seq": i, "kind": "epoch"} for i in range(1, 65)]
    browser.deliver(browser.value(events))
    no_errors(browser.at)
    trainer, stage = browser.at.session_state["trainer"], browser.at.session_state["player_state"]
    assert 1 <= trainer.epoch < 64, trainer.epoch
    assert stage.dropped == 64 - trainer.epoch and browser.args["acked"] == 64
