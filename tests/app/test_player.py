"""AppTest of the training page's player: Play, chunks, Pause on the frame on screen, Step after Pause, Reset,
divergence inside a chunk, the step limit, and events from the browser that cannot be trusted."""

from __future__ import annotations

import numpy as np
import pytest

import ce_core
from ce_app import player, stage, state
from ce_app.stage import machine
from tests.app.player import Browser
from tests.trainer_state import assert_same_training_state


def no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def playing(at) -> bool:
    return at.session_state[player.STATE].playing


def twin_of(at) -> ce_core.Trainer:
    """A fresh trainer built from the same settings and data as the session's (so it starts identical)."""
    return state.build_trainer(at.session_state["settings"], at.session_state["data"])


@pytest.fixture
def browser(open_app) -> Browser:
    return Browser(open_app({"dataset": "spiral", "K": "3", "n": "150", "layers": "1", "width": "8", "fps": "10",
                             "spf": "3", "opt": "adam", "lr": "0.02"}))  # fmt: skip


def test_cold_start_sends_one_still_frame_of_step_zero(browser):
    """Test that a new session shows one paused frame of step 0 with ce_core's metrics, the points and the curves."""
    at = browser.at
    no_errors(at)
    args = browser.args
    assert args["stream"]["playing"] is False and args["chunk"]["rows"] == 1
    assert "points" in args and "history" in args
    frames, metrics = browser.frames(), at.session_state["trainer"].metrics()
    assert frames["step"][0] == 0 and frames["train_loss"][0] == metrics["train_loss"]
    assert frames["grad_norm"][0] == metrics["grad_norm"]


@pytest.mark.parametrize(("kind", "fields", "expected"), [("step", {"n": 1}, 1), ("step", {"n": 10}, 10)])
def test_step_events_advance_the_trainer_and_the_frame(browser, kind, fields, expected):
    """Test that Step and Step x10 run exactly that many steps and the new still frame shows them."""
    browser.send(kind, **fields)
    no_errors(browser.at)
    assert browser.at.session_state["trainer"].step_count == expected
    assert browser.frames()["step"][0] == expected


def test_epoch_runs_one_pass(browser):
    """Test that Epoch steps until every training point was used once."""
    trainer = browser.at.session_state["trainer"]
    browser.send("epoch")
    assert trainer.epoch == 1 and trainer.step_count == trainer.steps_per_epoch


def test_play_sends_a_chunk_and_more_sends_the_next(browser):
    """Test that Play computes a chunk of fps * 1 s frames ahead, and a request for the next chunk computes it."""
    at = browser.play()
    no_errors(at)
    args, frames = browser.args, browser.frames()
    n = stage.frames_per_chunk(10)
    assert args["stream"]["playing"] is True and args["chunk"]["seq"] == 0
    np.testing.assert_array_equal(frames["step"], 3 * np.arange(1, n + 1))
    assert "history" in args  # the curves up to where the stream starts
    browser.more()
    assert browser.args["chunk"]["seq"] == 1 and "history" not in browser.args
    np.testing.assert_array_equal(browser.frames()["step"], 3 * np.arange(n + 1, 2 * n + 1))
    assert at.session_state["trainer"].step_count == 6 * n
    browser.deliver(browser.value([{"seq": browser.client.seq, "kind": "more", "chunk": 1, "stream": browser.stream}]))
    assert at.session_state["trainer"].step_count == 6 * n, "a request seen twice must not compute twice"


@pytest.mark.parametrize("frame", [0, 4, 9])
def test_pause_puts_the_trainer_exactly_on_the_frame_on_screen(browser, frame):
    """Test that Pause at frame i of the chunk on screen, with the next chunk computed, leaves the trainer bitwise
    where stepping (i + 1) * spf steps leaves a twin, and a Step then adds exactly one step."""
    at = browser.at
    twin = twin_of(at)
    browser.play()
    shown = browser.frames()["step"]
    browser.more()  # the browser asked for the next chunk as soon as it started this one
    browser.pause(step=int(shown[frame]))
    no_errors(at)
    trainer = at.session_state["trainer"]
    assert browser.args["stream"]["playing"] is False
    twin.step(int(shown[frame]))
    assert_same_training_state(trainer, twin)
    assert browser.frames()["step"][0] == shown[frame]
    browser.step()
    twin.step(1)
    assert_same_training_state(trainer, twin)
    assert browser.frames()["step"][0] == shown[frame] + 1


def test_pause_at_an_unknown_step_stops_where_the_server_is(browser):
    """Test that a Pause naming a step the browser was never sent stops playing without moving the trainer."""
    browser.play()
    at_end = browser.at.session_state["trainer"].step_count
    browser.pause(step=10**9)
    assert browser.at.session_state["trainer"].step_count == at_end
    assert not playing(browser.at)


