"""AppTest of the training page: cold start, every control, links, the inspector's numbers, divergence."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ce_core
from ce_app.settings import DEFAULTS
from tests.app.charts import chart_spec, chart_specs, live_chart_args


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def click(at, key: str):
    """Click a button of the live area, then do a full run.

    The buttons sit in a fragment, so a click reruns only the fragment (the sidebar is not redrawn in that run);
    the full run afterwards gives the whole element tree back, as the browser still shows it.
    """
    at.button(key=key).click().run()
    return at.run()


def no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_cold_start_shows_step_zero_and_initial_loss(app):
    """Test that a cold start renders the page with step 0 and the trainer's initial loss, without errors."""
    no_errors(app)
    assert metric(app, "Step") == "0"
    trainer = app.session_state["trainer"]
    assert metric(app, "Train loss") == f"{trainer.metrics()['train_loss']:.4g}"
    assert len(chart_specs(app)) >= 5


@pytest.mark.parametrize(("button", "expected"), [("btn_step", 1), ("btn_step10", 10)])
def test_step_buttons_advance_the_trainer(app, button, expected):
    """Test that Step and Step x10 run exactly that many SGD steps and the metric shows it."""
    click(app, button)
    no_errors(app)
    assert app.session_state["trainer"].step_count == expected
    assert metric(app, "Step") == str(expected)


def test_epoch_button_runs_one_pass_over_the_training_set(app):
    """Test that Epoch steps until every training point was used once."""
    trainer = app.session_state["trainer"]
    click(app, "btn_epoch")
    no_errors(app)
    assert trainer.epoch == 1
    assert trainer.step_count == trainer.steps_per_epoch


def test_reset_returns_to_the_initial_weights(app):
    """Test that Reset brings back step 0 and the same initial weights."""
    trainer = app.session_state["trainer"]
    before = {k: v.copy() for k, v in trainer.params.items()}
    click(app, "btn_step10")
    click(app, "btn_reset")
    no_errors(app)
    assert trainer.step_count == 0
    for name, value in before.items():
        np.testing.assert_array_equal(trainer.params[name], value)


def test_play_runs_frames_and_pause_stops(app):
    """Test that Play sets the session running and each run advances by steps-per-frame; Pause stops it."""
    app.button(key="btn_play").click().run()
    no_errors(app)
    assert app.session_state["running"] is True
    steps = app.session_state["trainer"].step_count
    assert steps >= DEFAULTS.spf
    app.run()  # every AppTest run is a full run; while playing, each one is a frame
    assert app.session_state["trainer"].step_count == steps + DEFAULTS.spf
    app.button(key="btn_pause").click().run()
    assert app.session_state["running"] is False
    frozen = app.session_state["trainer"].step_count
    app.run()
    assert app.session_state["trainer"].step_count == frozen


def test_changing_data_resets_training_with_a_notice(app):
    """Test that a data setting change builds new data, restarts at step 0 and says so."""
    click(app, "btn_step10")
    app.sidebar.selectbox(key="w_dataset").set_value("moons").run()
    no_errors(app)
    assert app.session_state["trainer"].step_count == 0
    assert app.session_state["settings"].dataset == "moons"
    assert any("restarted" in w.value for w in app.warning)


def test_changing_the_optimizer_keeps_the_weights(app):
    """Test that optimizer settings reconfigure the trainer without restarting it."""
    click(app, "btn_step10")
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
    click(app, "btn_step")
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
    next(b for b in app.sidebar.button if b.label == "New sample").click().run()
    no_errors(app)
    assert app.session_state["settings"].seed == 1
    assert not np.array_equal(app.session_state["data"].X, old_X)


def test_a_link_sets_every_setting_and_the_url_mirrors_them(open_app):
    """Test that valid query parameters reach the widgets and the trainer, and are written back to the URL."""
    query = {"dataset": "spiral", "K": "4", "n": "200", "lr": "0.05", "layers": "1", "width": "8", "seed": "3",
             "opt": "adam", "T": "0.5", "batch": "16"}  # fmt: skip
    at = open_app(query)
    no_errors(at)
    assert not at.warning
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
    assert at.warning, "a notice should explain the fallback"
    assert all("<script>" not in w.value or "not one of" in w.value for w in at.warning)
    click(at, "btn_step")
    no_errors(at)
    assert at.session_state["trainer"].step_count == 1


