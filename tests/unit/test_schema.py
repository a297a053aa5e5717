"""healthcrawl.schema: JSON Schema, Arrow schema and HF features generated from the record's
dataclasses; the committed record.v1.json; minor versions that add fields."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import datasets
import fastjsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from jsonschema import Draft202012Validator

from healthcrawl.extractors.profiles import BY_KEY
from healthcrawl.extractors.record import (
    Block,
    Bullet,
    ExtractorInfo,
    ListItem,
    Record,
    Reference,
    Section,
    describe,
)
from healthcrawl.schema import (
    arrow_schema,
    build_json_schema,
    hf_features,
    json_schema,
    json_schema_text,
)
from tests.conftest import golden_records

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "output" / "schema" / "record.v1.json"
GOLDEN = golden_records()


def _names(cls: type) -> list[str]:
    return [field.name for field in dataclasses.fields(cls)]


def test_committed_schema_is_the_generated_one() -> None:
    assert COMMITTED.read_text("utf-8") == json_schema_text(), (
        "output/schema/record.v1.json is stale; regenerate it with "
        "`.venv/bin/python -m healthcrawl.schema > output/schema/record.v1.json`"
    )
    assert json.loads(COMMITTED.read_text("utf-8")) == json_schema()


def test_module_prints_the_schema() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "healthcrawl.schema"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == json_schema_text()
    assert json.loads(done.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_top_level_properties_are_the_record_fields_in_order() -> None:
    assert list(json_schema()["properties"]) == _names(Record)
    assert json_schema()["required"] == [n for n in _names(Record) if n != "change"]
    assert json_schema()["additionalProperties"] is False


@pytest.mark.parametrize(
    ("definition", "cls"),
    [
        ("section", Section),
        ("bullet", Bullet),
        ("reference", Reference),
        ("list_item", ListItem),
        ("block", Block),
    ],
)
def test_defs_are_the_dataclasses(definition: str, cls: type) -> None:
    part = json_schema()["$defs"][definition]
    assert list(part["properties"]) == part["required"] == _names(cls)
    assert part["additionalProperties"] is False
    assert part["description"] == " ".join(cls.__doc__.split())


def test_extractor_is_inline_under_its_field_description() -> None:
    part = json_schema()["properties"]["extractor"]
    assert list(part["properties"]) == part["required"] == _names(ExtractorInfo)
    assert part["description"] == "What made the record."
    assert part["properties"]["name"] == {
        "const": "healthcrawl",
        "description": "The extractor's name.",
    }


def test_defs_are_exactly_the_dataclasses_held_in_arrays() -> None:
    assert set(json_schema()["$defs"]) == {"section", "bullet", "reference", "list_item", "block"}


def test_source_enum_is_the_profile_keys() -> None:
    assert json_schema()["properties"]["source"] == {
        "enum": list(BY_KEY),
        "description": "Site profile that read the page.",
    }


def test_field_keywords_and_nullability_reach_the_schema() -> None:
    reference = json_schema()["$defs"]["reference"]["properties"]
    assert reference["year"] == {
        "type": ["integer", "null"],
        "description": "Publication year.",
        "minimum": 1000,
        "maximum": 2999,
    }
    assert reference["authors"]["items"] == {"type": "string"}
    assert json_schema()["properties"]["sections"]["items"] == {"$ref": "#/$defs/section"}
    rows = json_schema()["$defs"]["block"]["properties"]["rows"]
    assert rows["type"] == ["array", "null"]
    assert rows["items"] == {"type": "array", "items": {"type": "string"}}


def test_block_fields_are_set_for_their_type_only() -> None:
    """set_when: each block type gets one if/then; keywords apply where the field is set."""

    def rule(kind: str, **then: dict[str, Any]) -> dict[str, Any]:
        null = {"type": "null"}
        nulls = {"text": null, "ordered": null, "items": null, "rows": null}
        return {
            "if": {"properties": {"type": {"const": kind}}},
            "then": {"properties": {**nulls, **then}},
        }

    assert json_schema()["$defs"]["block"]["allOf"] == [
        rule("paragraph", text={"type": "string", "minLength": 1}),
        rule("list", ordered={"type": "boolean"}, items={"type": "array", "minItems": 1}),
        rule("table", rows={"type": "array", "minItems": 1}),
    ]
    assert "minLength" not in json_schema()["$defs"]["block"]["properties"]["text"]


def _properties(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every declared property (not the if/then conditions of allOf), with its pointer."""
    if not isinstance(node, dict):
        return
    for name, sub in node.get("properties", {}).items():
        yield f"{where}/properties/{name}", sub
        yield from _properties(sub, f"{where}/properties/{name}")
    for name, sub in node.get("$defs", {}).items():
        yield from _properties(sub, f"{where}/$defs/{name}")
    if "items" in node:
        yield from _properties(node["items"], f"{where}/items")


