"""AppTest of the training page: cold start, every control, links, the inspector's numbers, divergence.

The stage's own controls (Step, Play, a click on a point) are driven through the player's value, as the browser
sends them (``tests/app/player.py``); ``tests/app/test_player.py`` covers playing in detail.
"""

from __future__ import annotations

import numpy as np
import pytest

import ce_core
from ce_app import numbers
from tests.app.notices import notices
from tests.app.player import Browser
from tests.app.tables import shown_numbers


def no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def step(at, n: int = 1):
    return Browser(at).step(n)


def shown(at) -> dict:
    """The numbers of the frame on screen (the still frame when paused)."""
    frames = Browser(at).frames()
    return {name: column[-1] for name, column in frames.items()}


def test_cold_start_shows_step_zero_and_initial_loss(app):
    """Test that a cold start renders the page with step 0 and the trainer's initial loss, without errors."""
    no_errors(app)
    frame = shown(app)
    trainer = app.session_state["trainer"]
    assert frame["step"] == 0 and frame["train_loss"] == trainer.metrics()["train_loss"]


def test_reset_returns_to_the_initial_weights(app):
    """Test that Reset brings back step 0 and the same initial weights."""
    trainer = app.session_state["trainer"]
    before = {k: v.copy() for k, v in trainer.params.items()}
    browser = Browser(app)
    browser.step(10)
    browser.send("reset")
    no_errors(app)
    assert trainer.step_count == 0 and shown(app)["step"] == 0
    for name, value in before.items():
        np.testing.assert_array_equal(trainer.params[name], value)


def test_changing_data_resets_training_with_a_notice(app):
    """Test that a data setting change builds new data, restarts at step 0 and says so."""
    step(app, 10)
    app.sidebar.selectbox(key="w_dataset").set_value("moons").run()
    no_errors(app)
    assert app.session_state["trainer"].step_count == 0
    assert app.session_state["settings"].dataset == "moons"
    assert any("restarted" in w for w in notices(app))


def test_changing_the_optimizer_keeps_the_weights(app):
    """Test that optimizer settings reconfigure the trainer without restarting it."""
    step(app, 10)
    trainer = app.session_state["trainer"]
    app.sidebar.selectbox(key="w_opt").set_value("adam").run()
    app.sidebar.select_slider(key="w_lr").set_value(0.01).run()
    no_errors(app)
    assert app.session_state["trainer"] is trainer
    assert trainer.step_count == 10
    assert isinstance(trainer.optimizer, ce_core.Adam) and trainer.optimizer.lr == 0.01


@pytest.mark.parametrize(
    ("widget", "key", "value", "check"),
    [
        ("slider", "w_K", 5, lambda ss: ss["data"].n_classes == 5),
        ("slider", "w_n", 120, lambda ss: len(ss["data"].y) == 120),
        ("slider", "w_noise", 0.5, lambda ss: ss["settings"].noise == 0.5),
        ("slider", "w_test", 0.3, lambda ss: len(ss["data"].test_idx) == round(0.3 * len(ss["data"].y))),
        ("number_input", "w_seed", 7, lambda ss: ss["trainer"].seed == 7),
        ("selectbox", "w_features", "poly3", lambda ss: ss["trainer"].model.features == "poly3"),
        ("radio", "w_layers", 2, lambda ss: len(ss["trainer"].model.hidden) == 2),
        ("selectbox", "w_schedule", "cosine", lambda ss: ss["trainer"].optimizer.schedule == "cosine"),
        ("select_slider", "w_batch", 1, lambda ss: ss["trainer"].batch_size == 1),
        ("slider", "w_l2", 0.01, lambda ss: ss["trainer"].l2 == 0.01),
        ("slider", "w_smooth", 0.1, lambda ss: ss["trainer"].label_smoothing == 0.1),
        ("slider", "w_T", 2.0, lambda ss: ss["trainer"].temperature == 2.0),
        ("number_input", "w_spf", 12, lambda ss: ss["settings"].spf == 12),
        ("number_input", "w_fps", 3, lambda ss: ss["settings"].fps == 3),
        ("toggle", "w_present", True, lambda ss: ss["settings"].present),
    ],
)
def test_every_sidebar_widget_reaches_the_settings(app, widget, key, value, check):
    """Test that each sidebar widget changes the session's settings, data or trainer."""
    getattr(app.sidebar, widget)(key=key).set_value(value).run()
    no_errors(app)
    assert check(app.session_state)
    step(app)
    no_errors(app)


