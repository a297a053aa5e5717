"""Section-aware chunks: where they are cut, what merges, their columns, and that together they
hold all of the record's text."""

from __future__ import annotations

import json

import pytest

from healthcrawl.dataset.chunks import chunk_record, count_tokens, tokenizer_counter
from tests.conftest import shared_path
from tests.records import prose, record

TITLE = "Asthma"


def _chunks(sections: list, max_tokens: int) -> list[tuple[list[str], int, str]]:
    made = record("https://example.org/asthma", TITLE, sections)
    rows = chunk_record(made, max_tokens)
    assert [row["chunk_index"] for row in rows] == list(range(len(rows)))
    assert {(row["record_id"], row["url"], row["title"]) for row in rows} == {
        (made["id"], made["url"], TITLE)
    }
    assert [row["n_tokens"] for row in rows] == [count_tokens(row["text"]) for row in rows]
    assert " ".join(row["text"] for row in rows).split() == made["text"].split()
    return [(row["heading_path"], row["n_tokens"], row["text"]) for row in rows]


def test_the_default_counter_counts_words_and_punctuation_marks() -> None:
    assert count_tokens("Fever, 39.4 C!") == 7


def test_each_section_that_fits_is_one_chunk_with_its_heading_path() -> None:
    causes, genes, triggers = prose(1, 20), prose(2, 20), prose(3, 20)
    chunks = _chunks(
        [
            ("Causes", 2, [causes]),
            ("Genes", 3, [genes]),
            ("Triggers", 2, [triggers]),
        ],
        max_tokens=30,
    )
    assert chunks == [
        ([TITLE, "Causes"], 22, f"Causes\n\n{causes}"),
        ([TITLE, "Causes", "Genes"], 22, f"Genes\n\n{genes}"),
        ([TITLE, "Triggers"], 22, f"Triggers\n\n{triggers}"),
    ]


def test_a_long_section_is_cut_between_blocks_then_sentences() -> None:
    first, second = prose(1, 12), prose(2, 12)
    long = " ".join(prose(n, 9) for n in range(10, 14))  # four sentences of 10 tokens
    chunks = _chunks([("Causes", 2, [first, second, long])], max_tokens=28)
    assert [text for _, _, text in chunks] == [
        f"Causes\n\n{first}\n\n{second}",
        " ".join(prose(n, 9) for n in (10, 11)),
        " ".join(prose(n, 9) for n in (12, 13)),
    ]
    assert {tuple(path) for path, _, _ in chunks} == {(TITLE, "Causes")}


def test_a_list_that_fits_stays_whole_and_a_long_one_is_cut_between_items() -> None:
    items = [f"Item {n} of the list" for n in range(6)]  # 5 tokens each
    chunks = _chunks([("Symptoms", 2, [prose(1, 20), items])], max_tokens=32)
    assert [text for _, _, text in chunks] == [
        f"Symptoms\n\n{prose(1, 20)}",
        "\n".join(items),
    ]
    chunks = _chunks([("Symptoms", 2, [items])], max_tokens=12)
    assert [text for _, _, text in chunks] == [
        "Symptoms\n\nItem 0 of the list\nItem 1 of the list",
        "Item 2 of the list\nItem 3 of the list",
        "Item 4 of the list\nItem 5 of the list",
    ]


def test_tiny_sections_merge_under_their_parent_heading() -> None:
    body = prose(9, 60)
    chunks = _chunks(
        [
            ("Overview", 2, []),
            ("Summary", 3, [prose(1, 10)]),
            ("Outlook", 3, [prose(2, 10)]),
            ("Causes", 2, [body]),
        ],
        max_tokens=200,  # tiny: under 25 tokens
    )
    assert chunks == [
        (
            [TITLE, "Overview"],
            25,
            f"Overview\n\nSummary\n\n{prose(1, 10)}\n\nOutlook\n\n{prose(2, 10)}",
        ),
        ([TITLE, "Causes"], 62, f"Causes\n\n{body}"),
    ]


def test_a_tokenizer_file_counts_the_tokens(tmp_path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    vocabulary = {"[UNK]": 0, "fever": 1, "cough": 2}
    tokenizer = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocabulary, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    count = tokenizer_counter(tmp_path / "tokenizer.json")
    assert count("fever, cough") == 3


def test_real_records_are_covered_at_every_size() -> None:
    """Every gold page's record (lists, tables, long sections), cut to several sizes: the
    chunks hold the whole text in order, and none is over the limit."""
    from healthcrawl import Page, Skip, process

    folder = shared_path("pages")
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text("utf-8").splitlines()]
    records = []
    for page in gold[:8]:
        try:
            records.append(process(Page(page["url"], (folder / page["file"]).read_bytes())))
        except Skip:
            continue
    assert len(records) >= 6
    for made in records:
        as_dict = made.to_dict()
        for limit in (8, 40, 512):
            rows = chunk_record(as_dict, limit)
            assert " ".join(r["text"] for r in rows).split() == as_dict["text"].split()
            assert max(r["n_tokens"] for r in rows) <= limit
