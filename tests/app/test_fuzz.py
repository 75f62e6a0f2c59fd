"""Fuzzing through the real app: hundreds of malformed uploads and hostile links, zero exceptions.

Every input ends either accepted (a valid dataset, valid settings) or with a clear message, and a rejected upload
leaves the previous data and training exactly as they were.
"""

from __future__ import annotations

import numpy as np
import pytest

from ce_app.settings import SPECS
from ce_core import make_dataset
from tests.app.charts import chart_specs

N_UPLOADS = 200
N_LINKS = 500

HOSTILE_VALUES = [
    "", " ", "-1", "-999999999999", "1e309", "-1e309", "nan", "NaN", "inf", "-inf", "0x10", "1_000", "١٢",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "' OR 1=1 --",
    "%00", "\x00", "\u202e", "😀" * 10, "Ω≈ç√∫", "true", "false", "None", "[]", "{}", "0.1.2", "1,2",
    "../../etc/passwd", "${jndi:ldap://x}", "A" * 10_000, "9" * 400, "1e-400", "-0", "+5", " 3 ",
]  # fmt: skip


def _valid_csv(rng: np.random.Generator) -> list[list[str]]:
    X, y = make_dataset("blobs", int(rng.integers(8, 40)), int(rng.integers(2, 5)), seed=int(rng.integers(1000)))
    return [[repr(float(a)), repr(float(b)), str(int(c))] for (a, b), c in zip(X, y, strict=True)]


def _mutate(rows: list[list[str]], rng: np.random.Generator) -> bytes:
    """One malformed file: a few random edits to a valid one (or plain junk)."""
    kind = int(rng.integers(12))
    if kind == 0:
        return bytes(rng.integers(0, 256, int(rng.integers(1, 400)), dtype=np.uint8))
    rows = [list(r) for r in rows]
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.integers(len(rows)))
        j = int(rng.integers(3))
        choice = int(rng.integers(9))
        if choice == 0:
            rows[i][j] = str(rng.choice(HOSTILE_VALUES))
        elif choice == 1:
            rows[i] = rows[i][:j]  # missing cells
        elif choice == 2:
            rows[i] = [*rows[i], "extra"]
        elif choice == 3:
            rows[i][j] = "nan"
        elif choice == 4:
            rows[i][2] = f"c{rng.integers(100)}"  # many classes
        elif choice == 5:
            rows = rows * 200  # too many rows
        elif choice == 6:
            rows[i][j] = "1e400"
        elif choice == 7:
            rows.insert(0, ["x1", "x1", "label"])  # duplicate header
        else:
            rows = rows[:1]  # too few rows / one class
    text = "\n".join((";" if kind == 1 else ",").join(r) for r in rows)
    data = text.encode("utf-8")
    if kind == 2:
        data = text.encode("utf-16")
    elif kind == 3:
        data = data.replace(b",", b"\x00", 1)
    elif kind == 4:
        data = text.encode("latin-1", errors="replace") + b"\xe9\xff"
    return data


def test_hundreds_of_malformed_uploads_never_crash_and_never_lose_state(open_app):
    """Test that 200 generated malformed CSV files each end in a message or a valid dataset, never an exception."""
    rng = np.random.default_rng(2026)
    at = open_app()
    rejected = 0
    for n in range(N_UPLOADS):
        before_data, before_trainer = at.session_state["data"], at.session_state["trainer"]
        content = _mutate(_valid_csv(rng), rng)
        at.sidebar.file_uploader(key="upload_csv").set_value((f"f{n}.csv", content, "text/csv"))
        at.run()
        assert not at.exception, (n, content[:200], [e.value for e in at.exception])
        errors = [e.value for e in at.sidebar.error]
        if errors:
            rejected += 1
            assert at.session_state["data"] is before_data and at.session_state["trainer"] is before_trainer
            assert all(0 < len(e) < 400 for e in errors)
        else:
            data = at.session_state["data"]
            assert data.source == "uploaded" and np.isfinite(data.X).all() and 2 <= data.n_classes <= 8
    assert rejected >= N_UPLOADS // 2, "the generator should mostly produce broken files"


def _hostile_query(rng: np.random.Generator) -> dict:
    names = [*SPECS, "unknown", "x" * 300, "<b>", "sample", "lr", "K"]
    query = {}
    for _ in range(int(rng.integers(1, 6))):
        name = str(rng.choice(names))
        pick = int(rng.integers(4))
        if pick == 0:
            value = str(rng.choice(HOSTILE_VALUES))
        elif pick == 1:
            value = repr(float(rng.normal(0, 10.0 ** rng.integers(0, 12))))
        elif pick == 2:
            value = str(int(rng.integers(-(10**9), 10**9)))
        else:
            value = "".join(chr(int(c)) for c in rng.integers(32, 0x2FFF, int(rng.integers(0, 40))))
        query[name] = value
    return query


@pytest.mark.parametrize("chunk", range(5))
def test_hundreds_of_hostile_links_fall_back_safely(chunk, open_app):
    """Test that 500 random or hostile query strings (100 per chunk) never raise and leave a working page."""
    rng = np.random.default_rng(1000 + chunk)
    for _ in range(N_LINKS // 5):
        query = _hostile_query(rng)
        at = open_app(query)
        assert not at.exception, (query, [e.value for e in at.exception])
        settings = at.session_state["settings"]
        for name, spec in SPECS.items():
            value = getattr(settings, name)
            if spec.kind in ("int", "float", "lr"):
                assert spec.low <= value <= spec.high, (name, value)
            elif spec.kind == "choice":
                assert value in spec.choices
        assert 0 <= at.session_state["w_sample"] < len(at.session_state["data"].y)
        for spec in chart_specs(at):
            assert "NaN" not in spec
