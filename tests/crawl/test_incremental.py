"""Incremental re-crawls (-s HEALTHCRAWL_STATE) of the editable site /_test/site/<key>/ of
sample_site/serve.py: 10 pages with ETag and Last-Modified, answering 304 to a matching
conditional request, pages 0-3 with a sitemap <lastmod>, edited between crawls through
/_test/site/<key>/edit/<i>."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import urllib.request
from collections import Counter
from pathlib import Path

from healthcrawl.output.state import CrawlState, text_hash
from tests.conftest import REPO
from tests.crawl.conftest import Crawl, crawl, crawl_command, read_records, server_hits
from tests.crawl.test_resume import start_crawl, wait_for_records


def site_crawl(
    site_url: str, key: str, run: Path, state: Path, settings: dict[str, str] | None = None
) -> Crawl:
    """Crawl the site's sitemap into run/out.jsonl with the shared crawl state."""
    run.mkdir(parents=True, exist_ok=True)
    return crawl(
        "sitemap",
        run,
        args={"sitemap_url": sitemap_of(site_url, key)},
        settings={"HEALTHCRAWL_STATE": str(state), **(settings or {})},
    )


def sitemap_of(site_url: str, key: str) -> str:
    return f"{site_url}/_test/site/{key}/sitemap.xml"


def edit(site_url: str, key: str, page: int, **changes: int) -> None:
    query = "&".join(f"{name}={value}" for name, value in changes.items())
    urllib.request.urlopen(f"{site_url}/_test/site/{key}/edit/{page}?{query}").read()


def edit_as_the_issue_says(site_url: str, key: str) -> None:
    """The main text of pages 0, 4 and 5; only the banner of 1 and 6 (other bytes and ETag,
    the same record text); 7 removed (404); 10 added. Of the pages with a sitemap lastmod
    (0-3), 0 and 1 move theirs; 2, 3, 8 and 9 are untouched."""
    for page in (0, 4, 5):
        edit(site_url, key, page, text=1)
    for page in (1, 6):
        edit(site_url, key, page, banner=1)
    edit(site_url, key, 7, gone=1)
    edit(site_url, key, 10, text=0)


def not_modified(site_url: str, key: str) -> int:
    with urllib.request.urlopen(f"{site_url}/_test/site/{key}/stats") as response:
        return json.load(response)["not_modified"]


def page_of(record: dict[str, object]) -> int:
    return int(str(record["url"]).rsplit("/", 1)[1])


def page_hits(site_url: str, key: str, since: dict[str, int]) -> dict[str, int]:
    """Requests per page path of the site since the `since` counts (server_hits)."""
    hits = server_hits(site_url, f"/_test/site/{key}/")
    return {
        path: n - since.get(path, 0)
        for path, n in hits.items()
        if n > since.get(path, 0) and not path.endswith("sitemap.xml")
    }


def paths(key: str, pages: list[int], kind: str = "page") -> dict[str, int]:
    return {f"/_test/site/{key}/{kind}/{i}": 1 for i in pages}


def gone_lines(output: Path) -> list[tuple[str, str, str, str]]:
    """The change log beside the output: (page, record id, change, reason) per line."""
    lines = output.with_name(output.name + ".changes.jsonl").read_text().splitlines()
    gone = [json.loads(line) for line in lines]
    return [(g["url"].rsplit("/", 1)[1], g["record_id"], g["change"], g["reason"]) for g in gone]


def test_second_crawl_writes_only_what_changed(site_url: str, tmp_path: Path) -> None:
    key, state = "recrawl", tmp_path / "state.sqlite"
    first = site_crawl(site_url, key, tmp_path / "first", state)
    assert first.returncode == 0, first.log[-3000:]
    assert sorted(page_of(r) for r in first.records) == list(range(10))
    assert {r["change"] for r in first.records} == {"new"}
    assert first.stats["incremental/new"] == 10
    with CrawlState(state) as stored:
        lastmods = [stored.get(f"{site_url}/_test/site/{key}/page/{i}") for i in (0, 4)]
    assert [row.sitemap_lastmod for row in lastmods if row] == ["2026-01-01T00:00:00Z", None]

    edit_as_the_issue_says(site_url, key)
    hits_before = server_hits(site_url, f"/_test/site/{key}/")
    second = site_crawl(site_url, key, tmp_path / "second", state)
    assert second.returncode == 0, second.log[-3000:]
    changes = {page_of(r): r["change"] for r in second.records}
    assert changes == {0: "changed", 4: "changed", 5: "changed", 10: "new"}
    assert {k: second.stats.get(f"incremental/{k}") for k in ("new", "changed", "gone")} == {
        "new": 1,
        "changed": 3,
        "gone": 1,
    }
    # 2 and 3: their sitemap lastmod did not move, so they are not requested at all
    assert page_hits(site_url, key, hits_before) == paths(key, [0, 1, 4, 5, 6, 7, 8, 9, 10])
    # 1 and 6 answered 200 with the old text, 8 and 9 answered 304, 2 and 3 not fetched
    assert second.stats["incremental/unchanged"] == 6
    assert second.stats["incremental/not_fetched"] == 2
    assert not_modified(site_url, key) == 2
    body_bytes = len(urllib.request.urlopen(f"{site_url}/_test/site/{key}/page/8").read())
    assert second.stats["incremental/bytes_saved"] == 2 * body_bytes
    summary = "incremental: new=1, changed=3, unchanged=6, not_fetched=2, gone=1, bytes_saved="
    assert summary in second.log
    with CrawlState(state) as stored:
        row = stored.get(f"{site_url}/_test/site/{key}/page/0")
    assert row is not None and row.sitemap_lastmod == "2026-01-01T01:00:00Z"

    first_ids = {page_of(r): r["id"] for r in first.records}
    assert gone_lines(second.output) == [("7", first_ids[7], "gone", "HTTP 404")]


