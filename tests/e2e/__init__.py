"""Browser tests: the real app in headless Chromium (``python -m pytest tests/e2e -m e2e``)."""
