"""Extraction quality never drops below the floor pinned in benchmarks/quality_floor.json.

Scores come from benchmarks/quality.py (the same functions the benchmark command prints), on
the gold pages and the Zyte benchmark read in place from ../shared; skipped when it is absent.
Re-pin after a real improvement with `.venv/bin/python benchmarks/quality.py --pin`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.quality import (
    FLOOR_FILE,
    PageScore,
    benchmark_metrics,
    match_shingles,
    score_pages,
    score_zyte,
    total_pages,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FLOOR: dict[str, Any] = json.loads(FLOOR_FILE.read_text("utf-8"))
ZYTE_SLACK = 0.005
"""Room for float noise across platforms; a real regression moves F1 by more."""


def _needs(*parts: str) -> Path:
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
    _needs("bench", "article-extraction-benchmark", "ground-truth.json")
    return score_zyte(SHARED, include_bare=False)["ours"]


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


def test_zyte_at_least_pinned(zyte: dict[str, Any]) -> None:
    pinned = FLOOR["zyte"]
    assert zyte["f1"] >= pinned["f1"] - ZYTE_SLACK, f"F1 {zyte['f1']:.4f} < pinned {pinned['f1']}"
    assert zyte["precision"] >= pinned["precision"] - ZYTE_SLACK, (
        f"precision {zyte['precision']:.4f} < pinned {pinned['precision']}"
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
