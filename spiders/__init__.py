"""The Scrapy spiders: one module per site, all built on `base.HealthSpider`.

To add a site: a module here with a `HealthSpider` subclass that sets `name`,
`default_base_url`, optionally `default_profile`, and says where to start (`start`) and
which links or sitemap entries to follow (`wants`, link extractors).

Beside them: `crawl.py` is the project's `scrapy crawl` command (COMMANDS_MODULE), and
settings, middlewares, scope and addresses (what a crawl may fetch), dupefilter and extensions
are the crawl's Scrapy components.
"""
