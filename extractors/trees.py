"""Small lxml helpers every stage uses.

Site profiles hold XPaths as plain strings (easy to write and read); compiling the same string
for every page cost more than evaluating it, so compiled forms are cached.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree


@lru_cache(maxsize=512)
def compiled(expression: str) -> etree.XPath:
    """The compiled form of `expression`."""
    return etree.XPath(expression)


def is_inside(element: etree._Element, ancestor: etree._Element) -> bool:
    """True when `ancestor` is a proper ancestor of `element`."""
    return any(parent is ancestor for parent in element.iterancestors())
