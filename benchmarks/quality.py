"""Extraction quality of healthcrawl next to bare trafilatura, on two sets read from ../shared.

Command (from the repo root; a full run takes well under a minute on 2 cores)::

    .venv/bin/python benchmarks/quality.py [--shared ../shared] [--only pages|zyte]
        [--json benchmarks/results/quality.json] [--pin [--allow-regression]]

It prints one table per set and writes every number to the JSON file. `--pin` rewrites
benchmarks/quality_floor.json (read by tests/test_quality.py) from this run, but refuses to lower
a floor or raise the leak ceiling unless `--allow-regression` is given. Exit 2: ../shared absent.
"Bare trafilatura" is `trafilatura.extract(html)` with default options, given the page's bytes.

Gold pages (../shared/pages, gold.jsonl). Both sides are normalised first: NFKC, HTML entities
decoded, curly quotes straightened, whitespace collapsed. A record's content is its title,
section headings, block texts, list items, table cells, bullets and text; bare trafilatura's is
its text output, and its headings are the `<head>` elements of its XML output.
- title: normalised equality (n/a for bare trafilatura, which returns no title by default).
- headings: share of gold headings equal to some section heading.
- snippets: share of `must_include` found in the content, and in content + `references[].raw`
  (GARD keeps its sources, which gold snippets quote, in a collapsed panel the record files
  under references). The pinned floor uses content + references.
- leaks: `must_exclude` strings found in the content (case-sensitive, normalised).
- references and bullets: counts, exact when gold > 0.
Totals pool snippets and headings over article pages. The listing page passes when extract raises
ListingPageError and is left out of the other totals. An article page the extractor refuses
scores zero everywhere and is listed with its reason.

Zyte article-extraction benchmark (../shared/bench/article-extraction-benchmark): scored as its
own evaluate.py scores (the README defers to that script, "python3 evaluate.py", and the report):
tokens are `\\w+` matches, not lowercased (the script compiles with re.IGNORECASE, which does not
change what `\\w+` matches); shingles are 4-token tuples counted as a multiset (a text of 1-3
tokens is one shingle); per page tp, fp, fn are the multiset overlap and differences, divided by
their sum so long pages weigh no more. Precision is the mean over pages with tp + fp > 0 of
tp / (tp + fp) (1 when fp = fn = 0); recall the mean over pages with tp + fn > 0 of tp / (tp + fn);
F1 their harmonic mean; accuracy the share of pages whose token lists are equal. This differs
from averaging the normalised tp, fp, fn before dividing: a page with an empty prediction drops
out of precision and scores 0 on recall, exactly as in the published table; following the script
keeps our numbers comparable with the README's (checked: with include_comments=False, as the
benchmark's run_trafilatura.py calls it, trafilatura 2.3.1 scores F1 0.960, accuracy 0.293 here,
against 0.958 and 0.293 published for 2.0.0). A page our extractor refuses is an empty
prediction, listed with its reason. Per-page F1 (worst-page list only) is 2pr / (p + r).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from decimal import ROUND_FLOOR, Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

import trafilatura
from lxml import etree

from extractors import ExtractionError, ListingPageError, Record, extract

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_JSON = REPO / "benchmarks" / "results" / "quality.json"
FLOOR_FILE = REPO / "benchmarks" / "quality_floor.json"
ZYTE_DIR = Path("bench", "article-extraction-benchmark")
SHINGLE_SIZE = 4
_TOKEN = re.compile(r"\w+")
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'"}
    | {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"'}
)
Triple = tuple[float, float, float]


def normalize(text: str) -> str:
    """As gold.jsonl asks: NFKC, entities decoded, straight quotes, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", html.unescape(text)).translate(_QUOTES).split())


# ---- gold pages -------------------------------------------------------------------------------


@dataclass
class PageScore:
    """One system on one gold page; None means the system cannot say (n/a) or failed."""

    file: str
    kind: str
    title_expected: str
    headings_total: int
    snippets_total: int
    references_expected: int
    bullets_expected: int
    error: str | None = None
    title: str | None = None
    title_right: bool | None = None
    headings_missing: list[str] = field(default_factory=list)
    missing_in_content: list[str] = field(default_factory=list)
    missing_with_references: list[str] | None = None
    leaks: list[str] = field(default_factory=list)
    references: int | None = None
    bullets: int | None = None
    listing_pass: bool | None = None


