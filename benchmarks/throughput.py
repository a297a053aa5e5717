"""Throughput and memory of healthcrawl next to bare trafilatura, on the same pages in one run.

Command (from the repo root; about 7 minutes on 2 cores with the default --repeat 3)::

    .venv/bin/python benchmarks/throughput.py [--shared ../shared]
        [--only extract|cli|crawl|memory] [--repeat N] [--json benchmarks/results/throughput.json]

Pages: the 1,000 GARD pages of ../shared/corpus/rarediseases/pages (URLs from its
disease_links.csv) and the 181 Zyte benchmark pages of ../shared/bench/article-extraction-benchmark
(gunzipped in memory for 1-2, read as .html.gz by the CLI in 3; URLs from ground-truth.json).
It prints one table and writes every number (per round) to the JSON file. Exit 2: ../shared absent.

1. bare: `trafilatura.extract(html)` with default options, one process: the reference.
2. ours: `extract(html, url).to_dict()`, the full record, one process. 1 and 2 are timed
   interleaved: each round walks the pages in chunks of CHUNK and times bare then ours on a
   chunk, or ours then bare (alternating, so neither always runs on a warm cache). This machine
   is shared and its speed drifts by tens of percent within a minute; two back-to-back passes
   would compare two different machines, while neighbouring chunks see the same one. A round's
   ratio is its ours pages/s over its bare pages/s; the table shows the median over rounds
   (and the median pages/s), per set and for both sets together.
3. cli: `healthcrawl extract DIR -O tmp --jobs os.cpu_count()` in a subprocess, timed end to end
   (interpreter start-up, imports, pool start, validation and writing included); median over
   rounds; the ratio is over bare (1) pages/s of the same set in the same run (with --only cli,
   one bare pass is timed for it).
4. crawl: `scrapy crawl gard` of the 1,000 pages from sample_site/serve.py on 127.0.0.1 with
   CRAWL_SETTINGS, once with the pipeline as shipped (extraction in a process pool of
   HEALTHCRAWL_EXTRACT_WORKERS = cores by default) and once with HEALTHCRAWL_EXTRACT_WORKERS=0
   (extraction in the reactor thread), in pairs (shipped, reactor, shipped, reactor, ...).
   pages/s = healthcrawl/records_written / elapsed_time_seconds of the stats file; the ratio is
   shipped/reactor per pair, median over pairs.
5. memory: peak RSS of 3 (the CLI, --jobs cores) on 1,000 and on 10,000 GARD pages (a temp dir
   of symlinks cycling the corpus). The CLI runs under a fresh helper process; while it runs the
   benchmark samples /proc every SAMPLE_SECONDS and sums VmRSS over the CLI and all its
   descendants (pool workers): that peak sum is the number the target applies to (shared
   copy-on-write pages count once per process, so it overstates real use, the same way at 1k
   and 10k). The helper also reports `getrusage(RUSAGE_CHILDREN).ru_maxrss`, the exact peak of
   the largest single process (CLI parent or one worker), shown on its own row.

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

from extractors import ExtractionError, extract

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
}
MEMORY_PAGES = (1_000, 10_000)
SAMPLE_SECONDS = 0.05
TARGETS = {"ours/bare": 1.0, "cli/bare": 1.8, "shipped/reactor": 1.6, "rss 10k/1k": 1.2}
"""Minimum ratios, except the RSS one, a maximum."""
_RSS_HELPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print(json.dumps({"returncode": done.returncode, "stderr": done.stderr[-2000:],
                  "seconds": time.perf_counter() - started,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""
"""Runs the CLI as its only child, so RUSAGE_CHILDREN covers exactly the CLI and its workers."""


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
        (name, pages[i : i + CHUNK]) for name, pages in sets.items()
        for i in range(0, len(pages), CHUNK)
    ]  # fmt: skip


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
            ratio = statistics.median(o / b for o, b in zip(rate["ours"], rate["bare"]))
            rows.append(Row(f"2 ours extract+to_dict, {name}", pages, secs["ours"],
                            statistics.median(rate["ours"]), ratio=ratio,
                            target=target_text("ours/bare", ratio)))  # fmt: skip
    return rows, bare_rate


# ---- 3: the CLI -------------------------------------------------------------------------------


def cli_command(inputs: list[Path], output: Path) -> list[str]:
    script = Path(sys.executable).with_name("healthcrawl")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "output.cli"]
    return [*command, "extract", *map(str, inputs), "-O", str(output), "--jobs", str(CORES)]


def run_cli(inputs: list[Path], pages: int) -> tuple[float, int]:
    """Seconds end to end and records written; fails loudly if the CLI crashed."""
    with tempfile.TemporaryDirectory(prefix="healthcrawl-bench-") as tmp:
        output = Path(tmp, "records.jsonl")
        started = time.perf_counter()
        done = subprocess.run(cli_command(inputs, output), capture_output=True, text=True)
        seconds = time.perf_counter() - started
        records = sum(1 for _ in output.open("rb")) if output.exists() else 0
    if done.returncode not in (0, 1) or records == 0:
        raise RuntimeError(f"healthcrawl extract failed ({done.returncode}): {done.stderr[-800:]}")
    if records != pages:
        print(f"  note: {pages - records} of {pages} pages gave no record", file=sys.stderr)
    return seconds, records


def cli_rows(shared: Path, rounds: int, bare_rate: dict[str, float]) -> tuple[list[Row], dict]:
    inputs = {
        "GARD": [shared / GARD_DIR / "pages"],
        "Zyte": [shared / ZYTE_DIR / "html"],
        "both": [shared / GARD_DIR / "pages", shared / ZYTE_DIR / "html"],
    }
    pages = {"GARD": len(gard_files(shared)), "Zyte": len(zyte_files(shared))}
    pages["both"] = pages["GARD"] + pages["Zyte"]
    raw: dict[str, list[float]] = {name: [] for name in inputs}
    for number in range(rounds):
        for name, paths in inputs.items():
            raw[name].append(run_cli(paths, pages[name])[0])
        print(f"  round {number + 1}/{rounds}: " + ", ".join(
            f"{name} {raw[name][-1]:.1f} s" for name in inputs), flush=True)  # fmt: skip
    rows = []
    for name, seconds in raw.items():
        rate = pages[name] / statistics.median(seconds)
        ratio = rate / bare_rate[name]
        rows.append(Row(f"3 cli --jobs {CORES}, {name}", pages[name], statistics.median(seconds),
                        rate, ratio=ratio, target=target_text("cli/bare", ratio)))  # fmt: skip
    return rows, raw


# ---- 4: scrapy crawl gard ---------------------------------------------------------------------


def run_crawl(base_url: str, workers: str | None) -> dict[str, Any]:
    """One `scrapy crawl gard`; returns its stats (records written, elapsed seconds)."""
    with tempfile.TemporaryDirectory(prefix="healthcrawl-bench-") as tmp:
        settings = {**CRAWL_SETTINGS, "HEALTHCRAWL_OUTPUT": f"{tmp}/out.jsonl",
                    "HEALTHCRAWL_STATS_FILE": f"{tmp}/stats.json"}  # fmt: skip
        if workers is not None:
            settings["HEALTHCRAWL_EXTRACT_WORKERS"] = workers
        command = [sys.executable, "-m", "scrapy", "crawl", "gard", "-a", f"base_url={base_url}"]
        command += [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
        stats_file = Path(tmp, "stats.json")
        if done.returncode != 0 or not stats_file.exists():
            raise RuntimeError(f"scrapy crawl gard failed ({done.returncode}): {done.stderr[-800:]}")
        stats = json.loads(stats_file.read_text("utf-8"))
    return {
        "records": stats.get("healthcrawl/records_written", 0),
        "elapsed": stats["elapsed_time_seconds"],
        "memusage_max": stats.get("memusage/max"),
    }


def crawl_rows(shared: Path, pairs: int) -> tuple[list[Row], list]:
    from sample_site.serve import running_server

    runs: list[dict[str, dict[str, Any]]] = []
    with running_server(gard_corpus=shared / GARD_DIR) as base_url:
        for number in range(pairs):
            runs.append({"shipped": run_crawl(base_url, None), "reactor": run_crawl(base_url, "0")})
            print(f"  pair {number + 1}/{pairs}: " + ", ".join(
                f"{mode} {r['records']} records in {r['elapsed']:.1f} s"
                for mode, r in runs[-1].items()), flush=True)  # fmt: skip
    rate = {m: [r[m]["records"] / r[m]["elapsed"] for r in runs] for m in ("shipped", "reactor")}
    ratio = statistics.median(s / r for s, r in zip(rate["shipped"], rate["reactor"]))
    rows = []
    for mode, label in (("shipped", f"workers default={CORES}"), ("reactor", "workers=0")):
        records = statistics.median(r[mode]["records"] for r in runs)
        rows.append(Row(f"4 crawl gard, {label}", int(records),
                        statistics.median(r[mode]["elapsed"] for r in runs),
                        statistics.median(rate[mode])))  # fmt: skip
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


def process_tree_rss_kib(root: int) -> int:
    """Sum of VmRSS over `root`'s descendants (not root itself: the small helper)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - tree
        tree |= frontier
    return sum(vm_rss_kib(pid) for pid in tree)


