"""Pure extraction: one health page's HTML in, one structured `Record` out.

No Scrapy, no network, no file I/O, no global state: spiders, the CLI and the tests all call
`extract`, and the same bytes always give the same record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

import trafilatura

from .boilerplate import (
    article_length,
    main_body,
    prose_lengths,
    prune,
    reads_like_menu,
    trafilatura_body,
)
from .errors import (
    EncodingError,
    ExtractionError,
    ListingPageError,
    NoMainContentError,
    NotHTMLError,
    PageTooDeepError,
    PageTooLargeError,
    TooManyElementsError,
)
from .listing import is_listing
from .parse import DEFAULT_MAX_BYTES, decode_html, parse_html
from .profiles import BY_KEY, detect_profile
from .provenance import read_provenance
from .record import ExtractorInfo, Record
from .reference_lists import find_references
from .references import parse_references
from .rules import RULES, enabled_rules
from .sections import read_structure
from .urls import canonicalize_url

__all__ = [
    "DEFAULT_MAX_BYTES",
    "EncodingError",
    "ExtractionError",
    "ListingPageError",
    "NoMainContentError",
    "NotHTMLError",
    "PageTooDeepError",
    "PageTooLargeError",
    "TooManyElementsError",
    "RULES",
    "Record",
    "extract",
]


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


MIN_TEXT_CHARS = 150
"""Less main text than this (about two sentences) is a banner or a shell, not an article."""

FALLBACK_SHARE = 0.5
"""Main text under this share of the page's prose paragraphs means something went wrong: the
full trafilatura comparison runs, then, if still short, the fallback to trafilatura alone."""
FALLBACK_GAIN = 1.5
"""The fallback's text must be this much longer than ours to replace it: a little more text is
as likely boilerplate our rules removed as content they lost."""

EXTRACTOR = {
    "name": "healthcrawl",
    "version": _version("healthcrawl"),
    "trafilatura": trafilatura.__version__,
}


def extract(
    html: bytes | str,
    url: str | None = None,
    *,
    fetched_at: datetime | None = None,
    profile: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    content_type: str | None = None,
    disable: Collection[str] = (),
) -> Record:
    """Extract the record of one page, or raise an `ExtractionError` subclass saying why not.

    `profile` forces a site profile key (for mirrors whose host and markup say nothing);
    pages over `max_bytes` are refused before parsing; `content_type` is the HTTP header, whose
    charset outranks the page's <meta>; `disable` switches generic rules off (names in
    `RULES`).
    """
    if profile is not None and profile not in BY_KEY:
        raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(sorted(BY_KEY))}")
    rules = enabled_rules(disable)
    text = decode_html(html, url, max_bytes, content_type=content_type)
    # One tree, edited in place by the stages below, in this order (copying it per stage would
    # cost every page a deep copy; only the safety net parses afresh):
    # 1. references and provenance are read first, from the page as published: pruning removes
    #    footers and bylines that hold them;
    # 2. the reference lists are detached next, so their text neither counts as prose nor ends up
    #    in the body, and provenance's own elements are handed to pruning to drop;
    # 3. prose is measured before pruning, as the yardstick of what pruning and trafilatura lose;
    # 4. pruning, then the listing check on what is left, then trafilatura on the pruned tree.
    tree = parse_html(text, url)
    site = BY_KEY[profile] if profile else detect_profile(url, tree)
    references = find_references(tree, site)
    provenance = read_provenance(tree, url, site, skip=(*references.lists, *references.labels))
    references.detach()
    prose = prose_lengths(tree)
    enough = int(FALLBACK_SHARE * sum(prose.values()))
    pruned = prune(tree, site, provenance.consumed, rules, prose)
    listing = is_listing(pruned)
    body = main_body(pruned, url, rules, enough=0 if listing else enough)
    method = "healthcrawl"
    found = article_length(body)
    if "fallback" in rules and found < max(enough, MIN_TEXT_CHARS):
        # Our pruning lost most of the page's prose: trafilatura's own choice, on a tree no
        # rule of ours touched, wins when it finds clearly more article text; on a page that
        # is all comments (a discussion thread), its comments are the content. The page is
        # parsed again only here: copying every tree before pruning would cost every page.
        fresh = parse_html(text, url)
        find_references(fresh, site).detach()
        best = found
        for comments in (False, True):
            own = trafilatura_body(fresh, url, fast=False, comments=comments)
            length = article_length(own)
            if length > max(FALLBACK_GAIN * found, MIN_TEXT_CHARS):
                body, best, method = own, length, "trafilatura"
            if best >= MIN_TEXT_CHARS:
                break
    title = provenance.title
    structure = read_structure(body, title) if body is not None else None
    if listing and (structure is None or reads_like_menu(structure.text)):
        raise ListingPageError(url, "listing page: mostly links, no article text")
    if structure is None or len(structure.text) < MIN_TEXT_CHARS:
        raise NoMainContentError(url, "no main content left after boilerplate removal")
    return Record(
        id=_record_id(canonicalize_url(provenance.canonical_url or url), title, structure.text),
        url=url,
        canonical_url=provenance.canonical_url,
        source=site.key,
        fetched_at=_iso_utc(fetched_at),
        language=provenance.language,
        title=title or structure.sections[0].heading or "",
        sections=structure.sections,
        bullets=structure.bullets,
        references=parse_references(references.entries),
        byline=provenance.byline,
        doc_id=provenance.doc_id,
        date_modified=provenance.date_modified,
        date_published=provenance.date_published,
        rights=provenance.rights,
        text=structure.text,
        extractor=ExtractorInfo(method=method, **EXTRACTOR),
    )


def _record_id(canonical_url: str | None, title: str | None, text: str) -> str:
    """The canonical URL's hash (the caller passes the page URL when there is no canonical);
    without a URL, the title's and text's: a site's stub pages share their text, not titles."""
    key = canonical_url or " ".join(f"{title or ''}\n{text}".split())
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
