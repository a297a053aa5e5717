"""The reasons a page gives no record that are the crawl's or the writer's, not the extractor's.

With the extractor's (`healthcrawl.extractors.errors`) they make `REASONS`, the one list the
crawl's stats and summary line, the CLI and the README's table read.
"""

from __future__ import annotations

import logging

from healthcrawl.extractors.errors import REASONS, Skip

__all__ = [
    "REASONS",
    "DownloadFailed",
    "DuplicateRecord",
    "NotAResponse",
    "NotHtmlResponse",
    "OutOfScope",
    "PageTimeout",
    "PrivateAddress",
    "RobotsDisallowed",
    "UnreadableInput",
    "WorkerDied",
    "reasons_table",
    "stat_key",
]

STAT_PREFIX = "healthcrawl/skipped/"


class RobotsDisallowed(Skip):
    """The site's robots.txt disallows the URL for our User-Agent."""

    reason = "robots"


class OutOfScope(Skip):
    """Outside the crawl's scope: not http(s), or a host or port that no seed URL names."""

    reason = "out_of_scope"
    log_level = logging.INFO  # every off-site link a page holds: expected, counted, not a warning


class PrivateAddress(Skip):
    """The host resolves to a private, loopback or link-local address, refused by default."""

    reason = "private_address"


class DownloadFailed(Skip):
    """The download failed after its retries: connection, DNS, timeout, cut-off body, redirects."""

    reason = "download_error"


class DuplicateRecord(Skip):
    """A record with the same id is written already (same canonical URL, else title and text)."""

    reason = "duplicate"


class UnreadableInput(Skip):
    """A saved input cannot be read: missing, not permitted, a corrupt .gz, or a damaged WARC."""

    reason = "unreadable"


class PageTimeout(Skip):
    """Extraction ran over the page time budget (HEALTHCRAWL_PAGE_TIMEOUT, --page-timeout)."""

    reason = "timeout"


class WorkerDied(Skip):
    """The worker process extracting the page died (out of memory, a crash); it was replaced."""

    reason = "worker_died"


class NotAResponse(Skip):
    """A WARC record that is not a response (request, revisit, metadata, warcinfo): no page."""

    reason = "not_a_response"
    failure = False


class NotHtmlResponse(Skip):
    """A WARC response that is not HTML (robots.txt, a sitemap, an image, a PDF): no page."""

    reason = "not_html_response"
    failure = False


def stat_key(skip: type[Skip] | Skip) -> str:
    """The crawl stat that counts this reason: healthcrawl/skipped/<reason>."""
    return STAT_PREFIX + skip.reason


def reasons_table() -> str:
    """The README's table of skip reasons, generated from the classes."""
    rows = [f"| `{reason}` | {cls.meaning()} |" for reason, cls in REASONS.items()]
    return "\n".join(["| reason | meaning |", "|---|---|", *rows])


if __name__ == "__main__":
    print(reasons_table())
