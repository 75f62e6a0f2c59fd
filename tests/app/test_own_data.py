"""AppTest of the classroom features: upload, back to generated data, downloads, presentation mode."""

from __future__ import annotations

import numpy as np

from ce_app import exports
from ce_core import make_dataset
from tests.app.charts import chart_keys, chart_specs
from tests.app.notices import notices
from tests.app.player import Browser

GOOD_CSV = b"x1,x2,label\n0,0,cat\n1,1,dog\n0.2,0.1,cat\n1.1,0.9,dog\n-0.5,0.3,bird\n0.1,-0.6,bird\n"


def upload(at, content: bytes, name: str = "data.csv"):
    at.sidebar.file_uploader(key="upload_csv").set_value((name, content, "text/csv"))
    return at.run()


def test_a_valid_upload_replaces_the_data_and_restarts_training(app):
    """Test that a good CSV becomes the session's data, with its class names, and training restarts."""
    upload(app, GOOD_CSV)
    assert not app.exception
    data, trainer = app.session_state["data"], app.session_state["trainer"]
    assert data.source == "uploaded" and len(data.y) == 6
    assert data.class_names == ("bird", "cat", "dog")
    assert trainer.model.n_classes == 3 and trainer.step_count == 0
    assert any("Uploaded 6 points" in w for w in notices(app))
    Browser(app).step()
    assert not app.exception and app.session_state["trainer"].step_count == 1


def test_a_round_trip_through_download_and_upload_gives_the_same_points(app):
    """Test that the dataset CSV the app offers loads back as exactly the same points."""
    X, y = make_dataset("moons", 120, 3, seed=4)
    upload(app, exports.dataset_to_csv(X, y))
    data = app.session_state["data"]
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, y)


def test_a_bad_upload_changes_nothing_and_says_why(app):
    """Test that a malformed file shows a message naming the line and leaves data and training untouched."""
    Browser(app).step(10)
    data, trainer = app.session_state["data"], app.session_state["trainer"]
    upload(app, b"x1,x2,label\n0,0,a\n1,oops,b\n2,2,a\n3,3,b\n")
    assert not app.exception
    assert app.session_state["data"] is data and app.session_state["trainer"] is trainer
    assert trainer.step_count == 10
    message = " ".join(e.value for e in app.sidebar.error)
    assert "nothing changed" in message and "Line 3" in message and "oops" in message


def test_back_to_generated_data(app):
    """Test that the button leaves uploaded data and rebuilds the generated dataset."""
    upload(app, GOOD_CSV)
    app.sidebar.button(key="back_to_generated").click().run()
    assert not app.exception
    assert app.session_state["data"].source == "generated"
    assert len(app.session_state["data"].y) == app.session_state["settings"].n


def test_uploaded_data_disable_the_controls_that_shape_generated_data(app):
    """Test that with uploaded points the dataset, classes, points and noise controls are disabled with a line
    saying why, and come back with Back to generated data."""
    upload(app, GOOD_CSV)
    for widget, key in (("selectbox", "w_dataset"), ("slider", "w_K"), ("slider", "w_n"), ("slider", "w_noise")):
        assert getattr(app.sidebar, widget)(key=key).disabled, key
    assert any("Back to generated data" in c.value for c in app.sidebar.caption)
    app.sidebar.button(key="back_to_generated").click().run()
    assert app.session_state["data"].source == "generated" and not app.sidebar.slider(key="w_K").disabled


def test_downloads_and_share_link_are_offered(app):
    """Test that the sidebar offers the dataset, history and weights downloads and a link with the settings."""
    app.sidebar.select_slider(key="w_lr").set_value(0.05).run()
    labels = {b.label for b in app.sidebar.get("download_button")}
    assert {"Dataset (CSV)", "Run history (CSV)", "Weights (JSON)"} <= labels
    assert any("lr=0.05" in c.value for c in app.sidebar.code)


def test_presentation_mode_shows_only_the_stage(open_app):
    """Test that ?present=1 tells the stage to present and drops the batch view below it."""
    at = open_app({"present": "1"})
    browser = Browser(at)
    browser.step()
    assert not at.exception
    assert browser.args["view"]["present"] is True
    assert chart_keys(at) == []
    assert not any("mini-batch" in m.value for m in at.markdown)


def test_uploaded_class_names_cannot_inject_markup(app):
    """Test that class names with Markdown, HTML or LaTeX reach the page only as plain characters."""
    hostile = b"x1,x2,label\n0,0,<img src=x onerror=alert(1)>\n1,1,[link](http://x)\n0,1,$\\\\int$\n1,0,**b**\n"
    upload(app, hostile)
    assert not app.exception
    assert app.session_state["data"].source == "uploaded"
    shown = " ".join(m.value for m in app.markdown) + " ".join(chart_specs(app))
    shown += " ".join(Browser(app).args["meta"]["classes"])
    for fragment in ("<img", "](http", "$\\\\int", "**b**"):
        assert fragment not in shown