def test_reset_while_playing_stops_at_step_zero(browser):
    """Test that Reset during play goes back to step 0 with the initial weights and stops."""
    at = browser.at
    browser.play()
    browser.send("reset")
    no_errors(at)
    assert_same_training_state(at.session_state["trainer"], twin_of(at))
    assert browser.args["stream"]["playing"] is False and browser.frames()["step"][0] == 0


def test_settings_changed_while_playing_apply_from_the_next_chunk(browser):
    """Test that a new learning rate during play keeps the frames already sent and trains the next chunk with it."""
    at = browser.play()
    at.sidebar.select_slider(key="w_lr").set_value(0.5).run()
    no_errors(at)
    assert playing(at) and at.session_state["trainer"].optimizer.lr == 0.5
    browser.more()
    assert browser.args["chunk"]["seq"] == 1


def test_divergence_inside_a_chunk_ends_the_stream_on_the_last_finite_frame(open_app):
    """Test that a chunk that diverges ends the stream there, and the player stops with the reason once the
    browser has played it."""
    browser = Browser(open_app({"dataset": "spiral", "K": "4", "layers": "2", "width": "64", "act": "relu",
                                "lr": "10", "fps": "20", "spf": "5"}))  # fmt: skip
    at = browser.play()
    no_errors(at)
    args, frames = browser.args, browser.frames()
    trainer = at.session_state["trainer"]
    assert args["stream"]["ended"] == ce_core.ENDED_DIVERGED and trainer.diverged
    assert frames["step"][-1] == trainer.step_count and len(frames["step"]) < stage.frames_per_chunk(20)
    assert np.isfinite(frames["train_loss"]).all() and np.isfinite(frames["point_logits"]).all()
    browser.send("ended", stream=browser.stream, step=int(frames["step"][-1]))
    no_errors(at)
    assert not playing(at) and browser.args["view"]["diverged"] is True
    assert "diverged" in browser.args["view"]["notice"] and browser.args["view"]["divergence"]


def test_play_stops_at_the_step_limit(browser, monkeypatch):
    """Test that one press of Play runs at most MAX_STEPS_PER_PLAY steps (20,000 in the app; 45 here), and the
    stream says why it ends before the browser reaches its end."""
    monkeypatch.setattr(machine, "MAX_STEPS_PER_PLAY", 45)
    at = browser.play()
    for _ in range(5):
        if browser.args["stream"]["ended"]:
            break
        browser.more()
    assert browser.args["stream"]["ended"] == ce_core.ENDED_LIMIT
    assert browser.args["stream"]["reason"] == machine.ENDED_MESSAGES[ce_core.ENDED_LIMIT]
    assert at.session_state["trainer"].step_count == 45 and browser.frames()["step"][-1] == 45
    browser.send("ended", stream=browser.stream, step=45)
    assert not playing(at) and "Press Play" in browser.args["view"]["notice"]


def test_selecting_a_point_while_playing_restarts_from_the_frame_on_screen(browser):
    """Test that a click on a point during play puts the trainer on the frame on screen and sends a new stream
    from there that shows the new point."""
    at = browser.at
    browser.play()
    first = browser.args["stream"]["id"]
    shown = int(browser.frames()["step"][2])
    browser.send("select", index=17, step=shown)
    no_errors(at)
    args = browser.args
    assert args["stream"]["id"] != first and args["stream"]["playing"] and args["view"]["selected"] == 17
    assert browser.frames()["step"][0] == shown + 3
    assert at.session_state["settings"].sample == 17 and at.query_params["sample"] in ("17", ["17"])


def test_the_plane_can_show_p_k(browser):
    """Test that the colour mode event switches the grid to 255 * p_k of that class."""
    browser.send("mode", show=2, step=0)
    trainer, data = browser.at.session_state["trainer"], browser.at.session_state["data"]
    grid = ce_core.decision_grid(trainer.model, trainer.params, data.bounds, stage.GRID_RESOLUTION, dtype=np.float32)
    np.testing.assert_array_equal(browser.frames()["grid"][0], np.rint(grid.probs[..., 2] * 255).astype(np.uint8))
    assert browser.args["view"]["show"] == 2


@pytest.mark.parametrize(
    "value",
    [
        None,
        "garbage",
        42,
        [1, 2],
        {"session": 5},
        {"session": "wrong", "events": [{"seq": 1, "kind": "step"}]},
        {"events": [{"seq": 1, "kind": "step"}]},
        "SECRET-BUT-NO-EVENTS",
        {"session": "SECRET", "events": "not a list"},
        {
            "session": "SECRET",
            "events": [
                None,
                3,
                "x",
                {"seq": "1", "kind": "step"},
                {"seq": 1.5, "kind": "step"},
                {"seq": 1, "kind": "explode"},
                {"seq": 10**9, "kind": "step"},
                {"seq": float("nan"), "kind": "step"},
            ],
        },
    ],
)
def test_untrusted_values_are_ignored_and_never_raise(browser, value):
    """Test that values from another session, garbage and events without a valid number or kind change nothing and
    raise nothing (events with a bad field: tests/app/test_stage_behaviour.py, each where only its check stops it)."""
    at = browser.at
    secret = at.session_state[player.STATE].secret
    if isinstance(value, dict) and value.get("session") == "SECRET":
        value = {**value, "session": secret}
    before = at.session_state["trainer"].flat_params()
    browser.deliver(value)
    no_errors(at)
    trainer = at.session_state["trainer"]
    assert trainer.step_count == 0 and not playing(at)
    np.testing.assert_array_equal(trainer.flat_params(), before)
    assert at.session_state["settings"].sample == 0


