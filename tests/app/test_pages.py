"""AppTest of the derivation, landscape and race pages: cold starts, every control, numbers equal to ce_core's."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ce_core
from ce_app import controls, numbers, state
from ce_app import derivation_panels as deriv
from ce_app import race_view as rv
from ce_app.settings import Settings
from tests.app.charts import chart_specs
from tests.app.notices import as_read
from tests.app.player import Browser
from tests.app.tables import html_tables

APP = str(Path(__file__).resolve().parents[2] / "app.py")
DERIVATION, LANDSCAPE, RACE = "pages/derivation.py", "pages/landscape.py", "pages/race.py"
TITLES = {DERIVATION: "Why p − y?", LANDSCAPE: "Loss landscape", RACE: "Optimizer race"}


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------
def open_page(page: str, query: dict | None = None) -> AppTest:
    """A new session opened directly on ``/<page>?<query>`` (a cold start: nothing in session state yet)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = str(value)
    return at.switch_page(page).run()


def trained_then(page: str, query: dict | None = None, presses: int = 2) -> AppTest:
    """A session that pressed Step ×10 on the Train page ``presses`` times, then went to ``page``."""
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = str(value)
    at.run()
    browser = Browser(at)
    for _ in range(presses):
        browser.step(10)
    return at.switch_page(page).run()


def metric(at, label: str) -> str:
    """A metric's text, its minus signs (U+2212, ce_app/numbers.py) as ASCII so that float() reads it."""
    return next(m.value for m in at.metric if m.label == label).replace(numbers.MINUS, "-")


def _non_finite(node) -> list:
    """Every NaN or infinity in a chart's JSON: plain numbers and decoded typed arrays ({"dtype", "bdata"})."""
    if isinstance(node, float):
        return [] if np.isfinite(node) else [node]
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            array = np.frombuffer(base64.b64decode(node["bdata"]), dtype=np.dtype(node["dtype"]))
            return array[~np.isfinite(array)].tolist() if array.dtype.kind == "f" else []
        return [bad for value in node.values() for bad in _non_finite(value)]
    if isinstance(node, list):
        return [bad for value in node for bad in _non_finite(value)]
    return []


def assert_clean(at, *, errors_expected: bool = False) -> None:
    """No exception, no st.error (unless expected), every chart with a fixed height and nothing non-finite."""
    assert not at.exception, [e.value for e in at.exception]
    if not errors_expected:
        assert not at.error, [e.value for e in at.error]
    for text in chart_specs(at):
        spec = json.loads(text)  # Python's json reads NaN and Infinity as floats: found below
        assert isinstance(spec["layout"]["height"], int)
        assert not _non_finite(spec)
    for m in at.metric:
        assert "nan" not in m.value.lower() and "inf" not in m.value.lower()


def selected_terms(at):
    """The selected point's logits, label, and ce_core's losses for it, at the session's trainer."""
    ss = at.session_state
    trainer, data = ss["trainer"], ss["data"]
    index = ss["settings"].sample
    logits = trainer.model.forward(trainer.params, data.X[index : index + 1], temperature=trainer.temperature).logits
    return logits[0], int(data.y[index]), trainer


# --------------------------------------------------------------------------------------------------------------
# Every page, cold and after training
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", [DERIVATION, LANDSCAPE, RACE])
@pytest.mark.parametrize("query", [{}, {"layers": 1}], ids=["linear", "hidden"])
def test_page_works_from_a_cold_start(page, query):
    """Test that a link opened directly on the page renders it without errors, from the URL's settings."""
    at = open_page(page, query)
    assert_clean(at)
    assert at.title[0].value == TITLES[page]
    assert len(at.session_state["trainer"].model.hidden) == query.get("layers", 0)


