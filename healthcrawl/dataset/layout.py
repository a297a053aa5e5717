"""A record's text as the lines of its sections and blocks, aligned with the blocks they show.

The extractor writes `text` from the sections (extractors/sections.py): each heading, then each
block (a paragraph; a list, one line per item as displayed, lead term included; a table, one
line per row, cells joined by " | "), all joined by blank lines. Template removal cuts lines
out and chunking regroups them, so both read them here. A list item's displayed line comes
from `text`, since its term and text alone do not say how it was punctuated; a record whose
text does not follow its sections (hand-made, or an older extractor) has its lines rebuilt
from the sections instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PART_SEPARATOR = "\n\n"
"""Between headings and blocks in `text`."""


@dataclass(frozen=True, slots=True)
class BlockLines:
    block: dict[str, Any]
    """The record's block."""
    lines: tuple[str, ...]
    """A paragraph's text; a list's items as displayed; a table's rows."""

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True, slots=True)
class SectionLines:
    section: dict[str, Any]
    """The record's section (its heading, level and blocks)."""
    blocks: tuple[BlockLines, ...]


def section_lines(record: dict[str, Any]) -> list[SectionLines]:
    """The record's sections with the lines each block shows in `text`."""
    aligned = _aligned(record["sections"], record["text"].split(PART_SEPARATOR))
    shown = iter(aligned or ())
    return [
        SectionLines(
            section,
            tuple(
                BlockLines(
                    block, tuple(next(shown).split("\n")) if aligned is not None else _lines(block)
                )
                for block in section["blocks"]
            ),
        )
        for section in record["sections"]
    ]


def join_text(sections: Iterable[SectionLines]) -> str:
    """The text of these sections, as the extractor writes it."""
    parts = []
    for lines in sections:
        if lines.section["heading"]:
            parts.append(lines.section["heading"])
        parts.extend(block.text for block in lines.blocks)
    return PART_SEPARATOR.join(parts)


def _aligned(sections: list[dict[str, Any]], parts: list[str]) -> list[str] | None:
    """The parts of `text` for each block in order (headings skipped), when text follows the
    sections; else None."""
    headings = sum(1 for section in sections if section["heading"])
    if len(parts) != headings + sum(len(section["blocks"]) for section in sections):
        return None
    blocks: list[str] = []
    at = 0
    for section in sections:
        if section["heading"]:
            if parts[at] != section["heading"]:
                return None
            at += 1
        for block in section["blocks"]:
            part = parts[at]
            at += 1
            if block["type"] == "list":
                if part.count("\n") + 1 != len(block["items"]):
                    return None
            elif part != "\n".join(_lines(block)):
                return None
            blocks.append(part)
    return blocks


def _lines(block: dict[str, Any]) -> tuple[str, ...]:
    """The block's lines rebuilt from its fields (a list item's term and text joined by a
    space)."""
    if block["type"] == "paragraph":
        return (block["text"],)
    if block["type"] == "table":
        return tuple(" | ".join(row) for row in block["rows"])
    return tuple(" ".join(filter(None, (item["term"], item["text"]))) for item in block["items"])
