"""Server cost of the training page's frames: ce_core computing a chunk, and the codec packing it.

    python -m bench.frame            # 30 chunks per setting
    python -m bench.frame --quick

What the server does for a playing student, without Streamlit's own per-rerun cost (``python -m bench.load``
measures the whole server): ``ce_core.play_chunk`` (spf optimizer steps per frame, then the frame: metrics,
the 80 x 80 decision grid, predictions for every point, the selected point's chain rule), then
``frame_codec.encode_frames`` (quantize, pack, zlib). Median of the chunks, after a warm-up.

Settings:
- budget (issue 9): spiral, N = 500 (400 train), K = 4, one hidden layer of 32, batch 32, spf = 5, 10 frames per
  chunk (fps = 10). Budgets: <= 3 ms of server CPU and <= 8 KiB per shown frame (the rerun's own cost comes on
  top: see bench.load).
- TensorFlow Playground's setting: circles, 250 training points, K = 2, hidden layers (4, 2) tanh, batch 10,
  lr 0.03, shown at 30 frames/s with spf = 50: the server must compute a second of frames (60 epochs) in well
  under a second. Printed: epochs trained per second of animation, and the share of a core that takes.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import ce_core
from bench.core import cpu_model
from ce_app import blas, frame_codec, stage, state
from ce_app.settings import Settings

BUDGET_MS_PER_FRAME = 3.0
BUDGET_KIB_PER_FRAME = 8.0


def _setup(settings: Settings):
    data = state.generate(settings)
    trainer = state.build_trainer(settings, data)
    spec = ce_core.FrameSpec(X=data.X, y=data.y, train_rows=data.train_idx, test_rows=data.test_idx,
                             bounds=data.bounds, resolution=stage.GRID_RESOLUTION, arrows=trainer.model.is_linear)  # fmt: skip
    layout = frame_codec.FrameLayout(len(data.y), data.n_classes, stage.GRID_RESOLUTION, trainer.model.n_last_inputs,
                                     arrows=trainer.model.is_linear)  # fmt: skip
    return data, trainer, spec, layout


def measure(settings: Settings, frames: int, chunks: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Seconds of CPU and compressed bytes per chunk of ``frames`` frames; the last step reached."""
    data, trainer, spec, layout = _setup(settings)
    seconds, sizes = [], []
    for i in range(chunks + 3):  # the first chunks pay for caches and page faults
        start = time.process_time()
        chunk = ce_core.play_chunk(trainer, spec, frames, settings.spf)
        packed = frame_codec.encode_frames(chunk.frames, data.y, layout)
        if i >= 3:
            seconds.append(time.process_time() - start)
            sizes.append(len(packed.blob))
    return np.array(seconds), np.array(sizes), trainer.step_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer chunks")
    args = parser.parse_args()
    chunks = 8 if args.quick else 30
    blas.use_one_thread()  # as the server does (app.py)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; BLAS: {blas.blas_threads()}")

    budget = Settings(dataset="spiral", K=4, n=500, test=0.2, layers=1, width=32, batch=32, spf=5, fps=10)
    frames = stage.frames_per_chunk(budget.fps)
    seconds, sizes, last = measure(budget, frames, chunks)
    ms = np.median(seconds) / frames * 1e3
    kib = np.median(sizes) / frames / 1024
    print(f"budget setting: N = 500, K = 4, hidden (32,), spf = 5, {frames} frames per chunk, {chunks} chunks "
          f"(to step {last:,})")  # fmt: skip
    print(f"  server CPU per frame: {ms:.2f} ms (p90 {np.percentile(seconds, 90) / frames * 1e3:.2f}) "
          f"(budget <= {BUDGET_MS_PER_FRAME:g} ms before Streamlit's rerun) {'PASS' if ms <= BUDGET_MS_PER_FRAME else 'MISS'}")  # fmt: skip
    print(f"  bytes per frame: {kib:.2f} KiB compressed (budget <= {BUDGET_KIB_PER_FRAME:g} KiB) "
          f"{'PASS' if kib <= BUDGET_KIB_PER_FRAME else 'MISS'}")  # fmt: skip
    print(f"  one session at fps = 10: {ms * 10 / 10:.1f}% of a core for the frames alone")

    tfp = Settings(dataset="circles", K=2, n=500, test=0.5, layers=2, width=4, batch=10, lr=0.03, spf=50, fps=30)
    data = state.generate(tfp)
    hidden = (4, 2)  # TensorFlow Playground's default network; the app's layers share one width, so build it here
    model = ce_core.Model.for_data(data.X, 2, hidden=hidden)
    tfp_trainer = ce_core.Trainer(model, data.X[data.train_idx], data.y[data.train_idx], data.X[data.test_idx],
                                  data.y[data.test_idx], optimizer=ce_core.SGD(0.03), batch_size=10)  # fmt: skip
    spec = ce_core.FrameSpec(X=data.X, y=data.y, train_rows=data.train_idx, test_rows=data.test_idx,
                             bounds=data.bounds, resolution=stage.GRID_RESOLUTION)  # fmt: skip
    layout = frame_codec.FrameLayout(len(data.y), 2, stage.GRID_RESOLUTION, 2)
    frames = stage.frames_per_chunk(tfp.fps)
    times = []
    for i in range(max(4, chunks // 4) + 2):
        start = time.process_time()
        chunk = ce_core.play_chunk(tfp_trainer, spec, frames, tfp.spf)
        frame_codec.encode_frames(chunk.frames, data.y, layout)
        if i >= 2:
            times.append(time.process_time() - start)
    per_second = float(np.median(times))  # CPU seconds to compute one second of animation
    epochs = frames * tfp.spf / tfp_trainer.steps_per_epoch
    print(f"TensorFlow Playground setting: 250 training points, batch 10, hidden (4, 2), {tfp.fps} frames/s x spf "
          f"{tfp.spf} = {epochs:.0f} epochs per second of animation")  # fmt: skip
    print(f"  one second of frames costs {per_second * 1e3:.0f} ms of server CPU ({per_second:.0%} of a core): "
          f"{epochs / per_second:.0f} epochs/s possible (needed >= 60) {'PASS' if per_second < 1 else 'MISS'}")  # fmt: skip


if __name__ == "__main__":
    main()