@pytest.mark.parametrize("page", [DERIVATION, LANDSCAPE, RACE])
def test_page_works_after_training_on_the_main_page(page):
    """Test that each page renders the trained model after Step ×10 presses on the Train page."""
    at = trained_then(page, {"layers": 1})
    assert_clean(at)
    assert at.session_state["trainer"].step_count == 20


# --------------------------------------------------------------------------------------------------------------
# Derivation page
# --------------------------------------------------------------------------------------------------------------
def test_derivation_numbers_are_ce_cores():
    """Test that the losses and p_y shown equal ce_core.cross_entropy / softmax on the selected sample."""
    at = trained_then(DERIVATION, {"layers": 1, "smooth": 0.1, "T": 0.5, "l2": 0.01})
    assert_clean(at)
    logits, label, trainer = selected_terms(at)
    T, eps = trainer.temperature, trainer.label_smoothing
    hard = ce_core.cross_entropy(logits, label, temperature=T)
    soft = ce_core.cross_entropy(logits, label, temperature=T, label_smoothing=eps)
    assert float(metric(at, "Loss, hard target")) == pytest.approx(hard, rel=1e-5)
    assert float(metric(at, "Loss, target smoothed with ε = 0.1")) == pytest.approx(soft, rel=1e-5)
    assert float(metric(at, "p_y, probability of the true class")) == pytest.approx(
        ce_core.softmax(logits, T)[label], rel=1e-5
    )
    # The two routes to dL/du in the table are ce_core's.
    table = next(df for df in html_tables(at) if "straight: (p_k − y_k)/T" in df.columns)
    direct = ce_core.cross_entropy_grad(logits, label, temperature=T, label_smoothing=eps)
    np.testing.assert_allclose(table["straight: (p_k − y_k)/T"].to_numpy(), direct, rtol=1e-12)
    np.testing.assert_allclose(table["through the Jacobian: Jᵀ(−y/p)/T"].to_numpy(), direct, atol=1e-12)


def test_derivation_sample_input_selects_the_shared_point():
    """Test that the page's point selector writes the index every page shares (and the link), and its numbers follow."""
    at = open_page(DERIVATION)
    at.number_input(key="deriv_sample").set_value(7).run()
    assert_clean(at)
    assert at.session_state["settings"].sample == 7
    assert at.query_params["sample"] in ("7", ["7"])
    logits, label, _ = selected_terms(at)
    assert float(metric(at, "Loss, hard target")) == pytest.approx(ce_core.cross_entropy(logits, label), rel=1e-5)
    at.switch_page("pages/train.py").run()
    assert Browser(at).args["view"]["selected"] == 7


def test_derivation_batch_section_before_and_after_a_step():
    """Test that before any step the batch section says so (info), and after steps it compares with the last batch."""
    at = open_page(DERIVATION)
    assert any("No step has been taken yet" in i.value for i in at.info)
    at = trained_then(DERIVATION, presses=1)
    assert not any("No step has been taken yet" in i.value for i in at.info)
    assert any("Derivation 2's batch formula" in s.value for s in at.success)


def test_sandbox_controls_and_vanishing_gradient():
    """Test every sandbox control; a confident correct prediction shows a loss and gradient near 0 (ce_core's)."""
    at = open_page(DERIVATION, {"K": 4})
    for k in range(4):
        at.slider(key=f"sb_u{k}").set_value(-10.0 if k else 10.0).run()
    at.selectbox(key="sb_target").set_value(0).run()
    assert_clean(at)
    u = np.array([10.0, -10.0, -10.0, -10.0])
    assert float(metric(at, "Loss L")) == pytest.approx(ce_core.cross_entropy(u, 0), rel=1e-3)
    assert float(metric(at, "‖dL/du‖ = ‖p − y‖/T")) < 1e-7
    at.slider(key="sb_smooth").set_value(0.2).run()
    at.slider(key="sb_T").set_value(2.0).run()
    expected = ce_core.cross_entropy(u, 0, temperature=2.0, label_smoothing=0.2)
    assert float(metric(at, "Loss L")) == pytest.approx(expected, rel=1e-3)
    at.button(key="sb_zero").click().run()
    assert float(metric(at, "Loss L")) == pytest.approx(np.log(4), rel=1e-3)  # uniform logits: log K
    at.button(key="sb_copy").click().run()
    logits, label, _ = selected_terms(at)
    assert at.slider(key="sb_u0").value == pytest.approx(float(np.clip(np.round(logits[0], 1), -10, 10)))
    assert at.selectbox(key="sb_target").value == label
    assert_clean(at)


