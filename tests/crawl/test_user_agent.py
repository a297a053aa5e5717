"""The User-Agent the server sees follows HEALTHCRAWL_CONTACT_URL as the crawl sets it, and an
explicit USER_AGENT wins (HealthSpider.update_settings). /_test/headers echoes the request
headers into the page, so the record shows what was sent."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest

from tests.crawl.conftest import crawl

RELEASE = version("healthcrawl")


@pytest.mark.parametrize(
    ("settings", "agent"),
    [
        ({}, f"healthcrawl/{RELEASE} (+https://github.com/healthcrawl/healthcrawl)"),
        (
            {"HEALTHCRAWL_CONTACT_URL": "https://example.org/crawl-contact"},
            f"healthcrawl/{RELEASE} (+https://example.org/crawl-contact)",
        ),
        (
            {"HEALTHCRAWL_CONTACT_URL": "https://example.org/crawl-contact", "USER_AGENT": "Bot/1"},
            "Bot/1",
        ),
    ],
)
def test_server_sees_the_user_agent(
    site_url: str, tmp_path: Path, settings: dict[str, str], agent: str
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site_url}/_test/headers\n")
    result = crawl("pages", tmp_path, args={"urls_file": str(urls)}, settings=settings)
    (record,) = result.records
    sent = [line for line in record["text"].splitlines() if line.startswith("User-Agent: ")]
    assert sent == [f"User-Agent: {agent}"]
