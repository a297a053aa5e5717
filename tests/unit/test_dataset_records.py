"""Reading record files more than once: later passes skip what the first refused, without
checking the schema again, and stop when a file changed in between."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from healthcrawl.dataset.records import InputChanged, Problem, RecordPasses
from tests.records import prose, record, write_jsonl


def _records(n: int) -> list[dict]:
    return [record(f"https://a.example/{i}", f"P{i}", [(None, None, [prose(i)])]) for i in range(n)]


def test_later_passes_skip_what_the_first_refused(tmp_path: Path) -> None:
    made = _records(3)
    path = write_jsonl(tmp_path / "in.jsonl", made)
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text(lines[0] + json.dumps({**made[1], "id": "bad"}) + "\n" + lines[2], "utf-8")
    passes = RecordPasses([path])
    problems: list[Problem] = []
    first = [(n, r["id"]) for n, r in passes.first(problems)]
    assert first == [(0, made[0]["id"]), (1, made[2]["id"])]
    assert [str(p) for p in problems] == [
        f"{path} line 2: invalid record: /id: 'bad' does not match '^[0-9a-f]{{32}}$'"
    ]
    assert [(n, r["id"]) for n, r in passes.again()] == first


def test_records_appended_after_the_first_pass_are_not_read(tmp_path: Path) -> None:
    made = _records(3)
    path = write_jsonl(tmp_path / "in.jsonl", made[:2])
    passes = RecordPasses([path])
    assert len(list(passes.first([]))) == 2
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(made[2]) + "\n")
    assert [r["id"] for _, r in passes.again()] == [made[0]["id"], made[1]["id"]]


@pytest.mark.parametrize("change", ["replace", "truncate"])
def test_a_file_changed_between_passes_stops_the_export(tmp_path: Path, change: str) -> None:
    made = _records(3)
    path = write_jsonl(tmp_path / "in.jsonl", made)
    passes = RecordPasses([path])
    assert len(list(passes.first([]))) == 3
    write_jsonl(path, [made[0], made[2], made[1]] if change == "replace" else made[:2])
    with pytest.raises(InputChanged, match=f"{path}: changed during the export"):
        list(passes.again())
