"""Site templates: the stock lines a site repeats on page after page, found across one site's
records and removed from each of them.

No per-page extractor can see these (GARD's "*Data may be currently unavailable to GARD at this
time." is an ordinary paragraph on each page); only counting across a site's records does. A
unit is a paragraph, a list item or a whole table; it is a template of its site when it
appears in at least `template_threshold(n, share)` of the site's n records and has at least
TEMPLATE_MIN_WORDS words. Removing it takes it out of `sections`, `bullets` and `text`; a
section left with no blocks goes, and so does a heading-only section whose subsections all
went.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .dedup import shingles
from .layout import BlockLines, SectionLines, join_text, section_lines

TEMPLATE_SHARE = 0.05
"""A unit on at least this share of one site's records (one page in twenty) is a template.
On the 1,000 GARD records its stock sentences are on 5.3-100% of the distinct texts; the most
frequent real text (an HPO symptom definition) is on 1.3% (benchmarks/README.md)."""
TEMPLATE_MIN_RECORDS = 10
"""...and on at least this many records, so that in a small export a sentence that a handful
of pages share as real content stays (below this many records of a site nothing is removed)."""
TEMPLATE_MIN_WORDS = 5
"""Shorter units are labels or terms ("Fever" in a symptoms list, "Adult"), which recur across
a health site's pages as content: they are never templates."""
TEMPLATE_SIMILARITY = 0.8
"""A unit whose word-trigram set has at least this Jaccard similarity with a template unit's is
that template with a word changed (a typo, a number) and goes too: one word changed in 30 leaves
0.81. A changed word costs a short unit more (one in 14: 0.6), so short ones must match
exactly. On the 1,000 GARD records nothing but the templates themselves reaches it."""
_WORD = re.compile(r"\w+")


def site_of(record: dict[str, Any]) -> str:
    """Whose template a record shares: its site profile, or for the generic profile its host,
    which is what tells one site's pages from another's."""
    if record["source"] != "generic":
        return record["source"]
    return host_of(record) or "generic"


def host_of(record: dict[str, Any]) -> str | None:
    """The host of the record's canonical URL (else its URL), without "www."."""
    url = record["canonical_url"] or record["url"]
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def template_threshold(records: int, share: float = TEMPLATE_SHARE) -> int:
    """How many of a site's records a unit must appear in to be a template."""
    return max(TEMPLATE_MIN_RECORDS, math.ceil(share * records))


@dataclass(slots=True)
class TemplateCounter:
    """Counts, per site, the records each unit appears in (a unit once per record)."""

    share: float = TEMPLATE_SHARE
    """The share of a site's records that makes a unit a template (`export --template-share`)."""
    records: Counter[str] = field(default_factory=Counter)
    units: dict[str, Counter[bytes]] = field(default_factory=lambda: defaultdict(Counter))
    shown: dict[bytes, str] = field(default_factory=dict)
    """The text of each unit seen TEMPLATE_MIN_RECORDS times (no threshold is lower): for
    near-matches and the dataset card."""

    def add(self, record: dict[str, Any]) -> None:
        site = site_of(record)
        self.records[site] += 1
        counts = self.units[site]
        for key, text in {_key(text): text for text in _units(section_lines(record))}.items():
            counts[key] += 1
            if counts[key] == TEMPLATE_MIN_RECORDS:
                self.shown[key] = text

    def templates(self) -> Templates:
        found = {}
        for site, counts in self.units.items():
            least = template_threshold(self.records[site], self.share)
            units = {key: n for key, n in counts.items() if n >= least}
            found[site] = SiteTemplate(units, [shingles(self.shown[key]) for key in units])
        return Templates(found, {key: self.shown[key] for t in found.values() for key in t.counts})


@dataclass(frozen=True, slots=True)
class SiteTemplate:
    """One site's template units; a unit matches one when it is the same text, or nearly
    (TEMPLATE_SIMILARITY)."""

    counts: dict[bytes, int]
    """Unit key -> the site's records it appears in."""
    shingles: list[set[str]]

    def matches(self, text: str) -> bool:
        if _key(text) in self.counts:
            return True
        if not self.shingles or len(_WORD.findall(text)) < TEMPLATE_MIN_WORDS:
            return False
        mine = shingles(text)
        return any(_similar(mine, theirs) for theirs in self.shingles)


def _similar(first: set[str], second: set[str]) -> bool:
    """Jaccard similarity at least TEMPLATE_SIMILARITY (sets of too different sizes cannot be,
    which spares most intersections)."""
    if TEMPLATE_SIMILARITY * max(len(first), len(second)) > min(len(first), len(second)):
        return False
    return len(first & second) >= TEMPLATE_SIMILARITY * len(first | second)