def test_hidden_layer_widgets_appear_with_a_hidden_layer(app):
    """Test that width and activation can be set once a hidden layer exists, and build that model."""
    app.sidebar.radio(key="w_layers").set_value(1).run()
    app.sidebar.slider(key="w_width").set_value(8).run()
    app.sidebar.selectbox(key="w_act").set_value("relu").run()
    no_errors(app)
    model = app.session_state["trainer"].model
    assert model.hidden == (8,) and model.activation == "relu"


def test_momentum_slider_sets_sgd_momentum(app):
    """Test that the momentum slider appears for SGD with momentum and reaches the optimizer."""
    app.sidebar.selectbox(key="w_opt").set_value("momentum").run()
    app.sidebar.slider(key="w_momentum").set_value(0.5).run()
    no_errors(app)
    assert app.session_state["trainer"].optimizer.momentum == 0.5


def test_new_sample_button_draws_the_next_seed(app):
    """Test that New sample moves to the next seed and new data."""
    old_X = app.session_state["data"].X.copy()
    next(b for b in app.sidebar.button if b.label == "New").click().run()
    no_errors(app)
    assert app.session_state["settings"].seed == 1
    assert not np.array_equal(app.session_state["data"].X, old_X)


def test_a_link_sets_every_setting_and_the_url_mirrors_them(open_app):
    """Test that valid query parameters reach the widgets and the trainer, and are written back to the URL."""
    query = {"dataset": "spiral", "K": "4", "n": "200", "lr": "0.05", "layers": "1", "width": "8", "seed": "3",
             "opt": "adam", "T": "0.5", "batch": "16"}  # fmt: skip
    at = open_app(query)
    no_errors(at)
    assert not notices(at)
    settings = at.session_state["settings"]
    assert (settings.dataset, settings.K, settings.n, settings.lr, settings.seed) == ("spiral", 4, 200, 0.05, 3)
    trainer = at.session_state["trainer"]
    assert trainer.model.hidden == (8,) and trainer.temperature == 0.5 and trainer.batch_size == 16
    assert at.sidebar.selectbox(key="w_dataset").value == "spiral"
    urlparams = {k: at.query_params[k] for k in query}
    assert {k: v if isinstance(v, str) else v[-1] for k, v in urlparams.items()} == query


def test_a_link_reproduces_the_same_initial_weights(open_app):
    """Test that two sessions opened from the same link start from identical data and weights."""
    query = {"dataset": "xor", "K": "3", "layers": "2", "width": "5", "seed": "11"}
    a, b = open_app(query), open_app(query)
    np.testing.assert_array_equal(a.session_state["data"].X, b.session_state["data"].X)
    for name, value in a.session_state["trainer"].params.items():
        np.testing.assert_array_equal(b.session_state["trainer"].params[name], value)


@pytest.mark.parametrize(
    "query",
    [
        {"K": "abc"},
        {"lr": "1e999"},
        {"n": "-5"},
        {"dataset": "<script>alert(1)</script>"},
        {"seed": "1.5"},
        {"T": "nan"},
        {"layers": "99", "width": "0"},
        {"present": "maybe"},
        {"sample": "99999"},
        {"unknown": "1"},
        {"lr": "x" * 10_000},
        {"hide": "epoch,<b>bold</b>"},
    ],
)
def test_invalid_or_hostile_links_fall_back_with_a_notice(query, open_app):
    """Test that bad query values never raise, fall back to safe values and show a notice."""
    at = open_app(query)
    no_errors(at)
    assert notices(at), "a notice should explain the fallback"
    assert all("<script>" not in w or "not one of" in w for w in notices(at))
    assert all("\\<script" in t.value or "<script" not in t.value for t in at.toast)  # shown escaped
    step(at)
    no_errors(at)
    assert at.session_state["trainer"].step_count == 1


