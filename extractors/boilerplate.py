"""Boilerplate removal: prune the tree by rule, then let trafilatura pick the body.

Rules are keyed to what boilerplate is (ARIA landmarks, share/print/newsletter/cookie/ad
vocabulary in class and id names, navigation tags), not to any one page. Pruning happens in
place, after provenance and references have been read from the tree: the page is parsed once
and never copied here (trafilatura works on a copy of its own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable

from lxml import etree
from trafilatura import bare_extraction

from .normalise import normalise
from .profiles import Profile
from .text import normalize_space
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
_MAX_PROSE_SHARE = 0.5
"""Nor one holding more than half of the page's prose: a content column whose class says
"sidebar-first-only" or "col-print-7" is the article, however small its share of all text."""
_PROSE_MIN_CHARS = 80
_CARD_RUN = 3
"""Sibling <article>s that make a list of cards rather than one article."""
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


def prune(
    tree: etree._Element,
    profile: Profile,
    drop: Iterable[etree._Element],
    rules: Collection[str],
    prose: dict[etree._Element, int],
) -> etree._Element:
    """Remove `drop` (provenance lines), site and generic boilerplate, then normalise what is
    left into markup trafilatura reads well (normalise.py). In place.

    A generic rule (not a profile's) never removes an element that holds the article: more
    than `_MAX_PRUNED_SHARE` of the page's text, or most of its `prose` (prose_lengths)."""
    etree.strip_elements(tree, "script", "style", "template", with_tail=False)
    doomed = list(drop)
    for xpath in profile.prune:
        doomed.extend(compiled(xpath)(tree))
    generic = [e for name, rule in _PRUNE_RULES.items() if name in rules for e in rule(tree)]
    if generic:
        ceiling = _MAX_PRUNED_SHARE * _TEXT_LENGTH(tree)
        most_prose = _MAX_PROSE_SHARE * sum(prose.values())
        doomed.extend(
            e
            for e in generic
            if len(e) == 0
            or (_TEXT_LENGTH(e) <= ceiling and not _holds_prose(e, prose, most_prose))
        )
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()
    normalise(tree, profile, rules)
    return tree


def _named(tree: etree._Element) -> list[etree._Element]:
    named = dict.fromkeys(name.getparent() for name in _NAMES(tree) if _TOKEN.search(name))
    return [e for e in named if _is_named_boilerplate(e)]


def _tab_bars(tree: etree._Element) -> list[etree._Element]:
    return [tabs for tabs in _LINK_LISTS(tree) if _is_tab_bar(tabs)]


def _landmarks(tree: etree._Element) -> list[etree._Element]:
    """Navigation landmarks, but not an accordion marked up as a tab list (Bootstrap's
    panel-group): its panels, most of its text, are content, where a tab bar is labels."""
    return [e for e in _LANDMARKS(tree) if e.get("role") != "tablist" or not _holds_panels(e)]


def _holds_panels(tablist: etree._Element) -> bool:
    labels = sum(_TEXT_LENGTH(tab) for tab in tablist.iterdescendants() if tab.get("role") == "tab")
    return _TEXT_LENGTH(tablist) - labels > labels


_PRUNE_RULES: dict[str, Callable[[etree._Element], list[etree._Element]]] = {
    "landmarks": _landmarks,
    "named_boilerplate": _named,
    "tab_bars": _tab_bars,
}


def prose_lengths(tree: etree._Element) -> dict[etree._Element, int]:
    """Each paragraph of prose (a <p> of a sentence or more, mostly not link text) and its
    length: what an article is made of, whatever its containers are called."""
    prose = {}
    runs: dict[etree._Element, int] = {}
    for paragraph in tree.iter("p"):
        length = len(paragraph.text_content())
        if length >= _PROSE_MIN_CHARS and not _in_cards(paragraph, runs):
            linked = sum(len(a.text_content()) for a in paragraph.iter("a"))
            if linked * 2 < length:
                prose[paragraph] = length
    return prose


def _in_cards(paragraph: etree._Element, runs: dict[etree._Element, int]) -> bool:
    """Inside one of a run of sibling <article>s nested in another <article>: "you may also
    like" cards, whose teasers are other pages' prose, not this one's. (A run of articles
    that is not nested is a thread's posts or a feed: those are the page's content.) `runs`
    remembers each parent's count of <article> children: counted once, not per paragraph."""
    articles = paragraph.iterancestors("article")
    card, outer = next(articles, None), next(articles, None)
    parent = card.getparent() if card is not None and outer is not None else None
    if parent is None:
        return False
    if parent not in runs:
        runs[parent] = sum(child.tag == "article" for child in parent)
    return runs[parent] >= _CARD_RUN


def _holds_prose(element: etree._Element, prose: dict[etree._Element, int], most: float) -> bool:
    """True when `element` holds more than `most` characters of the page's prose, in more than
    one paragraph (a cookie banner may be a page shell's only paragraph: it is still a banner)."""
    held = [prose[p] for p in element.iter("p") if p in prose]
    return len(held) > 1 and sum(held) > most


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


def main_body(
    tree: etree._Element,
    url: str | None,
    rules: Collection[str],
    *,
    enough: int = 0,
) -> etree._Element | None:
    """trafilatura's main-content tree for an already parsed, pruned page (None if empty).

    With "fast_first", fast mode runs first (no readability/jusText comparison: faster, and as
    good on most pages); the full comparison runs too when what fast mode returns reads like a
    menu or holds fewer than `enough` characters (the caller's estimate of the page's prose):
    collapsed transcripts and quotes in custom blocks are what fast mode misses.

    Comments are left out on every page. On forum and Q&A pages trafilatura keeps the posts in
    the body already; adding its comments section there (pages marked schema.org
    DiscussionForumPosting/QAPage) repeated posts: forum F1 0.669 -> 0.662 on the dev set.
    """
    if "fast_first" in rules:
        body = trafilatura_body(tree, url, fast=True)
        if article_length(body) >= max(enough, 1):
            return body
    return trafilatura_body(tree, url, fast=False)


def article_length(body: etree._Element | None) -> int:
    """Characters of text in a body tree, or 0 when there is none or it reads like a menu:
    what pruning leaves when it removed the article."""
    if body is None or reads_like_menu(" ".join(body.itertext())):
        return 0
    return int(_TEXT_LENGTH(body))


def trafilatura_body(
    tree: etree._Element, url: str | None, *, fast: bool, comments: bool = False
) -> etree._Element | None:
    """trafilatura's body tree; with `comments`, the comments it finds follow the body."""
    document = bare_extraction(
        tree,
        url=url,
        fast=fast,
        include_comments=comments,
        include_tables=True,
        include_formatting=True,
        with_metadata=False,
        deduplicate=False,
    )
    if document is None:
        return None
    if comments and document.commentsbody is not None:
        seen = normalize_space(" ".join(document.body.itertext()))
        for comment in list(document.commentsbody):
            if normalize_space(" ".join(comment.itertext())) not in seen:
                document.body.append(comment)  # trafilatura may file a post in both
    return document.body


def reads_like_menu(text: str) -> bool:
    """Many words and almost no sentence ends: link labels strung together, not an article."""
    words = len(text.split())
    sentences = len(_SENTENCE_END.findall(text))
    return words > _MENU_MIN_WORDS and words > _MENU_WORDS_PER_SENTENCE * max(sentences, 1)
