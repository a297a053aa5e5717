"""Normalise a pruned page into markup trafilatura reads well, without changing its text.

Each rule answers a way real pages mislead trafilatura: unknown elements it drops, <dl>s whose
descriptions sit in <div>s, named anchors it counts as links, headings made of styled <div>s,
a profile's content root it would not pick, and an article split into several body chunks.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from lxml import etree
from lxml.html import defs

from .profiles import Profile
from .trees import compiled, is_inside

_TEXT_DIVS = etree.XPath(
    ".//div[normalize-space()][not(.//p or .//div or .//ul or .//ol or .//table"
    " or .//section or .//h1 or .//h2 or .//h3 or .//h4 or .//h5 or .//h6 or .//dl)]"
)
"""Inside the article container (a profile's, or a split article's), a <div> holding only text
and inline markup is a paragraph: trafilatura sometimes drops such divs where it keeps the same
text in a <p>. (Applied page-wide it lets boilerplate in: measured on the Zyte set.)"""
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
_UNWRAP = "healthcrawl-unwrap"
"""A tag name no page uses: elements renamed to it are unwrapped (children and text kept)."""
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


_BLOCKS = tuple(
    frozenset(defs.block_tags)
    | {"li", "dd", "dt", "td", "th", "tr", "br", "section", "article", "header", "footer",
       "main", "figure", "figcaption", "details", "summary", "aside", "nav", "caption"}
)  # fmt: skip
"""Elements a browser sets on their own line (or cell): their text never runs into a neighbour's."""


def normalise(tree: etree._Element, profile: Profile, rules: Collection[str]) -> None:
    """Apply every enabled rule (rules.py), in place; the profile adds its content root and
    kept containers, which apply whatever the rules."""
    roots = compiled(profile.content)(tree) if profile.content else []
    for xpath in profile.keep:
        for element in (e for container in compiled(xpath)(tree) for e in container.iter()):
            element.attrib.pop("class", None)
            element.attrib.pop("id", None)
    body = tree.find("body")
    if "unknown_elements" in rules:
        for element in body.iter() if body is not None else ():
            if isinstance(element.tag, str) and element.tag not in _HTML_TAGS:
                element.tag = "div" if _HAS_BLOCKS(element) else "span"
    for wrapper in _LOOSE_IN_DL(tree):
        wrapper.tag = "dd"
    if "block_spacing" in rules and body is not None:
        _space_blocks(body)
    if "block_spans" in rules and body is not None:
        for span in _block_spans(body):
            span.tag = "div"
    if "named_anchors" in rules:  # a named anchor is not a link: it must not raise link density
        _unwrap(tree, compiled("//body//a[not(@href)]")(tree))
    if "styled_headings" in rules:
        for label in _HEADING_LIKE(tree):
            named = _HEADING_CLASS.search(label.get("class", ""))
            if named:
                level = int(named.group(1) or 3)
                label.tag = f"h{min(max(level, 2), 4)}"
    if not roots and "article_container" in rules:
        roots = _split_article(tree)
    for root in roots[:1]:
        _mark_article(root)
        for empty in compiled(".//div[not(normalize-space())][not(.//img)]")(root):
            empty.drop_tree()
        for leaf in _TEXT_DIVS(root):
            leaf.tag = "p"
    if profile.keep_hidden:
        for element in compiled("//*[@hidden]")(tree):
            del element.attrib["hidden"]


_BLOCK_CONTAINERS = frozenset({"div", "article", "section", "main", "td", "body"})
_INLINE_FORMATTING = frozenset({"em", "i", "strong", "b", "u"})


def _block_spans(body: etree._Element) -> list[etree._Element]:
    """<span>s that hold a block's text by themselves and have inline formatting: trafilatura,
    keeping formatting, splits such a span before its first <em> and strips the space after
    it ("the entire *AppleInsider*staff"); read as a <div>, it keeps the sentence whole. A
    span with text or inline elements beside it is part of a line, and stays."""
    spans = []
    parents = {span.getparent() for span in body.iter("span")} - {None}
    for parent in parents:
        if parent.tag not in _BLOCK_CONTAINERS or (parent.text or "").strip():
            continue
        if any((child.tail or "").strip() for child in parent):
            continue
        inline = [c for c in parent if c.tag not in _BLOCKS and c.text_content().strip()]
        if len(inline) == 1 and inline[0].tag == "span":
            if any(child.tag in _INLINE_FORMATTING for child in inline[0]):
                spans.append(inline[0])
    return spans


_DIVS_IN_SIMPLE_ITEMS = etree.XPath("//li[not(.//ul or .//ol or .//table or .//p)]//div")
"""<div>s inside a list item of text: trafilatura strips each one's text and joins them."""


def _space_blocks(body: etree._Element) -> None:
    """A space on each side of every block element that has a neighbour: trafilatura joins the
    texts of a list item's or a cell's <div>s ("3 beds" + "2.5 baths") with nothing between.
    In a list item it also drops the spaces, so there the <div>s become <span>s."""
    for block in body.iter(*_BLOCKS):
        if block.tail or block.getnext() is not None:
            block.tail = _with_space(block.tail, at_start=True)
        before = block.getprevious()
        if before is not None:
            before.tail = _with_space(before.tail, at_start=False)
        elif block.getparent() is not None and block.getparent().text:
            parent = block.getparent()
            parent.text = _with_space(parent.text, at_start=False)
    for div in _DIVS_IN_SIMPLE_ITEMS(body):
        div.tag = "span"


def _with_space(text: str | None, *, at_start: bool) -> str:
    if not text:
        return " "
    edge = text[0] if at_start else text[-1]
    if edge.isspace():
        return text
    return f" {text}" if at_start else f"{text} "


def _unwrap(tree: etree._Element, elements: list[etree._Element]) -> None:
    """Drop the elements' tags, keeping their children and text, in one pass: drop_tag() on each
    is quadratic when thousands share a parent. strip_tags leaves the text nodes it joins side
    by side, and every later .text read would concatenate them: they are merged again."""
    parents = {element.getparent() for element in elements}
    for element in elements:
        element.tag = _UNWRAP
    etree.strip_tags(tree, _UNWRAP)
    for parent in parents:
        if parent is not None and parent.tag != _UNWRAP:
            parent.text = parent.text
            for child in parent:
                child.tail = child.tail


def _split_article(tree: etree._Element) -> list[etree._Element]:
    """An article cut into several "article body" chunks (between ads): their common container,
    since trafilatura takes only the first element whose class names an article body."""
    chunks: dict[str, list[etree._Element]] = {}
    for element in _BODY_CHUNKS(tree):
        if _BODY_CHUNK_CLASS.search(element.get("class", "")):
            chunks.setdefault(element.get("class", ""), []).append(element)
    for same in chunks.values():
        if len(same) > 1 and not any(is_inside(b, a) for a in same for b in same if a is not b):
            common = next(a for a in same[0].iterancestors() if all(is_inside(b, a) for b in same))
            return [] if common.tag in ("body", "html") else [common]
    return []


def _mark_article(root: etree._Element) -> None:
    """Label the article container the way trafilatura's first body XPath looks for
    (itemprop=articleBody), so it wins over any later element named "article"."""
    root.set("itemprop", "articleBody")
    root.set("class", "article-content")
