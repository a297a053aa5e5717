"""`scrapy crawl gard` over a loopback mirror of the 1,000 real GARD pages in
../shared/corpus/rarediseases (robots.txt, sitemap index, gzipped sitemaps), read in place."""

from __future__ import annotations

from pathlib import Path

from tests.crawl.conftest import crawl


def test_gard_corpus_crawl_gives_1000_valid_records(gard_url: str, tmp_path: Path) -> None:
    result = crawl(
        "gard", tmp_path, args={"base_url": gard_url}, timeout=600,
        settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "8", "HEALTHCRAWL_EXTRACT_WORKERS": "2"},
    )  # fmt: skip
    assert result.returncode == 0, result.log[-2000:]
    assert len(result.records) == 1000  # each validated against the schema by crawl()
    assert len({r["id"] for r in result.records}) == 1000
    assert all(r["title"] and r["source"] == "gard" and r["doc_id"] for r in result.records)
    assert result.stats["healthcrawl/records_written"] == 1000
    assert "1000 records written" in result.log
