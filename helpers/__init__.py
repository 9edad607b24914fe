"""The kit's Python package (public API filled in below)."""
