"""`healthcrawl extract`: saved HTML files in, one validated JSONL record per page out.

Exit status: 0 when every page gave a record, 1 when some did not (one stderr line each:
the path and the reason), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from healthcrawl.extractors import DEFAULT_MAX_BYTES, ExtractionError
from healthcrawl.extractors.profiles import BY_KEY

from .validate import RecordInvalid, validated_record
from .writer import JsonlWriter

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
_PROGRESS_MIN_PAGES = 5
_STDIN = "-"


@dataclass(frozen=True, slots=True)
class Job:
    path: str
    url: str | None
    profile: str | None
    max_bytes: int


@dataclass(frozen=True, slots=True)
class Outcome:
    path: str
    record: dict[str, Any] | None
    error: str | None


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    return args.run(parser, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="healthcrawl", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    ext = commands.add_parser("extract", help="extract saved HTML pages to JSONL records")
    ext.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or - (stdin)")
    ext.add_argument("--url", help="the page's URL (only with a single input)")
    out = ext.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", help="append records to this JSONL file (default stdout)")
    out.add_argument("-O", "--overwrite-output", help="write records to this file, replacing it")
    ext.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1, help="worker processes")
    ext.add_argument("--profile", choices=sorted(BY_KEY), help="force a site profile")
    ext.add_argument("--max-bytes", type=_positive, default=DEFAULT_MAX_BYTES,
                     help="refuse pages larger than this (default %(default)s)")  # fmt: skip
    ext.set_defaults(run=_run_extract, usage=ext)
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def _run_extract(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    paths = list(_expand(args.paths))
    if args.url and len(paths) != 1:
        args.usage.error(f"--url needs exactly one input page, got {len(paths)}")
    if args.paths.count(_STDIN) > 1:
        args.usage.error("stdin (-) can be read only once")
    jobs = [Job(p, args.url, args.profile, args.max_bytes) for p in paths]
    target = args.overwrite_output or args.output
    if args.overwrite_output and target != _STDIN:
        Path(target).unlink(missing_ok=True)
    failed = 0
    writer = JsonlWriter(target or "-")
    with writer, _progress(len(jobs)) as tick:
        for outcome in _outcomes(jobs, args.jobs):
            tick()
            if outcome.record is None:
                failed += 1
                print(f"{outcome.path}: {outcome.error}", file=sys.stderr)
            else:
                writer.write(outcome.record)
    return 1 if failed else 0


def _expand(paths: Sequence[str]) -> Iterator[str]:
    """Files as given, directories recursively (sorted), so output order is reproducible."""
    for path in paths:
        folder = Path(path)
        if path != _STDIN and folder.is_dir():
            found = (p for p in folder.rglob("*") if p.is_file() and _is_html_name(p.name))
            yield from sorted(str(p) for p in found)
        else:
            yield path


def _is_html_name(name: str) -> bool:
    return name.lower().endswith(HTML_SUFFIXES)


def _outcomes(jobs: list[Job], processes: int) -> Iterator[Outcome]:
    """Results in input order; stdin is read here, since workers do not share it."""
    if processes == 1 or len(jobs) <= 1 or any(job.path == _STDIN for job in jobs):
        yield from map(extract_job, jobs)
        return
    with Pool(min(processes, len(jobs))) as pool:
        yield from pool.imap(extract_job, jobs, chunksize=4)


def extract_job(job: Job) -> Outcome:
    """Read, extract and validate one page; every failure becomes a reason, never a crash."""
    try:
        data = validated_record(
            _read(job.path), job.url, job.path, profile=job.profile, max_bytes=job.max_bytes
        )
    except (ExtractionError, RecordInvalid, OSError, EOFError, gzip.BadGzipFile) as error:
        return Outcome(job.path, None, f"{type(error).__name__}: {error}")
    return Outcome(job.path, data, None)


def _read(path: str) -> bytes:
    if path == _STDIN:
        return sys.stdin.buffer.read()
    data = Path(path).read_bytes()
    return gzip.decompress(data) if path.lower().endswith(".gz") else data


class _progress:
    """A one-line page counter on stderr, only for a terminal and more than a few pages."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.enabled = total > _PROGRESS_MIN_PAGES and sys.stderr.isatty()

    def __enter__(self) -> _progress:
        return self

    def __call__(self) -> None:
        self.done += 1
        if self.enabled:
            print(f"\r{self.done}/{self.total} pages", end="", file=sys.stderr, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            print(file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
