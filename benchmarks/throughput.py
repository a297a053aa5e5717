"""Throughput and memory of healthcrawl next to bare trafilatura, on the same pages in one run.

Command (from the repo root; about 6 minutes on 2 cores with the defaults, 7 when busy)::

    .venv/bin/python benchmarks/throughput.py [--shared ../shared]
        [--only extract|cli|crawl|memory] [--repeat 3] [--crawl-pairs 2]
        [--json benchmarks/results/throughput.json]

Pages: the 1,000 GARD pages of ../shared/corpus/rarediseases/pages (URLs from its
disease_links.csv) and the 181 Zyte benchmark pages of ../shared/bench/article-extraction-benchmark
(gunzipped in memory for 1-2, read as .html.gz by the CLI in 3; URLs from ground-truth.json).
It prints one table and writes every number (per round) to the JSON file. Exit 2: ../shared absent.

1. bare: `trafilatura.extract(html)` with default options, one process: the reference.
2. ours: `extract(html, url).to_dict()`, the full record, one process (no schema validation).
   1 and 2 are timed interleaved: a round walks the pages in chunks of CHUNK and times bare
   then ours on a chunk, or ours then bare (alternating, so neither always runs second). The
   machine is shared, and its speed drifts by tens of percent within a minute; two
   back-to-back passes would compare two different machines, while neighbouring chunks see
   the same one. A round's ratio is its ours pages/s over its bare pages/s; the table shows
   the median ratio over rounds and the median pages/s, per set and for both sets together.
3. cli: `healthcrawl extract FOLDER -O tmp --jobs os.cpu_count()` in a subprocess, timed end
   to end (interpreter start-up, imports, pool start, schema validation and writing included),
   once per set per round; the fastest round counts, since contention only slows a run down
   (the JSON also has each run's CPU seconds: cores kept busy). "both" adds the two. The ratio
   is over 1's bare pages/s of the same set in the same run (with --only cli, one bare pass).
4. crawl: `scrapy crawl gard` of the 1,000 pages from sample_site/serve.py on 127.0.0.1 with
   CRAWL_SETTINGS, with the pipeline as shipped (extraction in a process pool of
   HEALTHCRAWL_EXTRACT_WORKERS = cores, the default) and with HEALTHCRAWL_EXTRACT_WORKERS=0
   (extraction in the reactor thread), in pairs: shipped, reactor, shipped, reactor.
   pages/s = healthcrawl/records_written / elapsed_time_seconds from the stats file; the
   ratio is shipped/reactor per pair, median over pairs.
5. memory: peak RSS of 3 (the CLI, --jobs cores) on 1,000 and on 10,000 GARD pages (a temp
   folder of symlinks cycling the corpus). The CLI runs under a fresh helper process while
   this script samples /proc every 50 ms and sums VmRSS over the CLI and all its descendants
   (the pool workers): the peak of that sum is what the target applies to (pages shared
   copy-on-write count once per process, so it overstates real use, alike at 1k and 10k).
   The helper also reports getrusage(RUSAGE_CHILDREN).ru_maxrss, the exact peak of the
   largest single process (CLI parent or one worker), on its own row (see procfs.py).

Each part also records how much CPU other processes took meanwhile (share of cores x wall
time, from /proc/stat): on a busy machine 3-5 read low, while the ratio of 1+2 holds.
Targets: ours/bare >= 1.0, cli/bare >= 1.8, crawl shipped/reactor >= 1.6, RSS 10k/1k <= 1.2.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from healthcrawl.extractors import ExtractionError, extract

if __package__ in (None, ""):  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.procfs import foreign_load, run_with_peak_rss  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_JSON = REPO / "benchmarks" / "results" / "throughput.json"
GARD_DIR = Path("corpus", "rarediseases")
ZYTE_DIR = Path("bench", "article-extraction-benchmark")
GARD_HOST = "https://rarediseases.info.nih.gov/"
SECTIONS = ("extract", "cli", "crawl", "memory")
CHUNK = 20
"""Pages per interleaved chunk: long enough (~0.3-0.7 s) to time well, short enough that both
systems see the same machine."""
WARMUP = 5
CORES = os.cpu_count() or 1
CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES": "True",  # the mirror is on 127.0.0.1
}
MEMORY_PAGES = (1_000, 10_000)
TARGETS = {"ours/bare": 1.0, "cli/bare": 1.8, "shipped/reactor": 1.6, "rss 10k/1k": 1.2}
"""Minimum ratios, except the RSS one, a maximum."""


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    url: str | None
    html: bytes


@dataclass(slots=True)
class Row:
    """One line of the table; ratio and target only on the lines that have one."""

    measurement: str
    pages: int
    seconds: float | None = None
    pages_per_s: float | None = None
    rss_mib: float | None = None
    ratio: float | None = None
    target: str | None = None


# ---- inputs -----------------------------------------------------------------------------------


def gard_urls(shared: Path) -> dict[str, str]:
    """Corpus file name -> the page's real URL, from disease_links.csv."""
    with open(shared / GARD_DIR / "disease_links.csv", newline="", encoding="utf-8") as handle:
        links = [row["link"].strip().strip("/") for row in csv.DictReader(handle)]
    return {link.rsplit("/", 1)[-1] + ".html": GARD_HOST + link for link in links}