def test_a_replayed_event_is_ignored(browser):
    """Test that sending an already handled event again (a replay) does nothing."""
    browser.step()
    old = browser.value([{"seq": 1, "kind": "step", "n": 1}])
    browser.deliver(old)
    browser.deliver(old)
    assert browser.at.session_state["trainer"].step_count == 1


def test_events_merged_into_one_value_are_all_handled_in_order(browser):
    """Test that several unacknowledged events in one value (Streamlit merged two reruns) are all applied."""
    events = [{"seq": 1, "kind": "step", "n": 10}, {"seq": 2, "kind": "select", "index": 5, "step": 10},
              {"seq": 3, "kind": "step", "n": 1}]  # fmt: skip
    browser.client.seq = 3
    browser.deliver(browser.value(events))
    assert browser.at.session_state["trainer"].step_count == 11
    assert browser.args["view"]["selected"] == 5 and browser.args["acked"] == 3


def test_hello_sends_the_points_again(browser):
    """Test that a player that lost its points (a new frame of the page) gets them again when it says so."""
    value = browser.value([])
    value["have"] = {"points": None, "stream": ""}
    browser.deliver(value)
    assert "points" in browser.args and "history" in browser.args


def test_a_still_frame_carries_the_last_batch_as_ce_core_computed_it(browser):
    """Test that after a Step the stage gets the last mini-batch: its rows, P - Y, each sample's contribution to
    dL/dW, the mean gradient and the update, exactly as the trainer's LastBatch holds them."""
    from ce_app import frame_codec

    assert "batch" not in browser.args  # before the first step there is no batch
    browser.step()
    args = browser.args
    last, data = browser.at.session_state["trainer"].last_batch, browser.at.session_state["data"]
    table = frame_codec.unpack(args["batch"], args["batch_blob"])
    shown = min(len(last.indices), frame_codec.BATCH_ROWS_MAX)
    np.testing.assert_array_equal(table["row"], data.train_idx[last.indices[:shown]])
    np.testing.assert_array_equal(table["pmy"], last.probs_minus_targets[:shown])
    np.testing.assert_array_equal(table["contribution"], last.per_sample_grad_W()[:shown])
    np.testing.assert_array_equal(np.array(args["batch"]["mean"]), last.grads["W"])
    np.testing.assert_array_equal(np.array(args["batch"]["update"]), last.update["W"])
    assert args["batch"]["size"] == len(last.indices) and args["batch"]["step"] == 1
    browser.play()
    assert "batch" not in browser.args  # while playing the stage keeps the batch of the last pause


def test_the_network_view_sends_every_units_map_and_the_weights(open_app):
    """Test that with the network view on, each frame carries every hidden unit's map and the logits' (scaled to
    their largest magnitude) and the weight matrices' signs and sizes, from ce_core's forward pass."""
    from ce_app import frame_codec

    browser = Browser(open_app({"dataset": "circles", "K": "2", "layers": "2", "width": "5"}))
    browser.step(3)
    browser.send("network", on=True, step=3)
    frames, trainer = browser.frames(), browser.at.session_state["trainer"]
    r = stage.unit_resolution(trainer.model)
    assert frames["units"].shape == (1, 5 + 5 + 2, r, r)
    bounds = browser.at.session_state["data"].bounds
    grid = np.stack(np.meshgrid(np.linspace(bounds[0], bounds[1], r), np.linspace(bounds[2], bounds[3], r)), -1)
    forward = trainer.model.forward(trainer.params, grid.reshape(-1, 2))
    expected = np.concatenate([forward.hidden[0], forward.hidden[1], forward.logits], axis=1)  # (r*r, 12)
    scale = frames["units_scale"][0]
    np.testing.assert_allclose(scale, np.abs(expected).max(axis=0), rtol=1e-5)
    decoded = (frames["units"][0].reshape(12, -1).T.astype(float) - 127.5) / 127.5 * scale
    assert np.abs(decoded - expected).max() <= scale.max() / 127.5 + 1e-5
    for i, name in enumerate(("V1", "V2", "W")):
        weights = trainer.params[name]
        np.testing.assert_array_equal(frames[f"net_w{i}"][0], np.rint(weights * 127 / np.abs(weights).max()))
    assert frame_codec.unpack(browser.args["chunk"], browser.args["frames"])["net_w_scale"][0][2] == pytest.approx(
        np.abs(trainer.params["W"]).max()
    )
