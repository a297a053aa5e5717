"""Incremental re-crawls (-s HEALTHCRAWL_STATE) of the editable site /_test/site/<key>/ of
sample_site/serve.py: 10 pages with ETag and Last-Modified, answering 304 to a matching
conditional request, edited between crawls through /_test/site/<key>/edit/<i>."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.crawl.conftest import Crawl, crawl, server_hits


def site_crawl(site_url: str, key: str, run: Path, state: Path) -> Crawl:
    """Crawl the site's sitemap into run/out.jsonl with the shared crawl state."""
    run.mkdir(parents=True, exist_ok=True)
    sitemap = f"{site_url}/_test/site/{key}/sitemap.xml"
    return crawl(
        "sitemap",
        run,
        args={"sitemap_url": sitemap},
        settings={"HEALTHCRAWL_STATE": str(state)},
    )


def edit(site_url: str, key: str, page: int, **changes: int) -> None:
    query = "&".join(f"{name}={value}" for name, value in changes.items())
    urllib.request.urlopen(f"{site_url}/_test/site/{key}/edit/{page}?{query}").read()


def not_modified(site_url: str, key: str) -> int:
    with urllib.request.urlopen(f"{site_url}/_test/site/{key}/stats") as response:
        return json.load(response)["not_modified"]


def page_of(record: dict[str, object]) -> int:
    return int(str(record["url"]).rsplit("/", 1)[1])


def test_second_crawl_writes_only_what_changed(site_url: str, tmp_path: Path) -> None:
    key, state = "recrawl", tmp_path / "state.sqlite"
    first = site_crawl(site_url, key, tmp_path / "first", state)
    assert first.returncode == 0, first.log[-3000:]
    assert sorted(page_of(r) for r in first.records) == list(range(10))
    assert {r["change"] for r in first.records} == {"new"}
    assert first.stats["incremental/new"] == 10

    for page in (0, 4, 5):
        edit(site_url, key, page, text=1)  # the article's text
    for page in (1, 6):
        edit(site_url, key, page, banner=1)  # other bytes and ETag, the same record text
    edit(site_url, key, 7, gone=1)
    edit(site_url, key, 10, text=0)  # a page that was not there
    hits_before = server_hits(site_url, f"/_test/site/{key}/page/")

    second = site_crawl(site_url, key, tmp_path / "second", state)
    assert second.returncode == 0, second.log[-3000:]
    changes = {page_of(r): r["change"] for r in second.records}
    assert changes == {0: "changed", 4: "changed", 5: "changed", 10: "new"}
    assert {k: second.stats.get(f"incremental/{k}") for k in ("new", "changed", "gone")} == {
        "new": 1,
        "changed": 3,
        "gone": 1,
    }
    hits = server_hits(site_url, f"/_test/site/{key}/page/")
    assert {p: hits[p] - hits_before.get(p, 0) for p in hits} == {
        f"/_test/site/{key}/page/{i}": 1 for i in range(11)
    }
    # 1 and 6 answered 200 with the old text; 2, 3, 8 and 9 answered 304
    assert second.stats["incremental/unchanged"] == 6
    assert not_modified(site_url, key) == 4
    body_bytes = len(urllib.request.urlopen(f"{site_url}/_test/site/{key}/page/8").read())
    assert second.stats["incremental/bytes_saved"] == 4 * body_bytes
    summary = "incremental: new=1, changed=3, unchanged=6, gone=1, bytes_saved="
    assert summary in second.log

    gone_log = second.output.with_name("out.jsonl.changes.jsonl").read_text().splitlines()
    gone = [json.loads(line) for line in gone_log]
    first_ids = {page_of(r): r["id"] for r in first.records}
    assert [(g["url"].rsplit("/", 1)[1], g["record_id"], g["change"]) for g in gone] == [
        ("7", first_ids[7], "gone")
    ]


def test_etag_new_on_every_answer_is_decided_by_the_text(site_url: str, tmp_path: Path) -> None:
    """A server whose ETag never matches: every page is fetched whole, and the content hash
    still finds it unchanged."""
    key, state = "rotating", tmp_path / "state.sqlite"
    for page in range(10):
        edit(site_url, key, page, rotate=1)
    assert site_crawl(site_url, key, tmp_path / "first", state).stats["incremental/new"] == 10
    second = site_crawl(site_url, key, tmp_path / "second", state)
    assert second.records == []
    assert second.stats["incremental/unchanged"] == 10
    assert not_modified(site_url, key) == 0


def test_unasked_304_is_an_http_error_counted(site_url: str, tmp_path: Path) -> None:
    key = "blind"
    edit(site_url, key, 3, blind304=1)
    first = site_crawl(site_url, key, tmp_path / "first", tmp_path / "state.sqlite")
    assert sorted(page_of(r) for r in first.records) == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    assert first.stats["incremental/unasked_304"] == 1
    assert first.skipped("http_error") == 1


def test_foreign_state_file_is_refused_by_name_and_kept(site_url: str, tmp_path: Path) -> None:
    state = tmp_path / "notes.sqlite"
    state.write_bytes(b"these are my notes, not a database" * 10)
    before = state.read_bytes()
    done = site_crawl(site_url, "foreign", tmp_path / "run", state)
    assert done.returncode == 1
    assert f"crawl state {state}: not a SQLite database" in done.log
    assert done.records == []
    assert state.read_bytes() == before
