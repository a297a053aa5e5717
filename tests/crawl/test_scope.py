"""The crawl's scope (spiders/scope.py, spiders/addresses.py): http(s) only, on the seeds'
hosts and ports, and public addresses only unless HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES is set
(the FAST settings set it: the server is on 127.0.0.1). Every refusal is a counted skip whose
log line names the URL and why."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from healthcrawl.spiders import settings
from healthcrawl.spiders.addresses import address_refusal
from healthcrawl.spiders.scope import Scope
from tests.conftest import REPO
from tests.crawl.conftest import Crawl, crawl, reset_counts, server_hits

SEEDS = ["http://127.0.0.1:8000/start", "https://example.org"]
HOSTS = "(127.0.0.1, example.org)"
OFF = "(HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES is off)"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8000/a", None),
        ("http://example.org/a", None),  # a seed on 443 allows the site's http too
        ("https://www.example.org:443/a", None),  # subdomains, as Scrapy's allowed_domains
        ("HTTP://EXAMPLE.ORG./a", None),
        ("ftp://127.0.0.1:8000/x", "scheme 'ftp' is not http or https"),
        ("file:///etc/passwd", "scheme 'file' is not http or https"),
        ("data:text/html,<p>x</p>", "scheme 'data' is not http or https"),
        ("http://127.0.0.1:8001/", "port 8001 is not a seed's port (127.0.0.1: 8000)"),
        ("http://127.0.0.1/", "port 80 is not a seed's port (127.0.0.1: 8000)"),
        ("http://example.org:8080/", "port 8080 is not a seed's port (example.org: 80, 443)"),
        ("http://127.0.0.1:99999/", "port '99999' is not a port number"),
        ("http://localhost:8000/", f"host 'localhost' is not a seed's host {HOSTS}"),
        ("http://badexample.org/", f"host 'badexample.org' is not a seed's host {HOSTS}"),
    ],
)  # fmt: skip
def test_scope_refusal(url: str, why: str | None) -> None:
    assert Scope.of(SEEDS).refusal(url) == why


def test_spider_without_seeds_checks_only_the_scheme() -> None:
    scope = Scope.of(None)  # scrapy shell's DefaultSpider
    assert (scope.refusal("http://any.example:81/"), scope.refusal("ftp://any.example/")) == (
        None,
        "scheme 'ftp' is not http or https",
    )


@pytest.mark.parametrize(
    ("host", "address", "why"),
    [
        ("example.org", "93.184.215.14", None),
        ("2606:4700::1111", "2606:4700::1111", None),
        ("127.0.0.1", "127.0.0.1", f"127.0.0.1 is a loopback address {OFF}"),
        ("localhost", "127.0.0.1", f"localhost resolves to 127.0.0.1, a loopback address {OFF}"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1", f"::ffff:127.0.0.1 is a loopback address {OFF}"),
        ("::1", "::1", f"::1 is a loopback address {OFF}"),
        ("md", "169.254.169.254", f"md resolves to 169.254.169.254, a link-local address {OFF}"),
        ("10.1.2.3", "10.1.2.3", f"10.1.2.3 is a private address {OFF}"),
        ("fc00::1", "fc00::1", f"fc00::1 is a private address {OFF}"),
        ("0.0.0.0", "0.0.0.0", f"0.0.0.0 is an unspecified address {OFF}"),
        ("224.0.0.1", "224.0.0.1", f"224.0.0.1 is a multicast address {OFF}"),
        ("100.64.0.1", "100.64.0.1", f"100.64.0.1 is a non-public address {OFF}"),  # CGNAT
    ],
)  # fmt: skip
def test_address_refusal(host: str, address: str, why: str | None) -> None:
    assert address_refusal(host, address) == why


def refusals(result: Crawl, reason: str) -> set[str]:
    """The log's `skipped (<reason>) URL: why` lines, without their prefixes."""
    return set(re.findall(rf"skipped \({reason}\) (.*)", result.log))


