"""Boilerplate removal: prune a copy of the tree by rule, then let trafilatura pick the body.

Rules are keyed to what boilerplate is (ARIA landmarks, share/print/newsletter/cookie/ad
vocabulary in class and id names, navigation tags), not to any one page. The original tree is
never mutated: provenance and references are read from it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from lxml import etree
from trafilatura import bare_extraction

from .profiles import Profile

_VOCABULARY = (
    "share|sharing|social|newsletter|subscribe|signup|cookie|cookies|consent|gdpr"
    "|advert|advertisement|ad|ads|adslot|promo|breadcrumb|breadcrumbs|pagination|pager"
    "|reprint|reprints|print|textsize|fontsize|text-size|font-size|skip-link|disclaimer"
)
_TOKEN_TEST = rf"(^|[\s_-])({_VOCABULARY})($|[\s_-])"
_GENERIC_PRUNE = etree.XPath(
    "//*[not(self::html or self::body or self::main or self::article)]"
    f"[re:test(@class, '{_TOKEN_TEST}', 'i') or re:test(@id, '{_TOKEN_TEST}', 'i')]"
    " | //nav | //aside | //form | //button | //select"
    " | //*[@role='navigation' or @role='banner' or @role='contentinfo' or @role='search'"
    " or @role='dialog' or @role='alertdialog' or @role='tablist' or @role='status']",
    namespaces={"re": "http://exslt.org/regular-expressions"},
)


_CUSTOM_ELEMENTS = etree.XPath("//body//*[contains(local-name(), '-')]")
"""Custom elements (<app-disease-about>, web components) are plain containers to a reader, but
trafilatura does not know them and loses their text: they become <div>s, or <span>s when they
hold no blocks (an inline citation marker must not split its paragraph)."""
_HAS_BLOCKS = etree.XPath(
    "boolean(.//*[self::p or self::div or self::ul or self::ol or self::table or self::section"
    " or self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6])"
)


def pruned_copy(
    tree: etree._Element, profile: Profile, drop: Iterable[etree._Element]
) -> etree._Element:
    """A copy of `tree` without the `drop` elements (found in the original) and boilerplate."""
    source = tree.getroottree()
    paths = [source.getpath(element) for element in drop]
    clone = copy.deepcopy(tree)
    doomed = [found for path in paths for found in clone.getroottree().xpath(path)]
    for xpath in profile.prune:
        doomed.extend(clone.xpath(xpath))
    doomed.extend(_GENERIC_PRUNE(clone))
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    if profile.content:
        _mark_article(clone, profile.content)
    for element in _CUSTOM_ELEMENTS(clone):
        element.tag = "div" if _HAS_BLOCKS(element) else "span"
    if profile.keep_hidden:
        for element in clone.xpath("//*[@hidden]"):
            del element.attrib["hidden"]
    return clone


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
        include_comments=False,
        include_tables=True,
        include_formatting=True,
        with_metadata=False,
        deduplicate=False,
    )
    return None if document is None else document.body
