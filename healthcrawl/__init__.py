"""healthcrawl: health-topic web pages in, clean structured records out.

    from healthcrawl import Page, process
    record = process(Page("https://example.org/fever", html_bytes))

The one import name of the project: `extractors/`, `output/`, `spiders/` and `sample_site/` are
its subpackages (`healthcrawl.extractors` and so on), mapped in pyproject.toml. `process` is the
core every entry point runs (the crawl, `healthcrawl extract`, and new inputs); `extract` is
its pure part, without validation.
"""

from healthcrawl.core import process
from healthcrawl.extractors import Record, extract
from healthcrawl.extractors.errors import (
    REASONS,
    EncodingError,
    ExtractionError,
    HttpStatusError,
    InvalidRecordError,
    ListingPageError,
    NoMainContentError,
    NotHTMLError,
    PageTooDeepError,
    PageTooLargeError,
    Skip,
    TooManyElementsError,
)
from healthcrawl.output.validate import RecordInvalid, validate
from healthcrawl.page import Page

__all__ = [
    "REASONS",
    "EncodingError",
    "ExtractionError",
    "HttpStatusError",
    "InvalidRecordError",
    "ListingPageError",
    "NoMainContentError",
    "NotHTMLError",
    "Page",
    "PageTooDeepError",
    "PageTooLargeError",
    "TooManyElementsError",
    "Record",
    "RecordInvalid",
    "Skip",
    "extract",
    "process",
    "validate",
]
