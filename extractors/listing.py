"""Listing pages (A-Z indexes, link hubs) are not articles: recognise them by link density."""

from __future__ import annotations

from lxml import etree

MIN_LINKS = 100
"""Fewer links than this is never an index."""
MAX_LINK_SHARE = 0.7
"""An index is mostly link text; articles with long link lists (see-also, references) stay
below this share."""
_LINK_TEXT = etree.XPath(".//a//text()", smart_strings=False)
_ALL_TEXT = etree.XPath(".//text()", smart_strings=False)
_MAIN = etree.XPath("(//main | //*[@role='main'] | //body)[1]")


def is_listing(tree: etree._Element) -> bool:
    """True when the main region is mostly link text: many links and little prose between."""
    regions = _MAIN(tree)
    if not regions:
        return False
    region = regions[0]
    if region.xpath("count(.//a[normalize-space()])") < MIN_LINKS:
        return False
    linked = sum(len(text.strip()) for text in _LINK_TEXT(region))
    total = sum(len(text.strip()) for text in _ALL_TEXT(region)) or 1
    return linked / total > MAX_LINK_SHARE
