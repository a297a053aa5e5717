"""`process(page)`: the one core step every entry point runs, a `Page` in and a validated
`Record` out, or an `ExtractionError` subclass naming why not."""

from __future__ import annotations

from collections.abc import Collection

from healthcrawl.extractors import DEFAULT_MAX_BYTES, Record, extract
from healthcrawl.extractors.errors import HttpStatusError, InvalidRecordError
from healthcrawl.output.validate import RecordInvalid, validate
from healthcrawl.page import Page


def process(
    page: Page,
    *,
    profile: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    disable: Collection[str] = (),
) -> Record:
    """Extract and validate the page's record. Options are `extract`'s; the Content-Type
    header's charset is used in decoding (after a BOM, before the page's own <meta>)."""
    if not 200 <= page.status < 300:
        raise HttpStatusError(page.url, f"HTTP status {page.status}")
    record = extract(
        page.body,
        page.url,
        fetched_at=page.fetched_at,
        profile=profile,
        max_bytes=max_bytes,
        content_type=page.header("content-type"),
        disable=disable,
    )
    try:
        validate(record.to_dict())
    except RecordInvalid as error:
        raise InvalidRecordError(page.url, str(error)) from error
    return record
