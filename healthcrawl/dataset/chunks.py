"""Section-aware chunks of a record's text, for retrieval.

A chunk stays inside one section when the section fits in `max_tokens`. A longer section is
cut at the coarsest boundary that works: between blocks, then between a list's items or a
table's rows, then between sentences, then between words; a list or table that fits stays
whole. A tiny chunk (under TINY_SHARE of `max_tokens`: a heading-only section, a one-line
section) merges with its neighbour when the two sit under the same parent heading, or one sits
under the other, and its `heading_path` is then the headings they share.

Every chunk is a slice of the record's `text`, and consecutive chunks are separated in it only
by whitespace: together they are the whole text, in order, so no sentence is lost between them.
Each section's first chunk starts with its heading line; `heading_path` gives the record's
title and the headings above the chunk, from the top.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .layout import PART_SEPARATOR, join_text, section_lines

if TYPE_CHECKING:
    import pyarrow as pa

TokenCounter = Callable[[str], int]

DEFAULT_MAX_TOKENS = 512
"""Tokens per chunk at most, counted by `count_tokens` unless a tokenizer file is given."""
TINY_SHARE = 0.125
"""A chunk under this share of max_tokens (64 of 512) is tiny: it merges with a neighbour."""
_TOKEN = re.compile(r"\w+|[^\w\s]")
_CUTS = (
    re.compile(re.escape(PART_SEPARATOR)),  # between blocks
    re.compile(r"\n"),  # between list items, table rows
    re.compile(r"(?<=[.!?])\s+"),  # between sentences
    re.compile(r"\s+"),  # between words
)


def count_tokens(text: str) -> int:
    """The default counter: each run of letters and digits is a token, and so is each other
    non-space character. It needs no model; subword tokenizers count more (a rare word is
    several tokens)."""
    return len(_TOKEN.findall(text))


class TokenizerError(ValueError):
    """A --tokenizer file that cannot be loaded."""


def tokenizer_counter(path: str | Path) -> TokenCounter:
    """A counter from a Hugging Face `tokenizers` file (tokenizer.json), special tokens left
    out: the optional dependency of the `dataset` extra."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise TokenizerError(
            f"{path}: --tokenizer needs the tokenizers package: pip install 'healthcrawl[dataset]'"
        ) from None
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises a bare Exception for a bad file
        raise TokenizerError(f"{path}: not a tokenizers file ({error})") from None
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


@dataclass(slots=True)
class _Piece:
    path: list[str]
    start: int
    end: int
    """The slice of the record's text."""


def chunk_record(
    record: dict[str, Any], max_tokens: int = DEFAULT_MAX_TOKENS, count: TokenCounter = count_tokens
) -> list[dict[str, Any]]:
    """The record's chunks as rows of `chunk_schema()`."""
    text = record["text"]
    pieces: list[_Piece] = []
    offset = 0
    for path, lines in zip(_heading_paths(record), section_lines(record), strict=True):
        length = len(join_text([lines]))
        for start, end in _spans(text, offset, offset + length, max_tokens, count):
            pieces.append(_Piece(path, start, end))
        offset += length + len(PART_SEPARATOR)
    merged = _merged(pieces, text, max_tokens, count)
    return [
        {
            "record_id": record["id"],
            "url": record["url"],
            "title": record["title"],
            "heading_path": piece.path,
            "chunk_index": index,
            "n_tokens": count(text[piece.start : piece.end]),
            "text": text[piece.start : piece.end],
        }
        for index, piece in enumerate(merged)
    ]


def _heading_paths(record: dict[str, Any]) -> list[list[str]]:
    """For each section: the title, then the headings above it and its own, from the top."""
    above: list[tuple[int, str]] = []
    paths = []
    for section in record["sections"]:
        if section["heading"]:
            level = section["level"] or 0
            while above and above[-1][0] >= level:
                above.pop()
            above.append((level, section["heading"]))
        paths.append([record["title"], *(heading for _, heading in above)])
    return paths


def _spans(
    text: str, start: int, end: int, limit: int, count: TokenCounter, cut: int = 0
) -> list[tuple[int, int]]:
    """text[start:end] as consecutive slices within `limit`, cut at the coarsest boundary
    that works (_CUTS), packing as much as fits into each. A single word over the limit stays
    one slice."""
    if cut == len(_CUTS) or count(text[start:end]) <= limit:
        return [(start, end)]
    atoms = []
    at = start
    for boundary in _CUTS[cut].finditer(text, start, end):
        atoms.append((at, boundary.start()))
        at = boundary.end()
    atoms.append((at, end))
    spans: list[tuple[int, int]] = []
    for atom_start, atom_end in atoms:
        for span in _spans(text, atom_start, atom_end, limit, count, cut + 1):
            if spans and count(text[spans[-1][0] : span[1]]) <= limit:
                spans[-1] = (spans[-1][0], span[1])
            else:
                spans.append(span)
    return spans


def _merged(pieces: list[_Piece], text: str, limit: int, count: TokenCounter) -> list[_Piece]:
    """Tiny pieces joined to the piece before them (or a piece joined to a tiny one before it)
    when the two fit and are siblings, or one's headings contain the other's."""
    tiny = limit * TINY_SHARE
    merged: list[_Piece] = []
    for piece in pieces:
        if merged:
            last = merged[-1]
            shared = _shared(last.path, piece.path)
            siblings = len(last.path) == len(piece.path) == len(shared) + 1
            related = siblings or shared in (last.path, piece.path)
            small = count(text[last.start : last.end]) < tiny or (
                count(text[piece.start : piece.end]) < tiny
            )
            if related and small and count(text[last.start : piece.end]) <= limit:
                merged[-1] = _Piece(shared, last.start, piece.end)
                continue
        merged.append(piece)
    return merged


def _shared(first: list[str], second: list[str]) -> list[str]:
    """The headings two paths share, from the top."""
    shared = []
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        shared.append(a)
    return shared


@cache
def chunk_schema() -> pa.Schema:
    """The chunks' Arrow columns."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("record_id", pa.string(), nullable=False),
            pa.field("url", pa.string()),
            pa.field("title", pa.string(), nullable=False),
            pa.field("heading_path", pa.list_(pa.string()), nullable=False),
            pa.field("chunk_index", pa.int64(), nullable=False),
            pa.field("n_tokens", pa.int64(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
        ]
    )
