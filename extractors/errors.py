"""Why a page gives no record. Each message names the input (its URL, or "<input>")."""

from __future__ import annotations


class ExtractionError(ValueError):
    """Base: the page cannot become a record. `reason` is a short stat-friendly key."""

    reason = "extractor_error"

    def __init__(self, source: str | None, detail: str) -> None:
        self.source = source or "<input>"
        self.detail = detail
        super().__init__(f"{self.source}: {detail}")


class NotHTMLError(ExtractionError):
    """Raised for empty bodies and binary content (images, PDFs, archives)."""

    reason = "not_html"


class EncodingError(ExtractionError):
    """Raised when no charset decodes the bytes into plausible text."""

    reason = "encoding"


class PageTooLargeError(ExtractionError):
    """Raised above the configured byte size, before any parsing."""

    reason = "too_large"


class PageTooDeepError(ExtractionError):
    """Raised when nesting exceeds the parser's depth limit, which would silently truncate."""

    reason = "too_deep"


class NoMainContentError(ExtractionError):
    """Raised when nothing is left after boilerplate removal."""

    reason = "no_main_content"


class ListingPageError(ExtractionError):
    """Raised for index and A-Z pages: mostly links, not an article."""

    reason = "listing_page"