def test_inspector_numbers_equal_ce_core(open_app):
    """Test that the selected point's u, p, y, dL/du and dL/dw_k rows on screen are exactly ce_core's."""
    at = open_app({"dataset": "moons", "K": "3", "smooth": "0.1", "T": "1.5"})
    browser = Browser(at)
    browser.step(10)
    browser.send("select", index=17, step=10)
    no_errors(at)
    trainer, data = at.session_state["trainer"], at.session_state["data"]
    forward = trainer.model.forward(trainer.params, data.X[17:18], temperature=1.5)
    terms = ce_core.chain_rule_terms(forward.logits[0], int(data.y[17]), forward.z[0], temperature=1.5,
                                     label_smoothing=0.1)  # fmt: skip
    frame = shown(at)
    assert browser.args["view"]["selected"] == 17
    np.testing.assert_allclose(frame["point_logits"], forward.logits[0], rtol=1e-12)
    np.testing.assert_allclose(frame["point_probs"], terms.probs, rtol=1e-12)
    np.testing.assert_allclose(frame["point_targets"], terms.targets, rtol=1e-12)
    np.testing.assert_allclose(frame["point_dL_du"], ce_core.cross_entropy_grad(
        forward.logits[:1], [int(data.y[17])], temperature=1.5, label_smoothing=0.1, reduction="sum")[0], rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(frame["point_dL_dw"], terms.product, rtol=1e-12)
    at.toggle(key="show_chain_rule").set_value(True).run()
    no_errors(at)
    # the walkthrough's -1/p_y of point 17, to 5 significant digits, as a formula writes it
    assert any(numbers.latex(terms.dL_dp_y, 5) in m.value for m in at.latex)
    assert_tables_follow_the_number_format(at)


def assert_tables_follow_the_number_format(at) -> None:
    """Every table shows each number as ce_app/numbers.py writes it (the rule the stage's numbers.js follows too),
    while its cells keep ce_core's values."""
    cells = shown_numbers(at)
    assert len(cells) >= 12
    for value, text in cells:
        assert text == numbers.fmt(value), (value, text)


def test_divergence_shows_a_message_and_no_nan(open_app):
    """Test that lr = 10 on a hard dataset stops with the divergence message and nothing non-finite is drawn."""
    at = open_app({"dataset": "spiral", "K": "4", "layers": "2", "width": "64", "act": "relu", "lr": "10"})
    browser = Browser(at)
    browser.step(10)
    no_errors(at)
    trainer = at.session_state["trainer"]
    assert trainer.diverged
    view = browser.args["view"]
    assert view["diverged"] is True and "learning rate" in view["divergence"]
    frames = browser.frames()
    for name in ("train_loss", "grad_norm", "point_logits", "point_probs", "point_dL_dw"):
        assert np.isfinite(frames[name]).all(), name
    assert all(np.isfinite(v).all() for v in trainer.params.values())
    browser.step(1)
    assert trainer.step_count < 10 and not trainer.step(1)


def test_teacher_link_hides_chosen_controls(open_app):
    """Test that ?hide= hides those stage buttons and sidebar groups but keeps the rest working."""
    at = open_app({"hide": "step10,epoch,data"})
    no_errors(at)
    hidden = Browser(at).args["view"]["hidden"]
    assert "step10" in hidden and "epoch" in hidden and "step" not in hidden and "play" not in hidden
    assert not any(s.key == "w_dataset" for s in at.sidebar.selectbox)
    step(at)
    assert at.session_state["trainer"].step_count == 1


def test_settings_survive_streamlits_legacy_pages_mode(monkeypatch, open_app):
    """Test that settings from a link survive when widget ids change (legacy pages/ mode, as on a fresh server)."""
    monkeypatch.undo()  # drop run_as_the_server_does: every rerun now executes the page file alone
    at = open_app({"dataset": "circles", "K": "5", "n": "200", "T": "2", "layers": "1"})
    for _ in range(3):
        at.run()
        step(at)
    no_errors(at)
    settings = at.session_state["settings"]
    assert (settings.dataset, settings.K, settings.n, settings.T, settings.layers) == ("circles", 5, 200, 2.0, 1)
    assert at.session_state["trainer"].step_count == 3
    assert not any("restarted" in w for w in notices(at))
