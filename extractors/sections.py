"""trafilatura's cleaned body tree to ordered sections, flat bullets and the clean text.

One walk over the tree builds all three, so the text is exactly what the sections hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .bullets import split_term
from .record import Block, Bullet, ListItem, Section
from .text import is_boilerplate_line, normalize_space

_CONTAINERS = {"div", "quote", "section", "article"}


@dataclass(slots=True)
class _Open:
    heading: str | None
    level: int | None
    blocks: list[Block] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Structure:
    sections: tuple[Section, ...]
    bullets: tuple[Bullet, ...]
    text: str


def read_structure(body: etree._Element, title: str | None) -> Structure:
    """Walk the body once. The title's own heading, before any content, opens no section:
    the title is a field of its own, so its blocks go to the untitled first section."""
    for line_break in body.iter("lb"):
        line_break.text = " "  # else "a<lb/>b" reads "ab"
    sections: list[_Open] = [_Open(None, None)]
    _walk(body, sections, title)
    kept = [s for s in sections if s.blocks or s.heading]
    bullets = [
        Bullet(section=s.heading, term=item.term, text=item.text)
        for s in kept
        for block in s.blocks
        if block.type == "list"
        for item in block.items or ()
    ]
    chunks = [chunk for s in kept for chunk in ([s.heading] if s.heading else []) + s.lines]
    return Structure(
        sections=tuple(Section(s.heading, s.level, tuple(s.blocks)) for s in kept),
        bullets=tuple(bullets),
        text="\n\n".join(chunks),
    )


def _walk(parent: etree._Element, sections: list[_Open], title: str | None) -> None:
    """Blocks in order; loose text (the parent's text, a child's tail) is a paragraph too."""
    _add_paragraph(normalize_space(parent.text or ""), sections[-1])
    for child in parent:
        tag = child.tag
        if tag == "head":
            heading = _text(child)
            is_title = heading == title and len(sections) == 1 and not sections[0].blocks
            if heading and not is_title and not is_boilerplate_line(heading):
                sections.append(_Open(heading, _level(child)))
        elif tag == "list":
            _add_list(child, sections[-1])
        elif tag == "table":
            _add_table(child, sections[-1])
        elif tag in _CONTAINERS and any(c.tag in ("p", "head", "list", "table") for c in child):
            _walk(child, sections, title)
        elif tag != "graphic":
            _add_paragraph(_text(child), sections[-1])
        _add_paragraph(normalize_space(child.tail or ""), sections[-1])


def _add_paragraph(text: str, section: _Open) -> None:
    if text and not is_boilerplate_line(text):
        section.blocks.append(Block(type="paragraph", text=text))
        section.lines.append(text)


def _add_definitions(element: etree._Element, section: _Open) -> None:
    """A <dl> is labelled text, not bullets: each term with its descriptions is a paragraph."""
    lines: list[str] = []
    for item in element.iter("item"):
        text = _own_text(item)
        if (item.get("rend") or "").startswith("dt") or not lines:
            lines.append(text)
        else:
            lines[-1] = f"{lines[-1]} {text}"
    for line in lines:
        _add_paragraph(line, section)


def _add_list(element: etree._Element, section: _Open) -> None:
    if element.get("rend") == "dl":
        _add_definitions(element, section)
        return
    items: list[ListItem] = []
    lines: list[str] = []
    for item in element.iter("item"):
        display = _own_text(item)
        if not display or is_boilerplate_line(display):
            continue
        term, rest = split_term(item, display)
        items.append(ListItem(term=term, text=rest))
        lines.append(display)
    if items:
        ordered = element.get("rend") == "ol"
        section.blocks.append(Block(type="list", ordered=ordered, items=tuple(items)))
        section.lines.append("\n".join(lines))


def _add_table(element: etree._Element, section: _Open) -> None:
    rows = [tuple(_text(cell) for cell in row.iter("cell")) for row in element.iter("row")]
    rows = [row for row in rows if any(row)]
    if len(rows) > 1 and _is_caption(rows[0]):
        _add_paragraph(rows.pop(0)[0], section)
    if rows:
        section.blocks.append(Block(type="table", rows=tuple(rows)))
        section.lines.append("\n".join(" | ".join(row) for row in rows))


def _is_caption(row: tuple[str, ...]) -> bool:
    """trafilatura turns <caption> into a first row: one filled cell, the rest empty."""
    return len(row) > 1 and bool(row[0]) and not any(row[1:])


def _level(head: etree._Element) -> int:
    rend = head.get("rend") or "h2"
    return int(rend[1]) if rend[:1] == "h" and rend[1:2].isdigit() else 2


def _text(element: etree._Element) -> str:
    return normalize_space("".join(element.itertext()))


def _own_text(item: etree._Element) -> str:
    """An item's text without its nested lists (they become items of their own)."""
    parts = [item.text or ""]
    for child in item:
        if child.tag != "list":
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return normalize_space("".join(parts))
