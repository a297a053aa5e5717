"""Site-template removal: what counts as one site's stock text, and what the records look like
without it (sections, bullets, text rebuilt, still valid)."""

from __future__ import annotations

from typing import Any

from healthcrawl.dataset.layout import join_text, section_lines
from healthcrawl.dataset.templates import (
    TEMPLATE_MIN_RECORDS,
    TemplateCounter,
    Templates,
    template_threshold,
)
from healthcrawl.output.validate import validate
from tests.conftest import extract_valid
from tests.records import prose, record

STOCK = "Call our nurse line any day of the week for advice about your symptoms."
SHARED = "Most people with this condition recover fully within two weeks of rest."
LIST_STOCK = "Book an appointment online or by phone with our clinic team"


def _page(n: int, host: str = "clinic.example", **extra: Any) -> dict[str, Any]:
    return record(
        f"https://{host}/conditions/{n}",
        f"Condition {n}",
        [
            (None, None, [prose(n), STOCK]),
            ("Symptoms", 2, [[f"Symptom {n}", LIST_STOCK, "Fever"]]),
            ("Contact us", 2, [STOCK]),
        ],
        **extra,
    )


def _templates(records: list[dict[str, Any]]) -> Templates:
    counter = TemplateCounter()
    for made in records:
        counter.add(made)
    return counter.templates()


def test_threshold_is_a_share_with_a_minimum_count() -> None:
    assert template_threshold(12) == TEMPLATE_MIN_RECORDS == 10
    assert template_threshold(1000) == 50
    assert template_threshold(1001) == 51


def test_stock_text_goes_from_text_sections_and_bullets() -> None:
    pages = [_page(n) for n in range(12)]
    cleaned = _templates(pages).clean(pages[3])
    record_after = cleaned.record
    assert record_after["text"] == f"{prose(3)}\n\nSymptoms\n\nSymptom 3\nFever"
    assert record_after["sections"] == [
        {"heading": None, "level": None, "blocks": [pages[3]["sections"][0]["blocks"][0]]},
        {
            "heading": "Symptoms",
            "level": 2,
            "blocks": [
                {
                    "type": "list",
                    "text": None,
                    "ordered": False,
                    "items": [{"term": None, "text": "Symptom 3"}, {"term": None, "text": "Fever"}],
                    "rows": None,
                }
            ],
        },
    ]
    assert [b["text"] for b in record_after["bullets"]] == ["Symptom 3", "Fever"]
    assert (cleaned.units, cleaned.chars) == (3, len(pages[3]["text"]) - len(record_after["text"]))
    validate(record_after)
    assert pages[3]["text"].count(STOCK) == 2  # the input record is not changed


def test_a_sentence_on_a_handful_of_pages_stays() -> None:
    pages = [_page(n) for n in range(12)]
    for n in range(TEMPLATE_MIN_RECORDS - 1):
        pages[n]["sections"][0]["blocks"].append({**pages[n]["sections"][0]["blocks"][0]})
        pages[n]["sections"][0]["blocks"][-1]["text"] = SHARED
        pages[n]["text"] = pages[n]["text"].replace(STOCK, f"{STOCK}\n\n{SHARED}", 1)
    cleaned = _templates(pages).clean(pages[0]).record
    assert SHARED in cleaned["text"]
    assert STOCK not in cleaned["text"]


def test_short_units_are_never_templates() -> None:
    """ "Fever" is on every page's list: a symptom, not a template (under five words)."""
    pages = [_page(n) for n in range(12)]
    assert "Fever" in _templates(pages).clean(pages[0]).record["text"]


def test_templates_are_per_site() -> None:
    clinic = [_page(n) for n in range(12)]
    other = [_page(n, host="other.example") for n in range(100, 103)]
    templates = _templates(clinic + other)
    assert templates.clean(other[0]).record is other[0]
    assert STOCK not in templates.clean(clinic[0]).record["text"]


def test_a_long_template_with_a_word_changed_still_goes() -> None:
    stock = prose(500, words=40)
    pages = [
        record(f"https://clinic.example/{n}", f"P{n}", [(None, None, [prose(n), stock])])
        for n in range(12)
    ]
    words = stock.split()
    typo = " ".join([*words[:20], "typo", *words[21:]])
    variant = record("https://clinic.example/typo", "Typo", [(None, None, [prose(99), typo])])
    assert _templates(pages).clean(variant).record["text"] == prose(99)


def test_emptied_sections_and_their_bare_parent_headings_go() -> None:
    pages = [
        record(
            f"https://clinic.example/c/{n}",
            f"Page {n}",
            [
                (None, None, [prose(n)]),
                ("About us", 2, []),
                ("Our team", 3, [STOCK]),
                ("Opening hours", 3, [STOCK]),
                ("Causes", 2, []),
                ("Genes", 3, [prose(1000 + n)]),
                ("Help", 3, [STOCK]),
            ],
        )
        for n in range(12)
    ]
    cleaned = _templates(pages).clean(pages[5]).record
    assert [s["heading"] for s in cleaned["sections"]] == [None, "Causes", "Genes"]
    assert cleaned["text"] == f"{prose(5)}\n\nCauses\n\nGenes\n\n{prose(1005)}"
    validate(cleaned)


def test_a_record_with_no_template_is_returned_as_is() -> None:
    pages = [_page(n) for n in range(12)]
    alone = record("https://clinic.example/x", "X", [(None, None, [prose(7)])])
    assert _templates(pages).clean(alone).record is alone


def test_lines_follow_a_real_records_sections() -> None:
    """A real extractor record: a list (its items as displayed, lead terms included) and a
    table are read from `text`, aligned with their blocks."""
    html = (
        "<html><body><main><h1>Asthma</h1><p>Asthma is a condition in which your airways "
        "narrow and swell and may produce extra mucus, which makes breathing difficult.</p>"
        "<h2>Symptoms</h2><ul><li><b>Shortness of breath.</b> Often at night.</li>"
        "<li>Chest tightness or pain</li></ul><h2>Triggers</h2><table><tr><td>Pollen</td>"
        "<td>Spring</td></tr><tr><td>Cold air</td><td>Winter</td></tr></table></main></body>"
        "</html>"
    )
    made = extract_valid(html, "https://example.org/asthma").to_dict()
    lines = section_lines(made)
    assert [block.lines for s in lines for block in s.blocks] == [
        (made["sections"][0]["blocks"][0]["text"],),
        ("Shortness of breath. Often at night.", "Chest tightness or pain"),
        ("Pollen | Spring", "Cold air | Winter"),
    ]
    assert join_text(lines) == made["text"]
