"""Compiled XPath expressions, cached: site profiles hold XPaths as plain strings (easy to write
and read), and compiling the same string for every page cost more than evaluating it."""

from __future__ import annotations

from functools import lru_cache

from lxml import etree


@lru_cache(maxsize=512)
def compiled(expression: str) -> etree.XPath:
    """The compiled form of `expression`."""
    return etree.XPath(expression)
