"""Record files in: JSONL and Parquet files of records, or folders of them, in a fixed order,
every record checked against the record's schema.

A bad record never stops the others: the reader yields a `Problem` naming the file and the line
(JSONL) or row (Parquet) in its place, and the export leaves that record out. A file that holds
no records at all (its first line is not a JSON object with a `schema_version`, a Parquet file
without the record's columns, an unreadable file) is one problem for the whole file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthcrawl.extractors.record import SCHEMA_VERSION
from healthcrawl.output.validate import RecordInvalid, validate
from healthcrawl.schema import VERSION_FIELD

RECORD_SUFFIXES = (".jsonl", ".parquet")
"""What a folder is searched for; a file named on the command line is read whatever its name."""
_PARQUET_MAGIC = b"PAR1"
_MAJOR = SCHEMA_VERSION.partition(".")[0]
_BATCH_ROWS = 1_000


@dataclass(frozen=True, slots=True)
class Problem:
    """An input record (or a whole file) left out, and why."""

    path: str
    line: int | None
    """JSONL line or Parquet row, from 1; None when the whole file is refused."""
    message: str
    unit: str = "line"

    def __str__(self) -> str:
        where = f" {self.unit} {self.line}" if self.line is not None else ""
        return f"{self.path}{where}: {self.message}"


def record_files(paths: Sequence[str]) -> tuple[list[Path], list[Problem]]:
    """Files as given, folders searched recursively for RECORD_SUFFIXES (sorted, so the order,
    and with it which duplicate is kept on a tie, is reproducible)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _is_record_file(p))
            if not found:
                suffixes = " or ".join(RECORD_SUFFIXES)
                problems.append(Problem(name, None, f"folder holds no {suffixes} files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(name, None, "no such file or folder"))
    return files, problems


def _is_record_file(path: Path) -> bool:
    return path.name.lower().endswith(RECORD_SUFFIXES) and not path.name.startswith(".")


class InputChanged(ValueError):
    """A record file changed while the export was reading it again."""


class RecordPasses:
    """The valid records of `files`, read once per pass and numbered from 0 in reading order.
    The first pass checks each against the schema and notes what it refused; later passes skip
    the same records without checking again, and raise InputChanged when a file no longer
    holds what the first pass read (records appended since are not read)."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.files = files
        self.ids: list[str] = []
        self.refused: set[int] = set()
        self.items = 0

    def first(self, problems: list[Problem]) -> Iterator[tuple[int, dict[str, Any]]]:
        for at, item in enumerate(read_records(self.files), 1):
            self.items = at
            if isinstance(item, Problem):
                problems.append(item)
                self.refused.add(at)
            else:
                self.ids.append(item["id"])
                yield len(self.ids) - 1, item

    def again(self) -> Iterator[tuple[int, dict[str, Any]]]:
        number = 0
        for at, item in enumerate(read_records(self.files, validated=False), 1):
            if at > self.items:
                return
            if at in self.refused:
                continue
            if isinstance(item, Problem) or item.get("id") != self.ids[number]:
                raise InputChanged(f"{', '.join(map(str, self.files))}: changed during the export")
            yield number, item
            number += 1
        if number != len(self.ids):
            raise InputChanged(f"{', '.join(map(str, self.files))}: changed during the export")


def read_records(
    files: Sequence[Path], *, validated: bool = True
) -> Iterator[dict[str, Any] | Problem]:
    """Every record of `files` in order, or the Problem in its place; `validated=False` skips
    the schema check (not the version and structure checks)."""
    for path in files:
        try:
            with path.open("rb") as handle:
                is_parquet = handle.read(len(_PARQUET_MAGIC)) == _PARQUET_MAGIC
        except OSError as error:
            yield Problem(str(path), None, f"cannot be read ({error.strerror or error})")
            continue
        yield from (_parquet_records if is_parquet else _jsonl_records)(path, validated)


def _jsonl_records(path: Path, validated: bool) -> Iterator[dict[str, Any] | Problem]:
    with path.open("rb") as handle:
        first = True
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
                torn = "" if raw.endswith(b"\n") else " (the last line has no newline: cut off?)"
                yield _refused(path, number, f"not valid JSON: {error}{torn}", first)
                if first:
                    return
                continue
            if first and not (isinstance(record, dict) and VERSION_FIELD in record):
                yield _refused(path, number, f"not a record (no {VERSION_FIELD})", first)
                return
            first = False
            yield _checked(record, path, number, "line", validated)


def _refused(path: Path, number: int, message: str, whole_file: bool) -> Problem:
    if whole_file:
        return Problem(str(path), None, f"not a healthcrawl record file: line {number}: {message}")
    return Problem(str(path), number, message)


def _parquet_records(path: Path, validated: bool) -> Iterator[dict[str, Any] | Problem]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from healthcrawl.schema import arrow_schema

    row = 0
    try:
        parquet = pq.ParquetFile(path)
        missing = [n for n in arrow_schema().names if n not in parquet.schema_arrow.names]
        if missing:
            message = f"not a healthcrawl record file: no column {', '.join(missing)}"
            yield Problem(str(path), None, message)
            return
        for batch in parquet.iter_batches(_BATCH_ROWS, columns=arrow_schema().names):
            for record in batch.to_pylist():
                row += 1
                yield _checked(record, path, row, "row", validated)
    except (OSError, pa.ArrowException) as error:
        where = f"unreadable after row {row}" if row else "not a readable Parquet file"
        yield Problem(str(path), None, f"{where} ({error})")


def _checked(
    record: Any, path: Path, number: int, unit: str, validated: bool
) -> dict[str, Any] | Problem:
    """The record, or why it is left out: not an object, another schema major version, or
    invalid (the message names the field)."""
    if not isinstance(record, dict):
        return Problem(str(path), number, f"not a JSON object ({type(record).__name__})", unit)
    version = record.get(VERSION_FIELD)
    if not isinstance(version, str) or version.partition(".")[0] != _MAJOR:
        message = f"schema version {version!r}: this healthcrawl reads version {_MAJOR} records"
        return Problem(str(path), number, message, unit)
    try:
        if validated:
            validate(record)
    except RecordInvalid as error:
        return Problem(str(path), number, f"invalid record: {error}", unit)
    return record
