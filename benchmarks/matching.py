"""How the benchmarks compare strings: both sides normalised, then a whole-word substring test."""

from __future__ import annotations

import html
import re
import unicodedata

_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'"}
    | {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"'}
)


def normalize(text: str) -> str:
    """As gold.jsonl asks: NFKC, entities decoded, straight quotes, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", html.unescape(text)).translate(_QUOTES).split())


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether normalised `phrase` occurs in already-normalised `text`, case-sensitive, and not
    inside a longer word ("Home" does not match "Homeowners"); an empty phrase never does."""
    needle = normalize(phrase)
    if not needle or needle not in text:
        return False
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", text) is not None
