"""Hypothesis profiles for every test folder, chosen by ``CE_HYPOTHESIS_PROFILE``.

- ``quick`` (the default, for local runs): derandomized, so a run replays the same examples and a failure
  reproduces on every machine.
- ``ci`` (what ``.ci/run`` sets): a fresh random seed per run, so the fuzzers keep looking for new failures.
  The seed is printed at the start and the end of the run; ``--hypothesis-seed=N`` replays run N exactly.

Both profiles: no example database (runs leave no files), no deadline (the first call of a numpy function can take
longer than hypothesis' 200 ms on a loaded CI runner). The profile is loaded here, before any test module is
imported, so the ``settings(max_examples=...)`` objects of the test modules inherit it.
"""

from __future__ import annotations

import os
import secrets

import pytest
from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "CE_HYPOTHESIS_PROFILE"
COMMON = {"max_examples": 50, "deadline": None, "database": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("quick", derandomize=True, **COMMON)
settings.register_profile("ci", derandomize=False, print_blob=True, **COMMON)

PROFILE = os.environ.get(PROFILE_VARIABLE, "quick")
if PROFILE not in ("quick", "ci"):
    raise pytest.UsageError(f"{PROFILE_VARIABLE}={PROFILE!r}: use 'quick' (derandomized) or 'ci' (random seed)")
settings.load_profile(PROFILE)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """In the random profile, choose this run's seed (unless --hypothesis-seed gives one) and hand it to hypothesis'
    own plugin, which reads the option right after this hook."""
    if PROFILE == "ci" and config.getoption("hypothesis_seed", None) is None:
        worker = getattr(config, "workerinput", None)  # a pytest-xdist worker runs with its controller's seed
        config.option.hypothesis_seed = worker["hypothesis_seed"] if worker else str(secrets.randbits(32))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist, in the controller: hand this run's seed to each worker (else each would draw its own, and the
    printed seed would not replay what the workers ran)."""
    node.workerinput["hypothesis_seed"] = node.config.getoption("hypothesis_seed", None)


def _seed_line(config) -> str:
    if PROFILE != "ci":
        return f"hypothesis: profile 'quick' (derandomized; {PROFILE_VARIABLE}=ci for a random seed)"
    seed = config.getoption("hypothesis_seed", None)
    return f"hypothesis: profile 'ci', seed {seed} (replay: {PROFILE_VARIABLE}=ci python -m pytest --hypothesis-seed={seed})"


def pytest_report_header(config):
    return _seed_line(config)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line(_seed_line(config))
