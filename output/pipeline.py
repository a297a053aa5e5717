"""The Scrapy item pipeline: each `Page` a spider yields goes through `healthcrawl.process` in a
process pool, and its record is written once to the sink; a page that gives no record is
dropped and counted as healthcrawl/skipped/<reason>.

Extraction runs in worker processes (healthcrawl.workers) so the reactor keeps downloading, and
under a time budget per page (HEALTHCRAWL_PAGE_TIMEOUT): a page over it is skipped as timeout and
its worker replaced. Records are written in order of completion, and close_spider waits for
every pending extraction.

Where records go: `-o PATH` (append) or `-O PATH` (replace), which this pipeline takes over from
Scrapy's feed exports (switched off in the settings) so that there is one output file written by
our sink; else HEALTHCRAWL_OUTPUT; else output/<spider>/<spider>-<UTC date>.jsonl. The ledger
beside it says which records are written, for dedup and resume.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings

from healthcrawl.core import process
from healthcrawl.extractors.errors import Skip
from healthcrawl.page import Page
from healthcrawl.skips import DuplicateRecord, stat_key
from healthcrawl.workers import WorkerPool

from .ledger import Ledger, ledger_path
from .sinks import Sink, sink_for
from .state import CrawlState, Revisits, Visit, text_hash

logger = logging.getLogger(__name__)
SAFETY_NET = "healthcrawl/safety_net"
"""Stat: records whose text is trafilatura's own choice, because our pruning lost most of the
page's prose (extractor.method "trafilatura"; extractors/__init__.py)."""
_REMEMBERED_OUTPUT = "healthcrawl-output.txt"


class Unchanged(DropItem):
    """An incremental crawl's page whose record would repeat the stored one: nothing written."""

    def __init__(self, url: str | None, why: str) -> None:
        super().__init__(f"unchanged ({why}) {url}", log_level="DEBUG")


class OutputSettingError(ValueError):
    """The output settings or -o/-O options contradict each other or name no usable file."""


@dataclass(frozen=True, slots=True)
class Output:
    path: Path
    replace: bool
    """True for -O: the file (and its ledger) are replaced, not appended to."""


def output_for(settings: BaseSettings, spider_name: str) -> Output:
    """The crawl's one output: -o/-O (FEEDS), else HEALTHCRAWL_OUTPUT, else the dated default,
    which with JOBDIR is remembered, so a resumed crawl appends to the same file."""
    feeds = settings.getdict("FEEDS")
    explicit = settings.get("HEALTHCRAWL_OUTPUT")
    if feeds:
        if len(feeds) > 1:
            raise OutputSettingError(f"one output file per crawl, got {len(feeds)}: {list(feeds)}")
        if explicit:
            raise OutputSettingError("give -o/-O or HEALTHCRAWL_OUTPUT, not both")
        ((uri, options),) = feeds.items()
        return Output(_local_path(str(uri)).resolve(), bool(options.get("overwrite")))
    if explicit:
        return Output(Path(explicit).resolve(), replace=False)
    jobdir = settings.get("JOBDIR")
    remembered = Path(jobdir, _REMEMBERED_OUTPUT) if jobdir else None
    if remembered and remembered.exists():
        return Output(Path(remembered.read_text("utf-8").strip()), replace=False)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    path = Path("output", spider_name, f"{spider_name}-{today}.jsonl").resolve()
    if remembered:
        remembered.parent.mkdir(parents=True, exist_ok=True)
        remembered.write_text(str(path), "utf-8")
    return Output(path, replace=False)


def _local_path(uri: str) -> Path:
    scheme = urlsplit(uri).scheme
    if scheme == "file":
        return Path(urlsplit(uri).path)
    if len(scheme) > 1:  # one letter is a Windows drive
        raise OutputSettingError(f"{uri}: records are written to a local file, not {scheme}://")
    return Path(uri)


def extract_page(page: Page, profile: str | None) -> dict[str, Any]:
    """Worker side: the page's validated record, JSON-ready. Raises a `Skip` subclass, which
    crosses the process boundary intact."""
    return process(page, profile=profile).to_dict()


