"""CONCURRENT_REQUESTS_PER_DOMAIN holds without a download delay (spiders/downloader.py),
counted at the server: six pages that each take a second to answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crawl.conftest import concurrency_peak, crawl, reset_counts

LIMIT = 2
NO_DELAY = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": str(LIMIT),
}


@pytest.mark.parametrize(
    ("downloader", "at_most_limit"),
    [
        ("healthcrawl.spiders.downloader.SlotLimitedDownloader", True),
        # the control: Scrapy's own starts all six at once (if this fails, Scrapy fixed it)
        ("scrapy.core.downloader.Downloader", False),
    ],
    ids=["ours", "scrapy"],
)
def test_per_domain_limit_without_delay(
    site_url: str, tmp_path: Path, downloader: str, at_most_limit: bool
) -> None:
    urls = tmp_path / "slow.txt"
    urls.write_text("".join(f"{site_url}/_test/page/slow-{n}?s=1\n" for n in range(6)))
    reset_counts(site_url)
    done = crawl(
        "pages", tmp_path, args={"urls_file": str(urls)},
        settings={**NO_DELAY, "DOWNLOADER": downloader},
    )  # fmt: skip
    assert done.returncode == 0, done.log[-3000:]
    assert len(done.records) == 6
    peak = concurrency_peak(site_url)
    assert (peak == LIMIT) if at_most_limit else (peak > LIMIT), peak