def vm_rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_rss(inputs: Path) -> dict[str, float]:
    """Run the CLI under the helper; sampled peak tree RSS and the helper's ru_maxrss."""
    with tempfile.TemporaryDirectory(prefix="healthcrawl-bench-") as tmp:
        command = [sys.executable, "-c", _RSS_HELPER, *cli_command([inputs], Path(tmp, "o.jsonl"))]
        helper = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        peak = 0
        while helper.poll() is None:
            peak = max(peak, process_tree_rss_kib(helper.pid))
            time.sleep(SAMPLE_SECONDS)
        report = json.loads(helper.communicate()[0])
    if report["returncode"] not in (0, 1):
        raise RuntimeError(f"healthcrawl extract failed: {report['stderr']}")
    return {"tree_mib": peak / 1024, "largest_mib": report["maxrss_kib"] / 1024,
            "seconds": report["seconds"]}  # fmt: skip


def memory_rows(shared: Path) -> tuple[list[Row], dict[int, dict[str, float]]]:
    measured = {}
    for count in MEMORY_PAGES:
        with cycled_corpus(shared, count) as folder:
            measured[count] = measure_rss(folder)
        print(f"  {count} pages: peak tree RSS {measured[count]['tree_mib']:.0f} MiB,"
              f" largest process {measured[count]['largest_mib']:.0f} MiB", flush=True)  # fmt: skip
    small, large = (measured[n] for n in MEMORY_PAGES)
    rows = []
    for key, label in (("tree_mib", "sum over process tree"), ("largest_mib", "largest process")):
        ratio = large[key] / small[key]
        for count in MEMORY_PAGES:
            m = measured[count]
            rows.append(Row(f"5 cli peak RSS, {label}", count, m["seconds"],
                            count / m["seconds"], m[key]))  # fmt: skip
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
    print(f"\n{'measurement':<44} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'RSS MiB':>8}"
          f" {'ratio':>6}  target")  # fmt: skip
    for row in rows:
        print(f"{row.measurement:<44} {row.pages:>6} {_cell(row.seconds, '.1f'):>8}"
              f" {_cell(row.pages_per_s, '.1f'):>8} {_cell(row.rss_mib, '.0f'):>8}"
              f" {_cell(row.ratio, '.2f'):>6}  {row.target or ''}")  # fmt: skip


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
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="the shared data folder (default: ../shared next to the repo)")
    parser.add_argument("--only", choices=SECTIONS, help="run one measurement only")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds for 1-3, crawl pairs for 4 (default %(default)s)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write numbers")
    args = parser.parse_args(argv)  # fmt: skip
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    return args


