"""A real crawl meets a page whose extraction runs over HEALTHCRAWL_PAGE_TIMEOUT: the page is
skipped as healthcrawl/skipped/timeout, its worker killed and replaced, and every other page
gives its record once.

The site is the loopback server on a folder of this test's own: the slow page (see
tests/unit/test_timeout.py) and four articles, each served a second late through
/_test/delay, so that they reach the one extraction worker after the slow page: their records
can only come from the worker that replaced the killed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthcrawl.sample_site.serve import running_server
from tests.cli_pages import article_html
from tests.crawl.conftest import crawl
from tests.unit.test_timeout import slow_page

ARTICLES = [f"/topic{n}" for n in range(4)]


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("slow_site")
    (root / "slow.html").write_text(slow_page(), "utf-8")
    for n, path in enumerate(ARTICLES):
        (root / f"{path[1:]}.html").write_text(article_html(f"Topic {n}"), "utf-8")
    with running_server(root) as url:
        yield url


def test_a_page_over_the_budget_is_skipped_and_its_worker_replaced(
    slow_site: str, tmp_path: Path
) -> None:
    urls = [f"{slow_site}/slow", *(f"{slow_site}/_test/delay?s=1&page={p}" for p in ARTICLES)]
    (tmp_path / "urls.txt").write_text("".join(f"{url}\n" for url in urls))
    result = crawl(
        "pages",
        tmp_path,
        args={"urls_file": str(tmp_path / "urls.txt")},
        settings={"HEALTHCRAWL_PAGE_TIMEOUT": "1", "HEALTHCRAWL_EXTRACT_WORKERS": "1"},
    )
    assert result.returncode == 0, result.log
    assert result.skipped("timeout") == 1
    assert sorted(record["url"] for record in result.records) == sorted(urls[1:])
    assert result.stats["healthcrawl/records_written"] == 4
    assert f"skipped (timeout) {urls[0]}: extraction took over 1 s (the page time budget)" in (
        result.log
    )
    replaced = re.findall(
        r"worker (\d+) ran over the 1 s budget on (\S+); worker (\d+)", result.log
    )
    assert len(replaced) == 1 and replaced[0][1] == urls[0] and replaced[0][0] != replaced[0][2]
