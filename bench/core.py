"""Time ce_core's hot paths against the budgets the app's live training view needs.

    python -m bench.core            # about 2 s per case
    python -m bench.core --quick    # about 0.2 s per case, for a smoke run

Cases (spiral data, identity features; "hidden 32" is one tanh layer of 32):
    Model.loss_and_grad on a full batch: N = 500, K = 4, linear;  N = 500, K = 4, hidden 32;  N = 5,000, K = 8,
    hidden 32.  One optimizer step, Trainer.step(1), batch 32, on the N = 500 hidden-32 model, both while the
    history records every step (the first 1,000 steps of a run: each also evaluates the training set) and once the
    history has thinned (most steps of a long run); no budget, reported for scale.  decision_grid 100 x 100 for the
    hidden-32 model, float64 and float32.

Each call is timed on its own with time.perf_counter after a warm-up (first calls pay for page faults and
caches), repeated until the time budget for the case is used; the table shows the median and the 10th and 90th
percentiles in microseconds. A case passes when its median is under the target; the exit status is 1 if any
case misses, so a script can gate on it.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import dataclass

import numpy as np

from ce_core import SGD, Model, Trainer, decision_grid, make_dataset


@dataclass(frozen=True)
class Case:
    name: str  # what is timed, as printed in the table
    fn: object  # zero-argument callable: one call is one timed run
    target_us: float | None  # budget for the median, in microseconds; None when there is none
    before: object = None  # zero-argument callable run, untimed, before each timed call (state upkeep)


@dataclass(frozen=True)
class Timing:
    median: float  # microseconds
    p10: float
    p90: float
    runs: int


def cpu_model() -> str:
    """The CPU's name from /proc/cpuinfo, or what platform knows elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> str:
    """Name and version of the BLAS numpy was built with, plus any thread settings in the environment."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        text = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # the layout of show_config's dict is not a stable API
        text = "unknown"
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    threads = [f"{k}={os.environ[k]}" for k in names if os.environ.get(k)]
    return text + (f" ({', '.join(threads)})" if threads else "")


def time_case(case: Case, seconds: float, warmup_seconds: float, min_runs: int = 20) -> Timing:
    """Time single calls of case.fn until `seconds` have passed (and at least min_runs calls), after a warm-up."""
    fn, before = case.fn, case.before or (lambda: None)
    deadline = time.perf_counter() + warmup_seconds
    while time.perf_counter() < deadline:
        before()
        fn()
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(times) < min_runs:
        before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    p10, median, p90 = np.percentile(np.array(times) * 1e6, [10, 50, 90])
    return Timing(float(median), float(p10), float(p90), len(times))


def build_cases() -> list[Case]:
    X500, y500 = make_dataset("spiral", 500, 4, seed=0)
    X5k, y5k = make_dataset("spiral", 5_000, 8, seed=0)
    linear, hidden, hidden8 = Model(4), Model(4, hidden=(32,)), Model(8, hidden=(32,))
    p_linear, p_hidden, p_hidden8 = linear.init(0), hidden.init(0), hidden8.init(0)
    # Two trainers, because a step costs more while the history records every step (its first `capacity` steps:
    # the metrics row evaluates the whole training set) than later, when the history's stride has grown.
    # lr 0.05 keeps the runs from diverging over tens of thousands of timed steps (a diverged trainer does nothing).
    recording = Trainer(hidden, X500, y500, optimizer=SGD(0.05), batch_size=32, seed=0)
    thinned = Trainer(hidden, X500, y500, optimizer=SGD(0.05), batch_size=32, seed=0, history_capacity=4)

    def keep_recording():
        if recording.history.stride > 1:  # the history filled up: start over so every step is recorded again
            recording.reset()

    bounds = hidden.input_bounds
    return [
        Case("loss_and_grad  N=500   K=4  linear", lambda: linear.loss_and_grad(p_linear, X500, y500), 80.0),
        Case("loss_and_grad  N=500   K=4  hidden 32", lambda: hidden.loss_and_grad(p_hidden, X500, y500), 170.0),
        Case("loss_and_grad  N=5000  K=8  hidden 32", lambda: hidden8.loss_and_grad(p_hidden8, X5k, y5k), 1800.0),
        Case("Trainer.step(1) b32 N=500 h32, recorded", lambda: recording.step(1), None, keep_recording),
        Case("Trainer.step(1) b32 N=500 h32, not recorded", lambda: thinned.step(1), None),
        Case("decision_grid 100x100 hidden 32 float64", lambda: decision_grid(hidden, p_hidden, bounds, 100), 2000.0),
        Case(
            "decision_grid 100x100 hidden 32 float32",
            lambda: decision_grid(hidden, p_hidden, bounds, 100, dtype=np.float32),
            2000.0,
        ),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 0.2 s per case instead of 2 s")
    args = parser.parse_args(argv)
    seconds, warmup = (0.2, 0.05) if args.quick else (2.0, 0.3)

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical cores ({affinity} usable), {platform.system()} "
          f"{platform.machine()}")  # fmt: skip
    print(f"python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas_info()}")
    if hasattr(os, "getloadavg"):
        print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{seconds:g} s per case after a {warmup:g} s warm-up; times in microseconds\n")

    header = f"{'case':<44} {'median':>9} {'p10':>9} {'p90':>9} {'runs':>7} {'target':>8}  result"
    print(header)
    print("-" * len(header))
    misses = 0
    for case in build_cases():
        t = time_case(case, seconds, warmup)
        if case.target_us is None:
            target, verdict = "-", "-"
        else:
            target, verdict = f"{case.target_us:g}", "PASS" if t.median < case.target_us else "MISS"
            misses += verdict == "MISS"
        print(f"{case.name:<44} {t.median:9.1f} {t.p10:9.1f} {t.p90:9.1f} {t.runs:7d} {target:>8}  {verdict}")
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
