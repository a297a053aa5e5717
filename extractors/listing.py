"""Listing pages (A-Z indexes, link hubs) are not articles: recognise them by link density."""

from __future__ import annotations

from lxml import etree

MIN_LINKS = 100
"""Fewer links than this is never an index."""
MAX_LINK_SHARE = 0.9
"""An index is link text and little else (an A-Z index: 0.99 once boilerplate is pruned); list
articles whose items say something beside their link (Wikipedia's lists: 0.74-0.83) stay below
this share. Measured on the pruned tree: before pruning, menus and scripts decide it."""
_LINK_TEXT = etree.XPath(".//a//text()", smart_strings=False)
_ALL_TEXT = etree.XPath(".//text()", smart_strings=False)
_MAIN = etree.XPath("(//main | //*[@role='main'] | //body)[1]")


def is_listing(tree: etree._Element) -> bool:
    """True when the main region of a pruned page is almost all link text: many links and
    next to no prose between them."""
    regions = _MAIN(tree)
    if not regions:
        return False
    region = regions[0]
    if region.xpath("count(.//a[normalize-space()])") < MIN_LINKS:
        return False
    linked = sum(len(text.strip()) for text in _LINK_TEXT(region))
    total = sum(len(text.strip()) for text in _ALL_TEXT(region)) or 1
    return linked / total > MAX_LINK_SHARE
