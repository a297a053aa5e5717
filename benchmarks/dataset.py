"""`healthcrawl export` on real pages: dedup of planted copies, GARD's template share before
and after, the gold snippets kept, chunk sizes, and the export's time.

Command (from the repo root; about a minute on 2 cores)::

    .venv/bin/python benchmarks/dataset.py [--shared ../shared] [--copies 150] [--seed 1]
        [--json benchmarks/results/dataset.json]

Records: the 1,000 GARD pages of ../shared/corpus/rarediseases (URLs from disease_links.csv)
and the 17 gold pages of ../shared/pages (URLs from gold.jsonl) through `healthcrawl.process`,
in a process pool. Exit 2: ../shared absent.

1. Export: `healthcrawl export GARD.jsonl --to DIR --chunks` in a subprocess, timed end to end;
   template share before and after: the share of `text` characters in lines of at least 40
   characters that recur in at least 10% of the records (over the GARD input records, then
   over the exported ones); chunk count and tokens per chunk.
2. Gold snippets: the GARD and gold records exported together; each gold page's
   `must_include` snippets found (normalised as quality.py does) in its record before export
   and in its exported record (matched by id).
3. Dedup: planted copies of real records that the export keeps (a copy of a stub is a stub):
   `--copies` exact copies (another URL, so another id) and as many 3%-edited copies (another
   URL; 3% of the words of the text left after template removal edited: a third replaced by a
   word of the same page, a third deleted, a third doubled), appended after all originals; the
   export's removed.jsonl says which went. Found: the copy or its original removed as a
   duplicate. False removals: records in no planted pair removed as duplicates, over the
   records the baseline export (no copies) keeps. A second edited set spreads the edits over
   all words, site template lines included (which then no longer match the template).
4. Libraries: rensa (R-MinHash) and datasketch MinHash + LSH (optional here: `pip install
   datasketch`) with the same shingles and parameters on the planted set's texts after
   template removal: seconds to sign, index and query, edited copies found, records in no
   planted pair grouped with another. Then a sweep of shingle width and threshold with the
   library the export uses.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from healthcrawl import Page, Skip, process

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.matching import contains_phrase, normalize  # noqa: E402
from benchmarks.minhash import measure_libraries  # noqa: E402
from benchmarks.planted import planted_set, site_templates  # noqa: E402
from benchmarks.quality import load_gold  # noqa: E402
from benchmarks.throughput import GARD_DIR, gard_files, gard_urls  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
LINE_CHARS = 40
RECUR_SHARE = 0.10


def extract_one(path: str, url: str | None) -> dict[str, Any] | None:
    try:
        return process(Page(url, Path(path).read_bytes())).to_dict()
    except Skip:
        return None


def extract_all(pages: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        records = pool.map(extract_one, *zip(*pages, strict=True), chunksize=16)
        return [record for record in records if record is not None]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def export(inputs: list[Path], target: Path, *flags: str) -> float:
    """Run the command; its wall seconds."""
    command = [sys.executable, "-m", "healthcrawl.output.cli", "export", *map(str, inputs)]
    started = time.perf_counter()
    run = subprocess.run([*command, "--to", str(target), *flags], capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"{' '.join(command)}: exit {run.returncode}\n{run.stderr}")
    return time.perf_counter() - started


def exported(target: Path, folder: str = "data") -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return [
        row
        for path in sorted((target / folder).glob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]


def removed(target: Path) -> dict[str, dict[str, Any]]:
    lines = (target / "removed.jsonl").read_text("utf-8").splitlines()
    return {row["id"]: row for row in map(json.loads, lines)}


def template_share(texts: list[str]) -> float:
    """Share of characters in lines (>= LINE_CHARS) recurring in >= RECUR_SHARE of texts."""
    lines = [{line for line in text.split("\n") if len(line) >= LINE_CHARS} for text in texts]
    recur = Counter(line for found in lines for line in found)
    least = RECUR_SHARE * len(texts)
    inside = sum(len(line) for text in texts for line in text.split("\n") if recur[line] >= least)
    return inside / sum(map(len, texts))


# ---- 1 and 2: export, template share, snippets, chunks ------------------------------------


def measure_export(gard: list[dict[str, Any]], work: Path) -> dict[str, Any]:
    target = work / "gard"
    seconds = export([write_jsonl(work / "gard.jsonl", gard)], target, "--chunks")
    kept = exported(target)
    chunks = exported(target, "chunks")
    tokens = sorted(chunk["n_tokens"] for chunk in chunks)
    reasons = Counter(row["reason"] for row in removed(target).values())
    return {
        "records_in": len(gard),
        "records_out": len(kept),
        "removed": dict(reasons),
        "seconds": round(seconds, 2),
        "template_share_before": round(template_share([r["text"] for r in gard]), 4),
        "template_share_after": round(template_share([r["text"] for r in kept]), 4),
        "chars_before": sum(len(r["text"]) for r in gard),
        "chars_after": sum(len(r["text"]) for r in kept),
        "chunks": len(chunks),
        "chunks_per_record": round(len(chunks) / len(kept), 2),
        "tokens": {
            "median": statistics.median(tokens),
            "mean": round(statistics.mean(tokens), 1),
            "p10": tokens[len(tokens) // 10],
            "p90": tokens[len(tokens) * 9 // 10],
            "max": tokens[-1],
            "under_64": sum(n < 64 for n in tokens),
        },
    }


def content(record: dict[str, Any]) -> str:
    refs = " ".join(ref["raw"] for ref in record["references"])
    return normalize(f"{record['title']} {record['text']} {refs}")


def measure_snippets(
    gard: list[dict[str, Any]],
    gold_records: dict[str, dict[str, Any]],
    gold: list[dict],
    work: Path,
) -> dict[str, Any]:
    """Snippets found before and after; each one lost is template text (inside a template
    unit of its site), on a page removed as a stub, or neither: the last must be none."""
    records = gard + list(gold_records.values())
    target = work / "gold"
    export([write_jsonl(work / "all.jsonl", records)], target)
    kept = {record["id"]: record for record in exported(target)}
    stubs = {i for i, row in removed(target).items() if row["reason"] == "stub"}
    templates = [normalize(text) for text in site_templates(records).texts.values()]
    result: dict[str, Any] = {"snippets": 0, "found_before": 0, "found_after": 0}
    lost: dict[str, list[str]] = {"template text": [], "stub page": [], "other": []}
    for page in gold:
        record = gold_records.get(page["file"])
        for snippet in page["must_include"] if record else ():
            result["snippets"] += 1
            if not contains_phrase(content(record), snippet):
                continue
            result["found_before"] += 1
            after = kept.get(record["id"])
            if after and contains_phrase(content(after), snippet):
                result["found_after"] += 1
            elif record["id"] in stubs:
                lost["stub page"].append(f"{page['file']}: {snippet[:60]}")
            elif any(normalize(snippet) in text for text in templates):
                lost["template text"].append(f"{page['file']}: {snippet[:60]}")
            else:
                lost["other"].append(f"{page['file']}: {snippet[:60]}")
    return {**result, **{f"lost_{kind}": found for kind, found in lost.items()}}


# ---- 3: planted duplicates ----------------------------------------------------------------


def measure_planted(
    records: list[dict[str, Any]], copies: int, seed: int, anywhere: bool, work: Path
) -> dict[str, Any]:
    base = work / "baseline"
    export([write_jsonl(work / "base.jsonl", records)], base)
    keepers = {r["id"] for r in exported(base)}
    dropped_before = {i for i, row in removed(base).items() if row["reason"] != "stub"}
    both, pairs = planted_set(records, keepers, copies, seed, anywhere)
    target = work / ("anywhere" if anywhere else "planted")
    export([write_jsonl(work / "planted.jsonl", both)], target)
    gone = removed(target)
    found = Counter()
    for kind, original, copy in pairs:
        found[kind] += copy in gone or original in gone
    in_pairs = {i for _, original, copy in pairs for i in (original, copy)}
    false = [i for i in keepers - in_pairs if i in gone]
    return {
        "exact_found": f"{found['exact']}/{copies}",
        "edited_found": f"{found['edited']}/{copies}",
        "edited_recall": round(found["edited"] / copies, 3),
        "false_removals": len(false),
        "records_at_risk": len(keepers - in_pairs),
        "false_removal_rate": round(len(false) / len(keepers - in_pairs), 4),
        "removed_as_duplicates_without_copies": len(dropped_before),
    }


# ---- main -------------------------------------------------------------------------------------


def pages(shared: Path) -> Iterator[tuple[str, str | None]]:
    urls = gard_urls(shared)
    for path in gard_files(shared):
        yield str(path), urls.get(path.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--copies", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks/results/dataset.json")
    args = parser.parse_args(argv)
    if not (args.shared / GARD_DIR).is_dir() or not (args.shared / "pages").is_dir():
        print(f"{args.shared}: GARD corpus or gold pages absent", file=sys.stderr)
        return 2
    gold = load_gold(args.shared)
    gard = extract_all(list(pages(args.shared)))
    gold_records = {
        page["file"]: record
        for page in gold
        if (record := extract_one(str(args.shared / "pages" / page["file"]), page["url"]))
    }
    everything = gard + list(gold_records.values())
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        results = {
            "export": measure_export(gard, work),
            "snippets": measure_snippets(gard, gold_records, gold, work),
            "planted": measure_planted(everything, args.copies, args.seed, False, work),
            "planted_edits_anywhere": measure_planted(
                everything, args.copies, args.seed, True, work
            ),
        }
        keepers = {r["id"] for r in exported(work / "baseline")}
        results["libraries"] = measure_libraries(everything, args.copies, args.seed, keepers)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