def gard_files(shared: Path) -> list[Path]:
    return sorted((shared / GARD_DIR / "pages").glob("*.html"))


def zyte_files(shared: Path) -> list[Path]:
    return sorted((shared / ZYTE_DIR / "html").glob("*.html.gz"))


def load_sets(shared: Path) -> dict[str, list[Page]]:
    """Both sets in memory, Zyte pages gunzipped, each page with its URL."""
    urls = gard_urls(shared)
    truth = json.loads((shared / ZYTE_DIR / "ground-truth.json").read_text("utf-8"))
    gard = [Page(p.name, urls.get(p.name), p.read_bytes()) for p in gard_files(shared)]
    zyte = []
    for path in zyte_files(shared):
        key = path.name.removesuffix(".html.gz")
        zyte.append(Page(key, truth.get(key, {}).get("url"), gzip.decompress(path.read_bytes())))
    return {"GARD": gard, "Zyte": zyte}


# ---- 1 and 2: bare trafilatura and our extract(), interleaved ---------------------------------


def run_bare(pages: list[Page]) -> int:
    """Bare trafilatura on each page; returns how many gave no text."""
    return sum(trafilatura.extract(page.html) is None for page in pages)


def run_ours(pages: list[Page]) -> int:
    """Our full record on each page; returns how many were refused (they still cost time)."""
    refused = 0
    for page in pages:
        try:
            extract(page.html, page.url).to_dict()
        except ExtractionError:
            refused += 1
    return refused


SYSTEMS: dict[str, Callable[[list[Page]], int]] = {"bare": run_bare, "ours": run_ours}


def timed(run: Callable[[list[Page]], int], pages: list[Page]) -> float:
    started = time.perf_counter()
    run(pages)
    return time.perf_counter() - started


def chunks(sets: dict[str, list[Page]]) -> list[tuple[str, list[Page]]]:
    return [
        (name, pages[i : i + CHUNK])
        for name, pages in sets.items()
        for i in range(0, len(pages), CHUNK)
    ]


def interleaved_rounds(sets: dict[str, list[Page]], rounds: int, systems: tuple[str, ...]) -> list:
    """Seconds per round, set and system: [{set: {system: s}}], chunks alternating the order."""
    for name in systems:
        SYSTEMS[name]([p for pages in sets.values() for p in pages[:WARMUP]])
    results = []
    for number in range(rounds):
        seconds = {name: dict.fromkeys(systems, 0.0) for name in sets}
        for index, (name, chunk) in enumerate(chunks(sets)):
            order = systems if (index + number) % 2 == 0 else systems[::-1]
            for system in order:
                seconds[name][system] += timed(SYSTEMS[system], chunk)
        results.append(seconds)
        print(f"  round {number + 1}/{rounds}: {describe_round(seconds)}", flush=True)
    return results


def describe_round(seconds: dict[str, dict[str, float]]) -> str:
    return "; ".join(
        f"{name} " + ", ".join(f"{system} {s:.1f} s" for system, s in by_system.items())
        for name, by_system in seconds.items()
    )


def with_combined(rounds: list[dict[str, dict[str, float]]]) -> list[dict[str, dict[str, float]]]:
    """Add a "both" set to each round: the sum of the sets' seconds."""
    for seconds in rounds:
        systems = next(iter(seconds.values())).keys()
        seconds["both"] = {s: sum(seconds[name][s] for name in list(seconds)) for s in systems}
    return rounds


