"""Find a page's references or sources list: the items, and what to keep out of the content.

An anchor is a short heading or label ("References", "Sources", "Show references"); its items
are the list items that follow it inside its nearest enclosing container, up to the next
heading. Site profiles can name the items directly when a layout hides them elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .profiles import Profile
from .text import normalize_space

_ANCHOR_TEXT = re.compile(
    r"^(?:show |view |hide )?(?:references?|sources?(?: (?:&|and) references)?|citations"
    r"|bibliography|works cited|content references|article sources|literature)(?: \(\d+\))?:?$",
    re.IGNORECASE,
)
_ANCHORS = etree.XPath(
    "//body//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
    " or self::b or self::strong or self::button or self::span or self::dt]"
    "[string-length(normalize-space(.)) < 40]"
)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LISTS = {"ol", "ul"}
_MAX_CLIMB = 4


@dataclass(frozen=True, slots=True)
class ReferenceList:
    items: tuple[etree._Element, ...]
    """The <li> elements, in order."""
    drop: tuple[etree._Element, ...]
    """Anchors and lists to remove from the content."""


def find_references(tree: etree._Element, profile: Profile) -> ReferenceList:
    """The page's reference items (empty when it has none)."""
    for xpath in profile.references:
        items = tree.xpath(xpath)
        if items:
            lists = {item.getparent() for item in items}
            return ReferenceList(tuple(items), tuple(lists))
    for anchor in _ANCHORS(tree):
        if not _ANCHOR_TEXT.match(normalize_space(anchor.text_content())):
            continue
        lists = _lists_after(anchor)
        if lists:
            items = tuple(li for ol in lists for li in ol if li.tag == "li")
            return ReferenceList(items, (anchor, *lists))
    return ReferenceList((), ())


def _lists_after(anchor: etree._Element) -> list[etree._Element]:
    """Lists after the anchor in its nearest container holding any, stopping at a heading."""
    container = anchor
    for _ in range(_MAX_CLIMB):
        container = container.getparent()
        if container is None:
            return []
        found = _following_lists(container, anchor)
        if found:
            return found
    return []


def _following_lists(container: etree._Element, anchor: etree._Element) -> list[etree._Element]:
    lists: list[etree._Element] = []
    seen_anchor = False
    for element in container.iter():
        if element is anchor:
            seen_anchor = True
        elif not seen_anchor or _is_inside(element, anchor):
            continue
        elif element.tag in _HEADINGS:
            break
        elif element.tag in _LISTS and not any(_is_inside(element, ol) for ol in lists):
            lists.append(element)
    return lists


def _is_inside(element: etree._Element, ancestor: etree._Element) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())
