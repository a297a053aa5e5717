"""The reasons a page gives no record that are the crawl's or the writer's, not the extractor's.

With the extractor's (`healthcrawl.extractors.errors`) they make `REASONS`, the one list the
crawl's stats and summary line, the CLI and the README's table read.
"""

from __future__ import annotations

from healthcrawl.extractors.errors import REASONS, Skip

__all__ = [
    "REASONS",
    "DownloadFailed",
    "DuplicateRecord",
    "RobotsDisallowed",
    "UnreadableInput",
    "reasons_table",
    "stat_key",
]

STAT_PREFIX = "healthcrawl/skipped/"


class RobotsDisallowed(Skip):
    """The site's robots.txt disallows the URL for our User-Agent."""

    reason = "robots"


class DownloadFailed(Skip):
    """The download failed after its retries: connection, DNS, timeout, cut-off body, redirects."""

    reason = "download_error"


class DuplicateRecord(Skip):
    """A record with the same id is already written (same canonical URL; without one, same text)."""

    reason = "duplicate"


class UnreadableInput(Skip):
    """A saved input cannot be read: missing, not permitted, or a corrupt .gz."""

    reason = "unreadable"


def stat_key(skip: type[Skip] | Skip) -> str:
    """The crawl stat that counts this reason: healthcrawl/skipped/<reason>."""
    return STAT_PREFIX + skip.reason


def reasons_table() -> str:
    """The README's table of skip reasons, generated from the classes."""
    rows = [f"| `{reason}` | {cls.meaning()} |" for reason, cls in REASONS.items()]
    return "\n".join(["| reason | meaning |", "|---|---|", *rows])


if __name__ == "__main__":
    print(reasons_table())