def test_inspector_numbers_equal_ce_core(open_app):
    """Test that the sample table shows exactly ce_core's u, p, y and dL/du for the selected point."""
    at = open_app({"dataset": "moons", "K": "3", "smooth": "0.1", "T": "1.5"})
    click(at, "btn_step10")
    at.number_input(key="w_sample").set_value(17).run()
    no_errors(at)
    assert any("Point #17" in m.value for m in at.markdown)
    trainer, data = at.session_state["trainer"], at.session_state["data"]
    forward = trainer.model.forward(trainer.params, data.X[17:18], temperature=1.5)
    terms = ce_core.chain_rule_terms(forward.logits[0], int(data.y[17]), forward.z[0], temperature=1.5,
                                     label_smoothing=0.1)  # fmt: skip
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["u_k"], forward.logits[0], rtol=1e-12)
    np.testing.assert_allclose(table["p_k"], terms.probs, rtol=1e-12)
    np.testing.assert_allclose(table["y_k"], terms.targets, rtol=1e-12)
    np.testing.assert_allclose(table["dL/du_k = (p_k − y_k)/T"], ce_core.cross_entropy_grad(
        forward.logits[:1], [int(data.y[17])], temperature=1.5, label_smoothing=0.1, reduction="sum")[0], rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(table["dL/dw_k[x1]"], terms.product[:, 0], rtol=1e-12)


def test_divergence_shows_a_message_and_no_nan(open_app):
    """Test that lr = 10 on a hard dataset stops with the divergence message and nothing non-finite is drawn."""
    at = open_app({"dataset": "spiral", "K": "4", "layers": "2", "width": "64", "act": "relu", "lr": "10"})
    click(at, "btn_step10")
    no_errors(at)
    trainer = at.session_state["trainer"]
    assert trainer.diverged
    assert any("diverged" in e.value for e in at.error)
    assert at.button(key="btn_step").disabled
    for spec in chart_specs(at):
        assert "NaN" not in spec and "Infinity" not in spec
    assert all(np.isfinite(v).all() for v in trainer.params.values())


def test_teacher_link_hides_chosen_controls(open_app):
    """Test that ?hide= removes those buttons and sidebar groups but keeps the rest working."""
    at = open_app({"hide": "step10,epoch,data"})
    no_errors(at)
    keys = {b.key for b in at.button}
    assert "btn_step" in keys and "btn_play" in keys
    assert "btn_step10" not in keys and "btn_epoch" not in keys
    assert not any(s.key == "w_dataset" for s in at.sidebar.selectbox)


def test_plane_figure_is_small_and_has_fixed_ranges(app):
    """Test that the input plane keeps fixed axis ranges and height, and stays well under the payload budget."""
    click(app, "btn_step")
    spec = chart_spec(app, "plane_chart")
    layout = spec["layout"]
    assert layout["xaxis"]["autorange"] is False and layout["yaxis"]["autorange"] is False
    assert layout["height"] > 0
    assert len(json.dumps(spec)) < 80_000


def test_plane_is_sent_as_two_layers_with_the_points_on_top_and_a_fixed_height(open_app):
    """Test that the plane goes to the browser as a clickable live chart of fixed height whose top layer holds the
    class traces (the points that take clicks) and whose bottom layer holds the decision regions."""
    at = open_app({"K": "4"})
    click(at, "btn_step")
    args = live_chart_args(at, "plane_chart")
    spec = json.loads(args["spec"])
    bottom, top = args["layers"]
    assert args["clickable"] is True and args["height"] == spec["layout"]["height"] > 0
    assert sorted(bottom + top) == list(range(len(spec["data"])))
    assert spec["data"][bottom[0]]["type"] == "heatmap"
    assert [i for i in top if "customdata" in spec["data"][i]] == [1, 2, 3, 4]  # one trace per class
    for key in ("logit_bars", "prob_bars", "loss_curves", "grad_curves", "batch_matrix", "batch_contrib"):
        other = live_chart_args(at, key)
        assert other["layers"] is None and not other["clickable"]
        assert other["height"] == json.loads(other["spec"])["layout"]["height"] > 0


@pytest.mark.parametrize("view", ["point", "batch", "curves"])
def test_auto_run_frame_rebuilds_the_plane_and_only_the_slow_view_in_turn(view):
    """Test that a frame built with refresh={view} rebuilds the plane and that view from the current state and takes
    the other slow views unchanged from the previous frame (the auto-run's turn-taking)."""
    from ce_app import state, train_panels
    from ce_app.settings import Settings

    settings = Settings(dataset="blobs", K=3, n=120, layers=1, width=8, batch=16)
    data = state.generate(settings)
    trainer = state.build_trainer(settings, data)
    trainer.step(3)
    previous = train_panels.live_frame(data, trainer, 0, None, 0, False)
    trainer.step(5)
    frame = train_panels.live_frame(data, trainer, 0, None, 0, False, previous=previous, refresh=frozenset([view]))
    parts = {"point": ("logits", "probs", "table", "terms"), "batch": ("batch_matrix", "batch_contributions"),
             "curves": ("loss_curves", "grad_curves")}  # fmt: skip
    assert frame.plane is not previous.plane
    for name, fields in parts.items():
        for field in fields:
            assert (getattr(frame, field) is getattr(previous, field)) == (name != view), (name, field)
    fresh = train_panels.live_frame(data, trainer, 0, None, 0, False)  # everything from the current state
    if view == "point":
        np.testing.assert_array_equal(frame.terms.probs, fresh.terms.probs)
    elif view == "curves":
        assert frame.loss_curves.to_json() == fresh.loss_curves.to_json()
    else:
        assert frame.batch_matrix.to_json() == fresh.batch_matrix.to_json()


def test_settings_survive_streamlits_legacy_pages_mode(monkeypatch, open_app):
    """Test that settings from a link survive when widget ids change (legacy pages/ mode, as on a fresh server)."""
    monkeypatch.undo()  # drop run_as_the_server_does: every rerun now executes the page file alone
    at = open_app({"dataset": "circles", "K": "5", "n": "200", "T": "2", "layers": "1"})
    for _ in range(3):
        at.run()
        click(at, "btn_step")
    no_errors(at)
    settings = at.session_state["settings"]
    assert (settings.dataset, settings.K, settings.n, settings.T, settings.layers) == ("circles", 5, 200, 2.0, 1)
    assert at.session_state["trainer"].step_count == 3
    assert not any("restarted" in w.value for w in at.warning)
