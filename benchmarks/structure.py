"""Structure metrics of our record on the dev set, with the page side read independently here.

References. A page has a references-like list when (a) an h1-h6, summary, button, a or strong
element's whole normalised text is References, Sources, Citations, Bibliography, Works cited,
Literature cited, Notes or Footnotes (any case, optionally a count such as "(12)" and a colon),
and the first ol/ul after it in document order comes before any h1-h6; or (b) an `ol.references`,
`.ref-list` or `.footnotes` element exists. The list counts only when one of its items has 20 or
more normalised characters: that item's first 60 characters are its "entry". We report on how
many such pages our record has references (`len(record.references) > 0`), and on how many the
entry appears in `record.text` (normalised substring: leaked into the article text).

Headings. The h2-h4 texts of the page that occur in the ground-truth articleBody as a line of
their own (normalised; a line's markdown "#" prefix or "**" wrapper dropped), since a short
heading ("Reviews") also occurs as a word in running text; recall is the share of them equal
(normalised) to a section heading of our record, pooled over pages, and also the mean over
pages that have any.
A refused page finds nothing. The page is parsed by trafilatura's `load_html` (its own charset
detection), not by our extractor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from trafilatura.utils import load_html

from benchmarks.matching import normalize
from healthcrawl.extractors import Record

_REFERENCE_NAME = re.compile(
    r"(?:references|sources|citations|bibliography|works cited|literature cited|notes|footnotes)"
    r"(?: ?\(?\d+\)?)?:?",
    re.IGNORECASE,
)
_NAME_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "summary", "button", "a", "strong"})
_CLASSED = etree.XPath(
    "//ol[contains(concat(' ', normalize-space(@class), ' '), ' references ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' ref-list ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' footnotes ')]"
)
_MARKUP = re.compile(r"^\s*#{1,6}\s+|^\s*\*\*|\*\*\s*$")
"""Markdown a ground-truth line may wrap a heading in: leading #s, ** around it."""
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SECTION_HEADINGS = frozenset({"h2", "h3", "h4"})
ENTRY_MIN, ENTRY_CHARS = 20, 60


@dataclass
class PageStructure:
    """What the page's HTML holds: its references entry (None: no such list) and the h2-h4
    headings that the ground truth keeps."""

    entry: str | None = None
    headings: list[str] = field(default_factory=list)


def read_structure(data: bytes, truth: str) -> PageStructure:
    """The page side of the structure metrics."""
    root = load_html(data)
    if root is None:
        return PageStructure()
    elements = list(root.iter(etree.Element))
    lines = {normalize(_MARKUP.sub("", line)) for line in truth.splitlines()}
    headings = [normalize(_text(e)) for e in elements if e.tag in _SECTION_HEADINGS]
    return PageStructure(
        entry=references_entry(elements),
        headings=[h for h in dict.fromkeys(headings) if h and h in lines],
    )


def _text(element: etree._Element) -> str:
    return "".join(element.itertext())


def references_entry(elements: list[etree._Element]) -> str | None:
    """The first references-like list's entry, or None when the page has none."""
    for candidate in reference_lists(elements):
        entry = first_entry(candidate)
        if entry:
            return entry
    return None


def reference_lists(elements: list[etree._Element]) -> list[etree._Element]:
    """Lists after a references-like name, then classed reference elements, in page order."""
    position = {element: n for n, element in enumerate(elements)}
    named = [
        found
        for n, element in enumerate(elements)
        if element.tag in _NAME_TAGS and _REFERENCE_NAME.fullmatch(normalize(_text(element)))
        for found in [list_after(elements, n + sum(1 for _ in element.iter(etree.Element)))]
        if found is not None
    ]
    classed = _CLASSED(elements[0]) if elements else []
    return sorted(dict.fromkeys([*named, *classed]), key=position.__getitem__)


def list_after(elements: list[etree._Element], start: int) -> etree._Element | None:
    """The first ol/ul from `start` on, unless an h1-h6 comes first."""
    for element in elements[start:]:
        if element.tag in ("ol", "ul"):
            return element
        if element.tag in _HEADINGS:
            return None
    return None


def first_entry(container: etree._Element) -> str | None:
    """The first 60 normalised characters of its first item of 20+ characters (the element
    itself when it has no li)."""
    items = container.findall(".//li") or [container]
    texts = (normalize(_text(item)) for item in items)
    return next((text[:ENTRY_CHARS] for text in texts if len(text) >= ENTRY_MIN), None)


def score_structure(page: PageStructure, record: Record | None) -> dict[str, Any]:
    """Our record against the page's structure; a refused page (no record) finds nothing."""
    text = normalize(record.text) if record else ""
    ours = {normalize(s.heading) for s in record.sections if s.heading} if record else set()
    return {
        "references_list": page.entry is not None,
        "references_found": bool(page.entry and record and record.references),
        "references_leaked": bool(page.entry and page.entry in text),
        "headings": len(page.headings),
        "headings_missing": [h for h in page.headings if h not in ours],
    }


def pool_structure(pages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Totals over the set: reference pages found and leaked, headings found of those kept."""
    with_list = [key for key, page in pages.items() if page["references_list"]]
    headings = sum(page["headings"] for page in pages.values())
    missing = sum(len(page["headings_missing"]) for page in pages.values())
    shares = [
        1 - len(p["headings_missing"]) / p["headings"] for p in pages.values() if p["headings"]
    ]
    return {
        "references_pages": len(with_list),
        "references_found": sum(pages[key]["references_found"] for key in with_list),
        "references_leaked": [key for key in with_list if pages[key]["references_leaked"]],
        "references_missed": [key for key in with_list if not pages[key]["references_found"]],
        "headings_total": headings,
        "headings_found": headings - missing,
        "headings_recall": (headings - missing) / headings if headings else None,
        "headings_pages": len(shares),
        "headings_page_mean": sum(shares) / len(shares) if shares else None,
    }