def test_derivation_shows_class_names_as_plain_text():
    """Test that an uploaded class name Markdown would turn into a link reaches the point summary and the sandbox's
    slider labels escaped, and reads there as written."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    csv = b"x1,x2,label\n0,0,http://x.com\n1,1,dog\n0.2,0.1,http://x.com\n1.1,0.9,dog\n"
    at.sidebar.file_uploader(key="upload_csv").set_value(("data.csv", csv, "text/csv"))
    at.run()
    at.switch_page(DERIVATION).run()
    assert_clean(at)
    summary = next(m.value for m in at.markdown if m.value.startswith("Point **#0**"))
    labels = [s.label for s in at.slider if s.key.startswith("sb_u")]
    for text in (summary, *labels[1:]):  # class 1 of ("dog", "http://x.com")
        assert "http://x.com" not in text
        assert "class http://x.com" in as_read(text)


GRADCHECK_CASES = [
    {},
    {"features": "poly2", "l2": 0.05},
    {"features": "poly3", "smooth": 0.1, "T": 0.5},
    {"features": "rbf", "layers": 1, "width": 8, "act": "relu"},
    {"features": "fourier", "layers": 2, "width": 6, "act": "sigmoid", "T": 2},
    {"features": "identity", "layers": 2, "width": 8, "act": "tanh", "l2": 0.01, "smooth": 0.2},
    {"features": "poly2", "layers": 1, "width": 5, "act": "sigmoid", "batch": 1},
]


@pytest.mark.parametrize("query", GRADCHECK_CASES, ids=lambda q: "-".join(f"{k}{v}" for k, v in q.items()) or "default")
def test_gradient_check_button_passes(query):
    """Test that the gradient check table shows every parameter passing, below the stated threshold."""
    at = trained_then(DERIVATION, query, presses=1)
    at.button(key="btn_gradcheck").click().run()
    assert_clean(at)
    table = next(df for df in html_tables(at) if "max relative error" in df.columns)
    assert set(table["parameter"]) == set(at.session_state["trainer"].model.param_shapes())
    assert (table["result"] == "pass").all()
    assert (table["max relative error"] < ce_core.gradcheck.DEFAULT_THRESHOLD).all()
    assert any("Every parameter passes" in s.value for s in at.success)


@pytest.mark.parametrize("features", ce_core.FEATURE_MAPS)
def test_gradient_check_passes_on_every_model_configuration(features):
    """Test the page's gradient check (the same function the button calls) on every feature map x depth x activation."""
    for layers in (0, 1, 2):
        for act in ce_core.ACTIVATIONS if layers else ("tanh",):
            settings = Settings(dataset="spiral", n=120, features=features, layers=layers, width=6, act=act,
                                smooth=0.05, l2=0.01, T=0.8)  # fmt: skip
            trainer = state.build_trainer(settings, state.generate(settings))
            trainer.step(3)
            result = deriv.gradient_check(trainer, trainer.last_batch.indices)
            assert result.all_passed, (features, layers, act, result.table)


def test_gradient_check_sample_cap():
    """Test that the check uses at most 64 samples, fewer for big models, never fewer than 8."""
    assert deriv.check_sample_count(10, 1000) == 64
    assert deriv.check_sample_count(10, 20) == 20
    assert deriv.check_sample_count(6700, 1000) == 29
    assert deriv.check_sample_count(10**7, 1000) == 8


