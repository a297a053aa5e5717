"""`-s HEALTHCRAWL_REDIS_URL=redis://HOST:PORT/DB`: the crawl runs as one of any number of workers
over one frontier in Redis: a shared request queue and seen-set (redis_scheduler.py), shared
per-domain politeness (redis_politeness.py) and records written once by id (redis_records.py),
on the data of redis_frontier.py. Without the setting nothing changes, and nothing imports
the Redis client.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

SCHEDULER = "healthcrawl.spiders.redis_scheduler.FrontierScheduler"
POLITENESS = "healthcrawl.spiders.redis_politeness.SharedPoliteness"
RECORDS = "healthcrawl.output.pipeline.RecordPipeline"
PIPELINE = "healthcrawl.spiders.redis_records.FrontierPipeline"
LOST_REASON = "redis_lost"
"""The finish reason of a worker that stopped because Redis stopped answering."""
POLITENESS_ORDER = 990
"""Last before the download handler (after the WARC recorder), so a permit is held only while
the request is really downloading."""


def use_frontier(settings: BaseSettings) -> None:
    """Swap in the frontier's scheduler, middleware and pipeline when HEALTHCRAWL_REDIS_URL is
    set (HealthSpider.update_settings calls this, so every spider of ours can be a worker).
    Set with spider priority: `scrapy crawl` merges the project's settings in afterwards."""
    if not settings.get("HEALTHCRAWL_REDIS_URL"):
        return
    settings.set("SCHEDULER", SCHEDULER, priority="spider")
    middlewares = {**settings.getdict("DOWNLOADER_MIDDLEWARES"), POLITENESS: POLITENESS_ORDER}
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")
    pipelines = settings.getdict("ITEM_PIPELINES")
    order = pipelines.pop(RECORDS, None)
    if order is not None:
        pipelines[PIPELINE] = order
    settings.set("ITEM_PIPELINES", pipelines, priority="spider")
