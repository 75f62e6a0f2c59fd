"""Streamlit and Plotly glue for Cross-Entropy Playground: settings, state, figures, controls."""
