"""Listing pages (A-Z indexes, link hubs) are not articles: recognise them by link density."""

from __future__ import annotations

from lxml import etree

from .text import normalize_space

MIN_LINKS = 100
"""An index has many links; articles with long link lists (see-also, references) stay below
this share of linked text."""
MAX_LINK_SHARE = 0.7
_MAIN = etree.XPath("(//main | //*[@role='main'] | //body)[1]")


def is_listing(tree: etree._Element) -> bool:
    """True when the main region is mostly link text: many links and little prose between."""
    regions = _MAIN(tree)
    if not regions:
        return False
    links = regions[0].xpath(".//a[normalize-space(.)]")
    if len(links) < MIN_LINKS:
        return False
    linked = sum(len(normalize_space(a.text_content())) for a in links)
    total = len(normalize_space(regions[0].text_content())) or 1
    return linked / total > MAX_LINK_SHARE
