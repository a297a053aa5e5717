"""The main-text sets, scored with the Zyte metric (`shingles.py`) for every system (`peers.py`).

- zyte: ../shared/bench/article-extraction-benchmark, 181 pages, `articleBody` per page.
- dev: ../shared/bench/web-content-extraction-benchmark-dev, 481 pages; besides `articleBody` each
  page has `page_type`, `with` (sentences a good extraction keeps) and `without` (boilerplate it
  drops); its health subset is the id column of the README's "Health subset" table.

Each page is gunzipped and given, with the URL from its ground truth, to every system in a
process pool; a refusal, crash or timeout is empty output (recall 0, out of mean precision).
Reported per system: F1, precision, recall and accuracy (`benchmark_metrics`), the number of
empty outputs with their reasons, the CPU seconds its calls took in the workers; on dev the same
per page type and on the health subset, plus `with` kept and `without` leaked: the share of
those strings, pooled over pages, found in the output by `matching.contains_phrase` (both sides
normalised as the gold pages are: NFKC, entities decoded, straight quotes, whitespace collapsed;
case-sensitive; not inside a longer word). The "ground truth" row applies the same test to
`articleBody` itself: the ceiling.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.matching import contains_phrase, normalize
from benchmarks.peers import Run, run_system
from benchmarks.shingles import benchmark_metrics, match_shingles, page_f1, same_tokens
from benchmarks.structure import pool_structure, read_structure, score_structure

FOLDERS = {
    "zyte": Path("bench", "article-extraction-benchmark"),
    "dev": Path("bench", "web-content-extraction-benchmark-dev"),
}
TITLES = {
    "zyte": "Zyte article-extraction benchmark",
    "dev": "web-content-extraction-benchmark, development half",
}
WORST = {"zyte": 10, "dev": 15}
"""How many of our worst pages each table lists."""
_HEALTH_ROW = re.compile(r"^\|\s*(\d+)\s*\|")


@dataclass(frozen=True)
class Task:
    """One page to score, everything a worker needs (picklable)."""

    path: str
    id: str
    url: str | None
    truth: dict[str, Any]
    runs: tuple[Run, ...]
    structure: bool


def health_ids(readme: str) -> list[str]:
    """The ids in the first column of the table under the README's "Health subset" heading."""
    section = readme.split("## Health subset", 1)[1].split("\n## ", 1)[0]
    return [m.group(1) for line in section.splitlines() if (m := _HEALTH_ROW.match(line))]


def load_tasks(folder: Path, runs: tuple[Run, ...], structure: bool) -> list[Task]:
    """One task per ground-truth entry, in id order."""
    truth = json.loads((folder / "ground-truth.json").read_text("utf-8"))
    return [
        Task(
            str(folder / "html" / f"{key}.html.gz"),
            key,
            item.get("url") or None,
            item,
            runs,
            structure,
        )
        for key, item in sorted(truth.items())
    ]


def score_page(task: Task) -> dict[str, Any]:
    """Every run on one page (runs in a worker): shingle triple, exactness, with/without."""
    data = gzip.decompress(Path(task.path).read_bytes())
    body = task.truth["articleBody"]
    page: dict[str, Any] = {
        "id": task.id,
        "url": task.url,
        "type": task.truth.get("page_type"),
        "with_total": len(task.truth.get("with", ())),
        "without_total": len(task.truth.get("without", ())),
        "runs": {},
    }
    page["runs"]["truth"] = _score_output(task.truth, body, None) | {"seconds": 0.0}
    for run in task.runs:
        started = time.process_time()
        output = run_system(run, data, task.url)
        seconds = time.process_time() - started
        page["runs"][run.key] = _score_output(task.truth, output.text, output.error)
        page["runs"][run.key]["seconds"] = seconds
        if task.structure and run.key == "ours":
            page["structure"] = score_structure(read_structure(data, body), output.record)
    return page


