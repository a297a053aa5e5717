"""The Parquet sink: typed by the record's Arrow schema, durable through its spool, published
atomically, appendable and replaceable, from the CLI and the crawl alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pq = pytest.importorskip("pyarrow.parquet")

from healthcrawl import Page, process  # noqa: E402
from healthcrawl.output.cli import main  # noqa: E402
from healthcrawl.output.parquet import ParquetSink, spool_path  # noqa: E402
from healthcrawl.schema import arrow_schema  # noqa: E402
from tests.cli_pages import article_html, write_article, write_articles  # noqa: E402


def _rows(path: Path) -> list[dict[str, Any]]:
    table = pq.read_table(path)
    assert table.schema.equals(arrow_schema(), check_metadata=False)
    return table.to_pylist()


def test_cli_writes_the_same_records_as_jsonl(tmp_path: Path) -> None:
    pages = [str(p) for p in write_articles(tmp_path / "pages", 3)]
    assert main(["extract", *pages, "-o", str(tmp_path / "out.jsonl")]) == 0
    assert main(["extract", *pages, "-o", str(tmp_path / "out.parquet")]) == 0
    lines = (tmp_path / "out.jsonl").read_text("utf-8").splitlines()
    assert _rows(tmp_path / "out.parquet") == [json.loads(line) for line in lines]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "out.jsonl",
        "out.jsonl.ledger.sqlite",
        "out.parquet",
        "out.parquet.ledger.sqlite",
        "pages",
    ]


def test_appending_adds_rows_without_duplicates(tmp_path: Path) -> None:
    pages = [str(p) for p in write_articles(tmp_path / "pages", 3)]
    out = tmp_path / "out.parquet"
    assert main(["extract", *pages[:2], "-o", str(out)]) == 0
    assert main(["extract", *pages, "-o", str(out)]) == 0
    assert [r["title"] for r in _rows(out)] == ["Topic 0", "Topic 1", "Topic 2"]


def test_capital_o_replaces(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    assert main(["extract", str(write_article(tmp_path / "a.html", "Asthma")), "-o", str(out)]) == 0
    assert main(["extract", str(write_article(tmp_path / "b.html", "Croup")), "-O", str(out)]) == 0
    assert [r["title"] for r in _rows(out)] == ["Croup"]


def test_a_killed_run_loses_no_written_record(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    record = {"id": "0" * 32, "url": None}
    killed = ParquetSink(out)
    killed.open()
    killed.write(_full(record))  # then the process dies: no close, no footer
    assert not out.exists() and spool_path(out).exists()
    with ParquetSink(out) as again:
        assert list(again.existing()) == [("0" * 32, None)]
    assert [r["id"] for r in _rows(out)] == ["0" * 32]
    assert not spool_path(out).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]


def test_small_row_groups_keep_every_row(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    with ParquetSink(out, rows_per_group=2) as sink:
        for n in range(5):
            sink.write(_full({"id": f"{n:032x}", "url": f"https://example.org/{n}"}))
    assert pq.ParquetFile(out).num_row_groups == 3
    assert [r["url"] for r in _rows(out)] == [f"https://example.org/{n}" for n in range(5)]


def _full(values: dict[str, Any]) -> dict[str, Any]:
    """A real record, with `values` in place of its own."""
    page = Page("https://example.org/asthma", article_html("Asthma").encode())
    return {**process(page).to_dict(), **values}
