"""Time the loss-landscape page's two computations against the app's 1 s budget.

    python -m bench.landscape

1. loss_surface on a 61 x 61 grid: N = 500 spiral points, K = 4, one tanh hidden layer of 32, identity features,
   two random filter-normalised directions (float32, the default, and float64 for comparison); then, for scale,
   the largest network the app allows (two relu layers of 64).
2. run_race: 3 configs (SGD, SGD + momentum, Adam), 300 steps each, batch 32, on the same data and model.

Each figure is the median of several runs after one warm-up run (first calls pay for imports and page faults).
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np

from bench.core import cpu_model
from ce_core import SGD, Adam, Model, RaceConfig, loss_surface, make_dataset, random_direction, run_race

TARGET_SECONDS = 1.0
GRID = 61
N_SAMPLES, N_CLASSES, HIDDEN = 500, 4, (32,)
RACE_STEPS = 300


def timings(fn, repeats: int) -> list[float]:
    """Seconds per call for ``repeats`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def report(name: str, times: list[float]) -> None:
    """The median decides PASS/MISS; the best run is shown too, because on a shared 2-core machine another busy
    process can stall BLAS threads and make single runs several times slower."""
    median = statistics.median(times)
    verdict = "PASS" if median < TARGET_SECONDS else "MISS"
    print(f"  {name:<48} median {median * 1000:7.1f} ms  best {min(times) * 1000:7.1f} ms  "
          f"target < {TARGET_SECONDS:.0f} s  {verdict}")  # fmt: skip


def main() -> None:
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.machine()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, load average {os.getloadavg()[0]:.2f}")
    X, y = make_dataset("spiral", N_SAMPLES, N_CLASSES, seed=0)
    model = Model(N_CLASSES, hidden=HIDDEN)
    params = model.init(0)
    d1 = random_direction(model, params, seed=1, normalize="filter")
    d2 = random_direction(model, params, seed=2, normalize="filter")
    axis = np.linspace(-1.0, 1.0, GRID)
    print(f"\nloss_surface: {GRID}x{GRID} grid, N={N_SAMPLES}, K={N_CLASSES}, hidden={HIDDEN}, tanh, median of 7")
    for dtype in ("float32", "float64"):
        times = timings(lambda d=dtype: loss_surface(model, params, X, y, d1, d2, axis, axis, dtype=d), 7)
        report(f"{GRID}x{GRID} surface, {dtype}", times)
    # For scale: the largest network the app allows, same data and grid.
    big = Model(N_CLASSES, hidden=(64, 64), activation="relu")
    big_params = big.init(0)
    e1, e2 = (random_direction(big, big_params, seed=s) for s in (1, 2))
    times = timings(lambda: loss_surface(big, big_params, X, y, e1, e2, axis, axis), 7)
    report(f"{GRID}x{GRID} surface, float32, hidden (64, 64) relu", times)

    configs = [
        RaceConfig("SGD lr 0.1", SGD(0.1), 32),
        RaceConfig("SGD lr 0.05, momentum 0.9", SGD(0.05, momentum=0.9), 32),
        RaceConfig("Adam lr 0.01", Adam(0.01), 32),
    ]
    X_test, y_test = make_dataset("spiral", N_SAMPLES // 4, N_CLASSES, seed=1)
    print(f"\nrun_race: 3 configs x {RACE_STEPS} steps, batch 32, same data and model, median of 3")
    times = timings(lambda: run_race(model, X, y, X_test, y_test, configs, RACE_STEPS), 3)
    report(f"3-config {RACE_STEPS}-step race", times)


if __name__ == "__main__":
    main()
