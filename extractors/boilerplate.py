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
from lxml.html import defs
from trafilatura import bare_extraction

from .profiles import Profile
from .xpaths import compiled

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


_TEXT_DIVS = etree.XPath(
    ".//div[normalize-space()][not(.//p or .//div or .//ul or .//ol or .//table"
    " or .//section or .//h1 or .//h2 or .//h3 or .//h4 or .//h5 or .//h6 or .//dl)]"
)
"""Inside a profile's content container, a <div> holding only text and inline markup is a
paragraph: trafilatura sometimes drops such divs where it keeps the same text in a <p>.
(Applied page-wide it lets boilerplate in: measured on the Zyte set.)"""
_HEADING_LIKE = etree.XPath(
    "//body//*[self::div or self::span or self::p or self::strong]"
    "[contains(@class, 'head')]"
    "[normalize-space()][string-length(normalize-space()) < 80][not(ancestor::h1 or ancestor::h2"
    " or ancestor::h3 or ancestor::h4 or ancestor::h5 or ancestor::h6)]"
    "[not(.//*[self::div or self::p or self::ul or self::ol or self::table or self::h1"
    " or self::h2 or self::h3 or self::h4 or self::h5 or self::h6])][not(.//a[normalize-space()])]"
)
_HEADING_CLASS = re.compile(r"(?:^|[\s_-])(?:header|heading|subheading)(\d?)(?:$|[\s_-])", re.I)
"""Headings made of styled divs ("ct-header2"): short, link-free text whose class says
header; the digit, if any, gives the level."""
_BODY_CHUNKS = etree.XPath("//body//*[contains(@class, 'ody') or contains(@class, 'ontent')]")
_BODY_CHUNK_CLASS = re.compile(
    r"(?:^|\s)(?:article[-_]{0,2}body|articleBody|entry-content|post-content|story-body|body-text)"
    r"(?:\s|$)",
    re.I,
)
_LOOSE_IN_DL = etree.XPath("//dl/div[not(.//dt or .//dd)]")
"""A <div> holding a <dl>'s description (GARD's "Other Names") is read as its <dd>."""
_HTML_TAGS = frozenset(defs.tags) | {
    "main", "template", "picture", "source", "dialog", "details", "summary", "figure",
    "figcaption", "mark", "meter", "progress", "wbr", "data", "slot", "search", "svg", "math",
}  # fmt: skip
"""Unknown elements (<app-disease-about>, <clamper>, web components) are plain containers to a
reader, but trafilatura does not know them and loses their text: they become <div>s, or <span>s
when they hold no blocks (an inline citation marker must not split its paragraph)."""
_HAS_BLOCKS = etree.XPath(
    "boolean(.//*[self::p or self::div or self::ul or self::ol or self::table or self::section"
    " or self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6])"
)


def prune(tree: etree._Element, profile: Profile, drop: Iterable[etree._Element]) -> etree._Element:
    """Remove `drop` (provenance lines), site and generic boilerplate, then normalise what is
    left into markup trafilatura reads well. In place."""
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
    _normalise(tree, profile)
    return tree


def _normalise(tree: etree._Element, profile: Profile) -> None:
    roots = compiled(profile.content)(tree) if profile.content else []
    for xpath in profile.keep:
        for element in (e for container in compiled(xpath)(tree) for e in container.iter()):
            element.attrib.pop("class", None)
            element.attrib.pop("id", None)
    body = tree.find("body")
    for element in body.iter() if body is not None else ():
        if isinstance(element.tag, str) and element.tag not in _HTML_TAGS:
            element.tag = "div" if _HAS_BLOCKS(element) else "span"
    for wrapper in _LOOSE_IN_DL(tree):
        wrapper.tag = "dd"
    for anchor in compiled("//body//a[not(@href)]")(tree):
        anchor.drop_tag()  # a named anchor is not a link: it must not raise link density
    for label in _HEADING_LIKE(tree):
        named = _HEADING_CLASS.search(label.get("class", ""))
        if named:
            level = int(named.group(1) or 3)
            label.tag = f"h{min(max(level, 2), 4)}"
    roots = roots or _split_article(tree)
    for root in roots[:1]:
        _mark_article(root)
        for empty in compiled(".//div[not(normalize-space())][not(.//img)]")(root):
            empty.drop_tree()
        for leaf in _TEXT_DIVS(root):
            leaf.tag = "p"
    if profile.keep_hidden:
        for element in compiled("//*[@hidden]")(tree):
            del element.attrib["hidden"]


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


def _split_article(tree: etree._Element) -> list[etree._Element]:
    """An article cut into several "article body" chunks (between ads): their common container,
    since trafilatura takes only the first element whose class names an article body."""
    chunks: dict[str, list[etree._Element]] = {}
    for element in _BODY_CHUNKS(tree):
        if _BODY_CHUNK_CLASS.search(element.get("class", "")):
            chunks.setdefault(element.get("class", ""), []).append(element)
    for same in chunks.values():
        if len(same) > 1 and not any(_contains(a, b) for a in same for b in same if a is not b):
            common = next(a for a in same[0].iterancestors() if all(_contains(a, b) for b in same))
            return [] if common.tag in ("body", "html") else [common]
    return []


def _contains(ancestor: etree._Element, element: etree._Element) -> bool:
    return any(parent is ancestor for parent in element.iterancestors())


def _mark_article(root: etree._Element) -> None:
    """Label the profile's content container the way trafilatura's first body XPath looks
    for (itemprop=articleBody), so it wins over any later element named "article"."""
    root.set("itemprop", "articleBody")
    root.set("class", "article-content")


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
