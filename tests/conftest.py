"""Shared test helpers: ../shared (third-party data, read in place), the golden fixtures'
records, and extraction that validates every record it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from healthcrawl.extractors import Record, extract
from healthcrawl.fixtures.layout import find_fixtures, read_expected
from healthcrawl.fixtures.outcome import is_refusal
from healthcrawl.output.validate import validate

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
GOLDEN = REPO / "tests" / "golden"
"""healthcrawl fixtures (see healthcrawl/fixtures/layout.py), checked by the pytest plugin."""


def golden_records() -> list[dict[str, Any]]:
    """The expected records of the golden fixtures (not their expected refusals)."""
    found = [read_expected(name, folder) for name, folder in find_fixtures(GOLDEN)]
    return [outcome for outcome in found if not is_refusal(outcome)]


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test cleanly when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (third-party data is read from ../shared)")
    return path


def extract_valid(html: bytes | str, url: str | None = None, **kwargs: Any) -> Record:
    """`extract`, plus the schema check every record a test produces must pass."""
    record = extract(html, url, **kwargs)
    validate(record.to_dict(), label=url)
    return record