class RecordPipeline:
    def __init__(self, crawler: Crawler, output: Output, workers: int, budget: float) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.output = output
        self.workers = workers
        self.budget = budget
        self.sink: Sink = sink_for(output.path)
        self.ledger = Ledger(ledger_path(output.path))
        self.pool: WorkerPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.spidercls is not None
        output = output_for(crawler.settings, crawler.spidercls.name)
        workers = crawler.settings.get("HEALTHCRAWL_EXTRACT_WORKERS")
        workers = (os.cpu_count() or 1) if workers is None else int(workers)
        budget = crawler.settings.getfloat("HEALTHCRAWL_PAGE_TIMEOUT")
        if not budget > 0:
            setting = crawler.settings.get("HEALTHCRAWL_PAGE_TIMEOUT")
            raise ValueError(f"HEALTHCRAWL_PAGE_TIMEOUT must be a positive number, got {setting!r}")
        return cls(crawler, output, workers, budget)

    def open_spider(self, spider: Spider | None = None) -> None:
        """Fail before the first request if the output cannot be written."""
        path = self.output.path
        try:
            if self.output.replace:
                self.sink.clear()
                ledger_path(path).unlink(missing_ok=True)
            self.sink.open()
            self.ledger.open()
        except OSError as error:
            raise RuntimeError(f"output {str(path)!r} is not writable: {error}") from error
        adopted = self.ledger.adopt(self.sink.existing())
        if len(self.ledger):
            logger.info(
                "%s holds %d records (%d newly entered in the ledger); their pages will not be "
                "written again",
                path,
                len(self.ledger),
                adopted,
            )
        if self.workers > 0:
            # spawn: forking a process that runs the reactor's threads is unsafe
            self.pool = WorkerPool(
                extract_page, self.workers, budget=self.budget, start_method="spawn"
            )
        else:
            logger.warning(
                "HEALTHCRAWL_EXTRACT_WORKERS=0: pages are extracted in the reactor thread, "
                "without the time budget per page"
            )
        self.stats.set_value("healthcrawl/output", str(path))
        self.revisits: Revisits | None = None
        state_path = self.crawler.settings.get("HEALTHCRAWL_STATE")
        if state_path:  # refused before any request if foreign: spiders/incremental.py
            state = CrawlState(Path(state_path))
            state.open()
            self.crawler.signals.connect(state.close, signal=signals.spider_closed, weak=False)
            self.revisits = Revisits(state, self.stats.inc_value)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.pool is not None:
            self.pool.close()
        self.sink.close()
        self.ledger.close()

    async def process_item(self, item: Any, spider: Spider | None = None) -> dict[str, Any]:
        visit = _visit(item)
        page = visit.page
        profile = getattr(self.crawler.spider, "profile", None)
        if self.revisits is not None and page.status == 304:
            self.revisits.not_modified(visit)
            raise Unchanged(page.url, "HTTP 304")
        try:
            if self.pool is None:
                record = extract_page(page, profile)
            else:
                record = await asyncio.wrap_future(self.pool.submit(page.url, page, profile))
            version = text_hash(record["text"])
            if self.revisits is not None:
                record["change"] = self.revisits.change(visit, record)
                if record["change"] is None:
                    raise Unchanged(page.url, "same text")
            self._refuse_written(visit, record, version)
        except Skip as skip:
            self.stats.inc_value(stat_key(skip))
            raise DropItem(f"skipped ({skip.reason}) {skip}") from None
        self.sink.write(record)
        self.ledger.add(record["id"], record["url"], version)
        if self.revisits is not None:
            self.revisits.written(visit, record)
        self.stats.inc_value("healthcrawl/records_written")
        if record["extractor"]["method"] != "healthcrawl":  # the safety net's record
            self.stats.inc_value(SAFETY_NET)
        return record

    def _refuse_written(self, visit: Visit, record: dict[str, Any], version: str) -> None:
        """DuplicateRecord if the output holds the record: by id, or in an incremental crawl by
        id and text, as a changed page keeps its id. There, the version found is entered in
        the state, which a run killed between the two writes left behind."""
        if not self.ledger.holds(record["id"], version if self.revisits is not None else None):
            return
        if self.revisits is not None:
            self.revisits.enter(visit, record)
        raise DuplicateRecord(visit.page.url, f"record {record['id']} is already written")


def _visit(item: Any) -> Visit:
    """The item as a Visit: an incremental crawl's spider middleware wraps each Page in one
    (spiders/incremental.py); a bare Page is keyed by its own URL."""
    if isinstance(item, Visit):
        return item
    if isinstance(item, Page):
        return Visit(item, item.url)
    raise TypeError(f"RecordPipeline expects Page items, got {type(item).__name__}")