def _score_output(truth: dict[str, Any], text: str, error: str | None) -> dict[str, Any]:
    """One output against the page's truth."""
    content = normalize(text)
    return {
        "triple": match_shingles(truth["articleBody"], text),
        "exact": same_tokens(truth["articleBody"], text),
        "empty": not content,
        "error": error,
        "with": sum(contains_phrase(content, s) for s in truth.get("with", ())),
        "without": sum(contains_phrase(content, s) for s in truth.get("without", ())),
    }


def score_set(
    shared: Path, name: str, runs: tuple[Run, ...], workers: int | None = None
) -> dict[str, Any]:
    """Score one set: per-run summaries (overall, per page type, health), ours' structure."""
    folder = shared / FOLDERS[name]
    structure = name == "dev" and any(run.key == "ours" for run in runs)
    tasks = load_tasks(folder, runs, structure)
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        pages = list(pool.map(score_page, tasks, chunksize=2))
    health = set(health_ids((folder / "README.md").read_text("utf-8"))) if name == "dev" else set()
    unknown = health - {page["id"] for page in pages}
    if unknown:
        raise ValueError(f"{folder}/README.md: health ids without ground truth: {sorted(unknown)}")
    result: dict[str, Any] = {
        "pages": len(pages),
        "health_ids": sorted(health),
        "runs": {key: summarize(pages, key, health) for key in ["truth", *(r.key for r in runs)]},
    }
    if structure:
        result["structure"] = pool_structure({p["id"]: p["structure"] for p in pages})
        result["structure"]["pages"] = {p["id"]: p["structure"] for p in pages}
    return result


def summarize(pages: list[dict[str, Any]], key: str, health: set[str]) -> dict[str, Any]:
    """One run: overall metrics, per page type, on the health subset, and per page."""
    summary = group_metrics(pages, key)
    types = sorted({page["type"] for page in pages if page["type"]})
    summary["by_type"] = {
        t: group_metrics([p for p in pages if p["type"] == t], key) for t in types
    }
    subset = [page for page in pages if page["id"] in health]
    summary["health"] = group_metrics(subset, key) if subset else None
    summary["failed"] = {p["id"]: p["runs"][key]["error"] for p in pages if p["runs"][key]["error"]}
    summary["per_page"] = {
        p["id"]: {"f1": page_f1(p["runs"][key]["triple"]), "url": p["url"], "type": p["type"]}
        | dict(zip(("tp", "fp", "fn"), p["runs"][key]["triple"], strict=True))
        for p in pages
    }
    return summary


