"""What an export is asked to do (`Options`) and what it read, kept and removed (`Summary`): the
numbers the dataset card and the command's summary line report."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from .chunks import DEFAULT_MAX_TOKENS, TokenCounter, count_tokens
from .records import Problem
from .templates import TEMPLATE_SHARE, Cleaned, Templates, host_of, site_of


@dataclass(frozen=True, slots=True)
class Options:
    """The command's switches."""

    dedup: bool = True
    templates: bool = True
    template_share: float = TEMPLATE_SHARE
    chunks: bool = False
    max_tokens: int = DEFAULT_MAX_TOKENS
    count: TokenCounter = count_tokens
    tokenizer: str | None = None
    """The tokenizer file `count` reads, for the card; None: the default counter."""
    rows_per_shard: int = 10_000
    """Records per data/*.parquet file; chunks get ten times as many per file."""


@dataclass(slots=True)
class Summary:
    inputs: list[str]
    read: Counter[str] = field(default_factory=Counter)
    """Valid input records per source."""
    kept: Counter[str] = field(default_factory=Counter)
    """Records written per source."""
    removed: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Removal kind (id, exact, near, stub) -> records per source."""
    problems: list[Problem] = field(default_factory=list)
    templates: Templates | None = None
    site_records: Counter[str] = field(default_factory=Counter)
    """Records per site the template counts were taken over."""
    template_units: Counter[str] = field(default_factory=Counter)
    """Template units removed from the written records, per site."""
    template_chars: Counter[str] = field(default_factory=Counter)
    chars_before: Counter[str] = field(default_factory=Counter)
    """Text characters of the written records before template removal, per site."""
    extractors: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(healthcrawl version, trafilatura version, method) of the written records."""
    rights: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Source -> the records' copyright lines (`rights`; "" when a record has none)."""
    hosts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Source -> host names of the written records' URLs."""
    shards: int = 0
    chunk_shards: int = 0
    chunk_tokens: Counter[int] = field(default_factory=Counter)
    """n_tokens -> chunks of that size."""

    def add_written(self, record: dict[str, Any], cleaned: Cleaned, before: int) -> None:
        source = record["source"]
        self.kept[source] += 1
        site = site_of(record)
        self.template_units[site] += cleaned.units
        self.template_chars[site] += cleaned.chars
        self.chars_before[site] += before
        info = record["extractor"]
        self.extractors[(info["version"], info["trafilatura"], info["method"])] += 1
        self.rights[source][record["rights"] or ""] += 1
        self.hosts[source][host_of(record) or "(no URL)"] += 1

    @property
    def written(self) -> int:
        return sum(self.kept.values())