def test_every_property_has_a_description() -> None:
    found = list(_properties(json_schema(), "#"))
    assert len(found) == 19 + 4 + 3 + 5 + 2 + 3 + 16
    missing = [where for where, sub in found if not str(sub.get("description", "")).strip()]
    assert missing == []


def test_every_definition_has_a_written_description() -> None:
    """A dataclass without a docstring gets its signature as __doc__: not a description."""
    for name, part in json_schema()["$defs"].items():
        assert part["description"].strip(), name
        assert "(" not in part["description"].split()[0], name


def test_schema_is_draft_2020_12_and_compiles_as_draft_07() -> None:
    assert json_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(json_schema())
    fastjsonschema.compile({**json_schema(), "$schema": "http://json-schema.org/draft-07/schema#"})
    # fastjsonschema made the $refs absolute in the copy it compiled, not in the cached schema
    assert json_schema()["properties"]["sections"]["items"] == {"$ref": "#/$defs/section"}


def test_current_version_1_1_requires_change_and_accepts_1() -> None:
    assert json_schema()["properties"]["schema_version"]["enum"] == ["1", "1.1"]
    (rule,) = json_schema()["allOf"]
    assert rule["if"]["properties"]["schema_version"] == {"const": "1.1"}
    assert rule["then"] == {"required": ["change"]}
    assert json_schema()["title"] == "healthcrawl record, schema version 1.1"


# A record two minor versions on, to test schema evolution without adding a real field.
@dataclasses.dataclass(frozen=True, slots=True)
class _Part:
    """A part of the evolved record."""

    a: str = describe("There from version 1.")
    b: str | None = describe("Added in 1.2.", since="1.2")


@dataclasses.dataclass(frozen=True, slots=True)
class _Evolved:
    """A record at version 1.2."""

    parts: tuple[_Part, ...] = describe("Parts.")
    added: int | None = describe("Added in 1.1.", since="1.1")
    schema_version: str = describe("Version.", default="1.2")


@dataclasses.dataclass(frozen=True, slots=True)
class _TooNew:
    """A field newer than the record's own version."""

    added: int = describe("Added in 1.1.", since="1.1")
    schema_version: str = describe("Version.", default="1")


