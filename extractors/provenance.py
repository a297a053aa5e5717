"""Who wrote the page, when it was reviewed, its id and rights: read from the original tree.

trafilatura drops these lines as boilerplate or guesses dates from anywhere in the page (a
reference's access date included), so they are read here first, in the order a site states
them most reliably: site profile, schema.org JSON-LD, meta tags, then labelled text.
The elements they came from are returned so they can be kept out of the content.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .dates import DATE, parse_date
from .profiles import Profile
from .text import normalize_space
from .trees import compiled

_REVIEWED = re.compile(
    r"(?:last\s+(?:reviewed|updated|modified|revised)(?:\s+on)?|reviewed\s+on|review\s+date"
    r"|(?<!next )(?<!next\s)updated(?:\s+on)?)\s*:?\s*(" + DATE + ")",
    re.IGNORECASE,
)
_LABEL = re.compile(r"reviewed|updated|review date|review due", re.IGNORECASE)
_NEXT_REVIEW = re.compile(r"next\s+review\s+(?:due|date)\s*:?\s*" + DATE, re.IGNORECASE)
_RIGHTS_START = ("©", "Copyright ©", "(c) ")
_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(parent::script or parent::style or parent::noscript"
    " or parent::template)][normalize-space()]"
)
"""Every visible text node, collected once: the text-labelled fields are found among them."""
_BYLINE = etree.XPath(
    "//*[@rel='author' or contains(@class, 'byline') or contains(@class, 'author-name')"
    " or @itemprop='author']"
)
_BY_PREFIX = re.compile(r"^(?:written\s+)?by\s+", re.IGNORECASE)
_BLOCKS = {"p", "div", "li", "footer", "small", "section", "td", "span", "dd", "address"}
_MAX_LINE = 600


@dataclass(frozen=True, slots=True)
class Provenance:
    title: str | None
    canonical_url: str | None
    language: str | None
    byline: str | None
    doc_id: str | None
    date_modified: str | None
    date_published: str | None
    rights: str | None
    consumed: tuple[etree._Element, ...]
    """Elements whose text went into a field above and must not appear in the content."""


def read_provenance(
    tree: etree._Element, url: str | None, profile: Profile, skip: Iterable[etree._Element] = ()
) -> Provenance:
    """Read every provenance field once from the unpruned tree; text inside `skip` (the
    reference list, whose "Updated ..." and "Accessed ..." dates are not the page's) is
    not read."""
    ld = _json_ld(tree)
    skipped = {element for root in skip for element in root.iter()}
    texts: list[etree._ElementUnicodeResult] = [
        node for node in _VISIBLE_TEXT(tree) if node.getparent() not in skipped
    ]
    consumed: list[etree._Element] = []
    doc_id, doc_date = _doc_id(texts, url, profile, consumed)
    byline = _byline(tree, texts, profile, consumed) or _ld_author(ld) or _meta(tree, "author")
    reviewed = _reviewed_date(texts, consumed)
    return Provenance(
        title=_title(tree, profile, ld),
        canonical_url=_canonical(tree, url),
        language=_language(tree),
        byline=byline,
        doc_id=doc_id,
        date_modified=doc_date
        or reviewed
        or _first_date(ld, "lastReviewed", "dateModified")
        or _meta_date(tree, "article:modified_time", "og:updated_time", "dcterms.modified"),
        date_published=_first_date(ld, "datePublished", "dateCreated")
        or _meta_date(tree, "article:published_time", "citation_publication_date", "DC.date"),
        rights=_rights(texts, consumed),
        consumed=tuple(consumed),
    )


def _title(tree: etree._Element, profile: Profile, ld: list[dict[str, Any]]) -> str | None:
    """The H1 that agrees with the page's <title>, og:title or headline; else an H2/H3 equal to
    one of those (a section-label H1 loses to it); else the first H1; else the <title>."""
    titles = [t.casefold() for t in (_ld_value(ld, "headline"), _meta(tree, "og:title"),
                                     _html_title(tree)) if t]  # fmt: skip
    headings = [normalize_space(h.text_content()) for h in compiled(profile.title)(tree)]
    headings = [h for h in headings if h]
    for heading in headings:
        if any(heading.casefold() in title for title in titles):
            return heading
    for heading in compiled("//body//h2 | //body//h3")(tree):
        text = normalize_space(heading.text_content())
        if text and text.casefold() in titles:
            return text
    return headings[0] if headings else _html_title(tree)


def _html_title(tree: etree._Element) -> str | None:
    """<title> without its " - Site name" suffix."""
    titles = compiled("//title/text()")(tree)
    return re.split(r"\s+[-|–—:]\s+", normalize_space(titles[0]))[0] if titles else None


def _canonical(tree: etree._Element, url: str | None) -> str | None:
    hrefs = compiled(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
    )(tree)
    if not hrefs or not hrefs[0].strip():
        return None
    absolute = urljoin(url or "", hrefs[0].strip())
    parts = urlsplit(absolute)
    # A relative href on a page whose URL is unknown cannot be made absolute: no canonical URL.
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def _language(tree: etree._Element) -> str | None:
    langs = compiled("/html/@lang | /html/@xml:lang")(tree) or compiled(
        "//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']/@content"
    )(tree)
    locale = _meta(tree, "og:locale")
    value = (langs[0] if langs else locale or "").strip().replace("_", "-")
    return value or None


def _doc_id(
    texts: list[etree._ElementUnicodeResult],
    url: str | None,
    profile: Profile,
    consumed: list[etree._Element],
) -> tuple[str | None, str | None]:
    if profile.doc_id_text is not None:
        for node in texts:
            match = profile.doc_id_text.search(node)
            if match:
                consumed.append(node.getparent())
                date = match.group(2) if match.lastindex and match.lastindex >= 2 else None
                return match.group(1), parse_date(date) if date else None
    if profile.doc_id_url is not None and url:
        match = profile.doc_id_url.search(url)
        if match:
            return match.group(1), None
    return None, None


def _byline(
    tree: etree._Element,
    texts: list[etree._ElementUnicodeResult],
    profile: Profile,
    consumed: list[etree._Element],
) -> str | None:
    """A short "By ..." element: by class or rel first, else a text line starting "By "."""
    by_markup = (e for xpath in profile.byline for e in compiled(xpath)(tree))
    by_text = (node.getparent() for node in texts if node.lstrip().startswith("By "))
    for element in itertools.chain(by_markup, _BYLINE(tree), by_text):
        text = _BY_PREFIX.sub("", normalize_space(element.text_content()))
        if text and len(text.split()) <= 8 and not text.endswith("."):
            consumed.append(element)
            return text
    return None


def _reviewed_date(
    texts: list[etree._ElementUnicodeResult], consumed: list[etree._Element]
) -> str | None:
    """The latest labelled review/update date; every such line is kept out of the content."""
    dates = []
    for node in texts:
        if not _LABEL.search(node):
            continue
        element = _block_of(node.getparent())
        line = normalize_space(element.text_content())
        match = _REVIEWED.search(line)
        if match and parse_date(match.group(1)):
            consumed.append(element)
            dates.append(parse_date(match.group(1)))
        elif _NEXT_REVIEW.search(line):
            consumed.append(element)  # "Next review due: ..." is site chrome, not a date we keep
    return max(dates, default=None)


def _rights(texts: list[etree._ElementUnicodeResult], consumed: list[etree._Element]) -> str | None:
    nodes = [node for node in texts if node.lstrip().startswith(_RIGHTS_START)]
    if not nodes:
        return None
    element = _block_of(nodes[-1].getparent())
    consumed.append(element)
    return normalize_space(element.text_content())


def _block_of(element: etree._Element) -> etree._Element:
    """The nearest block-level ancestor that still reads as one line, not a whole footer."""
    while element.tag not in _BLOCKS and element.getparent() is not None:
        parent = element.getparent()
        if len(parent.text_content()) > _MAX_LINE:
            break
        element = parent
    return element


def _meta(tree: etree._Element, name: str) -> str | None:
    values = compiled("//meta[@property=$n or @name=$n]/@content")(tree, n=name)
    value = normalize_space(values[0]) if values else ""
    return value or None


def _meta_date(tree: etree._Element, *names: str) -> str | None:
    for name in names:
        value = _meta(tree, name)
        if value and parse_date(value):
            return parse_date(value)
    return None


def _json_ld(tree: etree._Element) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph members flattened; broken blocks skipped."""
    objects: list[dict[str, Any]] = []
    for script in compiled("//script[@type='application/ld+json']/text()")(tree):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        objects.extend(_flatten_ld(data))
    return objects


def _flatten_ld(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten_ld(item)
    elif isinstance(data, dict):
        yield data
        yield from _flatten_ld(data.get("@graph", []))


def _ld_value(ld: list[dict[str, Any]], key: str) -> str | None:
    for obj in ld:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return normalize_space(value)
    return None


def _first_date(ld: list[dict[str, Any]], *keys: str) -> str | None:
    for key in keys:
        value = _ld_value(ld, key)
        if value and parse_date(value):
            return parse_date(value)
    return None


def _ld_author(ld: list[dict[str, Any]]) -> str | None:
    for obj in ld:
        authors = obj.get("author")
        authors = authors if isinstance(authors, list) else [authors]
        names = [a.get("name") if isinstance(a, dict) else a for a in authors]
        names = [normalize_space(n) for n in names if isinstance(n, str) and n.strip()]
        if names:
            return ", ".join(names)
    return None
