"""output.validate: exact RecordInvalid messages and pointers; both validators agree.

The schema itself is generated from the dataclasses: tests/unit/test_schema.py."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from healthcrawl.extractors import extract
from healthcrawl.output.validate import RecordInvalid, schema, validate
from tests.conftest import golden_records

URL = "https://example.org/health/fever"
PAGE = (
    "<html><head><title>Fever</title></head><body><main><h1>Fever</h1>"
    "<p>A fever is a temporary rise in body temperature, often due to an illness. Having a "
    "fever is a sign that something out of the ordinary is going on in your body.</p>"
    "<p>For an adult, a fever may be uncomfortable, but usually isn't a cause for concern "
    "unless it reaches 103 F (39.4 C) or higher.</p>"
    "<h2>Symptoms</h2><ul><li>Sweating and chills</li><li>Headache</li></ul>"
    "<h2>References</h2><ol><li>Smith J. A study of fever. JAMA. 2009;1:2-3.</li></ol>"
    "</main></body></html>"
)


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    return extract(PAGE, URL).to_dict()


def _broken(record: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    copied = copy.deepcopy(record)
    change(copied)
    return copied


def test_fixture_record_has_the_shapes_the_cases_break(record: dict[str, Any]) -> None:
    assert record["references"][0]["year"] == 2009
    assert record["sections"][0]["blocks"][0]["type"] == "paragraph"
    assert record["sections"][1]["blocks"][0] == {
        "type": "list",
        "text": None,
        "ordered": False,
        "items": [
            {"term": None, "text": "Sweating and chills"},
            {"term": None, "text": "Headache"},
        ],
        "rows": None,
    }


def test_valid_record_passes(record: dict[str, Any]) -> None:
    assert validate(record) is None
    assert validate(record, label=URL) is None


@pytest.mark.parametrize(
    ("change", "message", "pointer"),
    [
        (
            lambda r: r["references"][0].update(year="2009"),
            "/references/0/year: '2009' is not of type 'integer', 'null'",
            "/references/0/year",
        ),
        (
            lambda r: r["references"][0].update(year=209),
            "/references/0/year: 209 is less than the minimum of 1000",
            "/references/0/year",
        ),
        (
            lambda r: r["sections"][0]["blocks"][0].update(items=[]),
            "/sections/0/blocks/0/items: [] is not of type 'null'",
            "/sections/0/blocks/0/items",
        ),
        (
            lambda r: r["sections"][0]["blocks"][0].update(items=[{"term": None, "text": "x"}]),
            "/sections/0/blocks/0/items: [{'term': None, 'text': 'x'}] is not of type 'null'",
            "/sections/0/blocks/0/items",
        ),
        (
            lambda r: r["sections"][1]["blocks"][0].update(text="Sweating"),
            "/sections/1/blocks/0/text: 'Sweating' is not of type 'null'",
            "/sections/1/blocks/0/text",
        ),
        (
            lambda r: r["sections"][1]["blocks"][0].update(items=[]),
            "/sections/1/blocks/0/items: [] should be non-empty",
            "/sections/1/blocks/0/items",
        ),
        (lambda r: r.pop("title"), "/: 'title' is a required property", "/"),
        (
            lambda r: r.update(extra=1),
            "/: Additional properties are not allowed ('extra' was unexpected)",
            "/",
        ),
        (
            lambda r: r["extractor"].pop("version"),
            "/extractor: 'version' is a required property",
            "/extractor",
        ),
        (
            lambda r: r.update(id="0123456789abcdef"),
            "/id: '0123456789abcdef' does not match '^[0-9a-f]{32}$'",
            "/id",
        ),
        (
            lambda r: r.update(id="0123456789ABCDEF0123456789abcdef"),
            "/id: '0123456789ABCDEF0123456789abcdef' does not match '^[0-9a-f]{32}$'",
            "/id",
        ),
        (
            lambda r: r.update(source="webmd"),
            "/source: 'webmd' is not one of "
            "['mayoclinic', 'gard', 'medlineplus', 'nhs', 'generic']",
            "/source",
        ),
        (
            lambda r: r.update(schema_version="2"),
            "/schema_version: '2' is not one of ['1', '1.1']",
            "/schema_version",
        ),
        (
            lambda r: r.update(schema_version="1.2"),
            "/schema_version: '1.2' is not one of ['1', '1.1']",
            "/schema_version",
        ),
    ],
    ids=[
        "year-string",
        "year-too-small",
        "paragraph-items-empty",
        "paragraph-items",
        "list-text",
        "list-no-items",
        "missing-key",
        "extra-key",
        "missing-nested-key",
        "id-short",
        "id-uppercase",
        "source-unknown",
        "schema-version",
        "schema-version-newer-minor",
    ],
)
def test_broken_record_message(
    record: dict[str, Any], change: Callable[[dict[str, Any]], object], message: str, pointer: str
) -> None:
    with pytest.raises(RecordInvalid) as raised:
        validate(_broken(record, change))
    assert str(raised.value) == message
    assert raised.value.pointer == pointer


def test_label_prefixes_message(record: dict[str, Any]) -> None:
    broken = _broken(record, lambda r: r["references"][0].update(year="20x0"))
    with pytest.raises(RecordInvalid) as raised:
        validate(broken, label="record 17")
    assert (
        str(raised.value)
        == "record 17: /references/0/year: '20x0' is not of type 'integer', 'null'"
    )


def test_deepest_error_is_reported_first(record: dict[str, Any]) -> None:
    def change(r: dict[str, Any]) -> None:
        r.update(source="webmd")
        r["references"][0].update(year="2009")

    with pytest.raises(RecordInvalid) as raised:
        validate(_broken(record, change))
    assert raised.value.pointer == "/references/0/year"


def test_record_invalid_is_a_value_error() -> None:
    error = RecordInvalid("/id", "bad", label="x.html")
    assert isinstance(error, ValueError)
    assert str(error) == "x.html: /id: bad"
    assert str(RecordInvalid("/id", "bad")) == "/id: bad"


def test_both_validators_accept_every_golden_record() -> None:
    """validate() trusts fastjsonschema for valid records; jsonschema must agree on them."""
    golden = golden_records()
    assert len(golden) >= 8
    reference = Draft202012Validator(schema())
    for record in golden:
        validate(record, label=record["url"])
        assert list(reference.iter_errors(record)) == [], record["url"]


def test_version_1_record_without_change_still_validates(record: dict[str, Any]) -> None:
    old = _broken(record, lambda r: (r.pop("change"), r.update(schema_version="1")))
    validate(old)
    with pytest.raises(RecordInvalid, match="^/: 'change' is a required property$"):
        validate(_broken(record, lambda r: r.pop("change")))
    with pytest.raises(RecordInvalid, match=r"^/change: 'gone' is not one of"):
        validate(_broken(record, lambda r: r.update(change="gone")))
