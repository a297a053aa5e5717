"""The `pages` spider against misbehaving responses: each gives a record or a counted skip."""

from __future__ import annotations

from pathlib import Path

from tests.crawl.conftest import Crawl, crawl, server_hits


def crawl_urls(tmp_path: Path, base: str, paths: list[str], **settings: str) -> Crawl:
    urls = tmp_path / "urls.txt"
    urls.write_text("# test URLs\n" + "".join(f"{base}{p}\n" for p in paths))
    return crawl("pages", tmp_path, args={"urls_file": str(urls)}, settings=settings)


def test_http_errors_are_counted_and_503_succeeds_on_retry(site_url: str, tmp_path: Path) -> None:
    result = crawl_urls(
        tmp_path, site_url,
        ["/_test/status/404", "/_test/status/500", "/_test/flaky/retry503?fail=2&status=503"],
        RETRY_TIMES="2",
    )  # fmt: skip
    assert result.returncode == 0, result.log
    assert [r["url"] for r in result.records] == [
        f"{site_url}/_test/flaky/retry503?fail=2&status=503"
    ]
    assert result.skipped("http_error") == 2
    assert result.stats["retry/count"] == 4  # 500 retried twice, 503 twice before success
    assert result.stats["retry/max_reached"] == 1
    assert server_hits(site_url)["/_test/status/500"] >= 3


def test_429_waits_for_retry_after(site_url: str, tmp_path: Path) -> None:
    result = crawl_urls(tmp_path, site_url, ["/_test/ratelimit/wait429?n=1&retry_after=2"])
    assert len(result.records) == 1
    assert result.stats["retry/count"] == 1
    assert result.stats["elapsed_time_seconds"] >= 2.0  # the backoff alone would be 0.05 s


def test_redirect_is_followed_and_loops_are_skipped(site_url: str, tmp_path: Path) -> None:
    result = crawl_urls(
        tmp_path, site_url,
        ["/_test/redirect?to=/_test/variants&status=301", "/_test/loop/0", "/_test/loop-a"],
        REDIRECT_MAX_TIMES="5",
    )  # fmt: skip
    assert [r["url"] for r in result.records] == [f"{site_url}/_test/variants"]
    assert result.skipped("download_error") == 1  # the endless chain, after 5 redirects
    assert "max redirections reached" in result.log
    assert result.stats["dupefilter/filtered"] == 1  # the 2-cycle returns to a seen URL


def test_slow_response_times_out(site_url: str, tmp_path: Path) -> None:
    result = crawl_urls(
        tmp_path, site_url, ["/_test/delay?s=4"], DOWNLOAD_TIMEOUT="1", RETRY_TIMES="0"
    )
    assert result.records == []
    assert result.skipped("download_error") == 1
    assert "TimeoutError" in result.log


def test_responses_over_maxsize_are_cancelled(site_url: str, tmp_path: Path) -> None:
    result = crawl_urls(tmp_path, site_url, ["/_test/huge?mb=20", "/_test/huge-chunked?mb=20"])
    assert result.records == []
    assert result.skipped("too_large") == 2
    assert result.stats.get("downloader/response_bytes", 0) < 12 * 1024 * 1024


def test_png_served_as_html_is_not_a_record(site_url: str, tmp_path: Path) -> None:
    result = crawl_urls(tmp_path, site_url, ["/_test/png-as-html", "/_test/bad-charset"])
    assert result.skipped("not_html") == 1
    assert result.stats["item_dropped_count"] == 1
    assert [r["url"] for r in result.records] == [f"{site_url}/_test/bad-charset"]
    assert (
        "\u201cSmart quotes\u201d aren\u2019t UTF-8 here; nor is the \u00e9 in caf\u00e9."
        in result.records[0]["text"]
    )


def test_one_page_under_several_urls_gives_one_record(site_url: str, tmp_path: Path) -> None:
    variants = [
        "/_test/variants",
        "/_test/variants/",
        "/_test/variants?utm_source=x",
        "/_test/variants?b=2",
    ]
    result = crawl_urls(tmp_path, site_url, variants)
    assert len(result.records) == 1
    assert result.records[0]["canonical_url"] == f"{site_url}/_test/variants"
    assert result.skipped("duplicate") == 3
    assert result.stats["item_dropped_count"] == 3


def test_a_cut_off_download_is_retried_not_dropped(site_url: str, tmp_path: Path) -> None:
    page = "/diseases/5786/amyotrophic-lateral-sclerosis"
    result = crawl_urls(
        tmp_path, site_url,
        [f"/_test/cut/once?fail=1&page={page}", f"/_test/cut/always?fail=99&page={page}"],
        RETRY_TIMES="2",
    )  # fmt: skip
    assert [r["url"] for r in result.records] == [f"{site_url}/_test/cut/once?fail=1&page={page}"]
    assert result.stats["retry/count"] == 3  # once for the first, twice for the second
    assert result.skipped("download_error") == 1  # the second, after its retries
    assert result.skipped("no_main_content") == result.skipped("not_html") == 0
    assert "DataLoss" in result.log or "data loss" in result.log.lower()
