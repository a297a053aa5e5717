"""healthcrawl.fixtures.diff: changes named by JSON pointer, lists aligned, long text cut."""

from __future__ import annotations

from healthcrawl.fixtures.diff import ABSENT, Change, covers, diff, kept, render


def test_nested_change_is_named_by_its_pointer() -> None:
    old = {"sections": [{"blocks": [{"text": "a"}]}], "title": "T"}
    new = {"sections": [{"blocks": [{"text": "b"}]}], "title": "T"}
    assert diff(old, new) == [Change("/sections/0/blocks/0/text", "a", "b")]


def test_keys_added_and_removed_and_escaped() -> None:
    assert diff({"a/b": 1, "c~d": 2}, {"c~d": 3, "e": 4}) == [
        Change("/a~1b", 1, ABSENT),
        Change("/c~0d", 2, 3),
        Change("/e", ABSENT, 4),
    ]


def test_one_inserted_item_is_one_change_not_a_shifted_list() -> None:
    old = [{"n": 1}, {"n": 2}, {"n": 3}]
    new = [{"n": 1}, {"n": 9}, {"n": 2}, {"n": 3}]
    assert diff({"refs": old}, {"refs": new}) == [Change("/refs/1", ABSENT, {"n": 9})]


def test_a_removed_item_keeps_its_expected_index() -> None:
    assert diff([1, 2, 3], [1, 3]) == [Change("/1", 2, ABSENT)]


def test_json_types_are_compared_strictly() -> None:
    assert diff({"year": 1}, {"year": True}) == [Change("/year", 1, True)]
    assert diff({"year": 1}, {"year": 1.0}) == [Change("/year", 1, 1.0)]
    assert diff({"x": None}, {"x": None}) == []


def test_wildcard_patterns_and_kept_changes() -> None:
    assert covers("/references/*/accessed", "/references/4/accessed")
    assert not covers("/references/*/accessed", "/references/4/year")
    assert covers("/extractor", "/extractor/version")
    changes = [Change("/title", "a", "b"), Change("/references/4/accessed", "x", "y")]
    assert kept(changes, ignore=["/references/*/accessed"]) == changes[:1]
    assert kept(changes, only=["/references"]) == changes[1:]
    added = Change("/references/4", ABSENT, {"year": 2020})
    assert kept([added], only=["/references/4/year"]) == [added]


def test_long_text_shows_the_changed_part_with_context() -> None:
    before = "Fever is common. " * 10 + "It lasts three days." + " Rest and drink water." * 5
    after = before.replace("three", "four")
    assert render([Change("/text", before, after)]) == [
        "  /text  (from character 179)",
        '    - "…on. Fever is common. It lasts three days. Rest and drink water. R…"',
        '    + "…on. Fever is common. It lasts four days. Rest and drink water. R…"',
    ]


def test_short_values_whole_and_a_limit() -> None:
    changes = [Change("/title", "Fever", ABSENT), Change("/n", 1, 2), Change("/m", [1], [2])]
    assert render(changes, limit=2) == [
        "  /title",
        '    - "Fever"',
        "    + (absent)",
        "  /n",
        "    - 1",
        "    + 2",
        "  ... and 1 more (name fields with --fields to see them)",
    ]
