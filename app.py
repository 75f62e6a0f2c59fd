"""Cross-Entropy Playground: the router and the frame every page shares.

Each full run: read the settings (the URL on a session's first run, the sidebar after that), keep the session's
data and trainer in line with them, mirror them into the URL, then run the chosen page.
"""

import streamlit as st

from ce_app import session

st.set_page_config(
    page_title="Cross-Entropy Playground",
    page_icon="🎯",
    layout="wide",
    initial_sidebar_state=session.initial_sidebar_state(),
)
session.frame()

pages = [
    st.Page("pages/train.py", title="Train", icon=":material/model_training:", default=True),
    st.Page("pages/derivation.py", title="Why p − y?", icon=":material/function:", url_path="derivation"),
    st.Page("pages/landscape.py", title="Loss landscape", icon=":material/landscape:", url_path="landscape"),
    st.Page("pages/race.py", title="Optimizer race", icon=":material/sports_score:", url_path="race"),
]
st.navigation(pages, position="sidebar").run()