def extract_rows(rounds: list, counts: dict[str, int]) -> tuple[list[Row], dict[str, float]]:
    """Table rows for 1 and 2, and bare pages/s per set (the reference for 3)."""
    rows, bare_rate = [], {}
    for name, pages in counts.items():
        rate = {s: [pages / r[name][s] for r in rounds] for s in rounds[0][name]}
        secs = {s: statistics.median(r[name][s] for r in rounds) for s in rounds[0][name]}
        bare_rate[name] = statistics.median(rate["bare"])
        rows.append(Row(f"1 bare trafilatura, {name}", pages, secs["bare"], bare_rate[name]))
        if "ours" in rate:
            ratio = statistics.median(
                o / b for o, b in zip(rate["ours"], rate["bare"], strict=True)
            )
            rows.append(
                Row(
                    f"2 ours extract+to_dict, {name}",
                    pages,
                    secs["ours"],
                    statistics.median(rate["ours"]),
                    ratio=ratio,
                    target=target_text("ours/bare", ratio),
                )
            )
    return rows, bare_rate


# ---- 3: the CLI -------------------------------------------------------------------------------


def cli_command(inputs: list[Path], output: Path) -> list[str]:
    script = Path(sys.executable).with_name("healthcrawl")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "healthcrawl.output.cli"]
    return [*command, "extract", *map(str, inputs), "-O", str(output), "--jobs", str(CORES)]


def run_cli(inputs: list[Path], pages: int) -> tuple[float, float]:
    """Wall and CPU seconds (the CLI and its workers) end to end; fails loudly if the CLI
    crashed, warns if a page gave no record."""
    with tempfile.TemporaryDirectory(prefix="healthcrawl-bench-") as tmp:
        output = Path(tmp, "records.jsonl")
        cpu, started = children_cpu(), time.perf_counter()
        done = subprocess.run(cli_command(inputs, output), capture_output=True, text=True)
        seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
        records = sum(1 for _ in output.open("rb")) if output.exists() else 0
    if done.returncode not in (0, 1) or records == 0:
        raise RuntimeError(f"healthcrawl extract failed ({done.returncode}): {done.stderr[-800:]}")
    if records != pages:
        print(f"  note: {pages - records} of {pages} pages gave no record", file=sys.stderr)
    return seconds, cpu


def children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def cli_rows(shared: Path, rounds: int, bare_rate: dict[str, float]) -> tuple[list[Row], dict]:
    """Each set's folder through the CLI `rounds` times; the fastest run counts (contention
    only ever slows a run down). "both" adds the two sets' runs up (two start-ups instead of
    one: about 0.3 s more than one run over both folders)."""
    inputs = {"GARD": shared / GARD_DIR / "pages", "Zyte": shared / ZYTE_DIR / "html"}
    pages = {"GARD": len(gard_files(shared)), "Zyte": len(zyte_files(shared))}
    raw: dict[str, list[tuple[float, float]]] = {name: [] for name in inputs}
    print(f"3 healthcrawl extract --jobs {CORES}:")
    for number in range(rounds):
        for name, folder in inputs.items():
            raw[name].append(run_cli([folder], pages[name]))
        done = ", ".join(
            f"{name} {raw[name][-1][0]:.1f} s ({raw[name][-1][1] / raw[name][-1][0]:.2f} cores)"
            for name in inputs
        )
        print(f"  round {number + 1}/{rounds}: {done}", flush=True)
    pages["both"] = sum(pages.values())
    best = {name: min(runs) for name, runs in raw.items()}
    best["both"] = (best["GARD"][0] + best["Zyte"][0], best["GARD"][1] + best["Zyte"][1])
    rows = []
    for name, (seconds, _) in best.items():
        rate = pages[name] / seconds
        ratio = rate / bare_rate[name]
        row = Row(f"3 cli --jobs {CORES}, {name}", pages[name], seconds, rate, ratio=ratio)
        row.target = target_text("cli/bare", ratio)
        rows.append(row)
    return rows, {"runs": raw, "best": best}


# ---- 4: scrapy crawl gard ---------------------------------------------------------------------


