"""Every real page in ../shared/pages gives a valid record with the gold title, or, for a
listing page such as the NHS A-Z index, a specific refusal. Pages are read in place."""

from __future__ import annotations

import html
import json
import unicodedata

import pytest

from healthcrawl.extractors import ListingPageError
from tests.conftest import SHARED, extract_valid, shared_path

GOLD_FILE = SHARED / "pages" / "gold.jsonl"
GOLD = (
    [json.loads(line) for line in GOLD_FILE.read_text("utf-8").splitlines()]
    if GOLD_FILE.exists()
    else []
)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalize(text: str) -> str:
    """As gold.jsonl asks: NFKC, entities decoded, straight quotes, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", html.unescape(text)).translate(_QUOTES).split())


def test_gold_file_lists_pages() -> None:
    shared_path("pages", "gold.jsonl")
    assert len(GOLD) == 17


@pytest.mark.parametrize("gold", GOLD, ids=[g["file"] for g in GOLD])
def test_real_page(gold: dict) -> None:
    data = shared_path("pages", gold["file"]).read_bytes()
    if gold["kind"] == "listing":
        with pytest.raises(ListingPageError, match=r"listing page: mostly links, no article text$"):
            extract_valid(data, gold["url"])
        return
    record = extract_valid(data, gold["url"])
    assert normalize(record.title) == normalize(gold["title"])
    assert record.text