# --------------------------------------------------------------------------------------------------------------
# Landscape page
# --------------------------------------------------------------------------------------------------------------
def test_landscape_computes_a_surface_for_a_hidden_layer_model():
    """Test that a 1-hidden-layer model gets a contour map, and J at the centre is Model.loss_and_grad's."""
    at = trained_then(LANDSCAPE, {"layers": 1, "l2": 0.01, "smooth": 0.1})
    assert_clean(at)
    trainer = at.session_state["trainer"]
    expected = trainer.model.loss_and_grad(trainer.params, trainer.X_train, trainer.y_train, l2=trainer.l2,
                                           temperature=trainer.temperature,
                                           label_smoothing=trainer.label_smoothing)[0]  # fmt: skip
    assert float(metric(at, "J at the current weights")) == pytest.approx(expected, rel=1e-4)
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["data"][0]["type"] == "contour"
    result = at.session_state["ls_cache"][1]
    assert result.surface.shape == (31, 31)
    assert np.isfinite(result.surface).all()


def test_landscape_every_control():
    """Test every control of the landscape page, and that an unchanged page reuses its cached slice."""
    at = trained_then(LANDSCAPE, {"layers": 1})
    first = at.session_state["ls_cache"][1]
    at.run()
    assert at.session_state["ls_cache"][1] is first  # nothing changed: no recomputation
    at.number_input(key="ls_seed").set_value(3).run()
    at.selectbox(key="ls_norm").set_value("layer").run()
    at.select_slider(key="ls_res").set_value(11).run()
    at.select_slider(key="ls_span").set_value(2.0).run()
    assert_clean(at)
    assert at.session_state["ls_cache"][1].surface.shape == (11, 11)
    at.radio(key="ls_mode").set_value("pca").run()
    assert_clean(at)
    assert float(metric(at, "Path off the slice").rstrip("%")) < 50  # PCA directions hold the path
    at.radio(key="ls_mode").set_value("coords").run()
    at.selectbox(key="ls_param1").set_value("V1").run()
    at.selectbox(key="ls_entry1").set_value(3).run()
    at.selectbox(key="ls_param2").set_value("b").run()
    at.selectbox(key="ls_entry2").set_value(1).run()
    assert_clean(at)
    at.toggle(key="ls_3d").set_value(True).run()
    assert_clean(at)
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["type"] == "surface"


def test_landscape_follows_new_data_with_the_same_weights():
    """Test that new data (same seed, so the same first weights) gets a new slice, not the cached one of the old."""
    at = open_page(LANDSCAPE)
    first = at.session_state["ls_cache"][1]
    at.sidebar.slider(key=controls.key("noise")).set_value(0.5).run()
    assert_clean(at)
    trainer = at.session_state["trainer"]
    assert at.session_state["ls_cache"][1] is not first
    expected = trainer.model.loss_and_grad(trainer.params, trainer.X_train, trainer.y_train)[0]
    assert float(metric(at, "J at the current weights")) == pytest.approx(expected, rel=1e-4)


def test_landscape_same_weight_twice_is_explained():
    """Test that picking one weight for both axes shows an error message, not a traceback."""
    at = open_page(LANDSCAPE)
    at.radio(key="ls_mode").set_value("coords").run()
    at.selectbox(key="ls_entry2").set_value(at.selectbox(key="ls_entry1").value).run()
    assert_clean(at, errors_expected=True)
    assert "two different weights" in at.error[0].value


def test_landscape_pca_needs_a_path():
    """Test that PCA directions before any training step explain themselves instead of failing."""
    at = open_page(LANDSCAPE)
    at.radio(key="ls_mode").set_value("pca").run()
    assert_clean(at)
    assert any("fewer than 3 recorded points" in i.value for i in at.info)


