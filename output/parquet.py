"""The Parquet sink: records to one typed Parquet file, with the Arrow schema derived from the
record's dataclasses (`healthcrawl.schema.arrow_schema`), so every file has the same columns and
types whatever it holds.

A Parquet file is unreadable until its footer is written, so records are first appended to a
JSONL spool beside it (`out.parquet.spool.jsonl`, the JSONL sink: whole lines, locked, fsynced),
which is what "written" means for the ledger: a killed run loses nothing reported written. At
close the existing file's row groups and the spool are streamed into a new file, a row group at
a time (memory stays flat), which replaces the old one atomically; then the spool is removed.
Never is a partial Parquet file left under the output's name. A spool left by a killed run is
published by the next run that opens the sink.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .opening import Opening
from .writer import JsonlWriter, read_records

ROWS_PER_GROUP = 5_000
"""Records per Parquet row group: a few tens of MB of text at most in memory while publishing."""


def spool_path(path: Path) -> Path:
    return path.with_name(path.name + ".spool.jsonl")


class ParquetSink(Opening):
    def __init__(self, path: Path, *, rows_per_group: int = ROWS_PER_GROUP) -> None:
        self.path = Path(path)
        self.rows_per_group = rows_per_group
        self.spool = JsonlWriter(spool_path(self.path))

    def open(self) -> None:
        self.spool.open()

    def write(self, record: dict[str, Any]) -> None:
        self.spool.write(record)

    def existing(self) -> Iterator[tuple[str, str | None]]:
        """(id, url) of the records in the published file and in the spool."""
        if self.path.exists():
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(self.path).iter_batches(columns=["id", "url"]):
                ids, urls = batch.column("id").to_pylist(), batch.column("url").to_pylist()
                yield from zip(ids, urls, strict=True)
        yield from self.spool.existing()

    def clear(self) -> None:
        """Remove the output and its spool: it is being replaced."""
        self.path.unlink(missing_ok=True)
        spool_path(self.path).unlink(missing_ok=True)

    def close(self) -> None:
        self.spool.close()
        self.publish()

    def publish(self) -> None:
        """Stream the old file and the spool into a new file that replaces the old one."""
        spool = spool_path(self.path)
        if not spool.exists():
            return
        if spool.stat().st_size == 0 and self.path.exists():
            spool.unlink()
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        from healthcrawl.schema import arrow_schema

        schema = arrow_schema()
        partial = self.path.with_name(f".{self.path.name}.partial")
        with pq.ParquetWriter(partial, schema) as writer:
            if self.path.exists():
                for batch in pq.ParquetFile(self.path).iter_batches(self.rows_per_group):
                    writer.write_batch(batch)
            records = read_records(spool)
            while rows := list(itertools.islice(records, self.rows_per_group)):
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, self.path)
        spool.unlink()
