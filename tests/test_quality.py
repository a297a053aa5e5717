"""Extraction quality never drops below the floor pinned in benchmarks/quality_floor.json.

Scores come from benchmarks/quality.py (the same functions the benchmark command prints), on
the gold pages, the Zyte benchmark and the dev half of the web-content-extraction-benchmark, read
in place from ../shared; skipped when it is absent. Only ours (and, on dev, bare trafilatura, to
compare with) run here, to keep the test cheap. Each set's pinned digest must match its files on
disk, so a changed set cannot move a bar unnoticed. Re-pin after a real improvement with
`.venv/bin/python benchmarks/quality.py --pin`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.matching import contains_phrase, normalize
from benchmarks.peers import Run
from benchmarks.quality import (
    FLOOR_FILE,
    SET_FILES,
    PageScore,
    regressions,
    score_pages,
    set_digest,
    total_pages,
)
from benchmarks.shingles import benchmark_metrics, match_shingles
from benchmarks.structure import read_structure
from benchmarks.textsets import FOLDERS, health_ids, score_set

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FLOOR: dict[str, Any] = json.loads(FLOOR_FILE.read_text("utf-8"))
SLACK = 0.005
"""Room for float noise across platforms; a real regression moves F1 by more."""
OURS, BARE = Run("ours", "ours"), Run("bare", "bare")


def _needs(*parts: str | Path) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (third-party data is read from ../shared)")
    return path


@pytest.fixture(scope="module")
def pages() -> list[PageScore]:
    """Our extractor's score on each gold article page (the listing page has its own test)."""
    _needs("pages", "gold.jsonl")
    return [s for s in score_pages(SHARED, include_bare=False)["ours"] if s.kind == "article"]


@pytest.fixture(scope="module")
def zyte() -> dict[str, Any]:
    """Our extractor on the Zyte benchmark, pages spread over a process pool."""
    _needs(FOLDERS["zyte"], "ground-truth.json")
    return score_set(SHARED, "zyte", (OURS,))["runs"]["ours"]


@pytest.fixture(scope="module")
def dev() -> dict[str, dict[str, Any]]:
    """Ours and bare trafilatura on the dev set, in the same run."""
    _needs(FOLDERS["dev"], "ground-truth.json")
    return score_set(SHARED, "dev", (OURS, BARE))["runs"]


@pytest.mark.parametrize("name", sorted(SET_FILES))
def test_set_unchanged_since_pinned(name: str) -> None:
    folder = _needs(SET_FILES[name][0])
    pinned = FLOOR[name].get("digest")
    assert pinned, f"quality_floor.json has no digest for {name!r}: run quality.py --pin"
    measured = set_digest(SHARED, name)
    assert measured == pinned, (
        f"{folder} changed since its floor was pinned (digest {measured[:12]}, pinned"
        f" {pinned[:12]}): the pinned numbers no longer describe this set. Measure it with"
        " `.venv/bin/python benchmarks/quality.py`, then re-pin with --pin --allow-regression"
    )


def test_leaks_at_most_pinned(pages: list[PageScore]) -> None:
    leaks = [f"{s.file}: {leak!r}" for s in pages for leak in s.leaks]
    assert len(leaks) <= FLOOR["pages"]["leaks_total"], "boilerplate leaked:\n" + "\n".join(leaks)


def test_titles_right(pages: list[PageScore]) -> None:
    wrong = [
        f"{s.file}: got {s.title!r}, expected {s.title_expected!r}"
        for s in pages
        if not s.title_right
    ]
    right = len(pages) - len(wrong)
    assert right >= FLOOR["pages"]["titles_right"], (
        f"{right} of {len(pages)} titles right, pinned {FLOOR['pages']['titles_right']}:\n"
        + "\n".join(wrong)
    )


def test_snippet_recall_at_least_pinned(pages: list[PageScore]) -> None:
    recall = total_pages(pages)["snippet_recall_with_references"]
    missing = [f"{s.file}: {m!r}" for s in pages for m in s.missing_with_references or []]
    assert recall >= FLOOR["pages"]["snippet_recall_min"], (
        f"snippet recall {recall:.4f} < pinned {FLOOR['pages']['snippet_recall_min']}; missing:\n"
        + "\n".join(missing)
    )


def test_headings_at_least_pinned(pages: list[PageScore]) -> None:
    recall = total_pages(pages)["headings_recall"]
    missing = [f"{s.file}: {h!r}" for s in pages for h in s.headings_missing]
    assert recall >= FLOOR["pages"]["headings_min"], (
        f"headings found {recall:.4f} < pinned {FLOOR['pages']['headings_min']}; missing:\n"
        + "\n".join(missing)
    )


