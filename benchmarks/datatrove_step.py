"""The datatrove step's overhead: pages/s of datatrove's local executor with 2 tasks against
`healthcrawl extract --jobs 2`, on the same WARC pages.

Command (from the repo root; about 4 minutes on 2 cores with the defaults)::

    .venv/bin/python benchmarks/datatrove_step.py [--shared ../shared] [--rounds 3]

The WARC: the 1,000 GARD pages of ../shared/corpus/rarediseases/pages as 200 responses
(Content-Type text/html; charset=utf-8) to their real URLs (disease_links.csv), one gzip member
per record as in Common Crawl, written as two files of 500 pages: datatrove shares out files,
not records, among its tasks, so one file would keep one of the two tasks idle.

1. cli: `healthcrawl extract a.warc.gz b.warc.gz -O records.jsonl --jobs 2`.
2. datatrove: `examples/warc_to_parquet.py WARCS OUT --executor local --tasks 2 --format jsonl`
   (WarcPageReader -> HealthcrawlExtractor -> JsonlWriter, gzipped: datatrove's default).

Each runs in a subprocess, timed end to end (interpreter start-up, imports, worker start and
writing included), interleaved (cli, datatrove, datatrove, cli, ...); the fastest round of each
counts, since contention only slows a run down. Both must write the same record ids. It prints
both rates, the ratio datatrove/cli and the overhead (1 - ratio); target: overhead < 15%. Exit
2 when ../shared is absent, 1 when the outputs differ or the target is missed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

if __package__ in (None, ""):  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.procfs import foreign_load  # noqa: E402
from benchmarks.throughput import DEFAULT_SHARED, REPO, gard_files, gard_urls  # noqa: E402

TARGET_OVERHEAD = 0.15
FILES = 2
JOBS = 2
WARC_DATE = "2024-03-01T10:20:30Z"


def write_warcs(shared: Path, folder: Path) -> int:
    """The GARD pages as FILES WARC files in `folder`; returns the page count."""
    urls = gard_urls(shared)
    pages = [path for path in gard_files(shared) if path.name in urls]
    share = -(-len(pages) // FILES)
    for number in range(FILES):
        with open(folder / f"gard-{number}.warc.gz", "wb") as handle:
            writer = WARCWriter(handle, gzip=True)
            for path in pages[number * share : (number + 1) * share]:
                http = StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
                )
                record = writer.create_warc_record(
                    urls[path.name],
                    "response",
                    payload=io.BytesIO(path.read_bytes()),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": WARC_DATE},
                )
                writer.write_record(record)
    return len(pages)


def run_cli(warcs: list[Path], out: Path) -> tuple[float, set[str]]:
    command = [str(Path(sys.executable).with_name("healthcrawl")), "extract", *map(str, warcs)]
    seconds = _timed([*command, "-O", str(out / "records.jsonl"), "--jobs", str(JOBS)])
    lines = (out / "records.jsonl").read_text("utf-8").splitlines()
    return seconds, {json.loads(line)["id"] for line in lines}


def run_datatrove(folder: Path, out: Path) -> tuple[float, set[str]]:
    example = REPO / "examples" / "warc_to_parquet.py"
    seconds = _timed(
        [sys.executable, str(example), str(folder), str(out / "records"), "--executor", "local",
         "--tasks", str(FILES), "--workers", str(JOBS), "--format", "jsonl"]
    )  # fmt: skip
    ids = set()
    for path in (out / "records").glob("*.jsonl.gz"):
        ids |= {json.loads(line)["id"] for line in gzip.decompress(path.read_bytes()).splitlines()}
    return seconds, ids


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some pages gave no record, which both count
        sys.exit(f"{command[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the ../shared folder")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, interleaved")
    args = parser.parse_args(argv)
    if not (args.shared / "corpus" / "rarediseases" / "pages").is_dir():
        print(f"{args.shared}: no GARD corpus (corpus/rarediseases/pages)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="datatrove-step-") as temp:
        folder = Path(temp, "warcs")
        folder.mkdir()
        pages = write_warcs(args.shared, folder)
        runs, loads, outputs = measure(folder, Path(temp), args.rounds)
    return report(pages, runs, loads, outputs)


def measure(
    folder: Path, temp: Path, rounds: int
) -> tuple[dict[str, list[float]], dict[str, float], dict[str, set[str]]]:
    """Seconds per run of each, the other processes' load per run, and each one's record ids."""
    warcs = sorted(folder.iterdir())
    runs: dict[str, list[float]] = {"cli": [], "datatrove": []}
    loads: dict[str, float] = {}
    outputs: dict[str, set[str]] = {}
    for round_ in range(rounds):
        for name in ["cli", "datatrove"] if round_ % 2 == 0 else ["datatrove", "cli"]:
            out = temp / f"{name}-{round_}"
            out.mkdir()
            with foreign_load(loads, f"{name}-{round_}"):
                seconds, ids = run_cli(warcs, out) if name == "cli" else run_datatrove(folder, out)
            runs[name].append(seconds)
            outputs[name] = ids
    return runs, loads, outputs


def report(
    pages: int,
    runs: dict[str, list[float]],
    loads: dict[str, float],
    outputs: dict[str, set[str]],
) -> int:
    """Print the rates and the ratio; 0 when the ids agree and the target is met."""
    rates = {name: pages / min(seconds) for name, seconds in runs.items()}
    ratio = rates["datatrove"] / rates["cli"]
    same = outputs["cli"] == outputs["datatrove"]
    print(f"{pages} GARD pages in {FILES} WARC files, best of {len(runs['cli'])} runs each")
    print(f"healthcrawl extract --jobs {JOBS}: {rates['cli']:6.1f} pages/s {_runs(runs['cli'])}")
    print(f"datatrove local, {FILES} tasks:   {rates['datatrove']:6.1f} pages/s "
          f"{_runs(runs['datatrove'])}")  # fmt: skip
    print(f"ratio datatrove/cli: {ratio:.3f}, overhead {1 - ratio:+.1%} "
          f"(target < {TARGET_OVERHEAD:.0%})")  # fmt: skip
    print(f"other processes' share of the machine per run: {_loads(loads)}")
    print(f"records: {len(outputs['cli'])} (CLI), {len(outputs['datatrove'])} (datatrove), "
          f"{'the same ids' if same else 'DIFFERENT ids'}")  # fmt: skip
    return 0 if same and 1 - ratio < TARGET_OVERHEAD else 1


def _runs(seconds: list[float]) -> str:
    return "(runs: " + ", ".join(f"{s:.1f}" for s in seconds) + " s)"


def _loads(loads: dict[str, float]) -> str:
    return ", ".join(f"{name} {share:.0%}" for name, share in loads.items())


if __name__ == "__main__":
    sys.exit(main())
