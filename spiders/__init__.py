"""The Scrapy spiders: one module per site, all built on `base.HealthSpider`.

To add a site: a module here with a `HealthSpider` subclass that sets `name`,
`default_base_url`, optionally `default_profile`, and says where to start (`start`) and
which links or sitemap entries to follow (`wants`, link extractors).
"""
