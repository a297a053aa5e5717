"""Deduplication in `healthcrawl export`: the three kinds, which record is kept, and planted
copies of real GARD pages found without removing a real page."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("rensa")
pq = pytest.importorskip("pyarrow.parquet")

from benchmarks.planted import copy_of, edited, site_templates  # noqa: E402
from benchmarks.throughput import gard_urls  # noqa: E402
from healthcrawl import Page, process  # noqa: E402
from healthcrawl.dataset.dedup import exact_duplicates, text_key  # noqa: E402
from healthcrawl.output.cli import main  # noqa: E402
from tests.conftest import shared_path  # noqa: E402
from tests.records import prose, record, write_jsonl  # noqa: E402


def _export(tmp_path: Path, records: list[dict[str, Any]]) -> tuple[set[str], dict[str, Any]]:
    """(ids kept, removed.jsonl by id)."""
    out = tmp_path / "out"
    assert main(["export", str(write_jsonl(tmp_path / "in.jsonl", records)), "--to", str(out)]) == 0
    kept = {
        row["id"]
        for path in (out / "data").glob("*.parquet")
        for row in pq.read_table(path).to_pylist()
    }
    lines = (out / "removed.jsonl").read_text("utf-8").splitlines()
    return kept, {row["id"]: row for row in map(json.loads, lines)}


def _page(url: str, seed: int, **extra: Any) -> dict[str, Any]:
    return record(url, f"Page {seed}", [(None, None, [prose(seed, 60)])], **extra)


def test_same_id_keeps_the_earliest_fetched(tmp_path: Path) -> None:
    later = _page("https://a.example/x", 1, fetched_at="2026-02-01T00:00:00Z")
    earlier = {**_page("https://a.example/x", 2, fetched_at="2026-01-01T00:00:00Z")}
    kept, gone = _export(tmp_path, [later, earlier, _page("https://a.example/y", 3)])
    assert later["id"] == earlier["id"]
    assert gone == {
        later["id"]: {
            "id": later["id"],
            "url": "https://a.example/x",
            "source": "generic",
            "reason": "id",
            "kept_id": later["id"],
        }
    }
    assert len(kept) == 2


def test_the_canonical_copy_wins_over_an_earlier_fetch(tmp_path: Path) -> None:
    mirror = _page("https://mirror.example/x", 1, fetched_at="2025-01-01T00:00:00Z")
    home = _page(
        "https://a.example/x", 1, fetched_at="2026-01-01T00:00:00Z",
        canonical_url="https://a.example/x",
    )  # fmt: skip
    kept, gone = _export(tmp_path, [mirror, home])
    assert kept == {home["id"]}
    assert gone[mirror["id"]]["reason"] == "exact"
    assert gone[mirror["id"]]["kept_id"] == home["id"]


def test_exact_means_same_words_whatever_the_case_spacing_and_punctuation() -> None:
    assert text_key("Fever, and  COUGH.") == text_key("fever and cough")
    assert text_key("fever and cough") != text_key("fever or cough")


def test_exact_duplicates_point_at_the_record_finally_kept() -> None:
    """A later, better-ranked record takes over a group: every loser names it."""
    from healthcrawl.dataset.dedup import Entry

    entries = [Entry(n, f"id{n}", b"same", (True, f"2026-01-0{9 - n}", n)) for n in range(3)]
    assert exact_duplicates(entries, "exact") == {0: ("exact", 2), 1: ("exact", 2)}


def test_an_edited_copy_is_a_near_duplicate_and_a_different_page_is_not(tmp_path: Path) -> None:
    original = _page("https://a.example/x", 1)
    words = original["text"].split()
    words[30] = "changed"
    near = record("https://b.example/x", "Copy", [(None, None, [" ".join(words)])])
    other = _page("https://a.example/z", 5)
    kept, gone = _export(tmp_path, [original, near, other])
    assert kept == {original["id"], other["id"]}
    assert gone[near["id"]]["reason"] == "near"
    assert gone[near["id"]]["kept_id"] == original["id"]


def test_planted_copies_of_real_pages_are_found(tmp_path: Path) -> None:
    """40 real GARD records, 5 exact and 5 3%-edited copies (benchmarks/dataset.py's): every
    copy is found, no real page is removed as a duplicate."""
    folder = shared_path("corpus", "rarediseases", "pages")
    urls = gard_urls(folder.parent.parent.parent)
    paths = sorted(folder.glob("*.html"))[:40]
    originals = [process(Page(urls[p.name], p.read_bytes())).to_dict() for p in paths]
    templates = site_templates(originals)
    rng = random.Random(3)
    stubs = {r["id"] for r in originals if len(templates.clean(r).record["text"]) < 150}
    pool = sorted(r["id"] for r in originals if r["id"] not in stubs)
    chosen = rng.sample(pool, 10)
    by_id = {r["id"]: r for r in originals}
    exact = [copy_of(by_id[i], "exact") for i in chosen[:5]]
    near = [copy_of(edited(by_id[i], templates, rng, anywhere=False), "edited") for i in chosen[5:]]
    kept, gone = _export(tmp_path, originals + exact + near)
    assert {i: gone[i]["reason"] for i in gone if i not in stubs} == {
        **{copy["id"]: "exact" for copy in exact},
        **{copy["id"]: "near" for copy in near},
    }
    assert kept == set(pool)
