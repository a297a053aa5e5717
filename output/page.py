"""What a spider hands the pipeline: one fetched page, not yet extracted."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class FetchedPage:
    url: str
    """The final URL (after redirects)."""
    body: bytes
    """The raw response body; the extractor decodes it."""
    fetched_at: str
    """ISO 8601 UTC time the response arrived."""
    profile: str | None = None
    """Site profile key the spider knows the page to have, or None to detect it."""
