"""Placeholder until this page lands (tracked in its issue)."""

import streamlit as st

st.title("landscape")
st.info("This page is being built.")
