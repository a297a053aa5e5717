"""The dataset card, README.md: YAML the Hub and `datasets` read (configs, features, split
sizes), then what the folder holds, what was removed and why, what made the records, and the
terms each source site states, as far as the records know them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime

from healthcrawl.extractors import EXTRACTOR

from .chunks import TINY_SHARE, chunk_schema
from .dedup import KINDS, LSH_BANDS, NEAR_THRESHOLD, NUM_PERM, SHINGLE_WORDS
from .folder import REMOVED_FILE, SPLIT
from .summary import Options, Summary
from .templates import TEMPLATE_MIN_RECORDS, TEMPLATE_MIN_WORDS, template_threshold

KNOWN_TERMS = {
    "nih.gov": "US federal government work (NIH): public domain in the US (17 U.S.C. 105), "
    "except material the page credits to others.",
    "medlineplus.gov": "MedlinePlus (NLM): its health topic pages are US government works in "
    "the public domain; licensed parts (A.D.A.M. encyclopedia, drug monographs, images) are "
    "copyrighted by their owners.",
    "cdc.gov": "US federal government work (CDC): public domain in the US, except material the "
    "page credits to others.",
    "mayoclinic.org": "Mayo Clinic: copyright Mayo Foundation for Medical Education and Research "
    "(MFMER), all rights reserved; reuse beyond personal use needs its permission.",
    "mayoclinic.com": "Mayo Clinic: copyright Mayo Foundation for Medical Education and Research "
    "(MFMER), all rights reserved; reuse beyond personal use needs its permission.",
}
"""Host (or parent domain) -> what the site's own terms say, for the card's terms section."""
_SHOWN_TEMPLATES = 20
_SHOWN_PROBLEMS = 20
_SHOWN_RIGHTS = 5


def dataset_card(summary: Summary, options: Options) -> str:
    parts = [
        f"---\n{_yaml(summary, options)}---\n",
        _intro(summary, options),
        _sources(summary),
        _removed(summary, options),
        _chunks(summary, options),
        _extractors(summary),
        _terms(summary),
    ]
    return "\n".join(part for part in parts if part)


def _yaml(summary: Summary, options: Options) -> str:
    from datasets import DatasetInfo, Features, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    from healthcrawl.schema import hf_features

    configs = {"default": ("data", hf_features(), summary.written)}
    if options.chunks:
        chunks = sum(summary.chunk_tokens.values())
        configs["chunks"] = ("chunks", Features.from_arrow_schema(chunk_schema()), chunks)
    infos = {}
    for name, (_, features, rows) in configs.items():
        splits = SplitDict()
        splits.add(SplitInfo(name=SPLIT, num_examples=rows))
        infos[name] = DatasetInfo(features=features, splits=splits, config_name=name)
    data_files = [
        {"config_name": name, "data_files": [{"split": SPLIT, "path": f"{folder}/*.parquet"}]}
        for name, (folder, _, _) in configs.items()
    ]
    card = DatasetCardData(configs=data_files, tags=["healthcrawl", "health"])
    DatasetInfosDict(infos).to_dataset_card_data(card)
    return card.to_yaml() + "\n"


def _intro(summary: Summary, options: Options) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    inputs = "\n".join(f"- `{path}`" for path in summary.inputs)
    chunks = ""
    load = f'records = load_dataset("path/to/this/folder")["{SPLIT}"]'
    if options.chunks:
        chunks = f" and {_count(sum(summary.chunk_tokens.values()), 'chunk')} in `chunks/`"
        load += f'\nchunks = load_dataset("path/to/this/folder", "chunks")["{SPLIT}"]'
    return f"""# Health pages extracted by healthcrawl

Made by `healthcrawl export` (healthcrawl {EXTRACTOR["version"]}) on {when}:
{_count(summary.written, "record")} in `data/` ({_count(summary.shards, "Parquet file")}){chunks},
from {_count(sum(summary.read.values()), "valid input record")} in:

{inputs}

```python
from datasets import load_dataset

{load}
```