def run_crawl(base_url: str, workers: str | None) -> dict[str, Any]:
    """One `scrapy crawl gard`; returns its stats (records written, elapsed seconds)."""
    with tempfile.TemporaryDirectory(prefix="healthcrawl-bench-") as tmp:
        settings = {
            **CRAWL_SETTINGS,
            "HEALTHCRAWL_OUTPUT": f"{tmp}/out.jsonl",
            "HEALTHCRAWL_STATS_FILE": f"{tmp}/stats.json",
        }
        if workers is not None:
            settings["HEALTHCRAWL_EXTRACT_WORKERS"] = workers
        command = [sys.executable, "-m", "scrapy", "crawl", "gard", "-a", f"base_url={base_url}"]
        command += [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
        stats_file = Path(tmp, "stats.json")
        if done.returncode != 0 or not stats_file.exists():
            raise RuntimeError(
                f"scrapy crawl gard failed ({done.returncode}): {done.stderr[-800:]}"
            )
        stats = json.loads(stats_file.read_text("utf-8"))
    return {
        "records": stats.get("healthcrawl/records_written", 0),
        "elapsed": stats["elapsed_time_seconds"],
        "memusage_max": stats.get("memusage/max"),
    }


def crawl_rows(shared: Path, pairs: int) -> tuple[list[Row], list]:
    from healthcrawl.sample_site.serve import running_server

    runs: list[dict[str, dict[str, Any]]] = []
    print(f"4 scrapy crawl gard, {CRAWL_SETTINGS}:")
    with running_server(gard_corpus=shared / GARD_DIR) as base_url:
        for number in range(pairs):
            runs.append({"shipped": run_crawl(base_url, None), "reactor": run_crawl(base_url, "0")})
            print(
                f"  pair {number + 1}/{pairs}: "
                + ", ".join(
                    f"{mode} {r['records']} records in {r['elapsed']:.1f} s"
                    for mode, r in runs[-1].items()
                ),
                flush=True,
            )
    rate = {m: [r[m]["records"] / r[m]["elapsed"] for r in runs] for m in ("shipped", "reactor")}
    ratio = statistics.median(s / r for s, r in zip(rate["shipped"], rate["reactor"], strict=True))
    rows = []
    for mode, label in (("shipped", f"workers default={CORES}"), ("reactor", "workers=0")):
        records = statistics.median(r[mode]["records"] for r in runs)
        rows.append(
            Row(
                f"4 crawl gard, {label}",
                int(records),
                statistics.median(r[mode]["elapsed"] for r in runs),
                statistics.median(rate[mode]),
            )
        )
    rows[0].ratio, rows[0].target = ratio, target_text("shipped/reactor", ratio)
    return rows, runs


# ---- 5: peak RSS of the CLI -------------------------------------------------------------------


@contextmanager
def cycled_corpus(shared: Path, count: int) -> Iterator[Path]:
    """A temp dir of `count` symlinks cycling the GARD corpus (never copies)."""
    files = gard_files(shared)
    with tempfile.TemporaryDirectory(prefix="healthcrawl-bench-") as tmp:
        for index in range(count):
            source = files[index % len(files)]
            Path(tmp, f"{index:05d}-{source.name}").symlink_to(source)
        yield Path(tmp)


def measure_rss(inputs: Path) -> dict[str, float]:
    """The CLI on one folder, under procfs.run_with_peak_rss."""
    with tempfile.TemporaryDirectory(prefix="healthcrawl-bench-") as tmp:
        report = run_with_peak_rss(cli_command([inputs], Path(tmp, "records.jsonl")))
    if report["returncode"] not in (0, 1):
        raise RuntimeError(f"healthcrawl extract failed: {report['stderr']}")
    return report


def memory_rows(shared: Path) -> tuple[list[Row], dict[int, dict[str, float]]]:
    measured = {}
    print(f"5 peak RSS of healthcrawl extract --jobs {CORES}:")
    for count in MEMORY_PAGES:
        with cycled_corpus(shared, count) as folder:
            measured[count] = measure_rss(folder)
        print(
            f"  {count} pages: peak tree RSS {measured[count]['tree_mib']:.0f} MiB,"
            f" largest process {measured[count]['largest_mib']:.0f} MiB",
            flush=True,
        )
    small, large = (measured[n] for n in MEMORY_PAGES)
    rows = []
    for key, label in (("tree_mib", "sum over process tree"), ("largest_mib", "largest process")):
        ratio = large[key] / small[key]
        for count in MEMORY_PAGES:
            m = measured[count]
            rows.append(
                Row(f"5 cli peak RSS, {label}", count, m["seconds"], count / m["seconds"], m[key])
            )
        rows[-1].ratio = ratio
        rows[-1].target = target_text("rss 10k/1k", ratio) if key == "tree_mib" else "(info)"
    return rows, measured


# ---- report -----------------------------------------------------------------------------------


def target_text(name: str, ratio: float) -> str:
    limit = TARGETS[name]
    met = ratio <= limit if name.startswith("rss") else ratio >= limit
    sign = "<=" if name.startswith("rss") else ">="
    return f"{name} {sign} {limit}: {'met' if met else 'MISSED'}"


def _cell(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[Row]) -> None:
    print(
        f"\n{'measurement':<44} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'RSS MiB':>8}"
        f" {'ratio':>6}  target"
    )
    for row in rows:
        print(
            f"{row.measurement:<44} {row.pages:>6} {_cell(row.seconds, '.1f'):>8}"
            f" {_cell(row.pages_per_s, '.1f'):>8} {_cell(row.rss_mib, '.0f'):>8}"
            f" {_cell(row.ratio, '.2f'):>6}  {row.target or ''}"
        )


def print_loads(loads: dict[str, float]) -> None:
    """How busy other processes kept the machine: a high share makes 3-5 read low."""
    shares = ", ".join(f"{name} {share:.0%}" for name, share in loads.items())
    print(f"CPU used by other processes during each part (share of {CORES} cores): {shares}")


def machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": CORES,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "trafilatura": trafilatura.__version__,
    }


