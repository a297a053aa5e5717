"""The dataset folder: built beside its destination, published by renaming, never seen half
written.

Everything is written into `.<name>.partial` next to the destination; only when the card is
written does the folder take the destination's name. A run that fails or is killed leaves at
most that hidden folder, which the next run removes. An existing destination is replaced only
when it is empty or holds nothing but what an export writes (EXPORT_ENTRIES), so an
export never deletes a user's other files.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

REMOVED_FILE = "removed.jsonl"
"""One line per input record left out: id, url, source, reason, kept_id."""
EXPORT_ENTRIES = frozenset({"README.md", "data", "chunks", REMOVED_FILE})
SPLIT = "train"
ROWS_PER_GROUP = 1_000
"""Rows per Parquet row group: what a reader holds in memory at once (a few MB of records)."""


class FolderError(ValueError):
    """A destination an export must not replace."""


def check_destination(target: Path) -> None:
    """Raise FolderError unless `target` is absent, empty, or an earlier export."""
    if not target.exists():
        return
    if not target.is_dir():
        raise FolderError(f"{target}: exists and is not a folder")
    others = sorted(p.name for p in target.iterdir() if p.name not in EXPORT_ENTRIES)
    if others:
        raise FolderError(
            f"{target}: exists and holds files an export does not write ({', '.join(others[:5])})"
            "; name a new or empty folder"
        )


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A fresh staging folder; on success it replaces `target`, on failure it is removed."""
    check_destination(target)
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _publish(partial, target)


def _publish(partial: Path, target: Path) -> None:
    """Swap the staged folder in: the old export (if any) is moved aside first, then removed."""
    _fsync_tree(partial)
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(partial, target)
    _fsync(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        _fsync(path)
    _fsync(folder)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ShardWriter:
    """Rows to `folder/train-NNNNN-of-MMMMM.parquet`, `rows_per_shard` rows a file, named when
    closed (the total is known only then), as the Hub's own Parquet exports name them."""

    def __init__(self, folder: Path, schema: pa.Schema, rows_per_shard: int) -> None:
        folder.mkdir()
        self.folder = folder
        self.schema = schema
        self.rows_per_shard = rows_per_shard
        self.files: list[Path] = []
        self.rows = 0
        self._buffer: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None

    def write(self, row: dict[str, Any]) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= ROWS_PER_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        while self._buffer:
            if self._writer is None:
                self.files.append(self.folder / f"part-{len(self.files):05d}.parquet")
                self._writer = pq.ParquetWriter(self.files[-1], self.schema)
            room = self.rows_per_shard - self.rows % self.rows_per_shard
            rows, self._buffer = self._buffer[:room], self._buffer[room:]
            self._writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))
            self.rows += len(rows)
            if self.rows % self.rows_per_shard == 0:
                self._writer.close()
                self._writer = None

    def close(self) -> None:
        self._flush()
        if self._writer is not None:
            self._writer.close()
        for index, path in enumerate(self.files):
            path.rename(self.folder / f"{SPLIT}-{index:05d}-of-{len(self.files):05d}.parquet")