def _errors(schema: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """jsonschema's errors as "pointer: message"; fastjsonschema (draft-07) must agree."""
    found = [
        "/" + "/".join(map(str, error.absolute_path)) + ": " + error.message
        for error in Draft202012Validator(schema).iter_errors(record)
    ]
    fast = fastjsonschema.compile({**schema, "$schema": "http://json-schema.org/draft-07/schema#"})
    try:
        fast(record)
    except fastjsonschema.JsonSchemaValueException:
        assert found, "fastjsonschema rejects what jsonschema accepts"
    else:
        assert not found, "jsonschema rejects what fastjsonschema accepts"
    return found


@pytest.mark.parametrize(
    ("record", "errors"),
    [
        ({"schema_version": "1", "parts": [{"a": "x"}]}, []),
        ({"schema_version": "1.1", "parts": [{"a": "x"}], "added": None}, []),
        ({"schema_version": "1.2", "parts": [{"a": "x", "b": None}], "added": 3}, []),
        ({"schema_version": "1.2", "parts": [], "added": 3}, []),
        (
            {"schema_version": "1.1", "parts": [{"a": "x"}]},
            ["/: 'added' is a required property"],
        ),
        (
            {"schema_version": "1.2", "parts": [{"a": "x"}], "added": 3},
            ["/parts/0: 'b' is a required property"],
        ),
        (
            {"schema_version": "1.3", "parts": []},
            ["/schema_version: '1.3' is not one of ['1', '1.1', '1.2']"],
        ),
        (
            {"schema_version": "2", "parts": []},
            ["/schema_version: '2' is not one of ['1', '1.1', '1.2']"],
        ),
        (
            {"parts": [{"a": "x"}]},
            ["/: 'schema_version' is a required property"],
        ),
    ],
    ids=[
        "v1-without-later-fields",
        "v1.1-with-its-field",
        "v1.2-with-all",
        "v1.2-no-parts",
        "v1.1-missing-its-field",
        "v1.2-missing-nested-field",
        "future-minor",
        "next-major",
        "no-version",
    ],
)
def test_minor_versions_require_only_their_fields(
    record: dict[str, Any], errors: list[str]
) -> None:
    assert _errors(build_json_schema(_Evolved), record) == errors


def test_evolved_schema_shape() -> None:
    schema = build_json_schema(_Evolved)
    assert schema["title"] == "healthcrawl record, schema version 1.2"
    assert schema["$id"] == "https://healthcrawl.dev/schema/record.v1.json"
    assert schema["required"] == ["parts", "schema_version"]
    assert schema["$defs"]["part"]["required"] == ["a"]
    assert list(schema["$defs"]["part"]["properties"]) == ["a", "b"]


def test_field_newer_than_the_record_is_refused() -> None:
    with pytest.raises(ValueError, match=r"_TooNew\.added: since '1\.1' is not one of"):
        build_json_schema(_TooNew)


# Arrow and Hugging Face: real records, plus the edge shapes one file may hold alone.
def _sparse_record() -> Record:
    """Every optional field null, at every depth: the record a lazy type inference breaks on."""
    return Record(
        id="0" * 32,
        url=None,
        canonical_url=None,
        source="generic",
        fetched_at=None,
        language=None,
        title="Fever",
        sections=(
            Section(heading=None, level=None, blocks=(Block(type="paragraph", text="Hot."),)),
        ),
        bullets=(Bullet(section=None, term=None, text="Hot."),),
        references=(Reference(n=None, raw="Smith J."),),
        byline=None,
        doc_id=None,
        date_modified=None,
        date_published=None,
        rights=None,
        text="Fever\n\nHot.",
        extractor=ExtractorInfo(
            name="healthcrawl", version="0", trafilatura="0", method="healthcrawl"
        ),
    )


def _rows() -> list[dict[str, Any]]:
    real = list(GOLDEN)
    sparse = _sparse_record()
    empty = dataclasses.replace(sparse, bullets=(), references=(), sections=())
    return [*real, sparse.to_dict(), empty.to_dict()]


def test_edge_records_are_valid_records() -> None:
    validator = Draft202012Validator(json_schema())
    for row in _rows():
        assert list(validator.iter_errors(row)) == []
    assert len(GOLDEN) >= 8


def test_arrow_table_round_trips() -> None:
    rows = _rows()
    table = pa.Table.from_pylist(rows, schema=arrow_schema())
    assert table.schema == arrow_schema()
    assert table.to_pylist() == rows


def test_a_file_of_nulls_keeps_the_column_types(tmp_path: Path) -> None:
    sparse = _sparse_record().to_dict()
    assert pa.Table.from_pylist([sparse]).schema.field("language").type == pa.null()  # control
    path = tmp_path / "sparse.parquet"
    pq.write_table(pa.Table.from_pylist([sparse], schema=arrow_schema()), path)
    assert pq.read_schema(path) == arrow_schema()
    assert pq.read_table(path).to_pylist() == [sparse]


def test_arrow_columns_and_nullability() -> None:
    schema = arrow_schema()
    assert schema.names == _names(Record)
    assert [f.name for f in schema if f.nullable] == [
        "url",
        "canonical_url",
        "fetched_at",
        "language",
        "byline",
        "doc_id",
        "date_modified",
        "date_published",
        "rights",
        "change",
    ]
    block = schema.field("sections").type.value_type.field("blocks").type.value_type
    assert [f.name for f in block] == _names(Block)
    assert block.field("rows").type == pa.list_(pa.list_(pa.string()))
    assert block.field("type").type == pa.string()
    reference = schema.field("references").type.value_type
    assert [f.name for f in reference] == _names(Reference)
    assert reference.field("year").type == pa.int64()
    assert [f.name for f in schema.field("extractor").type] == _names(ExtractorInfo)


def test_hf_dataset_from_records() -> None:
    rows = _rows()
    dataset = datasets.Dataset.from_list(rows, features=hf_features())
    assert list(hf_features()) == _names(Record)
    assert dataset.features == hf_features()
    assert dataset.to_list() == rows
    assert hf_features()["language"] == datasets.Value("string")
    assert hf_features()["extractor"]["method"] == datasets.Value("string")
    sparse = datasets.Dataset.from_list([_sparse_record().to_dict()], features=hf_features())
    assert sparse.features == hf_features()