def test_revalidate_fetches_pages_whose_lastmod_did_not_move(site_url: str, tmp_path: Path) -> None:
    key, state = "revalidate", tmp_path / "state.sqlite"
    site_crawl(site_url, key, tmp_path / "first", state)
    hits_before = server_hits(site_url, f"/_test/site/{key}/")
    second = site_crawl(
        site_url, key, tmp_path / "second", state, {"HEALTHCRAWL_REVALIDATE": "True"}
    )
    assert page_hits(site_url, key, hits_before) == paths(key, list(range(10)))
    assert not_modified(site_url, key) == 10
    assert second.stats["incremental/unchanged"] == 10
    assert "incremental/not_fetched" not in second.stats


def test_page_left_out_of_the_sitemap_is_gone(site_url: str, tmp_path: Path) -> None:
    """A page the sitemap no longer lists (it still answers 200) is gone once a crawl has read
    the sitemap and finished, not before; it is forgotten, so when it is listed again its
    record is new."""
    key, state = "unlisted", tmp_path / "state.sqlite"
    first = site_crawl(site_url, key, tmp_path / "first", state)
    edit(site_url, key, 6, unlisted=1)

    cut = site_crawl(site_url, key, tmp_path / "cut", state, {"CLOSESPIDER_PAGECOUNT": "3"})
    assert "incremental/gone" not in cut.stats
    assert (
        "pages left out of the sitemaps are not looked for: finish reason closespider_pagecount"
        in cut.log
    )

    hits_before = server_hits(site_url, f"/_test/site/{key}/")
    second = site_crawl(site_url, key, tmp_path / "second", state)
    assert second.stats["incremental/gone"] == 1
    first_ids = {page_of(r): r["id"] for r in first.records}
    assert gone_lines(second.output) == [("6", first_ids[6], "gone", "not in the sitemap")]
    assert page_hits(site_url, key, hits_before) == paths(key, [4, 5, 7, 8, 9])

    edit(site_url, key, 6, unlisted=0)
    third = site_crawl(site_url, key, tmp_path / "third", state)
    assert [(page_of(r), r["change"]) for r in third.records] == [(6, "new")]
    assert "incremental/gone" not in third.stats


def test_changed_page_is_appended_to_the_same_output(site_url: str, tmp_path: Path) -> None:
    """A changed page keeps its record id: a re-crawl appending to the first crawl's output
    writes it all the same (the ledger keys records by id and text), and a run that finds it
    written already (a kill before the state entry: here, the state put back) drops it and
    enters it in the state."""
    key, state, run = "append", tmp_path / "state.sqlite", tmp_path / "run"
    first = site_crawl(site_url, key, run, state)
    shutil.copy(state, tmp_path / "state-before.sqlite")
    edit(site_url, key, 5, text=1)
    second = site_crawl(site_url, key, run, state)
    assert second.records[:10] == first.records
    assert [(page_of(r), r["change"]) for r in second.records[10:]] == [(5, "changed")]
    assert second.records[10]["id"] == next(r["id"] for r in first.records if page_of(r) == 5)
    assert second.skipped("duplicate") == 0

    shutil.copy(tmp_path / "state-before.sqlite", state)
    third = site_crawl(site_url, key, run, state)
    assert third.records == second.records
    assert third.skipped("duplicate") == 1
    with CrawlState(state) as stored:
        row = stored.get(f"{site_url}/_test/site/{key}/page/5")
    assert row is not None and row.content_hash == text_hash(second.records[10]["text"])


