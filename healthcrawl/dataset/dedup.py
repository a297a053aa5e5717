"""Duplicate records, of three kinds, and which record of a group is kept.

- `id`: the same record id, i.e. the same page (same canonical URL) read twice: fetched again,
  or in two input files.
- `exact`: the same normalised text (NFKC, casefolded, words only) under different ids: a
  mirror, a URL variant, a page republished elsewhere.
- `near`: MinHash LSH over word shingles proposes candidate pairs; a pair counts when the
  MinHash estimate of the Jaccard similarity of their shingle sets is at least NEAR_THRESHOLD.
  A group is the pairs' connected component.

Of each group one record is kept (`rank`): the canonical one (fetched from the URL its page
names as canonical), else the earliest fetched, else the first read. The export runs `exact`
and `near` on the text left after template removal, so a site's stock sentences do not make
its different pages look alike. Parameters were chosen on planted copies of real pages
(benchmarks/dataset.py, numbers in benchmarks/README.md).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["id", "exact", "near"]
KINDS: dict[Kind, str] = {
    "id": "same record id (the same page read twice)",
    "exact": "same normalised text under another id",
    "near": "near-duplicate text (MinHash LSH)",
}

SHINGLE_WORDS = 3
"""Words per shingle. Three, not five: a word edited every 33 words (3%) then changes about 9%
of the shingles instead of 15%, which keeps such copies well above NEAR_THRESHOLD."""
NEAR_THRESHOLD = 0.7
"""Estimated Jaccard similarity of the shingle sets at and above which two texts are
near-duplicates: with 3-word shingles it found all 150 planted 3%-edited copies of real pages;
0.8 missed 5, 0.6 also grouped 14 more real pages (benchmarks/README.md)."""
NUM_PERM = 128
"""MinHash permutations: the estimate's standard error is about 0.04 near the threshold."""
LSH_BANDS = 32
"""Bands of 4 rows: a pair at the threshold becomes a candidate with probability 0.9998; the
candidates are then checked against NEAR_THRESHOLD."""
_SEED = 42
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Entry:
    """What deduplication needs of one record."""

    number: int
    """The record's place in the input, from 0."""
    id: str
    text: bytes
    """`text_key` of its text."""
    rank: tuple[bool, str, int]


def rank(record: dict[str, Any], number: int) -> tuple[bool, str, int]:
    """Lower is kept: canonical first, then earliest fetched (unknown last), then input order."""
    canonical = record["canonical_url"] is not None and record["canonical_url"] == record["url"]
    return (not canonical, record["fetched_at"] or "~", number)


def entry(record: dict[str, Any], number: int) -> Entry:
    return Entry(number, record["id"], text_key(record["text"]), rank(record, number))


def text_key(text: str) -> bytes:
    """The text's identity for exact duplicates: NFKC, casefolded, words only, hashed."""
    return hashlib.blake2b(" ".join(words(text)).encode(), digest_size=16).digest()


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, width: int = SHINGLE_WORDS) -> set[str]:
    """Word `width`-grams; a text shorter than that is one shingle."""
    tokens = words(text)
    width = min(width, len(tokens)) or 1
    return {" ".join(tokens[i : i + width]) for i in range(max(1, len(tokens) - width + 1))}


Removal = tuple[str, int | None]
"""Why a record goes (a kind, or "stub"), and the number of the record kept in its place."""


def exact_duplicates(entries: Iterable[Entry], kind: Kind) -> dict[int, Removal]:
    """Record number -> (kind, record kept), for every record that loses to a better-ranked
    one with the same id (`kind` "id") or the same text ("exact")."""
    key: Callable[[Entry], Hashable] = (lambda e: e.id) if kind == "id" else (lambda e: e.text)
    best: dict[Hashable, Entry] = {}
    losers: dict[int, Hashable] = {}
    for item in entries:
        held = best.setdefault(key(item), item)
        if held is not item:
            loser, best[key(item)] = (held, item) if item.rank < held.rank else (item, held)
            losers[loser.number] = key(item)
    return {number: (kind, best[group].number) for number, group in losers.items()}


class NearDuplicates:
    """MinHash signatures of the texts added; `removed()` finds the groups (rensa's R-MinHash
    and LSH: the faster of the two maintained libraries, measured in benchmarks/README.md).
    The parameters default to the module's; benchmarks/dataset.py varies them."""

    def __init__(
        self, threshold: float = NEAR_THRESHOLD, shingle_words: int = SHINGLE_WORDS
    ) -> None:
        from rensa import RMinHashLSH

        self.threshold = threshold
        self.shingle_words = shingle_words
        self.index = RMinHashLSH(threshold, NUM_PERM, LSH_BANDS)
        self.signatures: dict[int, Any] = {}
        self.ranks: dict[int, tuple[bool, str, int]] = {}

    def add(self, number: int, text: str, order: tuple[bool, str, int]) -> None:
        from rensa import RMinHash

        signature = RMinHash(NUM_PERM, _SEED)
        signature.update(list(shingles(text, self.shingle_words)))
        self.index.insert(number, signature)
        self.signatures[number] = signature
        self.ranks[number] = order

    def removed(self) -> dict[int, Removal]:
        """Record number -> ("near", record kept), for all but the best-ranked record of each
        group."""
        parent = {number: number for number in self.signatures}

        def root(number: int) -> int:
            while parent[number] != number:
                parent[number] = parent[parent[number]]
                number = parent[number]
            return number

        for number, signature in self.signatures.items():
            for other in self.index.query(signature):
                similar = signature.jaccard(self.signatures[other]) >= self.threshold
                if other != number and similar:
                    parent[root(other)] = root(number)
        best: dict[int, int] = {}
        for number in self.signatures:
            group = root(number)
            if group not in best or self.ranks[number] < self.ranks[best[group]]:
                best[group] = number
        return {
            number: ("near", best[root(number)])
            for number in self.signatures
            if best[root(number)] != number
        }
