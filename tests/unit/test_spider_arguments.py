"""Spider arguments checked in `HealthSpider.__init__`, so they hold when spiders are built from
Python too: unknown names are refused with the names the spider's __init__ chain takes."""

from __future__ import annotations

from typing import Any

import pytest

from healthcrawl.spiders.base import HealthSpider, SpiderArgumentError
from healthcrawl.spiders.gard import GardSpider
from healthcrawl.spiders.sitemap import SitemapSpider


class TopicSpider(GardSpider):
    """A new spider with an argument of its own."""

    name = "topic"

    def __init__(self, topic: str = "", *, depth: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.topic, self.depth = topic, depth


@pytest.mark.parametrize(
    ("spidercls", "known"),
    [
        (GardSpider, ["base_url", "profile"]),
        (SitemapSpider, ["allow", "base_url", "profile", "sitemap_url"]),
        (TopicSpider, ["base_url", "depth", "profile", "topic"]),
    ],
)
def test_argument_names_come_from_the_init_chain(
    spidercls: type[HealthSpider], known: list[str]
) -> None:
    assert spidercls.argument_names() == known


def test_unknown_argument_is_refused_with_the_known_ones() -> None:
    with pytest.raises(SpiderArgumentError) as raised:
        TopicSpider(topic="gout", bogus="1")
    assert str(raised.value) == "-a bogus: unknown argument; known: base_url, depth, profile, topic"


def test_known_arguments_and_scrapyd_job_id_are_taken() -> None:
    spider = TopicSpider(topic="gout", base_url="http://127.0.0.1:1/", _job="a1b2")
    assert (spider.topic, spider.base_url, spider._job) == ("gout", "http://127.0.0.1:1", "a1b2")