def _at_least(measured: dict[str, Any], pinned: dict[str, Any], pairs: dict[str, str]) -> None:
    """Each measured metric (value of `pairs`) >= its pinned floor (key), less SLACK."""
    low = [
        f"{floor} {measured[metric]:.4f} < pinned {pinned[floor]}"
        for floor, metric in pairs.items()
        if measured[metric] < pinned[floor] - SLACK
    ]
    assert not low, "; ".join(low)


def test_zyte_at_least_pinned(zyte: dict[str, Any]) -> None:
    _at_least(zyte, FLOOR["zyte"], {"f1": "f1", "precision": "precision"})


def test_dev_at_least_pinned(dev: dict[str, dict[str, Any]]) -> None:
    ours = dev["ours"] | {"f1_health": dev["ours"]["health"]["f1"]}
    _at_least(ours, FLOOR["dev"], {"f1": "f1", "f1_health": "f1_health", "precision": "precision"})


def test_dev_refusals_at_most_pinned(dev: dict[str, dict[str, Any]]) -> None:
    failed = dev["ours"]["failed"]
    crashed = {page: reason for page, reason in failed.items() if reason.startswith("crash")}
    assert not crashed, f"extract raised something other than ExtractionError: {crashed}"
    assert len(failed) <= FLOOR["dev"]["refusals_max"], (
        f"{len(failed)} dev pages refused, pinned at most {FLOOR['dev']['refusals_max']}:\n"
        + "\n".join(f"{page}: {reason}" for page, reason in failed.items())
    )


@pytest.mark.parametrize("group", ["overall", "health"])
def test_dev_ours_at_least_bare(dev: dict[str, dict[str, Any]], group: str) -> None:
    ours, bare = (
        dev[key] if group == "overall" else dev[key]["health"] for key in ("ours", "bare")
    )
    assert ours["f1"] >= bare["f1"], (
        f"dev {group}: our F1 {ours['f1']:.4f} < bare trafilatura's {bare['f1']:.4f} in this run"
    )


def test_shingle_metric_follows_the_benchmark() -> None:
    """Hand-computed: 6 tokens give 3 shingles; dropping the last token loses one of them; an
    empty prediction leaves precision alone and scores 0 recall, as evaluate.py does."""
    truth = "one two three four five six"
    assert match_shingles(truth, truth) == (1.0, 0.0, 0.0)
    assert match_shingles(truth, "one two three four five") == (2 / 3, 0.0, 1 / 3)
    assert match_shingles("Two words", "two words") == (0.0, 0.5, 0.5)
    pages = [match_shingles(truth, truth), match_shingles(truth, "")]
    metrics = benchmark_metrics(pages, [True, False])
    assert (metrics["precision"], metrics["recall"], metrics["accuracy"]) == (1.0, 0.5, 0.5)


def test_health_ids_come_from_the_readme_table() -> None:
    readme = (
        "## Page types\n| article | 3 |\n\n## Health subset (2 pages)\n\nText.\n\n"
        "| id | page_type | url |\n|---|---|---|\n| 0001 | article | https://a |\n"
        "| 2020 | article | https://b |\n\n## Next\n| 0003 | x | y |\n"
    )
    assert health_ids(readme) == ["0001", "2020"]


def test_phrases_match_normalised_whole_words() -> None:
    text = normalize("Welcome \u201chome\u201d, Homeowners &amp; friends")
    assert contains_phrase(text, 'Welcome "home"')
    assert contains_phrase(text, "Homeowners & friends")
    assert not contains_phrase(text, "Home")  # case-sensitive, and not inside "Homeowners"
    assert not contains_phrase(text, "")


def test_reference_lists_found_by_name_or_class() -> None:
    item = "Smith J. A long enough reference entry, 2020."
    named = f"<html><body><h2>References (2)</h2><div><ol><li>{item}</li></ol></div></body></html>"
    cut = f"<html><body><h2>Sources</h2><h2>Next</h2><ul><li>{item}</li></ul></body></html>"
    classed = f"<html><body><div class='x footnotes'><p>{item}</p></div></body></html>"
    assert read_structure(named.encode(), "").entry == item[:60]
    assert read_structure(cut.encode(), "").entry is None  # a heading comes before the list
    assert read_structure(classed.encode(), "").entry == item[:60]


def test_pin_refuses_a_changed_set_and_a_raised_ceiling() -> None:
    old = {"dev": {"digest": "a" * 64, "f1": 0.8, "refusals_max": 3}}
    same = {"dev": {"digest": "a" * 64, "f1": 0.81, "refusals_max": 3}}
    assert regressions(old, same) == []
    worse = {"dev": {"digest": "b" * 64, "f1": 0.8, "refusals_max": 4}}
    found = regressions(old, worse)
    assert len(found) == 2 and "changed" in found[0] and "refusals_max" in found[1]
