"""The record one page becomes: frozen dataclasses mirroring output/schema/record.v1.json.

Every object of one kind has the same keys in every record (null where a key does not apply)
so that Arrow, Hugging Face `datasets` and datatrove infer one stable schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

SCHEMA_VERSION = "1"

BlockType = Literal["paragraph", "list", "table"]


@dataclass(frozen=True, slots=True)
class ListItem:
    term: str | None
    """Bold or "Term:" lead without its closing period or colon; None when the item has none."""
    text: str
    """The item's text after the lead term (the whole item when there is no term)."""


@dataclass(frozen=True, slots=True)
class Block:
    type: BlockType
    """"paragraph", "list" or "table"."""
    text: str | None = None
    """The paragraph's text; None for lists and tables."""
    ordered: bool | None = None
    """True for a numbered list; None for paragraphs and tables."""
    items: tuple[ListItem, ...] | None = None
    """The list's items in order; None for paragraphs and tables."""
    rows: tuple[tuple[str, ...], ...] | None = None
    """The table's rows of cell texts; None for paragraphs and lists."""


@dataclass(frozen=True, slots=True)
class Section:
    heading: str | None
    """The heading's text; None for the content before the first heading."""
    level: int | None
    """Heading level 1-6; None when heading is None."""
    blocks: tuple[Block, ...]
    """Paragraphs, lists and tables under the heading, in reading order."""


@dataclass(frozen=True, slots=True)
class Bullet:
    section: str | None
    """Heading of the section the list item sits in."""
    term: str | None
    """Bold lead term without its period, e.g. "Gene mutation"."""
    text: str
    """The item's text after the term."""


@dataclass(frozen=True, slots=True)
class Reference:
    n: int | None
    """Position in the page's reference list, from 1."""
    raw: str
    """The reference exactly as shown (whitespace collapsed)."""
    authors: tuple[str, ...] = ()
    """Author names as written, e.g. ("Elman LB",)."""
    et_al: bool = False
    """True when the author list ends in "et al."."""
    title: str | None = None
    """Title of the cited work."""
    container: str | None = None
    """The book or collection of an "In: ..." reference."""
    source: str | None = None
    """Journal, organisation or publisher."""
    year: int | None = None
    """Publication year."""
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    accessed: str | None = None
    """ISO date of "Accessed ..."."""
    date: str | None = None
    """Any other full date in the reference (an expert opinion's), ISO."""


@dataclass(frozen=True, slots=True)
class ExtractorInfo:
    name: str
    """Always "healthcrawl"."""
    version: str
    """healthcrawl's version."""
    trafilatura: str
    """The trafilatura version that removed the boilerplate."""
    method: Literal["healthcrawl", "trafilatura"]
    """"healthcrawl": our rules, then trafilatura; "trafilatura": the safety net, trafilatura
    alone on the unpruned page, taken when our rules lost most of the page's prose."""


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    """Stable id: SHA-256 (first 32 hex digits) of the canonical URL, else of the text."""
    url: str | None
    """The URL the page was fetched from."""
    canonical_url: str | None
    """From <link rel=canonical>, made absolute."""
    source: str
    """Site profile key: mayoclinic, gard, medlineplus, nhs or generic."""
    fetched_at: str | None
    """ISO 8601 UTC fetch time."""
    language: str | None
    """BCP 47 tag from <html lang> or meta."""
    title: str
    """The article's title as a reader sees it (the H1)."""
    sections: tuple[Section, ...]
    bullets: tuple[Bullet, ...]
    references: tuple[Reference, ...]
    byline: str | None
    doc_id: str | None
    date_modified: str | None
    """ISO date the page says it was last reviewed or updated."""
    date_published: str | None
    rights: str | None
    """The copyright line."""
    text: str
    """Clean main text in reading order, blocks separated by a blank line."""
    extractor: ExtractorInfo
    schema_version: str = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists); no deep copies, unlike asdict()."""
        return _plain(self)


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