Each record is one web page: title, sections (headings with their paragraphs, lists and
tables), bullets, parsed references, provenance (URL, fetch time, document id, review date,
byline, copyright line) and the clean text; the features above are the record's schema,
version 1 (healthcrawl's `output/schema/record.v1.json`).
"""


def _sources(summary: Summary) -> str:
    kinds = [kind for kind in (*KINDS, "stub") if summary.removed.get(kind)]
    header = "| source | hosts | input records | kept |" + "".join(f" {k} |" for k in kinds)
    rows = [header, "|---" * (4 + len(kinds)) + "|"]
    for source in sorted(summary.read):
        hosts = ", ".join(host for host, _ in summary.hosts[source].most_common(3))
        removed = "".join(f" {summary.removed[k][source]} |" for k in kinds)
        rows.append(
            f"| {source} | {hosts} | {summary.read[source]} | {summary.kept[source]} |{removed}"
        )
    return "## Records per source\n\n" + "\n".join(rows) + "\n"


def _removed(summary: Summary, options: Options) -> str:
    lines = [
        "## What was removed, and why\n",
        f"`{REMOVED_FILE}` lists every input record left out: `id`, `url`, `source`, `reason` "
        "(`id`, `exact`, `near`, `stub`) and `kept_id`, the record kept in its place.\n",
    ]
    if options.dedup:
        counts = ", ".join(f"{k}: {sum(summary.removed[k].values())}" for k in KINDS)
        lines.append(
            f"**Duplicates** ({counts}). Kinds: "
            + "; ".join(f"`{k}`, {meaning}" for k, meaning in KINDS.items())
            + f". Near-duplicates: MinHash ({NUM_PERM} permutations, LSH in {LSH_BANDS} bands) "
            f"over {SHINGLE_WORDS}-word shingles, estimated Jaccard similarity >= "
            f"{NEAR_THRESHOLD}, on the text left after template removal. Of each group the "
            "record kept is the canonical one (fetched from its own canonical URL), else the "
            "earliest fetched, else the first read.\n"
        )
    else:
        lines.append("**Duplicates**: not removed (`--no-dedup`).\n")
    if summary.templates is None:
        lines.append("**Site templates**: not removed (`--no-templates`).\n")
    else:
        lines.append(_templates(summary, options.template_share))
    if summary.problems:
        shown = "\n".join(f"- {problem}" for problem in summary.problems[:_SHOWN_PROBLEMS])
        more = len(summary.problems) - _SHOWN_PROBLEMS
        tail = f"\n- ... and {more} more" if more > 0 else ""
        lines.append(
            f"**Input left out** ({len(summary.problems)}: records or files that could not be "
            f"read or fail the schema; the command exited 1):\n\n{shown}{tail}\n"
        )
    return "\n".join(lines)


def _templates(summary: Summary, template_share: float) -> str:
    assert summary.templates is not None
    stubs = sum(summary.removed["stub"].values())
    lines = [
        f"**Site templates**: a paragraph, list item or table of at least {TEMPLATE_MIN_WORDS} "
        f"words that appears in at least {template_share:.0%} of one site's records (and at "
        f"least {TEMPLATE_MIN_RECORDS}) is the site's stock text, and is removed from `text`, "
        "`sections` and `bullets`; a section it empties goes too. Records left with under "
        f"the extractor's minimum of main text were removed as stubs ({stubs}).\n",
        "| site | distinct texts | threshold | template units | removed from kept records | "
        "characters removed |",
        "|---|---|---|---|---|---|",
    ]
    small = 0
    for site, records in sorted(summary.site_records.items()):
        if records < TEMPLATE_MIN_RECORDS:
            small += 1
            continue
        before = summary.chars_before[site]
        share = f" ({summary.template_chars[site] / before:.0%})" if before else ""
        lines.append(
            f"| {site} | {records} | {template_threshold(records, template_share)} | "
            f"{len(summary.templates.by_site[site].counts)} | {summary.template_units[site]} "
            f"| {summary.template_chars[site]}{share} |"
        )
    if small:
        lines.append(
            f"\n{small} other sites had too few records to tell (under {TEMPLATE_MIN_RECORDS}): "
            "nothing was removed from them."
        )
    for site, template in sorted(summary.templates.by_site.items()):
        if template.counts:
            top = sorted(template.counts.items(), key=lambda item: -item[1])[:_SHOWN_TEMPLATES]
            shown = "\n".join(
                f"- {_count(n, 'record')}: {_clip(summary.templates.texts[key])}" for key, n in top
            )
            lines.append(f"\nTemplate units of {site} (most frequent first):\n\n{shown}")
    return "\n".join(lines) + "\n"


def _chunks(summary: Summary, options: Options) -> str:
    if not options.chunks:
        return ""
    sizes = sorted(summary.chunk_tokens.elements())
    counter = f"`{options.tokenizer}`" if options.tokenizer else "words and punctuation marks"
    figures = (
        f"tokens per chunk: median {statistics.median(sizes):g}, mean {statistics.mean(sizes):.0f}"
        f", min {sizes[0]}, max {sizes[-1]}"
        if sizes
        else "no chunks"
    )
    return f"""## Chunks

`chunks/`: {len(sizes)} chunks of at most {options.max_tokens} tokens (counted as {counter}):
{figures}. Columns: `record_id`, `url`, `title`, `heading_path` (the title, then the headings
above the chunk, from the top), `chunk_index`, `n_tokens`, `text`. A chunk stays inside one
section when the section fits; a longer one is cut between blocks, then list items or table
rows, then sentences; chunks under {TINY_SHARE:.1%} of the maximum merge with a related
neighbour. A record's chunks, in order, hold all of its text.
"""


def _extractors(summary: Summary) -> str:
    rows = ["| healthcrawl | trafilatura | method | records |", "|---|---|---|---|"]
    for (version, trafilatura, method), n in sorted(summary.extractors.items()):
        rows.append(f"| {version} | {trafilatura} | {method} | {n} |")
    return "## What made the records\n\n" + "\n".join(rows) + "\n"


def _terms(summary: Summary) -> str:
    lines = [
        "## Terms of the source sites\n",
        "What each site says about reuse, as far as the records know it (their `rights` "
        "field, the page's copyright line) and as the site's terms are known to healthcrawl. "
        "This is not legal advice: whether and how this dataset may be used is for its user "
        "to decide.\n",
    ]
    for source in sorted(summary.kept):
        lines.append(f"**{source}** ({_count(summary.kept[source], 'record')})")
        for host in summary.hosts[source]:
            terms = _known_terms(host)
            if terms:
                lines.append(f"- {host}: {terms}")
        rights: Counter[str] = summary.rights[source]
        for line, n in rights.most_common(_SHOWN_RIGHTS):
            said = _clip(line) if line else "no copyright line"
            lines.append(f"- {_count(n, 'record')}: {said}")
        lines.append("")
    return "\n".join(lines)


def _known_terms(host: str) -> str | None:
    """The KNOWN_TERMS of the host or of its nearest listed parent domain."""
    labels = host.split(".")
    for start in range(len(labels) - 1):
        terms = KNOWN_TERMS.get(".".join(labels[start:]))
        if terms:
            return terms
    return None


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _clip(text: str, length: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= length else text[: length - 1] + "…"
