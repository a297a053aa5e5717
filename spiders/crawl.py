"""`scrapy crawl`, as this project runs it (COMMANDS_MODULE replaces Scrapy's own command):
argument errors are one line before anything starts, and the exit status tells a scheduled
job a dead crawl from a good one.

Exit statuses:
  0  the crawl wrote a record, or found its records already written (a rerun appending to
     the same output: duplicates; a rerun of a finished JOBDIR job), or found its pages
     unchanged since the last crawl (HEALTHCRAWL_STATE); or, as a worker of a shared
     frontier (HEALTHCRAWL_REDIS_URL), found nothing left to take
  1  a dead crawl (no record written: every request failed, or no page gave a record), with
     one log line saying so; a crawl that cannot start (one stderr line when it is a crawl
     state that is not ours or an unusable Redis; else Scrapy's bootstrap failure); or a
     frontier worker stopped because Redis was lost
  2  a usage error, as one stderr line and before any request: an unknown spider, a bad or
     unknown -a argument, contradictory output options (two -o, -o with HEALTHCRAWL_OUTPUT)
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader

from healthcrawl.output.pipeline import OutputSettingError, output_for
from healthcrawl.output.state import CrawlState, StateError
from healthcrawl.skips import DuplicateRecord, stat_key

from .base import SpiderArgumentError
from .dupefilter import ALREADY_WRITTEN
from .frontier import LOST_REASON

logger = logging.getLogger(__name__)

USAGE_ERROR = 2
CRAWL_FAILED = 1


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check the spider, its arguments and the output here: Scrapy has not started logging
        yet, and a spider's __init__ failing inside the crawl is a multi-line traceback."""
        super().process_options(args, opts)
        assert self.settings is not None
        if len(args) == 1:
            problem = usage_problem(self.settings, args[0], opts.spargs)
            if problem is not None:
                print(f"scrapy crawl {args[0]}: {problem}", file=sys.stderr)
                raise SystemExit(USAGE_ERROR)
            problem = startup_problem(self.settings)
            if problem is not None:
                print(f"scrapy crawl {args[0]}: {problem}", file=sys.stderr)
                raise SystemExit(CRAWL_FAILED)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        failed = self.crawler_process.bootstrap_failed
        self.exitcode = CRAWL_FAILED if failed else exit_status(crawler)


def usage_problem(settings: BaseSettings, name: str, arguments: dict[str, str]) -> str | None:
    """Why `scrapy crawl NAME -a ...` cannot start, in one line; None when it can."""
    loader = get_spider_loader(settings)
    try:
        spidercls = loader.load(name)
    except KeyError:
        return f"no such spider; known: {', '.join(sorted(loader.list()))}"
    crawl_settings = settings.copy()
    spidercls.update_settings(crawl_settings)
    try:
        spidercls(**arguments)
        output_for(crawl_settings, spidercls.name)
    except (SpiderArgumentError, OutputSettingError) as error:
        return str(error)
    return None


def startup_problem(settings: BaseSettings) -> str | None:
    """Why the crawl cannot start though its arguments are right, in one line: a crawl state
    that is not ours, or the shared frontier's Redis unreachable or too old. Checked here so
    that the crawl fails with this line, not a traceback from inside Scrapy's start-up."""
    if settings.get("HEALTHCRAWL_STATE"):
        try:
            with CrawlState(Path(settings["HEALTHCRAWL_STATE"])):
                pass
        except StateError as error:
            return str(error)
    if settings.get("HEALTHCRAWL_REDIS_URL"):
        try:
            from .redis_frontier import Frontier, FrontierUnavailable  # the redis extra
        except ImportError as error:
            return str(error)
        lease = settings.getfloat("HEALTHCRAWL_REDIS_LEASE")
        try:
            Frontier(settings["HEALTHCRAWL_REDIS_URL"], "healthcrawl:check", lease).check()
        except FrontierUnavailable as error:
            return str(error)
    return None


def exit_status(crawler: Crawler) -> int:
    """0 when the finished crawl's pages gave records (written now, or before: duplicates and
    pages a resumed job does not fetch again) or were unchanged since the last crawl, else
    CRAWL_FAILED with a log line saying why."""
    stats = crawler.stats
    assert stats is not None
    if stats.get_value("finish_reason") == LOST_REASON:
        return CRAWL_FAILED  # the frontier has logged it; what was written stays written
    if stats.get_value("frontier/filtered", 0) and not stats.get_value("frontier/leased", 0):
        logger.info("healthcrawl: the shared frontier had nothing left for this worker")
        return 0
    done = (
        "healthcrawl/records_written",
        stat_key(DuplicateRecord),
        ALREADY_WRITTEN,
        "incremental/unchanged",
    )
    if any(stats.get_value(key, 0) for key in done):
        return 0
    pages = stats.get_value("response_received_count", 0)
    logger.error(
        "healthcrawl: no record written (%d pages fetched) - exit status %d", pages, CRAWL_FAILED
    )
    return CRAWL_FAILED
