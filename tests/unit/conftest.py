"""Shared settings for the ce_core unit tests: fast, reproducible hypothesis runs."""

from hypothesis import HealthCheck, settings

# Derandomized so a failure reproduces on every machine; deadline=None because the first call of a numpy function
# can take longer than hypothesis' default 200 ms on a loaded CI runner.
settings.register_profile(
    "ce_core",
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ce_core")
