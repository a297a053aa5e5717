"""`healthcrawl extract`: saved pages in, one validated record per page out.

Pages come from files, directories, stdin (-), gzipped or not (healthcrawl.inputs); records go
to stdout or the file -o (append) / -O (replace) names, in the format its suffix says
(healthcrawl.output.sinks). Appending skips records already written: the ledger beside the
output remembers their ids.

Exit status: 0 when every page gave a record, 1 when some did not (one stderr line each: the
path, the skip reason and why) or when the inputs hold no page, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthcrawl.core import process
from healthcrawl.dataset.export import add_export
from healthcrawl.extractors import DEFAULT_MAX_BYTES
from healthcrawl.extractors.errors import Skip
from healthcrawl.extractors.profiles import BY_KEY
from healthcrawl.fixtures.commands import add_check, add_snapshot
from healthcrawl.inputs import (
    STDIN,
    Entry,
    UrlMapError,
    entries,
    expand,
    holds_many,
    read_url_map,
)
from healthcrawl.workers import PAGE_TIMEOUT, WorkerPool

from .ledger import Ledger, ledger_path
from .sinks import STDOUT, UnknownOutputFormat, sink_for

_PROGRESS_MIN_PAGES = 5
_IN_FLIGHT_PER_WORKER = 4
"""Pages read ahead per worker: enough to keep workers busy, few enough to bound memory."""


@dataclass(frozen=True, slots=True)
class Options:
    profile: str | None
    max_bytes: int
    page_timeout: float


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    return args.run(parser, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="healthcrawl", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for add_command in COMMANDS:
        add_command(commands)
    return parser


def add_extract(commands: argparse._SubParsersAction) -> None:
    ext = commands.add_parser("extract", help="extract saved HTML pages to records")
    ext.add_argument("paths", nargs="*", metavar="PATH", help="files, directories or - (stdin)")
    ext.add_argument("--url", help="the page's URL (only with a single input)")
    ext.add_argument("--urls", metavar="MAP.tsv",
                     help="PATH<TAB>URL lines giving saved pages their URLs; with no PATH, "
                          "its pages are the input")  # fmt: skip
    out = ext.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", help="append records to this file (default stdout)")
    out.add_argument("-O", "--overwrite-output", help="write records to this file, replacing it")
    ext.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1, help="worker processes")
    ext.add_argument("--profile", choices=sorted(BY_KEY), help="force a site profile")
    ext.add_argument("--max-bytes", type=_positive, default=DEFAULT_MAX_BYTES,
                     help="refuse pages larger than this (default %(default)s)")  # fmt: skip
    ext.add_argument("--page-timeout", type=_seconds, default=PAGE_TIMEOUT, metavar="SECONDS",
                     help="stop a page's extraction after this long and skip it as timeout "
                          "(default %(default)s)")  # fmt: skip
    ext.set_defaults(run=_run_extract, usage=ext)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {value}")
    return seconds


def _run_extract(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        urls = read_url_map(args.urls) if args.urls else {}
        target = args.overwrite_output or args.output or STDOUT
        sink = sink_for(target)
    except (UrlMapError, UnknownOutputFormat) as error:
        args.usage.error(str(error))
    if not args.paths and not urls:
        args.usage.error("the following arguments are required: PATH (or --urls MAP.tsv)")
    paths = list(expand(args.paths)) if args.paths else list(urls)
    if args.url and len(paths) != 1:
        args.usage.error(f"--url needs exactly one input page, got {len(paths)}")
    if args.paths.count(STDIN) > 1:
        args.usage.error("stdin (-) can be read only once")
    if not paths:
        print(f"healthcrawl extract: no pages in {' '.join(args.paths)}", file=sys.stderr)
        return 1
    if args.url:
        urls = {STDIN if paths[0] == STDIN else str(Path(paths[0]).resolve()): args.url}
    ledger = Ledger(None if target == STDOUT else ledger_path(Path(target)))
    if args.overwrite_output and target != STDOUT:
        sink.clear()
        ledger_path(Path(target)).unlink(missing_ok=True)
    options = Options(args.profile, args.max_bytes, args.page_timeout)
    failed = duplicates = 0
    not_failures: Counter[str] = Counter()
    with sink, ledger, _progress(len(paths)) as tick:
        ledger.adopt(sink.existing())
        workers = args.jobs if any(holds_many(p) for p in paths) else min(args.jobs, len(paths))
        for label, outcome in _outcomes(entries(paths, urls), workers, options):
            tick()
            if isinstance(outcome, Skip) and not outcome.failure:
                not_failures[outcome.reason] += 1
            elif isinstance(outcome, Skip):
                failed += 1
                print(f"{label}: {outcome.reason}: {outcome.detail}", file=sys.stderr)
            elif outcome["id"] in ledger:
                duplicates += 1
            else:
                sink.write(outcome)
                ledger.add(outcome["id"], outcome["url"])
    if duplicates:
        where = "stdout" if target == STDOUT else target
        records = "record" if duplicates == 1 else "records"
        print(f"healthcrawl extract: {duplicates} {records} already in {where}, not written again",
              file=sys.stderr)  # fmt: skip
    if not_failures:
        counts = ", ".join(f"{reason}={n}" for reason, n in sorted(not_failures.items()))
        print(f"healthcrawl extract: skipped (not failures): {counts}", file=sys.stderr)
    return 1 if failed else 0


def _outcomes(
    pages: Iterable[Entry], processes: int, options: Options
) -> Iterator[tuple[str, dict[str, Any] | Skip]]:
    """Results in input order. Pages are read here, a bounded number ahead of the workers;
    each is extracted in a worker process (even with --jobs 1), under the time budget."""
    budget = options.page_timeout
    with WorkerPool(extract_entry, processes, budget=budget, start_method="fork") as pool:
        pending: deque[tuple[str, Future]] = deque()
        for entry in pages:
            pending.append((entry.label, pool.submit(entry.label, entry, options)))
            if len(pending) >= processes * _IN_FLIGHT_PER_WORKER:
                yield _settled(*pending.popleft())
        while pending:
            yield _settled(*pending.popleft())


def _settled(label: str, future: Future) -> tuple[str, dict[str, Any] | Skip]:
    """The worker's outcome, or the pool's: a page over the budget, or whose worker died."""
    try:
        return label, future.result()
    except Skip as skip:
        return label, skip


def extract_entry(entry: Entry, options: Options) -> dict[str, Any] | Skip:
    """Worker side: the page's record, or why there is none; never raises a Skip."""
    if entry.page is None:
        assert entry.failure is not None
        return entry.failure
    try:
        return process(entry.page, profile=options.profile, max_bytes=options.max_bytes).to_dict()
    except Skip as skip:
        return skip


COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    add_extract,
    add_snapshot,
    add_check,
    add_export,
)
"""Each adds one subcommand, whose `run(parser, args)` returns the exit status: adding a command
is a function (in its own module) and one entry here."""


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
