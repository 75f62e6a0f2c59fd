"""Server cost of one auto-run frame of the training page, and the bytes it sends.

    python -m bench.frame            # ~200 frames
    python -m bench.frame --quick

Setting of the budget (issue 3): N = 500 points, K = 4 classes, one hidden layer of 32, 100 x 100 decision grid.
One frame = 10 SGD steps + building every figure and table of the live area (``train_panels.live_frame``, the
very function the page calls) + turning each figure into the JSON Streamlit sends (``to_dict`` then
``plotly.io.to_json``, what ``st.plotly_chart`` does). Streamlit's own per-element overhead is not included;
``python -m bench.browser`` measures the whole loop in a real browser.
Budgets: median under 15 ms, figure JSON under 150 KiB per frame.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import plotly.io as pio

from bench.core import cpu_model
from ce_app import state, train_panels
from ce_app.settings import Settings

TARGET_MS = 15.0
TARGET_KIB = 150.0
STEPS_PER_FRAME = 10


def frame_figures(frame: train_panels.LiveFrame) -> list:
    return [f for f in (frame.plane, frame.logits, frame.probs, frame.batch_matrix, frame.batch_contributions,
                        frame.loss_curves, frame.grad_curves) if f is not None]  # fmt: skip


def one_frame(data, trainer) -> tuple[float, int]:
    """Seconds and JSON bytes of one frame."""
    start = time.perf_counter()
    trainer.step(STEPS_PER_FRAME)
    frame = train_panels.live_frame(data, trainer, selected=0, show_class=None, class_k=0, present=False)
    payload = [pio.to_json(fig.to_dict(), validate=False) for fig in frame_figures(frame)]
    return time.perf_counter() - start, sum(len(p) for p in payload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames")
    args = parser.parse_args()
    frames = 40 if args.quick else 200
    settings = Settings(dataset="spiral", K=4, n=500, test=0.2, layers=1, width=32, batch=32)
    data = state.generate(settings)
    trainer = state.build_trainer(settings, data)
    for _ in range(10):  # warm-up: first frames pay for imports, caches and page faults
        one_frame(data, trainer)
    times, sizes = [], []
    for _ in range(frames):
        seconds, size = one_frame(data, trainer)
        times.append(seconds * 1e3)
        sizes.append(size / 1024)
    times, sizes = np.array(times), np.array(sizes)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores")
    print(f"setting: N = 500 (400 train), K = 4, hidden (32,), 100 x 100 grid, {STEPS_PER_FRAME} steps per frame, "
          f"{frames} frames after warm-up, ending at step {trainer.step_count}")  # fmt: skip
    median, p90 = np.median(times), np.percentile(times, 90)
    verdict = "PASS" if median < TARGET_MS else "MISS"
    print(f"server time per frame: median {median:.2f} ms, p90 {p90:.2f} ms (target < {TARGET_MS:g} ms) {verdict}")
    kib = np.median(sizes)
    verdict = "PASS" if kib < TARGET_KIB else "MISS"
    print(
        f"figure JSON per frame: median {kib:.1f} KiB, max {sizes.max():.1f} KiB (target < {TARGET_KIB:g} KiB) {verdict}"
    )


if __name__ == "__main__":
    main()
