"""WARC files in, healthcrawl records out, with datatrove: on this machine, on Ray or on Slurm.

    python examples/warc_to_parquet.py IN OUT --executor local|ray|slurm --tasks N

IN is a folder of WARC files (.warc, .warc.gz; local, or s3://... with s3fs installed), or with
--paths-file the folder that a listing's paths are relative to: for Common Crawl, IN
s3://commoncrawl/ and --paths-file .../warc.paths.gz. Files are shared out among the tasks.
OUT is a folder: one Parquet file per task whose rows are records with the columns and types of
`healthcrawl extract -o out.parquet` (healthcrawl.schema.arrow_schema()), or with --format jsonl
one JSONL file per task, one record per line (datatrove's JsonlWriter, gzipped).

Skip counts per reason, timings and logs go to --logging-dir (default OUT-logs); a rerun with
the same logging folder skips the tasks already done. Records are not deduplicated across files:
add datatrove's dedup steps for that. Ray: starts a local Ray, or joins the cluster that
--ray-address or RAY_ADDRESS names. Slurm: run this on the login node; it writes an sbatch
script (an array job of --tasks, at most --workers at once) that activates this virtualenv on
the nodes, submits it and returns.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from datatrove.executor import LocalPipelineExecutor, RayPipelineExecutor, SlurmPipelineExecutor
from datatrove.executor.base import PipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers import JsonlWriter, ParquetWriter

from healthcrawl.datatrove import HealthcrawlExtractor, WarcPageReader, record_adapter
from healthcrawl.schema import arrow_schema

EXECUTORS = ("local", "ray", "slurm")
FORMATS = ("parquet", "jsonl")
LOCAL_START = "fork" if sys.platform == "linux" else "forkserver"
"""How local tasks start: on Linux forked from this process, which has imported healthcrawl
and starts no thread; datatrove's default, forkserver, imports it all again (about 3 s a run)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.executor == "slurm" and not args.partition:
        parser.error("--executor slurm needs --partition")
    executor_for(args).run()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", metavar="IN", help="folder of WARC files (local or s3://...)")
    parser.add_argument("output", metavar="OUT", help="folder for the record files")
    parser.add_argument("--executor", choices=EXECUTORS, default="local")
    parser.add_argument("--tasks", type=_positive, default=1, help="tasks sharing the files")
    parser.add_argument("--workers", type=int, default=-1, help="tasks at once (default: all)")
    parser.add_argument("--format", choices=FORMATS, default="parquet")
    parser.add_argument(
        "--paths-file", help="file listing WARC paths relative to IN (warc.paths.gz)"
    )
    parser.add_argument("--logging-dir", help="stats, logs and completed tasks (default OUT-logs)")
    parser.add_argument(
        "--ray-address", help="Ray cluster to join (default: RAY_ADDRESS, or local)"
    )
    slurm = parser.add_argument_group("slurm")
    slurm.add_argument("--partition", help="Slurm partition (required with --executor slurm)")
    slurm.add_argument("--time", default="24:00:00", help="time limit per task")
    slurm.add_argument(
        "--venv", default=_this_venv(), help="activate script (default: this venv's)"
    )
    return parser


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def _this_venv() -> str | None:
    return f"{sys.prefix}/bin/activate" if sys.prefix != sys.base_prefix else None


def pipeline(args: argparse.Namespace) -> list[PipelineStep]:
    """Read the WARC files' HTML responses, extract records, write them."""
    if args.format == "parquet":
        writer = ParquetWriter(args.output, adapter=record_adapter, schema=arrow_schema())
    else:
        writer = JsonlWriter(args.output, adapter=record_adapter)
    return [WarcPageReader(args.input, paths_file=args.paths_file), HealthcrawlExtractor(), writer]


def executor_for(args: argparse.Namespace) -> PipelineExecutor:
    """The pipeline on the chosen executor."""
    steps = pipeline(args)
    logging_dir = args.logging_dir or f"{args.output.rstrip('/')}-logs"
    common = {"tasks": args.tasks, "workers": args.workers, "logging_dir": logging_dir}
    if args.executor == "local":
        return LocalPipelineExecutor(steps, **common, start_method=LOCAL_START)
    if args.executor == "ray":
        import ray

        if not ray.is_initialized():
            ray.init(address=args.ray_address)
        return RayPipelineExecutor(steps, **common)
    return SlurmPipelineExecutor(
        steps,
        **common,
        time=args.time,
        partition=args.partition,
        job_name="healthcrawl",
        venv_path=args.venv,
    )


if __name__ == "__main__":
    sys.exit(main())
