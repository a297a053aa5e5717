"""Hand-made records for the dataset export's tests: valid against the record's schema, with
`text` built from the sections the way the extractor builds it (extractors/sections.py)."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from healthcrawl.output.validate import validate

Block = str | list[str] | tuple[tuple[str, ...], ...]
"""A paragraph, a list's items, or a table's rows."""
Section = tuple[str | None, int | None, list[Block]]

_VOCABULARY = (
    "fever cough rash fatigue nausea headache joint muscle liver kidney heart lung blood "
    "skin nerve bone child adult infant gene variant protein enzyme hormone cell tissue "
    "swelling pain weakness tremor seizure vision hearing speech growth weight sleep "
    "appetite breathing infection immune allergy diet exercise surgery therapy dose tablet "
    "injection scan test biopsy doctor nurse clinic hospital week month year daily rarely"
).split()


def prose(seed: int, words: int = 40) -> str:
    """A sentence of `words` words drawn by `seed`: distinct seeds give unrelated texts."""
    rng = random.Random(seed)
    return " ".join(rng.choice(_VOCABULARY) for _ in range(words)).capitalize() + "."


def record(
    url: str | None,
    title: str,
    sections: list[Section],
    *,
    source: str = "generic",
    fetched_at: str | None = None,
    canonical_url: str | None = None,
    rights: str | None = None,
) -> dict[str, Any]:
    parts: list[str] = []
    bullets = []
    for heading, _, blocks in sections:
        parts += [heading] if heading else []
        for block in blocks:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, list):
                parts.append("\n".join(block))
                bullets += [{"section": heading, "term": None, "text": item} for item in block]
            else:
                parts.append("\n".join(" | ".join(row) for row in block))
    made = {
        "id": hashlib.sha256((canonical_url or url or title).encode()).hexdigest()[:32],
        "url": url,
        "canonical_url": canonical_url,
        "source": source,
        "fetched_at": fetched_at,
        "language": "en",
        "title": title,
        "sections": [
            {"heading": heading, "level": level, "blocks": [_block(b) for b in blocks]}
            for heading, level, blocks in sections
        ],
        "bullets": bullets,
        "references": [],
        "byline": None,
        "doc_id": None,
        "date_modified": None,
        "date_published": None,
        "rights": rights,
        "text": "\n\n".join(parts),
        "extractor": {
            "name": "healthcrawl",
            "version": "0.1.0",
            "trafilatura": "2.3.1",
            "method": "healthcrawl",
        },
        "schema_version": "1",
    }
    validate(made, label=title)
    return made


def _block(block: Block) -> dict[str, Any]:
    empty = {"text": None, "ordered": None, "items": None, "rows": None}
    if isinstance(block, str):
        return {**empty, "type": "paragraph", "text": block}
    if isinstance(block, list):
        items = [{"term": None, "text": item} for item in block]
        return {**empty, "type": "list", "ordered": False, "items": items}
    return {**empty, "type": "table", "rows": [list(row) for row in block]}


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for made in records:
            out.write(json.dumps(made, ensure_ascii=False) + "\n")
    return path
