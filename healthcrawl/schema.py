"""Schemas derived from the record's dataclasses (extractors/record.py, its single definition).

`json_schema()` is what every record is validated against (output/validate.py); `arrow_schema()`
and `hf_features()` give columnar writers one fixed schema, so a column that is null throughout
one file keeps its type. `python -m healthcrawl.schema` prints the JSON Schema for non-Python
users; output/schema/record.v1.json is that output, committed, and a test keeps the two equal.

The JSON Schema uses only keywords whose meaning draft-07 and 2020-12 share, which is what lets
fastjsonschema (draft-07 at most) compile it. A field added in a minor version ("1.1") is
required only of records that declare that version or a later one.
"""

from __future__ import annotations

import copy
import json
import sys
import types
from dataclasses import Field, fields, is_dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin, get_type_hints

from healthcrawl.extractors.record import Record

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa

VERSION_FIELD = "schema_version"
_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_JSON_TYPES = {str: "string", int: "integer", bool: "boolean"}


def json_schema() -> dict[str, Any]:
    """The record's JSON Schema (draft 2020-12), built once; each caller gets its own copy,
    since fastjsonschema rewrites the $refs of a schema it compiles, in place."""
    return copy.deepcopy(_record_json_schema())


@cache
def _record_json_schema() -> dict[str, Any]:
    return build_json_schema(Record)


def json_schema_text() -> str:
    """What `python -m healthcrawl.schema` prints: sorted and indented, so diffs stay small."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def build_json_schema(root: type) -> dict[str, Any]:
    """The JSON Schema of dataclass `root`, whose `schema_version` default is its version."""
    version = root.__dataclass_fields__[VERSION_FIELD].default
    builder = _JsonSchema(_accepted_versions(version))
    body = builder.struct(root)
    body["properties"][VERSION_FIELD] = {
        **_one_of(builder.versions),
        "description": root.__dataclass_fields__[VERSION_FIELD].metadata["description"],
    }
    schema = {
        "$schema": _DRAFT,
        "$id": f"https://healthcrawl.dev/schema/record.v{builder.versions[0]}.json",
        "title": f"healthcrawl record, schema version {version}",
        **body,
        "$defs": builder.defs,
    }
    rules = [*schema.get("allOf", []), *_version_rules(root, builder.versions)]
    if rules:
        schema["allOf"] = rules
    return schema


def _accepted_versions(version: str) -> list[str]:
    """Versions "1", "1.1", ... up to `version`: minor versions only add fields, so a reader
    of 1.x reads every 1.y with y <= x."""
    major, _, minor = version.partition(".")
    return [major, *(f"{major}.{n}" for n in range(1, int(minor or 0) + 1))]


def _one_of(values: list[str]) -> dict[str, Any]:
    """`const` for one value: its message ("'1' was expected") is the clearer one."""
    return {"const": values[0]} if len(values) == 1 else {"enum": values}


class _JsonSchema:
    """One walk over the dataclasses under a root. A dataclass held in an array becomes a $def,
    so the array's `items` is a bare $ref (draft-07 ignores the siblings of a $ref); one held
    directly is written inline, under its field's description."""

    def __init__(self, versions: list[str]) -> None:
        self.versions = versions
        self.defs: dict[str, Any] = {}

    def struct(self, cls: type) -> dict[str, Any]:
        """Every field is a key, no other key is allowed; fields of later versions are
        required by `_version_rules` instead."""
        hints = get_type_hints(cls)
        for column in fields(cls):
            if column.metadata["since"] not in self.versions:
                raise ValueError(
                    f"{cls.__name__}.{column.name}: since {column.metadata['since']!r} is not "
                    f"one of the versions {self.versions}"
                )
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "required": [f.name for f in fields(cls) if f.metadata["since"] == self.versions[0]],
            "description": " ".join((cls.__doc__ or "").split()),
            "properties": {f.name: self.field_schema(hints[f.name], f) for f in fields(cls)},
        }
        rules = _set_when_rules(cls, hints)
        if rules:
            schema["allOf"] = rules
        return schema

    def field_schema(self, hint: Any, column: Field[Any]) -> dict[str, Any]:
        """A conditional field's keywords apply only where it is set: `_set_when_rules`."""
        keywords = {} if column.metadata["set_when"] else _jsonable(column.metadata["keywords"])
        if "const" in keywords or "enum" in keywords:  # either fixes the type already
            return {**keywords, "description": column.metadata["description"]}
        return {**self.value(hint), "description": column.metadata["description"], **keywords}

    def value(self, hint: Any) -> dict[str, Any]:
        inner, nullable = _without_none(hint)
        if get_origin(inner) is Literal:
            return {"enum": list(get_args(inner)) + ([None] if nullable else [])}
        if is_dataclass(inner):
            schema = self.struct(inner)
        elif get_origin(inner) is tuple:
            schema = {"type": "array", "items": self.item(get_args(inner)[0])}
        else:
            schema = {"type": _JSON_TYPES[inner]}
        if nullable:
            schema["type"] = [schema["type"], "null"]
        return schema

    def item(self, hint: Any) -> dict[str, Any]:
        if not is_dataclass(hint):
            return self.value(hint)
        name = _def_name(hint)
        if name not in self.defs:
            self.defs[name] = self.struct(hint)
        return {"$ref": f"#/$defs/{name}"}


