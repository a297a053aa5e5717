"""Every record is checked against the record's JSON Schema before it is written.

The schema is `healthcrawl.schema.json_schema()`, generated from the dataclasses in
extractors/record.py, the record's single definition (output/schema/record.v1.json is a
committed copy for non-Python users). Two validators read it: fastjsonschema compiles it to
Python (0.2 ms a record, against 3 ms for jsonschema, which was a fifth of the cost of
extracting a page), and jsonschema, the reference implementation, explains a failure with the
field's JSON pointer. The schema uses only keywords whose meaning draft-07 and 2020-12 share,
which is what lets fastjsonschema (draft-07 at most) compile it; tests check that they agree.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import fastjsonschema

from healthcrawl.extractors import extract

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator


class RecordInvalid(ValueError):
    """A record breaks the schema; the message names the field by its JSON pointer."""

    def __init__(self, pointer: str, message: str, label: str | None = None) -> None:
        self.pointer = pointer
        where = f"{label}: " if label else ""
        super().__init__(f"{where}{pointer}: {message}")


def schema() -> dict[str, Any]:
    """The record's JSON Schema, generated from its dataclasses. Imported here: `import
    healthcrawl` loads this module, and `python -m healthcrawl.schema` warns when the package
    import has already loaded the module it runs."""
    from healthcrawl.schema import json_schema

    return json_schema()


@cache
def _validator() -> Draft202012Validator:
    """jsonschema, imported only to explain a failure: it is the slower import and check."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _fast_check() -> Any:
    return fastjsonschema.compile(
        {**schema(), "$schema": "http://json-schema.org/draft-07/schema#"}
    )


def validate(record: dict[str, Any], label: str | None = None) -> None:
    """Raise `RecordInvalid` for the first (deepest-path) error; `label` names the record."""
    try:
        _fast_check()(record)
    except fastjsonschema.JsonSchemaValueException:
        _explain(record, label)
        raise RecordInvalid(
            "/", "fails the schema (fastjsonschema) but not jsonschema", label
        ) from None


def _explain(record: dict[str, Any], label: str | None) -> None:
    errors = sorted(
        _validator().iter_errors(record), key=lambda e: (-len(e.path), list(map(str, e.path)))
    )
    if errors:
        error = errors[0]
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        raise RecordInvalid(pointer, error.message, label)


def validated_record(html: bytes, url: str | None, label: str, **options: Any) -> dict[str, Any]:
    """`extractors.extract` as a validated JSON-ready dict: what the CLI and the pipeline write.
    Raises ExtractionError or RecordInvalid."""
    record = extract(html, url, **options).to_dict()
    validate(record, label=label)
    return record