def group_metrics(pages: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Benchmark metrics of one run over some pages, empty outputs, with kept, without leaked."""
    runs = [page["runs"][key] for page in pages]
    metrics: dict[str, Any] = benchmark_metrics(
        [tuple(run["triple"]) for run in runs], [run["exact"] for run in runs]
    )
    with_total = sum(page["with_total"] for page in pages)
    without_total = sum(page["without_total"] for page in pages)
    kept, leaked = sum(run["with"] for run in runs), sum(run["without"] for run in runs)
    return metrics | {
        "pages": len(pages),
        "seconds": sum(run["seconds"] for run in runs),
        "empty": sum(run["empty"] for run in runs),
        "with_kept": kept / with_total if with_total else None,
        "without_leaked": leaked / without_total if without_total else None,
    }


# ---- report -----------------------------------------------------------------------------------

LABEL = 34
"""Width of the system column."""


def _share(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def metrics_row(label: str, m: dict[str, Any]) -> str:
    """One system's numbers on a group of pages."""
    return (
        f"{label[:LABEL]:<{LABEL}} {m['f1']:.3f} {m['precision']:.3f} {m['recall']:.3f}"
        f" {m['accuracy']:.3f} {m['empty']:>5}  {_share(m['with_kept']):>6}"
        f"  {_share(m['without_leaked']):>6} {m['seconds']:>6.1f}"
    )


def print_table(title: str, summaries: dict[str, dict[str, Any]], labels: dict[str, str]) -> None:
    """F1, P, R, accuracy, empty outputs, with kept, without leaked: one row per run."""
    print(title)
    print(
        f"{'system':<{LABEL}} {'F1':<5} {'P':<5} {'R':<5} {'acc':<5} empty  with   without  cpu s"
    )
    for key, m in summaries.items():
        print(metrics_row(labels.get(key, key), m))


def print_set(name: str, result: dict[str, Any], labels: dict[str, str]) -> None:
    """Everything measured on one set: overall, health, per type, refusals, structure, worst."""
    runs = result["runs"]
    truth_label = {"truth": "ground truth (articleBody)"}
    print(f"\n== {TITLES[name]} ({result['pages']} pages) ==")
    print_table("overall:", runs, labels | truth_label)
    if result["health_ids"]:
        health = {key: run["health"] for key, run in runs.items()}
        print_table(
            f"health subset ({len(result['health_ids'])} pages, README table):",
            health,
            labels | truth_label,
        )
    print_types(runs, labels)
    if "ours" in runs:
        print_failures(runs["ours"])
    if "structure" in result:
        print_structure(result["structure"])
    if "ours" in runs:
        print_worst(runs, WORST[name])


def print_types(runs: dict[str, dict[str, Any]], labels: dict[str, str]) -> None:
    """F1 per page type (rows) and system (columns)."""
    types = runs["truth"]["by_type"]
    if not types:
        return
    keys = [key for key in runs if key != "truth"]
    print(
        "F1 by page type: " + ", ".join(f"{n}. {labels.get(k, k)}" for n, k in enumerate(keys, 1))
    )
    print(f"{'page_type':<16} {'pages':>5} " + " ".join(f"{n:>6}" for n in range(1, len(keys) + 1)))
    for kind, group in types.items():
        cells = " ".join(f"{runs[key]['by_type'][kind]['f1']:>6.3f}" for key in keys)
        print(f"{kind:<16} {group['pages']:>5} {cells}")


def print_failures(ours: dict[str, Any]) -> None:
    """Our empty outputs by reason class, then each one."""
    reasons = Counter(reason.split(":", 1)[0] for reason in ours["failed"].values())
    print(f"ours refused or failed on {len(ours['failed'])} page(s): {dict(reasons)}")
    for page, reason in ours["failed"].items():
        print(f"  {page[:16]:<16} {ours['per_page'][page]['url']}: {reason}")


def print_structure(structure: dict[str, Any]) -> None:
    """References found and leaked, and heading recall, for ours."""
    pages, found = structure["references_pages"], structure["references_found"]
    leaked = structure["references_leaked"]
    print(
        f"structure (ours): references found in our record on {found} of {pages} pages with a"
        f" references-like list; the first entry leaked into record.text on {len(leaked)}"
    )
    if structure["headings_recall"] is not None:
        print(
            f"  headings: {structure['headings_found']}/{structure['headings_total']}"
            f" ({structure['headings_recall']:.3f}) of the page's h2-h4 that the ground truth"
            " keeps as a line are section headings of our record; mean over the"
            f" {structure['headings_pages']} pages with any: {structure['headings_page_mean']:.3f}"
        )
    for what, pages in (("not found", structure["references_missed"]), ("leaked", leaked)):
        if pages:
            print(f"  references {what} on: {', '.join(pages)}")


def print_worst(runs: dict[str, dict[str, Any]], count: int) -> None:
    """Our worst pages by per-page F1, next to bare trafilatura's."""
    ours, bare = runs["ours"]["per_page"], runs.get("bare", {}).get("per_page", {})
    print(f"{count} worst pages for ours (per-page F1: ours, bare; page type):")
    for page, numbers in sorted(ours.items(), key=lambda item: item[1]["f1"])[:count]:
        theirs = f"{bare[page]['f1']:.3f}" if page in bare else " n/a "
        kind = numbers["type"] or ""
        reason = runs["ours"]["failed"].get(page)
        tail = f"  [{reason[:60]}]" if reason else ""
        print(f"  {page[:16]:<16} {numbers['f1']:.3f}  {theirs}  {kind:<13} {numbers['url']}{tail}")