@dataclass(frozen=True, slots=True)
class Cleaned:
    record: dict[str, Any]
    units: int
    """Template units removed from this record."""
    chars: int
    """Characters of text they made up."""


@dataclass(frozen=True, slots=True)
class Templates:
    """The template units of each site."""

    by_site: dict[str, SiteTemplate]
    texts: dict[bytes, str]
    """Each template unit's text."""

    def clean(self, record: dict[str, Any]) -> Cleaned:
        """The record without its site's template units: a new dict, or the record itself
        when it holds none."""
        template = self.by_site.get(site_of(record))
        sections = section_lines(record) if template and template.counts else []
        units = 0
        items: Counter[tuple[str | None, str | None, str]] = Counter()
        trimmed = []
        for lines in sections:
            blocks = []
            for block in lines.blocks:
                kept, gone = _trim(block, template)
                units += len(gone) if block.block["type"] == "list" else kept is None
                items.update((lines.section["heading"], i["term"], i["text"]) for i in gone)
                blocks += [kept] if kept else []
            trimmed.append(blocks)
        if not units:
            return Cleaned(record, 0, 0)
        sections = _pruned(sections, trimmed)
        text = join_text(sections)
        cleaned = {
            **record,
            "sections": [lines.section for lines in sections],
            "bullets": _bullets_without(record["bullets"], items),
            "text": text,
        }
        return Cleaned(cleaned, units, len(record["text"]) - len(text))


def _trim(block: BlockLines, template: SiteTemplate) -> tuple[BlockLines | None, list[dict]]:
    """The block without its template units (None when none is left), and the list items
    removed."""
    if block.block["type"] != "list":
        return (None, []) if template.matches(block.text) else (block, [])
    pairs = list(zip(block.block["items"], block.lines, strict=True))
    matched = [template.matches(line) for line in block.lines]
    kept = [pair for pair, match in zip(pairs, matched, strict=True) if not match]
    gone = [item for (item, _), match in zip(pairs, matched, strict=True) if match]
    if not kept or not gone:
        return (block if kept else None), gone
    items, lines = zip(*kept, strict=True)
    return BlockLines({**block.block, "items": list(items)}, lines), gone


def _pruned(sections: list[SectionLines], blocks: list[list[BlockLines]]) -> list[SectionLines]:
    """The sections with their remaining blocks. One the removal emptied goes, and so does a
    heading-only section (a parent heading) whose subsections all went."""
    keep = [True] * len(sections)
    for at in reversed(range(len(sections))):
        if sections[at].blocks:
            keep[at] = bool(blocks[at])
        else:
            under = _subsections(sections, at)
            keep[at] = not under or any(keep[j] for j in under)
    return [
        SectionLines({**lines.section, "blocks": [b.block for b in kept]}, tuple(kept))
        for lines, kept, wanted in zip(sections, blocks, keep, strict=True)
        if wanted
    ]


def _subsections(sections: list[SectionLines], at: int) -> range:
    """The sections after `at` with a deeper heading level, up to the next of its level."""
    level = sections[at].section["level"] or 0
    end = at + 1
    while end < len(sections) and (sections[end].section["level"] or 0) > level:
        end += 1
    return range(at + 1, end)


def _bullets_without(
    bullets: list[dict[str, Any]], removed: Counter[tuple[str | None, str | None, str]]
) -> list[dict[str, Any]]:
    """The bullets less those of the removed list items (each bullet is one list item)."""
    left = Counter(removed)
    kept = []
    for bullet in bullets:
        key = (bullet["section"], bullet["term"], bullet["text"])
        if left[key]:
            left[key] -= 1
        else:
            kept.append(bullet)
    return kept


def _units(sections: list[SectionLines]) -> Iterator[str]:
    """The template candidates: paragraphs, list items and whole tables long enough to be
    sentences (TEMPLATE_MIN_WORDS)."""
    for lines in sections:
        for block in lines.blocks:
            candidates = block.lines if block.block["type"] == "list" else (block.text,)
            for text in candidates:
                if len(_WORD.findall(text)) >= TEMPLATE_MIN_WORDS:
                    yield text


def _key(text: str) -> bytes:
    """A unit's identity: its text with whitespace collapsed, hashed to 8 bytes."""
    return hashlib.blake2b(" ".join(text.split()).encode(), digest_size=8).digest()
