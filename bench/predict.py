"""What a prediction question costs: the server time to answer each kind by looking ahead on a fork.

    python -m bench.predict            # 30 runs per kind
    python -m bench.predict --quick    # 5 runs per kind

Setting: the app's defaults with one hidden layer of 16 (blobs, N = 300, K = 3, batch 32, SGD lr 0.1), the trainer
at step 100 (its history still records every step, the dearer case) and at step 3,000 (thinned). Each kind is
asked with its default parameters: one step for p_y_direction, dldu_sign, largest_move, in_batch and
loss_trend; 50 steps (a short Play) for region_growth, loss_below and point_correct. A question is asked before
the Step or Play it is about, so it adds to that click; for scale, bench.browser's Step click median is 65 ms.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from ce_app import state
from ce_app.questions import point_ref
from ce_app.settings import from_query
from ce_core import predict

from .core import cpu_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 runs per kind instead of 30")
    args = parser.parse_args()
    runs = 5 if args.quick else 30
    settings, _ = from_query({"n": "300", "K": "3", "layers": "1", "width": "16"})
    data = state.generate(settings)
    print(f"CPU: {cpu_model()}; load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"setting: {settings.dataset}, N = {settings.n}, K = {settings.K}, hidden {settings.hidden}, "
          f"batch {settings.batch}, {settings.opt} lr {settings.lr}; median and max of {runs} runs, ms")  # fmt: skip
    print(f"{'kind':<15} {'steps':>5} {'at step 100':>18} {'at step 3000':>18}")
    trainers = {}
    for at in (100, 3000):
        trainer = state.build_trainer(settings, data)
        trainer.step(at)
        trainers[at] = trainer
    point = point_ref(data.X, data.y, data.train_idx, int(data.train_idx[0]))
    for kind in predict.KINDS:
        cells, steps = [], None
        for at, trainer in trainers.items():
            params = {"point": point} if kind in predict.POINT_KINDS else {}
            if kind == "region_growth":
                params["bounds"] = data.bounds
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                result = predict.ask(trainer, kind, **params)
                times.append((time.perf_counter() - start) * 1e3)
            steps = result.steps if isinstance(result, predict.Question) else result.numbers.get("steps", 1)
            cells.append(f"{np.median(times):7.2f} / {max(times):6.2f}")
            assert trainer.step_count == at  # asking never moves the trainer
        print(f"{kind:<15} {steps:>5} {cells[0]:>18} {cells[1]:>18}")
    fork_times = []
    for _ in range(runs):
        start = time.perf_counter()
        trainers[100].fork()
        fork_times.append((time.perf_counter() - start) * 1e3)
    print(f"{'fork alone':<15} {'':>5} {np.median(fork_times):7.2f} / {max(fork_times):6.2f}")


if __name__ == "__main__":
    main()
