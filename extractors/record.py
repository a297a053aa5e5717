"""The record one page becomes: the single definition of its shape.

Each field carries its description and JSON Schema constraints (`describe`), each class its
docstring; `healthcrawl.schema` derives the JSON Schema (output/schema/record.v1.json), the
Arrow schema and the Hugging Face features from these dataclasses, so nothing restates them.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field
from typing import Any, Literal

from .profiles import BY_KEY

SCHEMA_VERSION = "1.1"
"""A new optional field is a minor bump ("1.1", its `since`); a rename or removal is "2"."""

BlockType = Literal["paragraph", "list", "table"]

_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def describe(
    description: str,
    *,
    default: Any = MISSING,
    since: str = "1",
    set_when: tuple[str, str] | None = None,
    **keywords: Any,
) -> Any:
    """A dataclass field with what `healthcrawl.schema` needs to know about it.

    `keywords` are JSON Schema keywords (pattern, minimum, minLength, const, enum...);
    `since` is the schema version that added the field; `set_when=(name, value)` makes the
    field non-null exactly when field `name` equals `value`, and null otherwise; `keywords`
    then apply only where it is set.
    """
    metadata = {
        "description": description,
        "since": since,
        "set_when": set_when,
        "keywords": keywords,
    }
    return field(default=default, metadata=metadata)


@dataclass(frozen=True, slots=True)
class ListItem:
    """One list item."""

    term: str | None = describe(
        'Bold or "Term:" lead without its closing period or colon; null when the item has none.'
    )
    text: str = describe(
        "The item's text after the lead term (the whole item when there is no term).",
        minLength=1,
    )


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph, list or table. Every block has all five keys; those that do not apply to
    its type are null."""

    type: BlockType = describe("What the block is.")
    text: str | None = describe(
        "The paragraph's text; null for lists and tables.",
        default=None,
        set_when=("type", "paragraph"),
        minLength=1,
    )
    ordered: bool | None = describe(
        "True for a numbered list; null for paragraphs and tables.",
        default=None,
        set_when=("type", "list"),
    )
    items: tuple[ListItem, ...] | None = describe(
        "The list's items in order; null for paragraphs and tables.",
        default=None,
        set_when=("type", "list"),
        minItems=1,
    )
    rows: tuple[tuple[str, ...], ...] | None = describe(
        "The table's rows, each an array of cell texts; null for paragraphs and lists.",
        default=None,
        set_when=("type", "table"),
        minItems=1,
    )


@dataclass(frozen=True, slots=True)
class Section:
    """A heading with the blocks under it, in reading order."""

    heading: str | None = describe(
        "The heading's text; null for the content before the first heading."
    )
    level: int | None = describe(
        "Heading level 1-6; null when heading is null.", minimum=1, maximum=6
    )
    blocks: tuple[Block, ...] = describe(
        "Paragraphs, lists and tables under the heading, in order."
    )


