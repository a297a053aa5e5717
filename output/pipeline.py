"""The Scrapy item pipeline: extract each fetched page in a process pool, validate the record,
write it once, and drop what cannot become a record with a DropItem named after the reason.

Extraction runs in worker processes so the reactor keeps downloading; records are written
in order of completion, and close_spider waits for every pending extraction.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Self

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings

from healthcrawl.extractors import ExtractionError

from .page import FetchedPage
from .validate import RecordInvalid, validated_record
from .writer import JsonlWriter, read_values

logger = logging.getLogger(__name__)
_REMEMBERED_OUTPUT = "healthcrawl-output.txt"


class Skipped(DropItem):
    """Base of the pipeline's drops; subclasses name the reason in Scrapy's drop stats."""

    reason = "skipped"


class NotHTML(Skipped):
    """Not an HTML page: empty, binary, or no charset decodes it."""

    reason = "not_html"


class TooLarge(Skipped):
    """Over the size limit, or nested past the parser's depth limit."""

    reason = "too_large"


class NoMainContent(Skipped):
    """Nothing but boilerplate, or a listing page rather than an article."""

    reason = "no_main_content"


class Duplicate(Skipped):
    """A record with this id (same canonical URL) is already in the output."""

    reason = "duplicate"


class ExtractorFailed(Skipped):
    """Any other extraction failure (an invalid record, an unexpected error)."""

    reason = "extractor_error"


_DROPS: dict[str, type[Skipped]] = {
    "not_html": NotHTML,
    "encoding": NotHTML,
    "too_large": TooLarge,
    "too_deep": TooLarge,
    "no_main_content": NoMainContent,
    "listing_page": NoMainContent,
}


def output_path(settings: BaseSettings, spider_name: str) -> Path:
    """HEALTHCRAWL_OUTPUT, else output/<spider>/<spider>-<UTC date>.jsonl; with JOBDIR the
    first run's choice is remembered, so a resumed crawl appends to the same file."""
    explicit = settings.get("HEALTHCRAWL_OUTPUT")
    if explicit:
        return Path(explicit)
    jobdir = settings.get("JOBDIR")
    remembered = Path(jobdir, _REMEMBERED_OUTPUT) if jobdir else None
    if remembered and remembered.exists():
        return Path(remembered.read_text("utf-8").strip())
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    path = Path("output", spider_name, f"{spider_name}-{today}.jsonl").resolve()
    if remembered:
        remembered.parent.mkdir(parents=True, exist_ok=True)
        remembered.write_text(str(path), "utf-8")
    return path


def extract_page(page: FetchedPage) -> dict[str, Any] | tuple[str, str]:
    """Worker side: a validated record dict, or (reason, message). Never raises."""
    fetched = datetime.fromisoformat(page.fetched_at.replace("Z", "+00:00"))
    try:
        record = validated_record(
            page.body, page.url, page.url, fetched_at=fetched, profile=page.profile
        )
    except ExtractionError as error:
        return error.reason, str(error)
    except RecordInvalid as error:
        return "extractor_error", str(error)
    return record


class RecordPipeline:
    def __init__(self, crawler: Crawler, path: Path, workers: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = path
        self.workers = workers
        self.writer = JsonlWriter(path)
        self.seen_ids: set[str] = set()
        self.executor: Executor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.spidercls is not None
        path = output_path(crawler.settings, crawler.spidercls.name)
        workers = crawler.settings.get("HEALTHCRAWL_EXTRACT_WORKERS")
        workers = (os.cpu_count() or 1) if workers is None else int(workers)
        return cls(crawler, path, workers)

    def open_spider(self, spider: Spider | None = None) -> None:
        """Fail before the first request if the output cannot be written."""
        try:
            self.writer.open()
        except OSError as error:
            raise RuntimeError(
                f"HEALTHCRAWL_OUTPUT {str(self.path)!r} is not writable: {error}"
            ) from error
        self.seen_ids = set(read_values(self.path, "id"))
        if self.seen_ids:
            logger.info(
                "%s holds %d records; their pages will not be written again",
                self.path,
                len(self.seen_ids),
            )
        if self.workers > 0:
            # spawn: forking a process that runs the reactor's threads is unsafe
            self.executor = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))
        self.stats.set_value("healthcrawl/output", str(self.path))

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
        self.writer.close()

    async def process_item(self, item: Any, spider: Spider | None = None) -> dict[str, Any]:
        if not isinstance(item, FetchedPage):
            raise TypeError(f"RecordPipeline expects FetchedPage items, got {type(item).__name__}")
        if self.executor is None:
            result = extract_page(item)
        else:
            result = await asyncio.get_running_loop().run_in_executor(
                self.executor, extract_page, item
            )
        if isinstance(result, tuple):
            reason, message = result
            drop = _DROPS.get(reason, ExtractorFailed)
            self.stats.inc_value(f"healthcrawl/skipped/{drop.reason}")
            raise drop(message)
        if result["id"] in self.seen_ids:
            self.stats.inc_value("healthcrawl/skipped/duplicate")
            raise Duplicate(f"{item.url}: record {result['id']} already written")
        self.seen_ids.add(result["id"])
        self.writer.write(result)
        self.stats.inc_value("healthcrawl/records_written")
        return result
