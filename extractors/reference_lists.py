"""Find a page's references or sources list: the entries, and what to keep out of the content.

An anchor is a short heading or label ("References", "Sources", "Show references"); its entries
are the list items that follow it inside its nearest enclosing container, up to the next
heading, or, with no list there, the lines after it separated by <br> ("Content References:"
on GARD). Site profiles can name list items directly when a layout hides them elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from .profiles import Profile
from .text import normalize_space
from .trees import compiled, is_inside

_ANCHOR_TEXT = re.compile(
    r"^(?:show |view |hide |toggle )?(?:references?(?: (?:&|and) notes)?"
    r"|sources?(?: (?:&|and) references)?|citations|bibliography|works cited|literature cited"
    r"|content references|article sources|literature|publications|footnotes)"
    r"(?: \(\d+\))?:?$",
    re.IGNORECASE,
)
_ANCHOR_TAGS = (
    "h1", "h2", "h3", "h4", "h5", "h6", "b", "strong", "button", "span", "dt", "summary", "a",
)  # fmt: skip
_WRAPPERS = {"h1", "h2", "h3", "h4", "h5", "h6", "b", "strong", "button", "span", "summary"}
"""A label is often wrapped: <h3><a href="javascript:toggle()">References</a></h3>; the
outermost wrapper with the same text is the anchor, so the whole heading leaves with it."""
_TOGGLE_HREF = ("#", "javascript:")
_MARKED_LISTS = etree.XPath(
    "//ol[contains(concat(' ', normalize-space(@class), ' '), ' references ')]"
    " | //*[@role='doc-bibliography' or @role='doc-endnotes']//*[self::ol or self::ul]"
    " | //ref-list//*[self::ol or self::ul]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' ref-list ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' footnotes ')]"
    "//*[self::ol or self::ul]"
)
"""Reference lists marked up as such, heading or not: Wikipedia's ol.references, DPUB-ARIA
doc-bibliography/doc-endnotes, JATS ref-list (journal sites), footnote sections."""
_MAX_ANCHOR = 60
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LISTS = {"ol", "ul"}
_BLOCKS = {"div", "p", "ul", "ol", "table", "section", *_HEADINGS}
_MAX_CLIMB = 4


@dataclass(frozen=True, slots=True)
class ReferenceList:
    entries: tuple[str, ...]
    """Each reference's text, in page order."""
    lists: tuple[etree._Element, ...]
    """The <ol>/<ul> elements holding entries."""
    labels: tuple[etree._Element, ...]
    """Anchors, and the <br>s and inline elements of line entries: removed with their tails."""

    def detach(self) -> None:
        """Take the whole list out of the tree, so no entry reaches sections or text."""
        for element in self.labels:
            element.tail = None
        for element in (*self.lists, *self.labels):
            if element.getparent() is not None:
                element.drop_tree()


def find_references(tree: etree._Element, profile: Profile) -> ReferenceList:
    """The page's references: the profile's items, then every anchored list or line block."""
    items = [item for xpath in profile.references for item in compiled(xpath)(tree)]
    lists = list(dict.fromkeys(item.getparent() for item in items))
    entries = [item.text_content() for item in items]
    for marked in _MARKED_LISTS(tree):
        if _is_new(marked, lists):
            lists.append(marked)
            entries += [entry.text_content() for entry in _entries(marked)]
    labels: list[etree._Element] = []
    for anchor in _anchors(tree):
        found = [
            ol for ol in _lists_after(anchor) or _entry_blocks_after(anchor) if _is_new(ol, lists)
        ]
        lines = [] if found else _lines_after(anchor)
        entries += [entry.text_content() for ol in found for entry in _entries(ol)]
        entries += [text for text, _ in lines]
        lists += found
        labels += [anchor, *(e for _, group in lines for e in group)] if found or lines else []
    return ReferenceList(tuple(entries), tuple(lists), tuple(labels))


def _is_new(candidate: etree._Element, lists: list[etree._Element]) -> bool:
    """Not one of `lists`, nor inside one (a marked list found again from its heading)."""
    return candidate not in lists and not any(is_inside(candidate, other) for other in lists)


def _entries(container: etree._Element) -> list[etree._Element]:
    """A list's items, or an entry block's children."""
    return [child for child in container if child.tag in ("li", "div", "p")]


def _entry_blocks_after(anchor: etree._Element) -> list[etree._Element]:
    """A container right after the anchor holding two or more <div>/<p> entries and nothing
    else (ClinicalTrials.gov's "Publications:")."""
    following = anchor.getnext()
    if following is None or following.tag not in ("div", "section"):
        return []
    children = [child for child in following if isinstance(child.tag, str)]
    if len(children) > 1 and all(
        c.tag in ("div", "p") and c.text_content().strip() for c in children
    ):
        return [following]
    return []


def _anchors(tree: etree._Element) -> Iterator[etree._Element]:
    """Labels whose own text says references ("<h2>References</h2>", "<span>Sources</span>"),
    taken with their wrappers; a bare link counts only as a toggle (href "#..." or
    "javascript:"), never as a menu item. Reading only an element's own text keeps this a
    cheap walk over a few tags."""
    body = tree.find("body")
    seen: set[etree._Element] = set()
    for element in body.iter(_ANCHOR_TAGS) if body is not None else ():
        own = element.text
        if not own or len(own) >= _MAX_ANCHOR or not _ANCHOR_TEXT.match(normalize_space(own)):
            continue
        anchor = _outermost_wrapper(element)
        if anchor.tag == "a" and not (anchor.get("href") or "#").startswith(_TOGGLE_HREF):
            continue
        if anchor not in seen:
            seen.add(anchor)
            yield anchor


def _outermost_wrapper(label: etree._Element) -> etree._Element:
    text = normalize_space(label.text_content())
    while (parent := label.getparent()) is not None and parent.tag in _WRAPPERS:
        if normalize_space(parent.text_content()) != text:
            break
        label = parent
    return label


def _lines_after(anchor: etree._Element) -> list[tuple[str, list[etree._Element]]]:
    """Entries written as lines after the anchor, split at <br>: (text, elements) each."""
    lines: list[tuple[str, list[etree._Element]]] = []
    text, group = "", []
    for sibling in anchor.itersiblings():
        if sibling.tag in _BLOCKS:
            break
        if sibling.tag == "br":
            if text.strip():
                lines.append((text, group))
            text, group = "", []
        else:
            text += sibling.text_content()
        text += sibling.tail or ""
        group.append(sibling)
    if text.strip():
        lines.append((text, group))
    return lines


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
        elif not seen_anchor or is_inside(element, anchor):
            continue
        elif element.tag in _HEADINGS:
            break
        elif element.tag in _LISTS and not any(is_inside(element, ol) for ol in lists):
            lists.append(element)
    return lists