def load_gold(shared: Path) -> list[dict[str, Any]]:
    """The gold annotations, one dict per page, in file order."""
    lines = (shared / "pages" / "gold.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def blank_score(gold: dict[str, Any]) -> PageScore:
    """A score with nothing found yet: what a page the system refuses keeps."""
    return PageScore(
        file=gold["file"],
        kind=gold["kind"],
        title_expected=gold["title"],
        headings_total=len(gold["headings"]),
        snippets_total=len(gold["must_include"]),
        references_expected=gold["references"],
        bullets_expected=gold["bullets"],
        headings_missing=list(gold["headings"]),
        missing_in_content=list(gold["must_include"]),
    )


def absent(strings: list[str], content: str) -> list[str]:
    """The strings whose normalised form is not a substring of the (normalised) content."""
    return [s for s in strings if normalize(s) not in content]


def record_content(record: Record) -> str:
    """Everything the record offers a reader as article text (not references), normalised."""
    pieces = [record.title, record.text]
    for section in record.sections:
        pieces.append(section.heading or "")
        for block in section.blocks:
            pieces.append(block.text or "")
            pieces += [f"{item.term or ''} {item.text}" for item in block.items or ()]
            pieces += [cell for row in block.rows or () for cell in row]
    pieces += [f"{bullet.term or ''} {bullet.text}" for bullet in record.bullets]
    return normalize("\n".join(pieces))


def score_record(gold: dict[str, Any], record: Record) -> PageScore:
    """Compare one record with its gold annotation."""
    content = record_content(record)
    with_refs = content + " " + normalize(" ".join(ref.raw for ref in record.references))
    headings = {normalize(s.heading) for s in record.sections if s.heading}
    score = blank_score(gold)
    score.title = record.title
    score.title_right = normalize(record.title) == normalize(gold["title"])
    score.headings_missing = [h for h in gold["headings"] if normalize(h) not in headings]
    score.missing_in_content = absent(gold["must_include"], content)
    score.missing_with_references = absent(gold["must_include"], with_refs)
    score.leaks = [s for s in gold["must_exclude"] if normalize(s) in content]
    score.references, score.bullets = len(record.references), len(record.bullets)
    return score


def score_ours_page(gold: dict[str, Any], data: bytes) -> PageScore:
    """Run the extractor on one page; a refused article page keeps the blank (zero) score."""
    try:
        record = extract(data, gold["url"])
    except ExtractionError as exc:
        score = blank_score(gold)
        score.error = f"{type(exc).__name__}: {exc.detail}"
        score.title_right, score.missing_with_references = False, list(gold["must_include"])
        score.references, score.bullets = 0, 0
        score.listing_pass = (
            isinstance(exc, ListingPageError) if gold["kind"] == "listing" else None
        )
        return score
    score = score_record(gold, record)
    if gold["kind"] == "listing":
        score.listing_pass = getattr(record, "page_type", None) == "listing"
    return score


def bare_headings(data: bytes) -> list[str]:
    """Headings bare trafilatura keeps: the `<head>` elements of its XML output."""
    xml = trafilatura.extract(data, output_format="xml")
    if not xml:
        return []
    root = etree.fromstring(xml.encode("utf-8"))
    return [normalize("".join(head.itertext())) for head in root.iter("head")]


def score_bare_page(gold: dict[str, Any], data: bytes) -> PageScore:
    """Bare trafilatura on one page: no title, references, bullets or listing notion (n/a)."""
    content = normalize(trafilatura.extract(data) or "")
    headings = set(bare_headings(data))
    score = blank_score(gold)
    score.headings_missing = [h for h in gold["headings"] if normalize(h) not in headings]
    score.missing_in_content = absent(gold["must_include"], content)
    score.leaks = [s for s in gold["must_exclude"] if normalize(s) in content]
    return score


def score_pages(shared: Path, include_bare: bool = True) -> dict[str, list[PageScore]]:
    """Per-page scores of our extractor (and bare trafilatura) on the gold pages."""
    scores: dict[str, list[PageScore]] = {"ours": [], "bare": []}
    for gold in load_gold(shared):
        data = (shared / "pages" / gold["file"]).read_bytes()
        scores["ours"].append(score_ours_page(gold, data))
        if include_bare:
            scores["bare"].append(score_bare_page(gold, data))
    return scores


def total_pages(scores: list[PageScore]) -> dict[str, Any]:
    """Pooled totals over article pages; the listing page only counts as pass/fail."""
    articles = [s for s in scores if s.kind == "article"]
    heads = sum(s.headings_total for s in articles)
    snippets = sum(s.snippets_total for s in articles)
    found = snippets - sum(len(s.missing_in_content) for s in articles)
    missing_refs = [s.missing_with_references for s in articles]
    found_refs = None if None in missing_refs else snippets - sum(map(len, missing_refs))
    heads_found = heads - sum(len(s.headings_missing) for s in articles)
    titled = [s.title_right for s in articles if s.title_right is not None]
    return {
        "articles": len(articles),
        "titles_right": sum(titled) if titled else None,
        "headings_found": heads_found,
        "headings_total": heads,
        "headings_recall": heads_found / heads,
        "snippets_total": snippets,
        "snippets_found_content": found,
        "snippet_recall_content": found / snippets,
        "snippets_found_with_references": found_refs,
        "snippet_recall_with_references": None if found_refs is None else found_refs / snippets,
        "leaks_total": sum(len(s.leaks) for s in articles),
        "references_exact": exact_counts(articles, "references"),
        "bullets_exact": exact_counts(articles, "bullets"),
        "listing_pass": [s.listing_pass for s in scores if s.kind == "listing"],
        "failed": {s.file: s.error for s in articles if s.error},
    }


def exact_counts(articles: list[PageScore], name: str) -> list[int] | None:
    """[pages whose count equals gold, pages with gold > 0], or None when the system has none."""
    pages = [s for s in articles if getattr(s, f"{name}_expected") > 0]
    if all(getattr(s, name) is None for s in articles):
        return None
    right = sum(getattr(s, name) == getattr(s, f"{name}_expected") for s in pages)
    return [right, len(pages)]


# ---- Zyte article-extraction benchmark --------------------------------------------------------


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Multiset of 4-token shingles; 1-3 tokens make one short shingle, none make none."""
    tokens = _TOKEN.findall(text or "")
    count = max(1, len(tokens) - SHINGLE_SIZE + 1)
    return Counter(tuple(tokens[i : i + SHINGLE_SIZE]) for i in range(count) if tokens)


def match_shingles(truth: str, prediction: str) -> Triple:
    """tp, fp, fn over shingles, divided by their sum so every page weighs the same."""
    true, pred = shingles(truth), shingles(prediction)
    tp, fp, fn = (true & pred).total(), (pred - true).total(), (true - pred).total()
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision_of(tp: float, fp: float, fn: float) -> float:
    """Per-page precision as evaluate.py defines it (1 for a perfect page)."""
    return 1.0 if fp == fn == 0 else (tp / (tp + fp) if tp + fp else 0.0)


def recall_of(tp: float, fp: float, fn: float) -> float:
    """Per-page recall as evaluate.py defines it (1 for a perfect page)."""
    return 1.0 if fp == fn == 0 else (tp / (tp + fn) if tp + fn else 0.0)


def page_f1(triple: Triple) -> float:
    """One page's F1, only to rank the worst pages; the benchmark F1 is not their mean."""
    p, r = precision_of(*triple), recall_of(*triple)
    return 2 * p * r / (p + r) if p + r else 0.0


def benchmark_metrics(triples: list[Triple], exact: list[bool]) -> dict[str, float]:
    """Precision, recall, F1 and accuracy over pages, as the benchmark's evaluate.py."""
    precision = statistics.mean([precision_of(*t) for t in triples if t[0] + t[1] > 0])
    recall = statistics.mean([recall_of(*t) for t in triples if t[0] + t[2] > 0])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": statistics.mean(exact)}


def zyte_page(task: tuple[str, str, str, bool]) -> dict[str, Any]:
    """Score one benchmark page for our extractor (and bare trafilatura); runs in a worker."""
    path, truth, url, include_bare = task
    data = gzip.decompress(Path(path).read_bytes())
    row: dict[str, Any] = {"id": Path(path).name.removesuffix(".html.gz"), "url": url}
    row["error"] = None
    try:
        ours = extract(data, url).text
    except ExtractionError as exc:
        ours, row["error"] = "", f"{type(exc).__name__}: {exc.detail}"
    row["ours"], row["ours_exact"] = match_shingles(truth, ours), same_tokens(truth, ours)
    if include_bare:
        bare = trafilatura.extract(data) or ""
        row["bare"], row["bare_exact"] = match_shingles(truth, bare), same_tokens(truth, bare)
    return row


def same_tokens(truth: str, prediction: str) -> bool:
    """The benchmark's accuracy: the two token lists are identical."""
    return _TOKEN.findall(truth) == _TOKEN.findall(prediction)


def score_zyte(
    shared: Path, include_bare: bool = True, workers: int | None = None
) -> dict[str, Any]:
    """Benchmark summary per system, pages scored in a process pool (extraction is CPU-bound)."""
    folder = shared / ZYTE_DIR
    truth = json.loads((folder / "ground-truth.json").read_text("utf-8"))
    tasks = [
        (str(folder / "html" / f"{key}.html.gz"), item["articleBody"], item["url"], include_bare)
        for key, item in sorted(truth.items())
    ]
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        rows = list(pool.map(zyte_page, tasks, chunksize=4))
    systems = ("ours", "bare") if include_bare else ("ours",)
    return {name: summarize_zyte(rows, name) for name in systems}


def summarize_zyte(rows: list[dict[str, Any]], system: str) -> dict[str, Any]:
    """One system's metrics, refusals and per-page numbers."""
    triples = [tuple(row[system]) for row in rows]
    summary: dict[str, Any] = benchmark_metrics(triples, [row[f"{system}_exact"] for row in rows])
    summary["pages"] = {
        row["id"]: {"tp": t[0], "fp": t[1], "fn": t[2], "f1": page_f1(t), "url": row["url"]}
        for row, t in zip(rows, triples, strict=True)
    }
    if system == "ours":
        summary["failed"] = {row["id"]: row["error"] for row in rows if row["error"]}
    return summary


# ---- pinned floor -----------------------------------------------------------------------------


def round_down(value: float) -> float:
    """Floor to 3 decimals, so a pinned floor never sits above the run it came from."""
    return float(Decimal(repr(value)).quantize(Decimal("0.001"), rounding=ROUND_FLOOR))


def measured_floor(results: dict[str, Any]) -> dict[str, dict[str, float | int]]:
    """The floor values this run supports, for the sets it measured."""
    floor: dict[str, dict[str, float | int]] = {}
    if "pages" in results:
        totals = results["pages"]["ours"]["totals"]
        floor["pages"] = {
            "leaks_total": totals["leaks_total"],
            "snippet_recall_min": round_down(totals["snippet_recall_with_references"]),
            "titles_right": totals["titles_right"],
            "headings_min": round_down(totals["headings_recall"]),
        }
    if "zyte" in results:
        ours = results["zyte"]["ours"]
        floor["zyte"] = {"f1": round_down(ours["f1"]), "precision": round_down(ours["precision"])}
    return floor


def regressions(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every pinned value the new floor would lower (or, for leaks, raise)."""
    found = []
    for group, values in new.items():
        for key, value in values.items():
            pinned = old.get(group, {}).get(key)
            worse = pinned is not None and (
                value > pinned if key == "leaks_total" else value < pinned
            )
            if worse:
                found.append(f"{group}.{key}: pinned {pinned}, measured {value}")
    return found


def pin_floor(path: Path, results: dict[str, Any], allow_regression: bool) -> list[str]:
    """Rewrite the floor from this run; return the regressions that stopped it (none: written)."""
    old = json.loads(path.read_text("utf-8")) if path.exists() else {}
    new = measured_floor(results)
    refused = regressions(old, new)
    if refused and not allow_regression:
        return refused
    write_atomic(path, json.dumps(old | new, indent=2, sort_keys=True) + "\n")
    return []


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and os.replace: no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; these are ordinary repo files
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# ---- report -----------------------------------------------------------------------------------


def _frac(missing: list[str] | None, total: int) -> str:
    return "n/a" if missing is None else f"{total - len(missing)}/{total}"


def _yes(flag: bool | None) -> str:
    return {True: "yes", False: "NO", None: "n/a"}[flag]


def _count(got: int | None, expected: int) -> str:
    return f"{'-' if got is None else got}/{expected}"


NAME = 44
"""Width of the page column: long enough to tell the saved pages apart."""
PAGE_HEADER = (
    f"{'page':<{NAME}} {'title':<9} {'headings':<13} {'snippets: content':<17} {'+refs':<7}"
    f" {'leaks':<9} {'refs':<9} bullets\n"
    f"{'':<{NAME}} {'ours bare':<9} {'ours   bare':<13} {'ours    bare':<17} {'ours':<7}"
    f" {'ours bare':<9} {'ours/gold':<9} ours/gold"
)


def page_row(ours: PageScore, bare: PageScore) -> str:
    """One gold page: ours next to bare trafilatura; a refusal shows its reason."""
    name = ours.file.removesuffix(".html")[:NAME]
    if ours.kind == "listing":
        verdict = "PASS" if ours.listing_pass else "FAIL"
        return f"{name:<{NAME}} listing page: {verdict} ({ours.error or 'a record was returned'})"
    row = (
        f"{name:<{NAME}} {_yes(ours.title_right):<4} {_yes(bare.title_right):<4}"
        f" {_frac(ours.headings_missing, ours.headings_total):<6}"
        f" {_frac(bare.headings_missing, bare.headings_total):<6}"
        f" {_frac(ours.missing_in_content, ours.snippets_total):<7}"
        f" {_frac(bare.missing_in_content, bare.snippets_total):<9}"
        f" {_frac(ours.missing_with_references, ours.snippets_total):<7}"
        f" {len(ours.leaks):<4} {len(bare.leaks):<4}"
        f" {_count(ours.references, ours.references_expected):<9}"
        f" {_count(ours.bullets, ours.bullets_expected)}"
    )
    return row + (f"\n{'':<{NAME}} FAILED: {ours.error}" if ours.error else "")


def _ratio(found: int | None, total: int) -> str:
    return "n/a" if found is None else f"{found}/{total} ({found / total:.3f})"


def _pair(pair: list[int] | None) -> str:
    return "n/a" if pair is None else f"{pair[0]}/{pair[1]}"


def total_row(label: str, t: dict[str, Any]) -> str:
    """One system's pooled totals on the gold pages."""
    listing = {(True,): "pass", (False,): "FAIL"}.get(tuple(t["listing_pass"]), "n/a")
    titles = None if t["titles_right"] is None else [t["titles_right"], t["articles"]]
    return (
        f"{label:<24} {_pair(titles):<7}"
        f" {_ratio(t['headings_found'], t['headings_total']):<17}"
        f" {_ratio(t['snippets_found_content'], t['snippets_total']):<17}"
        f" {_ratio(t['snippets_found_with_references'], t['snippets_total']):<17}"
        f" {t['leaks_total']:<5} {_pair(t['references_exact']):<5}"
        f" {_pair(t['bullets_exact']):<7} {listing:<7} {len(t['failed'])}"
    )


def print_pages(scores: dict[str, list[PageScore]], totals: dict[str, dict], names: dict) -> None:
    """The gold-page table: one row per page, then ours vs bare trafilatura, then what to fix."""
    print(f"== Gold health pages ({len(scores['ours'])}) ==")
    print(PAGE_HEADER)
    for ours, bare in zip(scores["ours"], scores["bare"], strict=True):
        print(page_row(ours, bare))
    print(
        f"\n{'system':<24} {'titles':<7} {'headings':<17} {'snippets: content':<17}"
        f" {'snippets: +refs':<17} {'leaks':<5} {'refs':<5} {'bullets':<7} {'listing':<7} failed"
    )
    print(total_row(names["ours"], totals["ours"]))
    print(total_row(names["bare"], totals["bare"]))
    print("(snippets: content = title, headings, blocks, bullets, text; +refs adds")
    print(" references[].raw, which the pinned floor uses; refs/bullets = pages exact / gold > 0)")
    print_page_details(scores["ours"])


def print_page_details(scores: list[PageScore]) -> None:
    """Each leaked string, missing snippet and missing heading of ours, by page."""
    print("\nours, to fix (leaks; snippets missing even with references; headings missing):")
    for score in scores:
        if score.kind != "article":
            continue
        for label, items in (
            ("leak", score.leaks),
            ("missing snippet", score.missing_with_references or []),
            ("missing heading", score.headings_missing),
        ):
            for item in items:
                print(f"  {score.file.removesuffix('.html')}: {label}: {item!r}")


def print_zyte(zyte: dict[str, Any], names: dict[str, str]) -> None:
    """The benchmark table, our refusals and our 10 worst pages next to bare trafilatura."""
    ours = zyte["ours"]
    print(f"\n== Zyte article-extraction benchmark ({len(ours['pages'])} pages) ==")
    print(f"{'system':<24} {'F1':<6} {'precision':<9} {'recall':<6} {'accuracy':<8} refused")
    for key, m in zyte.items():
        print(
            f"{names[key]:<24} {m['f1']:.3f}  {m['precision']:.3f}     {m['recall']:.3f}"
            f"  {m['accuracy']:.3f}    {len(m.get('failed', {}))}"
        )
    for page, reason in ours["failed"].items():
        print(f"  refused by ours: {page[:16]} {ours['pages'][page]['url']}: {reason}")
    print("10 worst pages for ours (per-page F1: ours, bare):")
    bare = zyte.get("bare", {}).get("pages", {})
    for page, numbers in sorted(ours["pages"].items(), key=lambda item: item[1]["f1"])[:10]:
        theirs = f"{bare[page]['f1']:.3f}" if page in bare else "n/a"
        print(f"  {page[:16]}  {numbers['f1']:.3f}  {theirs}  {numbers['url']}")


# ---- command ----------------------------------------------------------------------------------


def system_names() -> dict[str, str]:
    """Labels with versions, so a table says what it measured."""
    return {
        "ours": f"healthcrawl {version('healthcrawl')}",
        "bare": f"trafilatura {trafilatura.__version__} bare",
    }


def run_pages(shared: Path, names: dict[str, str]) -> dict[str, Any]:
    """Score, print and return the gold-page results as JSON-ready data."""
    scores = score_pages(shared)
    totals = {key: total_pages(value) for key, value in scores.items()}
    print_pages(scores, totals, names)
    return {
        key: {"totals": totals[key], "pages": [asdict(s) for s in value]}
        for key, value in scores.items()
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared data folder (default: ../shared next to the repo)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write numbers")
    parser.add_argument("--only", choices=("pages", "zyte"), help="score one set only")
    parser.add_argument(
        "--pin", action="store_true", help=f"rewrite {FLOOR_FILE.relative_to(REPO)} from this run"
    )
    parser.add_argument(
        "--allow-regression",
        action="store_true",
        help="with --pin: allow lowering a floor or raising the leak ceiling",
    )
    return parser.parse_args(argv)


def missing_inputs(shared: Path, only: str | None) -> list[Path]:
    """The input files this run needs that are absent."""
    needed = {"pages": shared / "pages" / "gold.jsonl", "zyte": shared / ZYTE_DIR / "html"}
    return [path for key, path in needed.items() if only in (None, key) and not path.exists()]


def main(argv: list[str] | None = None) -> int:
    """Run the sets, print the tables, write the JSON, and pin the floor on request."""
    args = parse_args(argv)
    absent_inputs = missing_inputs(args.shared.resolve(), args.only)
    if absent_inputs:
        print(
            f"quality.py: {absent_inputs[0]} not found: the benchmark reads third-party pages"
            " from ../shared (pass --shared DIR)",
            file=sys.stderr,
        )
        return 2
    started, names = time.perf_counter(), system_names()
    results: dict[str, Any] = {"systems": names}
    if args.only in (None, "pages"):
        results["pages"] = run_pages(args.shared.resolve(), names)
    if args.only in (None, "zyte"):
        results["zyte"] = score_zyte(args.shared.resolve())
        print_zyte(results["zyte"], names)
    results["runtime_seconds"] = round(time.perf_counter() - started, 1)
    write_atomic(args.json, json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False))
    print(f"\ntotal runtime {results['runtime_seconds']:.1f} s; all numbers in {args.json}")
    return pin(results, args.allow_regression) if args.pin else 0


def pin(results: dict[str, Any], allow_regression: bool) -> int:
    """--pin: write the floor, or exit 1 naming each value it would have lowered."""
    refused = pin_floor(FLOOR_FILE, results, allow_regression)
    for line in refused:
        print(f"quality.py: not pinned, regression: {line}", file=sys.stderr)
    if refused:
        print("quality.py: rerun with --allow-regression to accept it", file=sys.stderr)
        return 1
    print(f"pinned {FLOOR_FILE.relative_to(REPO)}: {json.dumps(measured_floor(results))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
