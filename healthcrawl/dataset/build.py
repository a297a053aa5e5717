"""Record files to a dataset folder, in three passes over the inputs, so memory holds a few
numbers and a MinHash signature per record and each site's unit counts, never the records.

1. Read and check every record; find `id` duplicates, and `exact` ones of the text as read;
   count each site's units (each distinct text once, so copies of one page cannot make its
   sentences look like a template).
2. Remove the templates; a record left under MIN_TEXT_CHARS is a `stub` (even when it is an
   exact copy too: a page that is all template is a stub first); find `exact` and `near`
   duplicates among the texts that are left.
3. Write the records kept (validated again when template removal changed them) and their
   chunks, what was removed and why (removed.jsonl: id, url, source, reason, and the id of
   the record kept in its place), then the card, into a staging folder renamed into place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from healthcrawl.extractors import MIN_TEXT_CHARS
from healthcrawl.output.validate import validate

from .card import dataset_card
from .chunks import chunk_record, chunk_schema
from .dedup import Entry, NearDuplicates, Removal, entry, exact_duplicates
from .folder import REMOVED_FILE, ShardWriter, staged
from .records import RecordPasses
from .summary import Options, Summary
from .templates import Cleaned, TemplateCounter, Templates


class NothingToExport(ValueError):
    """No record is left to export."""


def build_dataset(
    files: Sequence[Path], target: Path, options: Options, summary: Summary
) -> Summary:
    """Export `files` to `target`; the problems found in the inputs are added to `summary`."""
    passes = RecordPasses(files)
    entries, sources, same_id, copies, templates = _first_pass(passes, options, summary)
    removed = _resolved(
        {**same_id, **copies, **_second_pass(passes, options, templates, same_id, copies)}
    )
    for number, (kind, _) in removed.items():
        summary.removed[kind][sources[number]] += 1
    if len(removed) == len(entries):
        raise NothingToExport("no record left to export")
    summary.templates = templates
    with staged(target) as folder:
        _write(passes, folder, options, templates, (removed, entries), summary)
        (folder / "README.md").write_text(dataset_card(summary, options), encoding="utf-8")
    return summary


def _first_pass(
    passes: RecordPasses, options: Options, summary: Summary
) -> tuple[list[Entry], list[str], dict[int, Removal], dict[int, Removal], Templates | None]:
    """Each record's entry and source, its id and exact duplicates, and the templates."""
    entries: list[Entry] = []
    sources: list[str] = []
    counter = TemplateCounter(share=options.template_share)
    counted: set[bytes] = set()
    for number, record in passes.first(summary.problems):
        summary.read[record["source"]] += 1
        sources.append(record["source"])
        entries.append(entry(record, number))
        if options.templates and entries[-1].text not in counted:
            counted.add(entries[-1].text)
            counter.add(record)
    same_id: dict[int, Removal] = {}
    copies: dict[int, Removal] = {}
    if options.dedup:
        same_id = exact_duplicates(entries, "id")
        copies = exact_duplicates((e for e in entries if e.number not in same_id), "exact")
    summary.site_records = counter.records
    templates = counter.templates() if options.templates else None
    return entries, sources, same_id, copies, templates


def _second_pass(
    passes: RecordPasses,
    options: Options,
    templates: Templates | None,
    same_id: dict[int, Removal],
    copies: dict[int, Removal],
) -> dict[int, Removal]:
    """Stubs, and the exact and near duplicates of the text left after template removal."""
    if templates is None and not options.dedup:
        return {}
    found: dict[int, Removal] = {}
    entries = []
    near = NearDuplicates() if options.dedup else None
    for number, record in passes.again():
        if number in same_id:
            continue
        text = templates.clean(record).record["text"] if templates else record["text"]
        if len(text) < MIN_TEXT_CHARS and templates:
            found[number] = ("stub", None)
        elif near is not None and number not in copies:
            entries.append(entry({**record, "text": text}, number))
            near.add(number, text, entries[-1].rank)
    if near is not None:
        found |= exact_duplicates(entries, "exact")
        for number, removal in near.removed().items():
            found.setdefault(number, removal)
    return found


def _resolved(removed: dict[int, Removal]) -> dict[int, Removal]:
    """Each duplicate pointing at the record finally kept in its place (the one it lost to
    may have gone too: a stub, or a duplicate of another); None when none was kept."""
    resolved = {}
    for number, (kind, kept) in removed.items():
        seen = {number}
        while kept is not None and kept in removed and kept not in seen:
            seen.add(kept)
            kept = removed[kept][1]
        resolved[number] = (kind, None if kept in removed else kept)
    return resolved


def _write(
    passes: RecordPasses,
    folder: Path,
    options: Options,
    templates: Templates | None,
    decisions: tuple[dict[int, Removal], list[Entry]],
    summary: Summary,
) -> None:
    """The records kept to data/, their chunks to chunks/, the others to REMOVED_FILE."""
    from healthcrawl.schema import arrow_schema

    removed, entries = decisions
    data = ShardWriter(folder / "data", arrow_schema(), options.rows_per_shard)
    chunks = options.chunks and ShardWriter(
        folder / "chunks", chunk_schema(), options.rows_per_shard * 10
    )
    with (folder / REMOVED_FILE).open("w", encoding="utf-8") as out:
        for number, original in passes.again():
            if number in removed:
                out.write(_removal_line(original, *removed[number], entries))
                continue
            cleaned = templates.clean(original) if templates else Cleaned(original, 0, 0)
            record = cleaned.record
            if cleaned.units:  # the first pass validated every input record
                validate(record, label=f"record {record['id']} after template removal")
            data.write(record)
            summary.add_written(record, cleaned, len(original["text"]))
            for row in chunk_record(record, options.max_tokens, options.count) if chunks else ():
                chunks.write(row)
                summary.chunk_tokens[row["n_tokens"]] += 1
    data.close()
    summary.shards = len(data.files)
    if chunks:
        chunks.close()
        summary.chunk_shards = len(chunks.files)


def _removal_line(
    record: dict[str, Any], reason: str, kept: int | None, entries: list[Entry]
) -> str:
    line = {
        "id": record["id"],
        "url": record["url"],
        "source": record["source"],
        "reason": reason,
        "kept_id": None if kept is None else entries[kept].id,
    }
    return json.dumps(line, ensure_ascii=False) + "\n"
