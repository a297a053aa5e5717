"""The crawl's one-line summary: where records went and the skips that happened, by reason."""

from __future__ import annotations

from healthcrawl.spiders.extensions import summary_line


def test_summary_names_the_output_and_only_the_skips_that_happened() -> None:
    stats = {
        "response_received_count": 12,
        "healthcrawl/records_written": 5,
        "healthcrawl/output": "/data/gard.jsonl",
        "healthcrawl/skipped/duplicate": 2,
        "healthcrawl/skipped/not_html": 1,
        "healthcrawl/skipped/robots": 0,
    }
    assert summary_line(stats, "finished") == (
        "healthcrawl summary: 12 pages fetched, 5 records written to /data/gard.jsonl; "
        "skipped: not_html=1, duplicate=2 (finish reason: finished)"
    )


def test_summary_counts_the_records_of_the_safety_net() -> None:
    stats = {"healthcrawl/records_written": 5, "healthcrawl/safety_net": 2}
    assert summary_line(stats, "finished") == (
        "healthcrawl summary: 0 pages fetched, 5 records written to - (2 by the safety net); "
        "skipped: none (finish reason: finished)"
    )


def test_summary_of_a_crawl_without_skips() -> None:
    assert summary_line({}, "shutdown") == (
        "healthcrawl summary: 0 pages fetched, 0 records written to -; skipped: none "
        "(finish reason: shutdown)"
    )
