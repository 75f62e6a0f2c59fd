"""Cross-Entropy Playground: router and shared frame (the pages arrive with the training-page issue)."""

import streamlit as st

import ce_core

st.set_page_config(page_title="Cross-Entropy Playground", page_icon="🎯", layout="wide")
st.title("Cross-Entropy Playground")
st.write(f"Softmax of (1, 2, 3): {ce_core.softmax([1.0, 2.0, 3.0]).round(3).tolist()}")