def test_landscape_controls_survive_a_visit_to_another_page():
    """Test that the landscape's settings are still there after going to the Train page and back."""
    at = open_page(LANDSCAPE)
    at.select_slider(key="ls_res").set_value(21).run()
    at.switch_page("pages/train.py").run()
    at.switch_page(LANDSCAPE).run()
    assert at.select_slider(key="ls_res").value == 21


# --------------------------------------------------------------------------------------------------------------
# Race page
# --------------------------------------------------------------------------------------------------------------
def test_race_runs_shows_its_charts_and_is_cached():
    """Test a short race: table, curves, one map per run and the shared landscape; a revisit needs no new run."""
    at = open_page(RACE, {"layers": 1})
    assert any("Run race" in i.value for i in at.info)
    at.select_slider(key="race_steps").set_value(20).run()
    at.button(key="btn_race").click().run()
    assert_clean(at)
    n_runs = len(rv.PRESETS[next(iter(rv.PRESETS))])
    charts = at.get("plotly_chart")
    assert len(charts) == 1 + n_runs + 1
    assert json.loads(charts[-1].proto.spec)["data"][0]["type"] == "contour"
    at.switch_page("pages/train.py").run()
    at.switch_page(RACE).run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1 + n_runs + 1  # from the cache, without pressing Run race


def test_race_numbers_are_run_races():
    """Test that the table's final losses equal ce_core.run_race with the same contestants."""
    at = open_page(RACE, {"dataset": "moons"})
    at.select_slider(key="race_steps").set_value(20).run()
    at.button(key="btn_race").click().run()
    trainer = at.session_state["trainer"]
    contestants = rv.preset_contestants(next(iter(rv.PRESETS)), trainer.n_train)
    configs = [ce_core.RaceConfig(c.label(i + 1, trainer.n_train), c.optimizer(), c.batch)
               for i, c in enumerate(contestants)]  # fmt: skip
    results = ce_core.run_race(trainer.model, trainer.X_train, trainer.y_train, trainer.X_test, trainer.y_test,
                               configs, 20, seed=0)  # fmt: skip
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["train loss"], [r.final_metrics["train_loss"] for r in results], rtol=1e-12)
    assert list(table["run"]) == [r.label for r in results]


def test_race_every_control_and_a_diverging_run():
    """Test presets, the run count and each contestant's widgets; a run that diverges is reported by name."""
    at = open_page(RACE, {"dataset": "spiral", "layers": 1})
    for name in rv.PRESETS:
        at.selectbox(key="race_preset").set_value(name).run()
        assert at.number_input(key="race_n").value == len(rv.PRESETS[name])
    at.selectbox(key="race_preset").set_value("Learning rate 0.01 vs 0.1 vs 1 vs 10 (SGD)").run()
    at.number_input(key="race_n").set_value(2).run()
    at.selectbox(key="race_opt_0").set_value("adam").run()
    at.select_slider(key="race_lr_0").set_value(0.05).run()
    at.select_slider(key="race_batch_0").set_value(8).run()
    at.selectbox(key="race_opt_1").set_value("momentum").run()
    at.select_slider(key="race_lr_1").set_value(10.0).run()
    at.select_slider(key="race_batch_1").set_value(at.session_state["trainer"].n_train).run()
    at.select_slider(key="race_steps").set_value(50).run()
    at.button(key="btn_race").click().run()
    assert_clean(at, errors_expected=True)
    summary = at.session_state["race_cache"][1]
    assert [run.label for run in summary.runs] == ["1 · Adam lr 0.05, batch 8", "2 · momentum lr 10, full batch"]
    assert summary.runs[1].diverged
    assert any("2 · momentum lr 10" in e.value and "diverged" in e.value for e in at.error)
    assert len(at.get("plotly_chart")) == 1 + 2 + 1  # the diverged run has a map and a curve, not a path
    at.number_input(key="race_n").set_value(3).run()
    assert any("settings changed" in i.value for i in at.info)