@dataclass(frozen=True, slots=True)
class Bullet:
    """A list item of the main content, flattened (not navigation, tabs or the reference
    list)."""

    section: str | None = describe(
        "Heading of the section the item sits in (null before the first heading)."
    )
    term: str | None = describe(
        'Bold or "Term:" lead without its closing period or colon, e.g. "Gene mutation"; '
        "null when none."
    )
    text: str = describe("The item's text after the term.", minLength=1)


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of the page's references or sources list. Parts that cannot be parsed are
    null; raw is always kept."""

    n: int | None = describe("Position in the list, from 1.", minimum=1)
    raw: str = describe("The reference as shown, whitespace collapsed.", minLength=1)
    authors: tuple[str, ...] = describe(
        'Author names as written, e.g. "Elman LB"; empty when none are named.', default=()
    )
    et_al: bool = describe('True when the author list ends in "et al.".', default=False)
    title: str | None = describe("Title of the cited work.", default=None)
    container: str | None = describe(
        'The book or collection of an "In: ..." reference.', default=None
    )
    source: str | None = describe("Journal, organisation or publisher.", default=None)
    year: int | None = describe("Publication year.", default=None, minimum=1000, maximum=2999)
    volume: str | None = describe("Journal volume.", default=None)
    issue: str | None = describe("Journal issue.", default=None)
    pages: str | None = describe('Page or page range, e.g. "1227" or "1123-31".', default=None)
    doi: str | None = describe('DOI without prefix, e.g. "10.1056/NEJMoa1812345".', default=None)
    pmid: str | None = describe("PubMed id, digits only.", default=None, pattern=r"^\d+$")
    url: str | None = describe("The URL the reference cites.", default=None)
    accessed: str | None = describe(
        'ISO date of "Accessed ..." or "[cited ...]".', default=None, pattern=_ISO_DATE
    )
    date: str | None = describe(
        "Any other full date in the reference (an expert opinion's), ISO.",
        default=None,
        pattern=_ISO_DATE,
    )


@dataclass(frozen=True, slots=True)
class ExtractorInfo:
    """What made the record: lets a reader of old files tell which rules produced them."""

    name: str = describe("The extractor's name.", const="healthcrawl")
    version: str = describe("healthcrawl's version.")
    trafilatura: str = describe("The trafilatura version that removed the boilerplate.")
    method: Literal["healthcrawl", "trafilatura"] = describe(
        "healthcrawl: our rules, then trafilatura; trafilatura: the safety net, trafilatura "
        "alone on the unpruned page, taken when our rules lost most of the page's prose."
    )


@dataclass(frozen=True, slots=True)
class Record:
    """One health page as clean, structured text. Every object of one kind carries the same
    keys in every record (null where a key does not apply) and no field changes type, so
    Arrow, Hugging Face datasets and datatrove infer one schema."""

    id: str = describe(
        "Stable id: first 32 hex digits of the SHA-256 of the canonical URL (else of the page "
        "URL; without either, of the whitespace-normalised title and text).",
        pattern="^[0-9a-f]{32}$",
    )
    url: str | None = describe("The URL the page was fetched from.")
    canonical_url: str | None = describe("From <link rel=canonical>, made absolute.")
    source: str = describe("Site profile that read the page.", enum=tuple(BY_KEY))
    fetched_at: str | None = describe(
        "Fetch time, ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ).",
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
    )
    language: str | None = describe("Language tag from <html lang>, Content-Language or og:locale.")
    title: str = describe(
        "The article's title as a reader sees it (its H1), without a site-name suffix."
    )
    sections: tuple[Section, ...] = describe(
        "The main content as headings with their blocks, in reading order."
    )
    bullets: tuple[Bullet, ...] = describe(
        "Every list item of the main content, flat, with its lead term split off."
    )
    references: tuple[Reference, ...] = describe(
        "The page's references or sources list, parsed; kept out of sections and text."
    )
    byline: str | None = describe(
        'Who the page says wrote it, without "By", e.g. "Mayo Clinic staff".'
    )
    doc_id: str | None = describe('The site\'s document id, e.g. "DS00359".')
    date_modified: str | None = describe(
        "Date the page says it was last reviewed or updated (never a reference's access "
        "date), ISO.",
        pattern=_ISO_DATE,
    )
    date_published: str | None = describe(
        "Date the page says it was first published, ISO.", pattern=_ISO_DATE
    )
    rights: str | None = describe("The copyright line.")
    text: str = describe(
        "Clean main text in reading order (headings, paragraphs, list items, table rows; "
        "no references), blocks separated by a blank line.",
        minLength=1,
    )
    extractor: ExtractorInfo = describe("What made the record.")
    change: Literal["new", "changed"] | None = describe(
        "In an incremental crawl (HEALTHCRAWL_STATE): new, a page the crawl state did not "
        "hold; changed, its text differs from the stored one. Null outside one.",
        default=None,
        since="1.1",
    )
    schema_version: str = describe(
        "Version of this schema; a rename or removal makes record.v2.json.",
        default=SCHEMA_VERSION,
    )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists); no deep copies, unlike asdict()."""
        return _plain(self)


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
