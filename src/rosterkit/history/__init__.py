"""Rounds kept: a SQLite store of every recorded round (schema.py), a run recorded as a round (record.py), and the
store read back as DataFrames (store.py)."""