def test_sitemap_entries_out_of_scope_are_refused_and_counted(
    site_url: str, tmp_path: Path
) -> None:
    """ftp:// and file:// entries, another port and another host name of the same server."""
    port = urlsplit(site_url).port
    assert port is not None
    result = crawl(
        "sitemap", tmp_path, args={"sitemap_url": f"{site_url}/_test/sitemap-out-of-scope"}
    )
    assert [r["url"] for r in result.records] == [f"{site_url}/_test/page/in-scope"]
    root = (REPO / "sample_site" / "site").resolve()
    assert refusals(result, "out_of_scope") == {
        f"ftp://127.0.0.1:{port}/_test/page/ftp: scheme 'ftp' is not http or https",
        f"file://{root}/medlineplus/asthma.html: scheme 'file' is not http or https",
        f"http://127.0.0.1:{port + 1}/_test/page/other-port: "
        f"port {port + 1} is not a seed's port (127.0.0.1: {port})",
        f"http://localhost:{port}/_test/page/other-host: "
        "host 'localhost' is not a seed's host (127.0.0.1)",
    }
    assert (result.skipped("out_of_scope"), result.skipped("download_error")) == (4, 0)
    assert server_hits(site_url, "/_test/page/other-host") == {}


@pytest.mark.parametrize("middleware", [True, False], ids=["middleware", "resolver-only"])
def test_loopback_hosts_are_refused_without_the_allow_setting(
    site_url: str, tmp_path: Path, middleware: bool
) -> None:
    """Nothing reaches the server. The middleware refuses both pages as `private_address`;
    without it the resolver still refuses at connection time (what defeats DNS rebinding),
    and the pages fail as unresolvable: `download_error`."""
    port = urlsplit(site_url).port
    pages = [
        f"{site_url}/_test/page/private-ip",
        f"http://localhost:{port}/_test/page/private-name",
    ]
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(pages) + "\n")
    crawl_settings = {"HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES": "False", "RETRY_TIMES": "0"}
    if not middleware:
        without = {
            **settings.DOWNLOADER_MIDDLEWARES,
            "healthcrawl.spiders.scope.ScopeMiddleware": None,
        }
        crawl_settings["DOWNLOADER_MIDDLEWARES"] = json.dumps(without)
    reset_counts(site_url)
    result = crawl("pages", tmp_path, args={"urls_file": str(urls)}, settings=crawl_settings)
    assert server_hits(site_url) == {}
    assert (result.returncode, result.records) == (1, [])
    if middleware:
        assert refusals(result, "private_address") == {
            f"{pages[0]}: 127.0.0.1 is a loopback address {OFF}",
            f"{pages[1]}: localhost resolves to 127.0.0.1, a loopback address {OFF}",
        }
        assert (result.skipped("private_address"), result.skipped("download_error")) == (2, 0)
    else:
        assert (result.skipped("private_address"), result.skipped("download_error")) == (0, 2)


def test_pages_spider_fetches_every_host_of_its_file(site_url: str, tmp_path: Path) -> None:
    """127.0.0.1 and localhost, one server: both fetched (the first host used to be the only
    one allowed, the other dropped silently); a redirect to another port is refused."""
    port = urlsplit(site_url).port
    assert port is not None
    elsewhere = f"http://127.0.0.1:{port + 1}/_test/page/elsewhere"
    pages = [f"{site_url}/_test/page/host-ip", f"http://localhost:{port}/_test/page/host-name"]
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join([*pages, f"{site_url}/_test/redirect?to={elsewhere}"]) + "\n")
    result = crawl("pages", tmp_path, args={"urls_file": str(urls)})
    assert sorted(r["url"] for r in result.records) == pages
    assert server_hits(site_url, "/_test/page/host-") == {
        "/_test/page/host-ip": 1,
        "/_test/page/host-name": 1,
    }
    assert refusals(result, "out_of_scope") == {
        f"{elsewhere}: port {port + 1} is not a seed's port (127.0.0.1: {port})"
    }
