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

from .normalise import normalise
from .profiles import Profile
from .trees import compiled

_VOCABULARY = (
    "share|sharing|social|newsletter|subscribe|signup|cookie|cookies|consent|gdpr"
    "|advert|advertisement|ad|ads|adslot|promo|breadcrumb|breadcrumbs|pagination|pager"
    "|reprint|reprints|print|textsize|fontsize|text-size|font-size|skip-link|disclaimer"
    "|editsection|rail|sidebar|outbrain|taboola|trending|recommended|alert"
)
_TOKEN = re.compile(rf"(?:^|[\s_-])(?:{_VOCABULARY})(?:$|[\s_-])", re.IGNORECASE)
_CONTENT = re.compile(r"(?:^|[_-])(?:article|content|body|main|post|entry|story)(?:$|[_-])", re.I)
_NAMES = etree.XPath("//body//*/@class | //body//*/@id")
"""Attribute values, not elements: only the few that match the vocabulary become elements."""
_KEPT_TAGS = {"html", "body", "main", "article"}
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)")
_MENU_MIN_WORDS = 50
_MENU_WORDS_PER_SENTENCE = 60
"""Prose runs 15-30 words a sentence; a nav bar read as text runs hundreds. On the Zyte set 4 of
181 fast-mode bodies cross 60 (menus and a calendar); only those pay for the second pass."""
_TEXT_LENGTH = etree.XPath("string-length()")
_MAX_PRUNED_SHARE = 0.3
"""A generic rule never removes an element holding more than this share of the page's text:
boilerplate is small, and a page-wide <form> (ASP.NET) or a wrapper whose class happens to
say "advertisement-off-canvas" holds the article."""
_LANDMARKS = etree.XPath(
    "//nav | //aside | //form | //button | //select"
    " | //*[@role='navigation' or @role='banner' or @role='contentinfo' or @role='search'"
    " or @role='dialog' or @role='alertdialog' or @role='tablist' or @role='status']"
)
_LINK_LISTS = etree.XPath(
    "//ul[count(li) > 1][count(li[not(a)]) <= 1][contains(concat(@id, @class, ../@id, ../@class),"
    " 'tab')]"
)
_TABS = re.compile(r"(?:^|[\s_-])tabs?(?:$|[\s_-])", re.I)
"""A tab bar without ARIA: links (and the current tab) in something named "tabs"."""


def prune(tree: etree._Element, profile: Profile, drop: Iterable[etree._Element]) -> etree._Element:
    """Remove `drop` (provenance lines), site and generic boilerplate, then normalise what is
    left into markup trafilatura reads well (normalise.py). In place."""
    etree.strip_elements(tree, "script", "style", "template", with_tail=False)
    doomed = list(drop)
    for xpath in profile.prune:
        doomed.extend(compiled(xpath)(tree))
    named = dict.fromkeys(name.getparent() for name in _NAMES(tree) if _TOKEN.search(name))
    generic = [*_LANDMARKS(tree), *(e for e in named if _is_named_boilerplate(e))]
    generic += [tabs for tabs in _LINK_LISTS(tree) if _is_tab_bar(tabs)]
    ceiling = _MAX_PRUNED_SHARE * _TEXT_LENGTH(tree)
    doomed.extend(e for e in generic if len(e) == 0 or _TEXT_LENGTH(e) <= ceiling)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    normalise(tree, profile)
    return tree


def _is_named_boilerplate(element: etree._Element) -> bool:
    """A class or id token from the boilerplate vocabulary ("share-bar", "ad_slot"), unless
    another of its names says content ("article-body pagination-first" is the article)."""
    names_text = f"{element.get('class', '')} {element.get('id', '')}"
    if element.tag in _KEPT_TAGS or not _TOKEN.search(names_text):
        return False
    names = names_text.split()
    flagged = [name for name in names if _TOKEN.search(name)]
    return bool(flagged) and not any(_CONTENT.search(n) for n in names if n not in flagged)


def _is_tab_bar(links: etree._Element) -> bool:
    names = [e.get(a, "") for e in (links, links.getparent()) for a in ("id", "class")]
    return bool(_TABS.search(" ".join(names)))


def main_body(tree: etree._Element, url: str | None) -> etree._Element | None:
    """trafilatura's main-content tree for an already parsed, pruned page (None if empty).

    Fast mode first (no readability/justext comparison: faster, and better on both benchmarks);
    when what it returns reads like a menu rather than prose, the full comparison runs too.
    """
    body = _trafilatura_body(tree, url, fast=True)
    if body is not None and not _reads_like_menu(body):
        return body
    return _trafilatura_body(tree, url, fast=False)


def _trafilatura_body(
    tree: etree._Element, url: str | None, *, fast: bool
) -> etree._Element | None:
    document = bare_extraction(
        tree,
        url=url,
        fast=fast,
        include_comments=False,
        include_tables=True,
        include_formatting=True,
        with_metadata=False,
        deduplicate=False,
    )
    return None if document is None else document.body


def _reads_like_menu(body: etree._Element) -> bool:
    """Many words and almost no sentence ends: link labels strung together, not an article."""
    text = " ".join(body.itertext())
    words = len(text.split())
    sentences = len(_SENTENCE_END.findall(text))
    return words > _MENU_MIN_WORDS and words > _MENU_WORDS_PER_SENTENCE * max(sentences, 1)
