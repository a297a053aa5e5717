"""Golden regression tests: each hand-written tests/golden/<case>.html with its expected record.

A case is `<case>.html` + `<case>.meta.json` ({"url", "fetched_at", "note"}) + either
`<case>.jsonl` (the expected record, sorted keys) or `<case>.exception.json` (the expected
refusal). Each field is its own test, so a failure names the field.

Rewrite the expected files after an intended change, then review the diff:
    .venv/bin/python -m pytest tests/golden --update-goldens && git diff tests/golden
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from healthcrawl.extractors import ExtractionError, extract
from healthcrawl.output.validate import schema, validate

GOLDEN = Path(__file__).parent
CASES = sorted(p.name.removesuffix(".meta.json") for p in GOLDEN.glob("*.meta.json"))
RECORD_CASES = [case for case in CASES if (GOLDEN / f"{case}.jsonl").exists()]
FIELDS = sorted(schema()["properties"])
_VOLATILE = {"extractor"}
"""Fields that change with library versions, not with the page: compared by shape only."""


def run_case(case: str) -> dict[str, Any]:
    """The record (or {"exception": ...}) the extractor gives for a case now."""
    meta = json.loads((GOLDEN / f"{case}.meta.json").read_text("utf-8"))
    html = (GOLDEN / f"{case}.html").read_bytes()
    fetched_at = datetime.fromisoformat(meta["fetched_at"].replace("Z", "+00:00"))
    try:
        record = extract(html, meta["url"], fetched_at=fetched_at).to_dict()
    except ExtractionError as error:
        return {"exception": {"type": type(error).__name__, "message": str(error)}}
    validate(record, label=case)
    return record


def expected(case: str) -> dict[str, Any]:
    record_file = GOLDEN / f"{case}.jsonl"
    if record_file.exists():
        return json.loads(record_file.read_text("utf-8"))
    return {"exception": json.loads((GOLDEN / f"{case}.exception.json").read_text("utf-8"))}


def write_expected(case: str, result: dict[str, Any]) -> None:
    """Stable, reviewable files: sorted keys, UTF-8; the other kind of file is removed."""
    record_file, error_file = GOLDEN / f"{case}.jsonl", GOLDEN / f"{case}.exception.json"
    if "exception" in result:
        error_file.write_text(
            json.dumps(result["exception"], indent=2, sort_keys=True) + "\n", "utf-8"
        )
        record_file.unlink(missing_ok=True)
    else:
        line = json.dumps(result, ensure_ascii=False, sort_keys=True)
        record_file.write_text(line + "\n", "utf-8")
        error_file.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def results(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    found = {case: run_case(case) for case in CASES}
    if request.config.getoption("--update-goldens"):
        for case, result in found.items():
            write_expected(case, result)
    return found


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
def test_outcome_kind(case: str, results: dict[str, dict[str, Any]]) -> None:
    assert ("exception" in results[case]) == ("exception" in expected(case))
    if "exception" in results[case]:
        assert results[case]["exception"] == expected(case)["exception"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("case", RECORD_CASES)
def test_field(case: str, field: str, results: dict[str, dict[str, Any]]) -> None:
    got, want = results[case], expected(case)
    assert "exception" not in got, got.get("exception")
    if field in _VOLATILE:
        assert got[field].keys() == want[field].keys()
    else:
        assert got[field] == want[field], f"{case}: field {field!r} changed"


@pytest.mark.parametrize("case", CASES)
def test_no_extra_fields(case: str, results: dict[str, dict[str, Any]]) -> None:
    if "exception" not in results[case]:
        assert sorted(results[case]) == FIELDS
