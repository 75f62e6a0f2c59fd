"""Class mode's shared state and rules, without Streamlit: the store (SQLite or Redis), the room rules, the QR code.

``store`` (the interface), ``backends`` (``open_store``: which one, from the environment), ``sqlite_store`` and ``redis_store`` (the two
backends), ``rooms`` (who may do what, and the messages), ``qr`` (the student link as a QR code).
"""
