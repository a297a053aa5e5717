"""Why a page gives no record: each reason is declared once, here, as a class.

A `Skip` subclass that sets `reason` registers it: its name is the stat key
(`healthcrawl/skipped/<reason>` in a crawl), the CLI's stderr lines and the README's table read
the class, and its docstring's first line is the reason's meaning. Adding a reason is adding a
class. Messages name the input (its URL or path, or "<input>").
"""

from __future__ import annotations

import logging
from typing import ClassVar

REASONS: dict[str, type[Skip]] = {}
"""Every declared skip reason, in declaration order: reason name -> its class."""


class Skip(Exception):
    """Base of every reason a page gives no record."""

    reason: ClassVar[str]
    failure: ClassVar[bool] = True
    """Whether the input was a page that should have given a record: `healthcrawl extract`
    exits 1 for these. False for inputs that are no such page (a WARC's request records, a
    captured 404), which are counted only."""
    log_level: ClassVar[int] = logging.WARNING
    """How loudly a crawl logs each skip: an expected one (an off-site link) is INFO."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        reason = cls.__dict__.get("reason")
        if reason is not None:
            if reason in REASONS:
                raise TypeError(f"skip reason {reason!r} is declared twice")
            REASONS[reason] = cls

    def __init__(self, source: str | None, detail: str) -> None:
        self.source = source or "<input>"
        self.detail = detail
        super().__init__(f"{self.source}: {detail}")

    def __reduce__(self) -> tuple[type[Skip], tuple[str, str]]:
        # Crosses process boundaries (worker pools) with its two arguments, not the message.
        return type(self), (self.source, self.detail)

    @classmethod
    def meaning(cls) -> str:
        """The first line of the class's docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0]


class ExtractionError(Skip, ValueError):
    """Base: the page cannot become a record."""


class NotHTMLError(ExtractionError):
    """Not an HTML page: an empty body, binary content, or a non-HTML Content-Type."""

    reason = "not_html"


class EncodingError(ExtractionError):
    """No charset decodes the bytes into plausible text."""

    reason = "encoding"


class PageTooLargeError(ExtractionError):
    """Larger than the size limit (the download's or the extractor's), refused unparsed."""

    reason = "too_large"


class PageTooDeepError(ExtractionError):
    """Nested past the parser's depth limit, which would silently truncate the page."""

    reason = "too_deep"


class TooManyElementsError(ExtractionError):
    """More elements than any real page has (a tag bomb), refused before the costly passes."""

    reason = "too_many_elements"


class NoMainContentError(ExtractionError):
    """Nothing but boilerplate: no main text is left after boilerplate removal."""

    reason = "no_main_content"


class ListingPageError(ExtractionError):
    """An index or A-Z page: mostly links, not an article."""

    reason = "listing_page"


class HttpStatusError(ExtractionError):
    """The server answered with an error status (4xx, 5xx, after any retries; a 3xx in a WARC)."""

    reason = "http_error"
    failure = False  # the server's answer, faithfully recorded (a 404 in a WARC): not our miss


class InvalidRecordError(ExtractionError):
    """The extracted record breaks the schema (a bug: please report the page)."""

    reason = "invalid_record"
