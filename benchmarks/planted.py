"""Planted duplicates of real records, for benchmarks/dataset.py and the export's tests: an
exact copy under another URL, and a copy with 3% of its words edited."""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from healthcrawl.dataset import dedup
from healthcrawl.dataset.layout import BlockLines, SectionLines, join_text, section_lines
from healthcrawl.dataset.templates import TemplateCounter, Templates

EDIT_RATE = 0.03
_WORD = re.compile(r"\S+")


def copy_of(record: dict[str, Any], tag: str) -> dict[str, Any]:
    """The record under another URL (so another id), read after the original."""
    url = f"https://mirror.example.org/{tag}/{record['id']}"
    new_id = hashlib.sha256(url.encode()).hexdigest()[:32]
    return {**record, "id": new_id, "url": url, "canonical_url": None}


def edited(
    record: dict[str, Any], templates: Templates, rng: random.Random, anywhere: bool
) -> dict[str, Any]:
    """EDIT_RATE of the words of the text left after template removal edited, in paragraphs:
    of those that survive template removal, or (`anywhere`) of all of them."""
    kept = {b.text for s in section_lines(templates.clean(record).record) for b in s.blocks}
    sections = section_lines(record)
    slots = [
        (s, b)
        for s, lines in enumerate(sections)
        for b, block in enumerate(lines.blocks)
        if block.block["type"] == "paragraph" and (anywhere or block.text in kept)
    ]
    words = {slot: _WORD.findall(sections[slot[0]].blocks[slot[1]].text) for slot in slots}
    positions = [(slot, i) for slot in slots for i in range(len(words[slot]))]
    vocabulary = [w for found in words.values() for w in found] or ["edited"]
    budget = max(1, round(EDIT_RATE * len(_WORD.findall(templates.clean(record).record["text"]))))
    for slot, i in sorted(rng.sample(positions, min(budget, len(positions))), reverse=True):
        op = rng.randrange(3)
        found = words[slot]
        found[i : i + 1] = [[rng.choice(vocabulary)], [], [found[i], found[i]]][op]
    return _with_paragraphs(
        record, sections, {slot: " ".join(w) or "x" for slot, w in words.items()}
    )


def _with_paragraphs(
    record: dict[str, Any], sections: list[SectionLines], texts: dict[tuple[int, int], str]
) -> dict[str, Any]:
    rebuilt = []
    for s, lines in enumerate(sections):
        blocks = tuple(
            BlockLines({**block.block, "text": texts[(s, b)]}, (texts[(s, b)],))
            if (s, b) in texts
            else block
            for b, block in enumerate(lines.blocks)
        )
        rebuilt.append(SectionLines({**lines.section, "blocks": [b.block for b in blocks]}, blocks))
    return {**record, "sections": [s.section for s in rebuilt], "text": join_text(rebuilt)}


def planted_set(
    records: list[dict[str, Any]], keepers: set[str], copies: int, seed: int, anywhere: bool
) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]]]:
    """Originals, then an exact and an edited copy of disjoint samples of the kept records;
    with the (kind, original id, copy id) pairs."""
    rng = random.Random(seed)
    templates = site_templates(records)
    pool = sorted(r["id"] for r in records if r["id"] in keepers)
    chosen = rng.sample(pool, 2 * copies)
    by_id = {r["id"]: r for r in records}
    planted, pairs = [], []
    for kind, ids in (("exact", chosen[:copies]), ("edited", chosen[copies:])):
        for original in ids:
            record = by_id[original]
            if kind == "edited":
                record = edited(record, templates, rng, anywhere)
            copy = copy_of(record, kind)
            planted.append(copy)
            pairs.append((kind, original, copy["id"]))
    return records + planted, pairs


def site_templates(records: list[dict[str, Any]]) -> Templates:
    """The templates an export of `records` finds (each distinct text counted once)."""
    counter = TemplateCounter()
    seen = set()
    for record in records:
        if dedup.text_key(record["text"]) not in seen:
            seen.add(dedup.text_key(record["text"]))
            counter.add(record)
    return counter.templates()