def missing_inputs(shared: Path) -> list[Path]:
    needed = [shared / GARD_DIR / "pages", shared / GARD_DIR / "disease_links.csv",
              shared / ZYTE_DIR / "html", shared / ZYTE_DIR / "ground-truth.json"]  # fmt: skip
    return [path for path in needed if not path.exists()]


def run_sections(shared: Path, only: str | None, repeat: int) -> tuple[list[Row], dict]:
    """Run the chosen measurements in order; 1+2 first, since 3 needs 1's bare pages/s."""
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    wanted = [only] if only else list(SECTIONS)
    if "extract" in wanted or "cli" in wanted:
        sets = load_sets(shared)
        counts = {name: len(pages) for name, pages in sets.items()} | {
            "both": sum(map(len, sets.values()))}  # fmt: skip
        systems = ("bare", "ours") if "extract" in wanted else ("bare",)
        print(f"1+2 bare trafilatura {'and ours, interleaved' if len(systems) > 1 else 'only'}:")
        raw["extract"] = with_combined(interleaved_rounds(sets, repeat if "extract" in wanted
                                                          else 1, systems))  # fmt: skip
        extract_table, bare_rate = extract_rows(raw["extract"], counts)
        rows += extract_table if "extract" in wanted else []
        del sets
    if "cli" in wanted:
        print(f"3 healthcrawl extract --jobs {CORES}:")
        cli_table, raw["cli"] = cli_rows(shared, repeat, bare_rate)
        rows += cli_table
    if "crawl" in wanted:
        print(f"4 scrapy crawl gard, {CRAWL_SETTINGS}:")
        crawl_table, raw["crawl"] = crawl_rows(shared, repeat)
        rows += crawl_table
    if "memory" in wanted:
        print(f"5 peak RSS of healthcrawl extract --jobs {CORES}:")
        memory_table, raw["memory"] = memory_rows(shared)
        rows += memory_table
    return rows, raw


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
        print(f"throughput.py: {absent[0]} not found: the benchmark reads third-party pages from"
              " ../shared (pass --shared DIR)", file=sys.stderr)  # fmt: skip
        return 2
    started = time.perf_counter()
    rows, raw = run_sections(shared, args.only, args.repeat)
    info = machine() | {"runtime_seconds": round(time.perf_counter() - started, 1)}
    print(f"\n{info['date']}, {CORES} cores, Python {info['python']}, trafilatura"
          f" {info['trafilatura']}; crawl settings {CRAWL_SETTINGS}; --repeat {args.repeat}")
    print_table(rows)
    write_json(args.json, {"machine": info, "crawl_settings": CRAWL_SETTINGS,
                           "repeat": args.repeat, "rows": [asdict(r) for r in rows], "raw": raw})
    print(f"\ntotal runtime {info['runtime_seconds']:.0f} s; all numbers in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
