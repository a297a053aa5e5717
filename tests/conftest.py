"""Shared test helpers: ../shared (third-party data, read in place), the golden-update flag,
and extraction that validates every record it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from healthcrawl.extractors import Record, extract
from healthcrawl.output.validate import validate

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/golden/*.jsonl and *.exception.json from the current extractor",
    )


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
