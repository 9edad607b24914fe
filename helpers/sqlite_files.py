"""A SQLite database is up to three files (the database, its write-ahead log and its shared
memory index); removing one means removing all three."""

from __future__ import annotations

from pathlib import Path


def remove_database(path: Path) -> None:
    """Delete the database at `path` with its -wal and -shm files, if there are any."""
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        part.unlink(missing_ok=True)
