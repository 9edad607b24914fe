"""Helpers shared by the test suite (not by the kit): global state, environments, waits.

Importable as `support` from any test (tests/ is on sys.path: it has a conftest and no
__init__.py).
"""