# ---- command ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared data folder (default: ../shared next to the repo)",
    )
    parser.add_argument("--only", choices=SECTIONS, help="run one measurement only")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of 1+2 and runs of 3 (default %(default)s)",
    )
    parser.add_argument(
        "--crawl-pairs",
        type=int,
        default=2,
        help="(shipped, reactor) crawl pairs for 4 (default %(default)s)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write numbers")
    args = parser.parse_args(argv)
    for name in ("repeat", "crawl_pairs"):
        if getattr(args, name) < 1:
            parser.error(
                f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}"
            )
    return args


def missing_inputs(shared: Path) -> list[Path]:
    needed = [
        shared / GARD_DIR / "pages",
        shared / GARD_DIR / "disease_links.csv",
        shared / ZYTE_DIR / "html",
        shared / ZYTE_DIR / "ground-truth.json",
    ]
    return [path for path in needed if not path.exists()]


def run_sections(shared: Path, only: str | None, repeat: int, pairs: int) -> tuple[list[Row], dict]:
    """Run the chosen measurements in order; 1+2 first, since 3 needs 1's bare pages/s."""
    rows: list[Row] = []
    raw: dict[str, Any] = {"foreign_load": {}}
    wanted = [only] if only else list(SECTIONS)
    bare_rate: dict[str, float] = {}
    if "extract" in wanted or "cli" in wanted:
        with foreign_load(raw["foreign_load"], "extract"):
            bare_rate = run_extract(shared, wanted, repeat, rows, raw)
    later: dict[str, Callable[[], tuple[list[Row], Any]]] = {
        "cli": lambda: cli_rows(shared, repeat, bare_rate),
        "crawl": lambda: crawl_rows(shared, pairs),
        "memory": lambda: memory_rows(shared),
    }
    for name in wanted:
        if name in later:
            with foreign_load(raw["foreign_load"], name):
                table, raw[name] = later[name]()
            rows += table
    return rows, raw


def run_extract(shared: Path, wanted: list[str], repeat: int, rows: list[Row], raw: dict) -> dict:
    """1+2 interleaved (or, for 3 alone, one bare pass); adds rows, returns bare pages/s."""
    sets = load_sets(shared)
    counts = {name: len(pages) for name, pages in sets.items()}
    counts["both"] = sum(counts.values())
    systems = ("bare", "ours") if "extract" in wanted else ("bare",)
    print(f"1+2 bare trafilatura{' and ours, interleaved' if len(systems) > 1 else ' only'}:")
    rounds = repeat if "extract" in wanted else 1
    raw["extract"] = with_combined(interleaved_rounds(sets, rounds, systems))
    table, bare_rate = extract_rows(raw["extract"], counts)
    rows += table if "extract" in wanted else []
    return bare_rate


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write via a temp file and os.replace, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    shared = args.shared.resolve()
    absent = missing_inputs(shared)
    if absent:
        print(
            f"throughput.py: {absent[0]} not found: the benchmark reads third-party pages from"
            " ../shared (pass --shared DIR)",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    rows, raw = run_sections(shared, args.only, args.repeat, args.crawl_pairs)
    info = machine() | {"runtime_seconds": round(time.perf_counter() - started, 1)}
    print(
        f"\n{info['date']}, {CORES} cores, Python {info['python']}, trafilatura"
        f" {info['trafilatura']}; --repeat {args.repeat}, --crawl-pairs {args.crawl_pairs};"
        f" crawl settings {CRAWL_SETTINGS}"
    )
    print_table(rows)
    print_loads(raw["foreign_load"])
    write_json(
        args.json,
        {
            "machine": info,
            "crawl_settings": CRAWL_SETTINGS,
            "repeat": args.repeat,
            "crawl_pairs": args.crawl_pairs,
            "rows": [asdict(r) for r in rows],
            "raw": raw,
        },
    )
    print(f"\ntotal runtime {info['runtime_seconds']:.0f} s; all numbers in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