def _set_when_rules(cls: type, hints: dict[str, Any]) -> list[dict[str, Any]]:
    """One if/then per value of a field that others depend on (a block's `type`): the fields
    set for that value get their type and keywords, the others must be null."""
    conditional = [f for f in fields(cls) if f.metadata["set_when"]]
    rules = []
    for key in dict.fromkeys(f.metadata["set_when"][0] for f in conditional):
        for value in get_args(hints[key]):
            then = {
                f.name: (
                    {"type": _json_type(hints[f.name]), **_jsonable(f.metadata["keywords"])}
                    if f.metadata["set_when"] == (key, value)
                    else {"type": "null"}
                )
                for f in conditional
                if f.metadata["set_when"][0] == key
            }
            rules.append(
                {"if": {"properties": {key: {"const": value}}}, "then": {"properties": then}}
            )
    return rules


def _version_rules(root: type, versions: list[str]) -> list[dict[str, Any]]:
    """For each minor version that added fields: records of that version or later need them."""
    rules = []
    for at, version in enumerate(versions[1:], start=1):
        added = _added_in(root, version)
        if added:
            condition = {VERSION_FIELD: _one_of(versions[at:])}
            rules.append(
                {"if": {"required": [VERSION_FIELD], "properties": condition}, "then": added}
            )
    return rules


def _added_in(hint: Any, version: str) -> dict[str, Any]:
    """A schema requiring the fields `version` added, at whatever depth they sit."""
    inner, _ = _without_none(hint)
    if get_origin(inner) is tuple:
        items = _added_in(get_args(inner)[0], version)
        return {"items": items} if items else {}
    if not is_dataclass(inner):
        return {}
    hints = get_type_hints(inner)
    schema: dict[str, Any] = {}
    added = [f.name for f in fields(inner) if f.metadata["since"] == version]
    if added:
        schema["required"] = added
    nested = {f.name: _added_in(hints[f.name], version) for f in fields(inner)}
    if any(nested.values()):
        schema["properties"] = {name: part for name, part in nested.items() if part}
    return schema


def _without_none(hint: Any) -> tuple[Any, bool]:
    """`X | None` as (X, True); any other type as (type, False)."""
    if get_origin(hint) in (Union, types.UnionType):
        (inner,) = [arg for arg in get_args(hint) if arg is not type(None)]
        return inner, True
    return hint, False


def _json_type(hint: Any) -> str:
    inner, _ = _without_none(hint)
    if get_origin(inner) is tuple:
        return "array"
    return "object" if is_dataclass(inner) else _JSON_TYPES[inner]


def _jsonable(keywords: dict[str, Any]) -> dict[str, Any]:
    """Tuples (an enum) as lists, as JSON and jsonschema's messages show them."""
    return {key: list(v) if isinstance(v, tuple) else v for key, v in keywords.items()}


def _def_name(cls: type) -> str:
    """ListItem -> list_item."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in cls.__name__).lstrip("_")


@cache
def arrow_schema() -> pa.Schema:
    """The record as Arrow columns: `X | None` is nullable, tuples are lists, dataclasses are
    structs with all their fields, so every file of records has this one schema."""
    import pyarrow as pa

    return pa.schema(_arrow_fields(Record))


def _arrow_fields(cls: type) -> list[pa.Field]:
    import pyarrow as pa

    hints = get_type_hints(cls)
    columns = []
    for column in fields(cls):
        inner, nullable = _without_none(hints[column.name])
        columns.append(pa.field(column.name, _arrow_type(inner), nullable=nullable))
    return columns


def _arrow_type(hint: Any) -> pa.DataType:
    import pyarrow as pa

    if is_dataclass(hint):
        return pa.struct(_arrow_fields(hint))
    if get_origin(hint) is tuple:
        return pa.list_(_arrow_type(get_args(hint)[0]))
    if get_origin(hint) is Literal:
        return pa.string()
    return {str: pa.string(), int: pa.int64(), bool: pa.bool_()}[hint]


def hf_features() -> datasets.Features:
    """The Hugging Face `datasets` features: the Arrow schema, which they map one to one."""
    from datasets import Features

    return Features.from_arrow_schema(arrow_schema())


if __name__ == "__main__":
    sys.stdout.write(json_schema_text())
