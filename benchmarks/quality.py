"""Extraction quality of healthcrawl next to bare trafilatura and its peers, on three sets read
from ../shared, in one run.

Command (from the repo root; all sets and systems: about 140 CPU-seconds, 1.5-3 minutes on 2
cores depending on other load)::

    .venv/bin/python benchmarks/quality.py [--shared ../shared] [--only pages|zyte|dev]
        [--systems ours,bare,precision,resiliparse,readability] [--workers N]
        [--json benchmarks/results/quality.json] [--pin [--allow-regression]] [--ablate]

It prints one table per set and writes every number to the JSON file. `--pin` rewrites
benchmarks/quality_floor.json (read by tests/test_quality.py) from this run, with each set's
digest, but refuses to lower a floor, raise a ceiling or re-pin a set whose files changed unless
`--allow-regression` is given. `--ablate` runs ours once with every rule of `extractors.RULES`
enabled and once per rule with it disabled, and prints the change each makes. Exit 2: ../shared
absent; exit 3: `--ablate` with an extractor that has no `RULES`.

Gold pages (../shared/pages, gold.jsonl): ours and bare trafilatura (`trafilatura.extract(html)`,
default options, no URL, as before) only. Both sides are normalised first: NFKC, HTML entities
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

Zyte benchmark and dev set: every system of `peers.py`, scored as `textsets.py` says with the
metric of `shingles.py` (the benchmark's own evaluate.py; checked: with include_comments=False,
as the benchmark's run_trafilatura.py calls it, trafilatura 2.3.1 scores F1 0.960, accuracy
0.293 on the Zyte set, against 0.958 and 0.293 published for 2.0.0); on dev also the structure
metrics of `structure.py`.

Digest of a set: sha256 over its input files sorted by path relative to the set's folder, each
fed as "path NUL size NUL bytes": pages: gold.jsonl and *.html; zyte: ground-truth.json and
html/*.html.gz; dev: the same plus README.md (its table defines the health subset).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import trafilatura
from lxml import etree

import healthcrawl.extractors as extractors
from healthcrawl.extractors import ExtractionError, ListingPageError, Record

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.matching import normalize  # noqa: E402
from benchmarks.peers import SYSTEMS, Run, installed, run_ours  # noqa: E402
from benchmarks.peers import label as system_label  # noqa: E402
from benchmarks.textsets import FOLDERS, print_set, score_set  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared"
DEFAULT_JSON = REPO / "benchmarks" / "results" / "quality.json"
FLOOR_FILE = REPO / "benchmarks" / "quality_floor.json"
SETS = ("pages", "zyte", "dev")
SET_FILES: dict[str, tuple[Path, tuple[str, ...]]] = {
    "pages": (Path("pages"), ("gold.jsonl", "*.html")),
    "zyte": (FOLDERS["zyte"], ("ground-truth.json", "html/*.html.gz")),
    "dev": (FOLDERS["dev"], ("ground-truth.json", "README.md", "html/*.html.gz")),
}
"""Each set's folder under ../shared and the files its digest covers."""
CEILINGS = frozenset({"leaks_total", "refusals_max"})
"""Floor keys that are maxima: pinning may lower them, not raise them."""


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


def score_ours_page(
    gold: dict[str, Any], data: bytes, disable: frozenset[str] = frozenset()
) -> PageScore:
    """Run the extractor on one page; a refused article page keeps the blank (zero) score."""
    try:
        record = run_ours(data, gold["url"], disable)
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


def score_pages(
    shared: Path, include_bare: bool = True, disable: frozenset[str] = frozenset()
) -> dict[str, list[PageScore]]:
    """Per-page scores of our extractor (and bare trafilatura) on the gold pages."""
    scores: dict[str, list[PageScore]] = {"ours": [], "bare": []}
    for gold in load_gold(shared):
        data = (shared / "pages" / gold["file"]).read_bytes()
        scores["ours"].append(score_ours_page(gold, data, disable))
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


# ---- set digests and the pinned floor ---------------------------------------------------------


def set_files(shared: Path, name: str) -> list[tuple[str, Path]]:
    """The set's input files as (path relative to its folder, path), sorted by the former."""
    folder, patterns = SET_FILES[name]
    root = shared / folder
    found = {p.relative_to(root).as_posix(): p for pattern in patterns for p in root.glob(pattern)}
    return sorted(found.items())


def set_digest(shared: Path, name: str) -> str:
    """sha256 over "path NUL size NUL bytes" of each input file, in sorted path order."""
    digest = hashlib.sha256()
    for relative, path in set_files(shared, name):
        data = path.read_bytes()
        digest.update(f"{relative}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def round_down(value: float, places: int = 3) -> float:
    """Floor to `places` decimals, so a pinned floor never sits above the run it came from."""
    step = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_FLOOR))


