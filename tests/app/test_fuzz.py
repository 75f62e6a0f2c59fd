"""Hostile links and bad uploads through the real app: each kind of fallback and of rejected file, once.

The parsers themselves are fuzzed with thousands of cases in tests/unit/test_settings_parsing.py and
tests/unit/test_dataset_csv.py. Here each case goes through AppTest, to show that the page shows the notice or the
message, keeps a consistent state, and that a rejected upload leaves the previous data and training untouched.
"""

from __future__ import annotations

import numpy as np
import pytest

from ce_app.dataset_csv import MAX_ROWS
from ce_app.settings import DEFAULTS, SPECS, batch_sizes, train_size
from tests.app.notices import as_read, notices

# One link per kind of fallback: (query, settings expected, parameters that must each get a notice).
HOSTILE_LINKS = {
    "unreadable values fall back to the default": (
        {"K": "abc", "lr": "1e999", "T": "nan", "seed": "1.5", "present": "maybe"},
        {"K": DEFAULTS.K, "lr": DEFAULTS.lr, "T": DEFAULTS.T, "seed": DEFAULTS.seed, "present": False},
    ),
    "markup is refused as a value": (
        {"dataset": "<script>alert(1)</script>", "act": "[x](javascript:alert(1))", "hide": "epoch,<b>bold</b>"},
        {"dataset": DEFAULTS.dataset, "act": DEFAULTS.act, "hide": "epoch"},
    ),
    "numbers out of range are clamped": (
        {"n": "-5", "layers": "99", "width": "0", "sample": "99999", "batch": "5000"},
        {"n": 20, "layers": 2, "width": 1, "sample": 19, "batch": train_size(20, DEFAULTS.K, DEFAULTS.test)},
    ),
    "numbers written another way are read with a notice": (
        {"K": "３", "n": "1e3", "seed": "1_000", "lr": "0.3", "batch": "100"},
        {"K": 3, "n": 1000, "seed": 1000, "lr": 0.2, "batch": 128},
    ),
    "long, repeated and unknown parameters": (
        {"lr": "x" * 10_000, "K": ["2", "5"], "x" * 300: "1", "<b>": "2"},
        {"lr": DEFAULTS.lr, "K": 5},
    ),
}


@pytest.mark.parametrize("case", HOSTILE_LINKS)
def test_a_hostile_link_falls_back_with_a_notice_per_parameter(case, open_app):
    """Test that each kind of bad link value gives the expected settings, one notice each, and consistent state."""
    query, expected = HOSTILE_LINKS[case]
    at = open_app(query)
    assert not at.exception, [e.value for e in at.exception]
    settings, data = at.session_state["settings"], at.session_state["data"]
    assert {name: getattr(settings, name) for name in expected} == expected
    warnings = notices(at)
    for name in query:
        own = (f"Link: {name}=", f"Link: {name}:") if name in SPECS else ("Link: Unknown", "Link: 2 unknown")
        assert any(w.startswith(own) for w in warnings), (name, warnings)
    assert all(len(w) < 400 for w in warnings)
    assert len(data.y) == settings.n and 0 <= at.session_state["w_sample"] < settings.n
    n_train = train_size(settings.n, settings.K, settings.test)
    assert len(data.train_idx) == n_train and at.session_state["trainer"].batch_size in batch_sizes(n_train)


GOOD_CSV = b"x1,x2,label\n0,0,cat\n1,1,dog\n0.2,0.1,cat\n1.1,0.9,dog\n-0.5,0.3,bird\n0.1,-0.6,bird\n"

# One file per kind of rejection: (file, fragments the message must hold).
BAD_UPLOADS = {
    "binary: an Excel workbook": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), ["Excel", "CSV UTF-8"]),
    "encoding: Latin-1 text": ("x1,x2,label\n1,2,a\n3,4,é\n".encode("latin-1"), ["Line 3", "not UTF-8"]),
    "layout: tab-separated": (b"x1\tx2\tlabel\n1\t2\ta\n3\t4\tb\n5\t6\ta\n7\t8\tb\n", ["tabs", "commas (,)"]),
    "cell: a NaN coordinate": (b"x1,x2,label\n1,2,a\n3,NaN,b\n5,6,a\n7,8,b\n", ["Line 3, column 2 (x2)", "NaN"]),
    "limit: 5,001 data rows": (
        b"x1,x2,label\n" + b"".join(b"%d,1,%d\n" % (i, i % 2) for i in range(MAX_ROWS + 1)),
        ["5,001 data rows", "at most 5,000"],
    ),
    "limit: nine classes": (b"".join(b"%d,1,c%d\n" % (i, i) for i in range(9)), ["9 classes", "at most 8"]),
}


def upload(at, content: bytes, name: str = "data.csv"):
    at.sidebar.file_uploader(key="upload_csv").set_value((name, content, "text/csv"))
    return at.run()


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_a_rejected_upload_says_why_and_leaves_data_and_training_untouched(case, app):
    """Test that each kind of bad file shows its message and keeps the previous upload and its trainer as they were."""
    upload(app, GOOD_CSV)
    data, trainer = app.session_state["data"], app.session_state["trainer"]
    assert data.source == "uploaded" and not app.sidebar.error
    trainer.step(3)
    weights = trainer.flat_params().copy()
    content, fragments = BAD_UPLOADS[case]
    upload(app, content)
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state["data"] is data and app.session_state["trainer"] is trainer
    assert trainer.step_count == 3 and np.array_equal(trainer.flat_params(), weights)
    (message,) = [as_read(e.value) for e in app.sidebar.error]
    assert message.startswith("This file was not loaded, nothing changed: ") and len(message) < 400
    for fragment in fragments:
        assert fragment in message, (fragment, message)
