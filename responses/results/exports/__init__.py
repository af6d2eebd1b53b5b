"""Exports, data first and format last: a registry keyed by format (registry.py), row
generators (rows.py) and the writers that format rows (writers.py)."""