def measured_floor(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The floor values (and set digests) this run supports, for the sets it measured."""
    floor: dict[str, dict[str, Any]] = {}
    if "pages" in results:
        totals = results["pages"]["ours"]["totals"]
        floor["pages"] = {
            "leaks_total": totals["leaks_total"],
            "snippet_recall_min": round_down(totals["snippet_recall_with_references"]),
            "titles_right": totals["titles_right"],
            "headings_min": round_down(totals["headings_recall"]),
        }
    if "zyte" in results:
        ours = results["zyte"]["runs"]["ours"]
        floor["zyte"] = {"f1": round_down(ours["f1"]), "precision": round_down(ours["precision"])}
    if "dev" in results:
        ours = results["dev"]["runs"]["ours"]
        floor["dev"] = {
            "f1": round_down(ours["f1"]),
            "f1_health": round_down(ours["health"]["f1"]),
            "precision": round_down(ours["precision"]),
            "refusals_max": len(ours["failed"]),
        }
    for name, values in floor.items():
        values["digest"] = results[name]["digest"]
    return floor


def regressions(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every pinned value the new floor would lower (raise, for a ceiling), and every set whose
    files changed since its floor was pinned."""
    found = []
    for group, values in new.items():
        pinned_group = old.get(group, {})
        pinned_digest = pinned_group.get("digest")
        if pinned_digest not in (None, values["digest"]):
            found.append(
                f"{group}: the set's files changed (pinned digest {pinned_digest[:12]}, now"
                f" {values['digest'][:12]}), so its old floor says nothing about this run"
            )
        for key, value in values.items():
            pinned = pinned_group.get(key)
            if key == "digest" or pinned is None:
                continue
            if value > pinned if key in CEILINGS else value < pinned:
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


# ---- ablation ---------------------------------------------------------------------------------


def ablation_runs(rules: Iterable[str]) -> tuple[Run, ...]:
    """Ours with every rule enabled, then once per rule with that rule disabled."""
    return (Run("ours", "ours"), *(Run(rule, "ours", frozenset({rule})) for rule in rules))


def ablation_scores(
    shared: Path, sets: tuple[str, ...], runs: tuple[Run, ...], workers: int | None
) -> dict[str, dict[str, float]]:
    """Per run: F1 on Zyte, dev and dev health; leaks and snippet recall on the gold pages."""
    scores: dict[str, dict[str, float]] = {run.key: {} for run in runs}
    for name in (s for s in sets if s != "pages"):
        summaries = score_set(shared, name, runs, workers)["runs"]
        for key, numbers in scores.items():
            numbers[f"{name} F1"] = summaries[key]["f1"]
            if summaries[key]["health"]:
                numbers[f"{name} health F1"] = summaries[key]["health"]["f1"]
    if "pages" in sets:
        for run in runs:
            totals = total_pages(score_pages(shared, False, run.disable)["ours"])
            scores[run.key]["pages leaks"] = totals["leaks_total"]
            scores[run.key]["pages snippets"] = totals["snippet_recall_with_references"]
    return scores


def run_ablation(shared: Path, sets: tuple[str, ...], workers: int | None) -> dict[str, Any]:
    """--ablate: the table rule x set of what disabling each rule changes."""
    runs = ablation_runs(extractors.RULES)
    scores = ablation_scores(shared, sets, runs, workers)
    base = scores["ours"]
    delta = {
        key: {column: value - base[column] for column, value in numbers.items()}
        for key, numbers in scores.items()
        if key != "ours"
    }
    print_ablation(base, delta)
    return {"rules": list(extractors.RULES), "all_enabled": base, "delta": delta}


def _value(column: str, value: float) -> str:
    """A measured value: counts as integers, shares to 3 decimals."""
    return str(int(value)) if column.endswith("leaks") else f"{value:.3f}"


def _signed(column: str, change: float) -> str:
    """A change with its sign: counts as integers, shares to 3 decimals (no "-0.000")."""
    if column.endswith("leaks"):
        return f"{int(change):+d}"
    return f"{round(change, 3) + 0.0:+.3f}"


def print_ablation(base: dict[str, float], delta: dict[str, dict[str, float]]) -> None:
    """One row per disabled rule: the change in each column against all rules enabled."""
    columns = list(base)
    width = max([24, *(len(rule) + 1 for rule in delta)])
    print("\n== Ablation: ours with one rule disabled, change against all enabled ==")
    print(f"{'rule disabled':<{width}}" + "".join(f" {c:>16}" for c in columns))
    values = "".join(f" {_value(c, base[c]):>16}" for c in columns)
    print(f"{'(none: absolute values)':<{width}}{values}")
    for rule, changes in delta.items():
        print(f"{rule:<{width}}" + "".join(f" {_signed(c, changes[c]):>16}" for c in columns))
    print("(pages leaks: a positive change is worse; every other column: negative is worse)")


# ---- command ----------------------------------------------------------------------------------


def run_pages(shared: Path, labels: dict[str, str]) -> dict[str, Any]:
    """Score, print and return the gold-page results as JSON-ready data."""
    scores = score_pages(shared)
    totals = {key: total_pages(value) for key, value in scores.items()}
    print_pages(scores, totals, labels)
    return {
        key: {"totals": totals[key], "pages": [asdict(s) for s in value]}
        for key, value in scores.items()
    }


def run_sets(
    shared: Path, sets: tuple[str, ...], systems: tuple[str, ...], workers: int | None
) -> dict[str, Any]:
    """Every chosen set with every chosen, installed system; printed, and returned for JSON."""
    labels = {key: system_label(key) for key in SYSTEMS}
    runs = tuple(Run(key, key) for key in systems if installed(key))
    skipped = [key for key in systems if not installed(key)]
    results: dict[str, Any] = {
        "systems": {key: "not installed" if key in skipped else labels[key] for key in systems}
    }
    for name in sets:
        started = time.perf_counter()
        if name == "pages":
            results[name] = run_pages(shared, labels)
        else:
            results[name] = score_set(shared, name, runs, workers)
            print_set(name, results[name], labels)
            for key in skipped:
                print(f"{key}: not installed (pip install -e '.[bench]'), skipped")
        results[name]["digest"] = set_digest(shared, name)
        results[name]["seconds"] = round(time.perf_counter() - started, 1)
    return results


def system_list(value: str) -> tuple[str, ...]:
    """--systems: comma-separated names from SYSTEMS."""
    names = tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))
    unknown = [name for name in names if name not in SYSTEMS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown system {', '.join(unknown) or '(none)'}; choose from {', '.join(SYSTEMS)}"
        )
    return names


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
    parser.add_argument("--only", choices=SETS, help="score one set only")
    parser.add_argument(
        "--systems",
        type=system_list,
        default=SYSTEMS,
        help=f"comma-separated, for zyte and dev (default: {','.join(SYSTEMS)}); the gold pages"
        " always compare ours with bare",
    )
    parser.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    parser.add_argument(
        "--ablate", action="store_true", help="ours with each extractors.RULES rule disabled"
    )
    parser.add_argument(
        "--pin", action="store_true", help=f"rewrite {FLOOR_FILE.relative_to(REPO)} from this run"
    )
    parser.add_argument(
        "--allow-regression",
        action="store_true",
        help="with --pin: allow lowering a floor, raising a ceiling, or a changed set",
    )
    args = parser.parse_args(argv)
    if args.pin and (args.ablate or "ours" not in args.systems):
        parser.error("--pin needs ours among --systems, and no --ablate")
    return args


