"""Boilerplate removal: prune the tree by rule, then let trafilatura pick the body.

Rules are keyed to what boilerplate is (ARIA landmarks, share/print/newsletter/cookie/ad
vocabulary in class and id names, navigation tags), not to any one page. Pruning happens in
place, after provenance and references have been read from the tree: the page is parsed once
and never copied here (trafilatura works on a copy of its own).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree
from trafilatura import bare_extraction

from .profiles import Profile

_VOCABULARY = (
    "share|sharing|social|newsletter|subscribe|signup|cookie|cookies|consent|gdpr"
    "|advert|advertisement|ad|ads|adslot|promo|breadcrumb|breadcrumbs|pagination|pager"
    "|reprint|reprints|print|textsize|fontsize|text-size|font-size|skip-link|disclaimer"
)
_TOKEN = re.compile(rf"(?:^|[\s_-])(?:{_VOCABULARY})(?:$|[\s_-])", re.IGNORECASE)
_CONTENT = re.compile(r"(?:^|[_-])(?:article|content|body|main|post|entry|story)(?:$|[_-])", re.I)
_NAMED = etree.XPath("//body//*[@class or @id]")
_KEPT_TAGS = {"html", "body", "main", "article"}
_MAX_PRUNED_SHARE = 0.3
"""A generic rule never removes an element holding more than this share of the page's text:
boilerplate is small, and a page-wide <form> (ASP.NET) or a wrapper whose class happens to
say "advertisement-off-canvas" holds the article."""
_LANDMARKS = etree.XPath(
    "//nav | //aside | //form | //button | //select"
    " | //*[@role='navigation' or @role='banner' or @role='contentinfo' or @role='search'"
    " or @role='dialog' or @role='alertdialog' or @role='tablist' or @role='status']"
)


_CUSTOM_ELEMENTS = etree.XPath("//body//*[contains(local-name(), '-')]")
"""Custom elements (<app-disease-about>, web components) are plain containers to a reader, but
trafilatura does not know them and loses their text: they become <div>s, or <span>s when they
hold no blocks (an inline citation marker must not split its paragraph)."""
_HAS_BLOCKS = etree.XPath(
    "boolean(.//*[self::p or self::div or self::ul or self::ol or self::table or self::section"
    " or self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6])"
)


def prune(tree: etree._Element, profile: Profile, drop: Iterable[etree._Element]) -> etree._Element:
    """Remove `drop` (provenance lines, reference lists), site and generic boilerplate, in place."""
    etree.strip_elements(tree, "script", "style", "template", with_tail=False)
    doomed = list(drop)
    for xpath in profile.prune:
        doomed.extend(tree.xpath(xpath))
    generic = [*_LANDMARKS(tree), *(e for e in _NAMED(tree) if _is_named_boilerplate(e))]
    ceiling = _MAX_PRUNED_SHARE * len(tree.text_content())
    doomed.extend(e for e in generic if len(e.text_content()) <= ceiling)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    if profile.content:
        _mark_article(tree, profile.content)
    for element in _CUSTOM_ELEMENTS(tree):
        element.tag = "div" if _HAS_BLOCKS(element) else "span"
    if profile.keep_hidden:
        for element in tree.xpath("//*[@hidden]"):
            del element.attrib["hidden"]
    return tree


def _is_named_boilerplate(element: etree._Element) -> bool:
    """A class or id token from the boilerplate vocabulary ("share-bar", "ad_slot"), unless
    another of its names says content ("article-body pagination-first" is the article)."""
    if element.tag in _KEPT_TAGS:
        return False
    names = f"{element.get('class', '')} {element.get('id', '')}".split()
    flagged = [name for name in names if _TOKEN.search(name)]
    return bool(flagged) and not any(_CONTENT.search(n) for n in names if n not in flagged)


def _mark_article(tree: etree._Element, xpath: str) -> None:
    """Label the profile's content container the way trafilatura's first body XPath looks
    for (itemprop=articleBody), so it wins over any later element named "article"."""
    found = tree.xpath(xpath)
    if found:
        found[0].set("itemprop", "articleBody")
        found[0].set("class", "article-content")


def main_body(tree: etree._Element, url: str | None) -> etree._Element | None:
    """trafilatura's main-content tree for an already parsed, pruned page (None if empty)."""
    document = bare_extraction(
        tree,
        url=url,
        fast=True,  # no readability/justext comparison: faster, and better on both benchmarks
        include_comments=False,
        include_tables=True,
        include_formatting=True,
        with_metadata=False,
        deduplicate=False,
    )
    return None if document is None else document.body
