"""Polite defaults for crawling health sites; every one can be overridden with `-s NAME=VALUE`.

Own settings (HEALTHCRAWL_*) are documented where they are read; see the README.
"""

from healthcrawl import workers

BOT_NAME = "healthcrawl"
SPIDER_MODULES = ["healthcrawl.spiders"]
NEWSPIDER_MODULE = "healthcrawl.spiders"
COMMANDS_MODULE = "healthcrawl.spiders.crawl"
"""Our `scrapy crawl`: one-line argument errors and a non-zero exit for a dead crawl."""

HEALTHCRAWL_CONTACT_URL = "https://github.com/healthcrawl/healthcrawl"
"""Where a site operator can reach whoever runs the crawl. The default USER_AGENT,
healthcrawl/<version> (+<this URL>), is built from it when the crawler is configured
(HealthSpider.update_settings), so `-s HEALTHCRAWL_CONTACT_URL=...` changes it; an explicit
USER_AGENT wins."""

# Politeness (https://docs.scrapy.org/en/latest/topics/autothrottle.html)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 10

# Retries with exponential backoff; 429 and 503 honour Retry-After.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
HEALTHCRAWL_RETRY_BACKOFF_BASE = 1.0
"""Seconds before the first retry; doubled for each further one."""
HEALTHCRAWL_RETRY_BACKOFF_MAX = 60.0
"""No retry waits longer than this, whatever Retry-After asks."""

# No listening sockets unless asked for.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Scope: http(s) on the seeds' hosts and ports, public addresses only (spiders/scope.py).
HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES = False
"""Fetch hosts that are or resolve to private, loopback or link-local addresses (a crawl of a
local mirror, the tests); off, so that untrusted seeds cannot reach the network the crawl runs
in. Checked when each connection resolves its host (TWISTED_DNS_RESOLVER below)."""
TWISTED_DNS_RESOLVER = "healthcrawl.spiders.addresses.PublicAddressResolver"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "healthcrawl.spiders.scope.ScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "healthcrawl.spiders.middlewares.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "healthcrawl.spiders.middlewares.BackoffRetryMiddleware": 550,
    "healthcrawl.spiders.incremental.ConditionalRequestMiddleware": 580,  # HEALTHCRAWL_STATE
    "healthcrawl.spiders.warc.WarcRecorder": 950,  # off unless -s HEALTHCRAWL_WARC=path.warc.gz
}
SPIDER_MIDDLEWARES = {
    "healthcrawl.spiders.incremental.SitemapRevisits": 600,  # HEALTHCRAWL_STATE
}
DOWNLOADER = "healthcrawl.spiders.downloader.SlotLimitedDownloader"
"""Scrapy's, with CONCURRENT_REQUESTS_PER_DOMAIN enforced when there is no download delay."""
DUPEFILTER_CLASS = "healthcrawl.spiders.dupefilter.ResumableDupeFilter"
ITEM_PIPELINES = {"healthcrawl.output.pipeline.RecordPipeline": 300}
FEED_EXPORTERS = {"parquet": "healthcrawl.output.parquet.ParquetSink"}
"""The formats -o/-O accept beyond Scrapy's own: the pipeline writes every format through its
sinks (healthcrawl.output.sinks); Scrapy only checks the name."""
EXTENSIONS = {
    "healthcrawl.spiders.extensions.CrawlProgress": 500,
    # -o/-O name the pipeline's own output (one file, written by our sink), not a Scrapy feed.
    "scrapy.extensions.feedexport.FeedExporter": None,
}
HEALTHCRAWL_PROGRESS_INTERVAL = 60.0
"""Seconds between progress lines (pages/min, records, queue) in the log."""
HEALTHCRAWL_STATS_FILE = None
"""If set, the final Scrapy stats are written there as JSON (for scripts and tests)."""

HEALTHCRAWL_OUTPUT = None
"""File the pipeline appends records to (like -o); default output/<spider>/<spider>-<UTC
date>.jsonl. Its format follows its suffix (see healthcrawl.output.sinks)."""
HEALTHCRAWL_STATE = None
"""SQLite crawl state of an incremental re-crawl (output/state.py): pages it holds are requested
conditionally, and only new or changed ones are written, with `change` set. Off by default."""
HEALTHCRAWL_REVALIDATE = False
"""Request every page of an incremental crawl, even those whose sitemap <lastmod> has not moved
since the state stored it (which are otherwise not requested at all)."""
HEALTHCRAWL_EXTRACT_WORKERS = None
"""Processes extracting records off the reactor thread (default: number of cores);
0 extracts in the reactor thread (slower, and without the time budget; for comparison only)."""
HEALTHCRAWL_PAGE_TIMEOUT = workers.PAGE_TIMEOUT
"""Seconds a worker may spend extracting one page (default 10): past it the worker is killed and
replaced, and the page skipped as healthcrawl/skipped/timeout (healthcrawl.workers)."""

HEALTHCRAWL_REDIS_URL = None
"""redis://HOST:PORT/DB of a shared frontier: every crawl started with it is one worker over
one request queue, seen-set and per-domain politeness (spiders/frontier.py). Off by default."""
HEALTHCRAWL_REDIS_KEY = None
"""Prefix of the frontier's Redis keys (default healthcrawl:<spider>): one per crawl."""
HEALTHCRAWL_REDIS_LEASE = 30.0
"""Seconds a worker's heartbeat outlives its last beat: a dead worker's requests are queued
again this long after it died (workers beat every third of it)."""

FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
