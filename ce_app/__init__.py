"""Streamlit and Plotly glue for Cross-Entropy Playground: settings, state, figures, controls."""

import os
import sys

# One BLAS thread for the server. Streamlit runs every session's script in a thread of one process, and a training
# frame's matrix products are small (500 x 32 at most), so OpenBLAS's thread pool saves nothing and makes sessions,
# and a browser on the same machine, fight for the cores: auto-run showed ~10 frames/s with this setting against
# ~8.5 without (``python -m bench.browser``, Chromium and server on two cores). The variable is read when numpy
# loads, which in ``streamlit run`` is when the app first imports this package; an explicit setting is kept.
if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
