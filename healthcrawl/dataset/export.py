"""`healthcrawl export RECORDS... --to DIR`: record files in, a Hugging Face dataset folder out
(`datasets.load_dataset(DIR)` loads it; with --chunks, `load_dataset(DIR, "chunks")` too).

Records that cannot be read or fail the schema (a torn last line, an invalid line, another
schema major version, a file that holds no records) are left out with one stderr line each
(at most ten per file), are listed in the card, and make the exit status 1; the other records
are exported. Exit status 0 when every input record was read, 1 when some were left out, none
is left to export, or an input changed while it was being read (in these two cases no folder
is written), 2 on a usage error (a destination holding other files, a bad option).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from .build import NothingToExport, build_dataset
from .chunks import DEFAULT_MAX_TOKENS, TokenizerError, count_tokens, tokenizer_counter
from .folder import FolderError, check_destination
from .records import InputChanged, Problem, record_files
from .summary import Options, Summary
from .templates import TEMPLATE_SHARE

_PROBLEMS_PER_FILE = 10


def add_export(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export", help="turn record files into a Hugging Face dataset folder"
    )
    export.add_argument(
        "records", nargs="+", metavar="RECORDS", help="JSONL or Parquet record files, or folders"
    )
    export.add_argument("--to", required=True, metavar="DIR", help="the dataset folder to write")
    export.add_argument("--no-dedup", action="store_true", help="keep duplicate records")
    export.add_argument(
        "--no-templates", action="store_true", help="keep site template text (stock sentences)"
    )
    export.add_argument(
        "--template-share",
        type=float,
        default=TEMPLATE_SHARE,
        metavar="SHARE",
        help="a unit on at least this share of one site's records is a template "
        f"(default {TEMPLATE_SHARE}; raise it to keep stock text that is content)",
    )
    export.add_argument("--chunks", action="store_true", help="also write chunks/ for retrieval")
    export.add_argument(
        "--max-tokens",
        type=int,
        help=f"tokens per chunk at most (default {DEFAULT_MAX_TOKENS})",
    )
    export.add_argument(
        "--tokenizer",
        metavar="tokenizer.json",
        help="count tokens with this Hugging Face tokenizers file (default: words and "
        "punctuation marks)",
    )
    export.set_defaults(run=_run_export, usage=export)


def _run_export(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    target = Path(args.to)
    if (args.max_tokens is not None or args.tokenizer) and not args.chunks:
        args.usage.error("--max-tokens and --tokenizer apply to chunks: add --chunks")
    max_tokens = DEFAULT_MAX_TOKENS if args.max_tokens is None else args.max_tokens
    if max_tokens < 1:
        args.usage.error(f"--max-tokens must be at least 1, got {max_tokens}")
    share = args.template_share
    if not 0 < share <= 1:
        args.usage.error(f"--template-share must be above 0 and at most 1, got {share}")
    if args.no_templates and args.template_share != TEMPLATE_SHARE:
        args.usage.error("--template-share and --no-templates contradict each other")
    try:
        check_destination(target)
        count = tokenizer_counter(args.tokenizer) if args.tokenizer else count_tokens
    except (FolderError, TokenizerError) as error:
        args.usage.error(str(error))
    options = Options(
        dedup=not args.no_dedup,
        templates=not args.no_templates,
        template_share=args.template_share,
        chunks=args.chunks,
        max_tokens=max_tokens,
        count=count,
        tokenizer=args.tokenizer,
    )
    files, problems = record_files(args.records)
    summary = Summary(inputs=[str(path) for path in files], problems=problems)
    try:
        build_dataset(files, target, options, summary)
    except (NothingToExport, InputChanged) as error:
        _report_problems(summary.problems)
        print(f"healthcrawl export: {error}; {target} not written", file=sys.stderr)
        return 1
    _report_problems(summary.problems)
    print(_summary_line(summary, target), file=sys.stderr)
    return 1 if summary.problems else 0


def _report_problems(problems: list[Problem]) -> None:
    shown: Counter[str] = Counter()
    for problem in problems:
        shown[problem.path] += 1
        if shown[problem.path] <= _PROBLEMS_PER_FILE:
            print(f"healthcrawl export: {problem}", file=sys.stderr)
    for path, n in shown.items():
        if n > _PROBLEMS_PER_FILE:
            more = n - _PROBLEMS_PER_FILE
            print(f"healthcrawl export: {path}: {more} more records left out", file=sys.stderr)


def _summary_line(summary: Summary, target: Path) -> str:
    removed = ", ".join(
        f"{kind}={sum(counts.values())}" for kind, counts in summary.removed.items() if counts
    )
    chunks = sum(summary.chunk_tokens.values())
    parts = [
        f"healthcrawl export: {summary.written} records",
        f" and {chunks} chunks" if summary.chunk_shards else "",
        f" to {target}",
        f"; removed: {removed}" if removed else "",
        f"; template units removed: {sum(summary.template_units.values())}"
        if summary.templates
        else "",
        f"; {len(summary.problems)} input records or files left out" if summary.problems else "",
    ]
    return "".join(parts)
