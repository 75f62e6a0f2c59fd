"""Cross-Entropy Playground: the router and the frame every page shares.

Each full run: the page menu, then the shared frame (the settings from the URL on a session's first run, the
sidebar after that; the session's data and trainer kept in line with them and mirrored into the URL), then the
chosen page.
"""

from pathlib import Path

import streamlit as st

from ce_app import blas, page_frame, player, streamlit_internals

blas.use_one_thread()  # many small products from many sessions: one BLAS thread costs half the CPU (ce_app/blas.py)
streamlit_internals.guard_json_widget_values()  # before any run reads a browser's value: bad JSON never wedges a session

st.set_page_config(
    page_title="Cross-Entropy Playground",
    page_icon=str(Path(__file__).with_name("ce_app") / "icon.png"),  # a file: a material icon is fetched from Google
    layout="wide",
    initial_sidebar_state=page_frame.initial_sidebar_state(),
)
train = st.Page("pages/train.py", title="Train", icon=":material/model_training:", default=True)
pages = [
    train,
    st.Page("pages/derivation.py", title="Why p − y?", icon=":material/function:", url_path="derivation"),
    st.Page("pages/landscape.py", title="Loss landscape", icon=":material/landscape:", url_path="landscape"),
    st.Page("pages/race.py", title="Optimizer race", icon=":material/sports_score:", url_path="race"),
]
# Our own menu (client.showSidebarNavigation = false): Streamlit's would first show the pages/ folder's file names
# for a moment on a fresh server.
with st.sidebar:
    for page in pages:
        st.page_link(page)
page_frame.run()
current = st.navigation(pages, position="hidden")
if current.url_path != train.url_path:
    player.stop_playing()  # another page shows the trainer as it is: playing ends where the server is
current.run()
