"""Every record is checked against output/schema/record.v1.json before it is written."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator


class RecordInvalid(ValueError):
    """A record breaks the schema; the message names the field by its JSON pointer."""

    def __init__(self, pointer: str, message: str, label: str | None = None) -> None:
        self.pointer = pointer
        where = f"{label}: " if label else ""
        super().__init__(f"{where}{pointer}: {message}")


@cache
def schema() -> dict[str, Any]:
    """The record schema, version 1."""
    return json.loads(files("output").joinpath("schema/record.v1.json").read_text("utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(record: dict[str, Any], label: str | None = None) -> None:
    """Raise `RecordInvalid` for the first (deepest-path) error; `label` names the record."""
    errors = sorted(
        _validator().iter_errors(record), key=lambda e: (-len(e.path), list(map(str, e.path)))
    )
    if errors:
        error = errors[0]
        pointer = "/" + "/".join(str(part) for part in error.absolute_path)
        raise RecordInvalid(pointer, error.message, label)