def missing_inputs(shared: Path, sets: tuple[str, ...]) -> list[Path]:
    """The input files this run needs that are absent."""
    needed = {
        "pages": shared / "pages" / "gold.jsonl",
        "zyte": shared / FOLDERS["zyte"] / "ground-truth.json",
        "dev": shared / FOLDERS["dev"] / "ground-truth.json",
    }
    return [needed[name] for name in sets if not needed[name].exists()]


def main(argv: list[str] | None = None) -> int:
    """Run the sets, print the tables, write the JSON, and pin the floor on request."""
    args = parse_args(argv)
    shared, sets = args.shared.resolve(), (args.only,) if args.only else SETS
    absent_inputs = missing_inputs(shared, sets)
    if absent_inputs:
        print(
            f"quality.py: {absent_inputs[0]} not found: the benchmark reads third-party pages"
            " from ../shared (pass --shared DIR)",
            file=sys.stderr,
        )
        return 2
    if args.ablate and not hasattr(extractors, "RULES"):
        print(
            "quality.py: --ablate needs extractors.RULES (the rule names) and"
            " extract(..., disable=frozenset(...)); this extractor has neither yet",
            file=sys.stderr,
        )
        return 3
    started = time.perf_counter()
    if args.ablate:
        results = {"ablation": run_ablation(shared, sets, args.workers)}
    else:
        results = run_sets(shared, sets, args.systems, args.workers)
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
