"""`healthcrawl snapshot URL` against the loopback server: our User-Agent, robots.txt obeyed
for the URL and its redirects (a disallowed page is never requested), HTTP errors refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest

from healthcrawl.sample_site.serve import running_server

HEALTHCRAWL = str(Path(sys.executable).with_name("healthcrawl"))
FEVER = (
    "<!DOCTYPE html><html><head><title>Fever</title></head><body><article><h1>Fever</h1>"
    "<p>A fever is a body temperature that is higher than normal. It usually means the body "
    "is fighting an infection.</p><h2>Symptoms</h2><p>Sweating, chills and shivering, headache, "
    "muscle aches and loss of appetite can come with a fever.</p></article></body></html>"
)
AGENT = "healthcrawl/0.1.0 (+https://github.com/healthcrawl/healthcrawl)"


def snapshot(*args: str) -> subprocess.CompletedProcess[str]:
    command = [HEALTHCRAWL, "snapshot", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def hits(site_url: str) -> dict[str, int]:
    with urlopen(f"{site_url}/_test/count") as response:
        return json.loads(response.read())


def test_a_live_page_is_saved_with_its_headers_and_our_user_agent(
    site_url: str, tmp_path: Path
) -> None:
    done = snapshot(f"{site_url}/_test/headers", "--into", str(tmp_path), "--name", "ua")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"{tmp_path}/ua: a record titled 'Request headers'\n"
    assert f"<p>User-Agent: {AGENT}</p>" in (tmp_path / "ua" / "page.html").read_text("utf-8")
    meta = json.loads((tmp_path / "ua" / "page.json").read_text("utf-8"))
    assert (meta["url"], meta["status"]) == (f"{site_url}/_test/headers", 200)
    assert meta["headers"]["content-type"] == "text/html; charset=utf-8"
    assert meta["fetched_at"].endswith("Z")
    done = subprocess.run([HEALTHCRAWL, "check", str(tmp_path)], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (
        0,
        "healthcrawl check: 1 of 1 fixtures match, 0 changed\n",
    )


def test_the_contact_url_is_in_the_user_agent(site_url: str, tmp_path: Path) -> None:
    contact = "https://example.org/our-crawl"
    done = snapshot(f"{site_url}/_test/headers", "--into", str(tmp_path), "--contact-url", contact)
    assert done.returncode == 0
    page = (tmp_path / "127-0-0-1-test-headers" / "page.html").read_text("utf-8")
    assert "<p>User-Agent: healthcrawl/0.1.0 (+https://example.org/our-crawl)</p>" in page


def test_robots_txt_is_obeyed_for_the_url_and_its_redirects(site_url: str, tmp_path: Path) -> None:
    urlopen(f"{site_url}/_test/reset-count").close()
    private = f"{site_url}/private/internal-notes"
    redirect = f"{site_url}/_test/redirect?to=/private/internal-notes"
    done = snapshot(private, redirect, "--into", str(tmp_path))
    assert (done.returncode, done.stdout) == (1, "")
    why = f"robots: {site_url}/robots.txt disallows it for {AGENT}"
    assert done.stderr.splitlines() == [f"{private}: {why}", f"{redirect}: {why}"]
    assert "/private/internal-notes" not in hits(site_url)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_an_http_error_is_not_saved(site_url: str, tmp_path: Path) -> None:
    done = snapshot(f"{site_url}/_test/status/404", "--into", str(tmp_path))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"{site_url}/_test/status/404: http_error: HTTP status 404\n"


@pytest.mark.parametrize("robots_status", [404, 503])
def test_missing_robots_txt_allows_all_and_unreadable_allows_none(
    robots_status: int, tmp_path: Path
) -> None:
    """RFC 9309 2.3.1: robots.txt "unavailable" (4xx) allows every URL; "unreachable" (5xx)
    allows none, so the page is not even requested."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "page.html").write_text(FEVER, "utf-8")
    robots = f"/robots.txt\t/_test/status/{robots_status}\t302\n"
    (root / "redirects.tsv").write_text(robots, "utf-8")
    with running_server(root) as url:
        done = snapshot(f"{url}/page", "--into", str(tmp_path / "fx"))
        fetched = hits(url).get("/page", 0)
    if robots_status == 404:
        assert (done.returncode, done.stderr, fetched) == (0, "", 1)
        assert done.stdout == f"{tmp_path}/fx/127-0-0-1-page: a record titled 'Fever'\n"
    else:
        assert (done.returncode, done.stdout, fetched) == (1, "", 0)
        assert done.stderr == (
            f"{url}/page: download_error: {url}/robots.txt answered HTTP status 503, so "
            "nothing may be fetched\n"
        )