def test_redirected_page_is_kept_under_the_url_requested(site_url: str, tmp_path: Path) -> None:
    """The sitemap lists moved/<i>, which answers 301 to page/<i>: the state keys the page by
    moved/<i>, so the next crawl's lastmod gate finds it (2, dated) and its conditional
    request, carried over the redirect, is answered 304 (6, undated)."""
    key, state = "moved", tmp_path / "state.sqlite"
    for page in (2, 6):
        edit(site_url, key, page, moved=1)
    first = site_crawl(site_url, key, tmp_path / "first", state)
    assert sorted(page_of(r) for r in first.records) == list(range(10))
    moved, final = (f"{site_url}/_test/site/{key}/{kind}/6" for kind in ("moved", "page"))
    assert final in {r["url"] for r in first.records}
    with CrawlState(state) as stored:
        assert stored.get(final) is None
        row = stored.get(moved)
    assert row is not None and row.record_id == next(
        r["id"] for r in first.records if r["url"] == final
    )

    hits_before = server_hits(site_url, f"/_test/site/{key}/")
    second = site_crawl(site_url, key, tmp_path / "second", state)
    assert second.records == []
    expected = {**paths(key, [4, 5, 6, 7, 8, 9]), **paths(key, [6], "moved")}
    assert page_hits(site_url, key, hits_before) == expected
    assert not_modified(site_url, key) == 6
    assert (second.stats["incremental/unchanged"], second.stats["incremental/not_fetched"]) == (
        10,
        4,
    )


def test_killed_second_crawl_resumed_gives_the_same_result(site_url: str, tmp_path: Path) -> None:
    """JOBDIR and HEALTHCRAWL_STATE together: SIGKILL the second crawl after its first record,
    resume it; the output holds each change once, the change log each page gone once (9 is
    left out of the sitemap: looked for only by the run that reads the sitemap and finishes),
    and 2 and 3 are never requested."""
    key, state = "resumed", tmp_path / "state.sqlite"
    first = site_crawl(site_url, key, tmp_path / "first", state)
    first_ids = {page_of(r): r["id"] for r in first.records}
    edit_as_the_issue_says(site_url, key)
    edit(site_url, key, 9, unlisted=1)
    hits_before = server_hits(site_url, f"/_test/site/{key}/")
    output = tmp_path / "second" / "out.jsonl"
    settings = {
        "HEALTHCRAWL_STATE": str(state),
        "HEALTHCRAWL_OUTPUT": str(output),
        "JOBDIR": str(tmp_path / "job"),
        "CONCURRENT_REQUESTS": "1",
        "DOWNLOAD_DELAY": "0.3",
    }
    command = crawl_command("sitemap", {"sitemap_url": sitemap_of(site_url, key)}, settings)
    output.parent.mkdir()
    killed = start_crawl(command, tmp_path / "killed.log")
    wait_for_records(output, 1, killed)
    os.killpg(killed.pid, signal.SIGKILL)
    assert killed.wait() == -signal.SIGKILL
    assert 1 <= len(read_records(output)) < 4

    resumed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "was not closed cleanly" in resumed.stderr
    records = read_records(output)
    assert Counter((page_of(r), r["change"]) for r in records) == Counter(
        [(0, "changed"), (4, "changed"), (5, "changed"), (10, "new")]
    )
    assert sorted(gone_lines(output)) == [
        ("7", first_ids[7], "gone", "HTTP 404"),
        ("9", first_ids[9], "gone", "not in the sitemap"),
    ]
    assert not set(page_hits(site_url, key, hits_before)) & set(paths(key, [2, 3, 9]))


def test_etag_new_on_every_answer_is_decided_by_the_text(site_url: str, tmp_path: Path) -> None:
    """A server whose ETag never matches: every page is fetched whole, and the content hash
    still finds it unchanged."""
    key, state = "rotating", tmp_path / "state.sqlite"
    for page in range(10):
        edit(site_url, key, page, rotate=1)
    assert site_crawl(site_url, key, tmp_path / "first", state).stats["incremental/new"] == 10
    second = site_crawl(
        site_url, key, tmp_path / "second", state, {"HEALTHCRAWL_REVALIDATE": "True"}
    )
    assert second.records == []
    assert second.stats["incremental/unchanged"] == 10
    assert not_modified(site_url, key) == 0
    assert second.returncode == 0  # nothing changed is a good crawl, not a dead one
    assert "no record written" not in second.log


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
    assert done.log.startswith(f"scrapy crawl sitemap: crawl state {state}: not a SQLite database")
    assert done.log.count("\n") == 1  # one line, before the crawl starts
    assert done.records == []
    assert state.read_bytes() == before
