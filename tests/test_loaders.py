"""Our output files, loaded by the real data clients: Hugging Face datasets, pyarrow, polars,
duckdb and datatrove.

Two `healthcrawl extract` runs write one page each, as JSONL and as Parquet: "Fever" has a
URL, a language, a byline and a reference; "Chills" has none of them, so in its file those
columns are null (or empty lists) throughout. Files are listed Chills first, the order in which
a reader that infers types from the first file goes wrong.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import datasets
import duckdb
import polars
import pyarrow as pa
import pyarrow.dataset
import pyarrow.json
import pyarrow.parquet as pq
import pytest
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import ParquetWriter

from healthcrawl.output.cli import main
from healthcrawl.schema import arrow_schema, hf_features

TEXT = (
    "<p>A fever is a temporary rise in body temperature, often due to an illness. Having a "
    "fever is a sign that something out of the ordinary is going on in your body.</p>"
    "<p>For an adult, a fever may be uncomfortable, but usually is not a cause for concern "
    "unless it reaches 103 F or higher.</p>"
)
FEVER = (
    '<html lang="en"><head><title>Fever</title><meta name="author" content="Jane Roe"></head>'
    f"<body><main><h1>Fever</h1>{TEXT}<h2>References</h2><ol><li>Smith J, Doe A. Fever in "
    "adults. J Gen Med. 2020;12(3):45-67. doi:10.1000/jgm.2020.123</li></ol></main></body></html>"
)
CHILLS = f"<html><head><title>Chills</title></head><body><main><h1>Chills</h1>{TEXT}</main>"


class Outputs:
    """The two runs' files, Chills first, and the records they hold."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.jsonl = [folder / "chills.jsonl", folder / "fever.jsonl"]
        self.parquet = [folder / "chills.parquet", folder / "fever.parquet"]
        self.records = [json.loads(path.read_text("utf-8")) for path in self.jsonl]

    def strings(self, paths: list[Path]) -> list[str]:
        return [str(path) for path in paths]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    folder = tmp_path_factory.mktemp("outputs")
    for name, html, url in (("chills", CHILLS, []), ("fever", FEVER, ["--url", "https://x.org/f"])):
        (folder / f"{name}.html").write_text(html, "utf-8")
        for suffix in ("jsonl", "parquet"):
            output = folder / f"{name}.{suffix}"
            assert main(["extract", str(folder / f"{name}.html"), "-O", str(output), *url]) == 0
    result = Outputs(folder)
    fever = result.records[1]
    assert (fever["byline"], fever["language"], len(fever["references"])) == ("Jane Roe", "en", 1)
    chills = result.records[0]
    assert (chills["byline"], chills["language"], chills["url"], chills["references"]) == (
        (None, None, None, [])
    )
    return result


def test_datasets_loads_the_jsonl_files_with_our_features(outputs: Outputs, tmp_path: Path) -> None:
    files = outputs.strings(outputs.jsonl)
    loaded = datasets.load_dataset(
        "json", data_files=files, features=hf_features(), split="train", cache_dir=str(tmp_path)
    )
    assert loaded.features == hf_features()
    assert loaded.to_list() == outputs.records


def test_datasets_loads_the_parquet_files(outputs: Outputs, tmp_path: Path) -> None:
    files = outputs.strings(outputs.parquet)
    loaded = datasets.load_dataset(
        "parquet", data_files=files, split="train", cache_dir=str(tmp_path)
    )
    assert loaded.features == hf_features()
    assert loaded.to_list() == outputs.records


def test_pyarrow_dataset_reads_the_parquet_files_as_one_schema(outputs: Outputs) -> None:
    table = pyarrow.dataset.dataset(outputs.strings(outputs.parquet)).to_table()
    assert table.schema.equals(arrow_schema())
    assert table.to_pylist() == outputs.records


def test_polars_reads_and_scans_the_parquet_files(outputs: Outputs) -> None:
    files = outputs.strings(outputs.parquet)
    assert polars.read_parquet(files).to_dicts() == outputs.records
    assert polars.scan_parquet(files).collect().to_dicts() == outputs.records


def test_duckdb_reads_the_parquet_files(outputs: Outputs) -> None:
    relation = duckdb.read_parquet(outputs.strings(outputs.parquet))
    rows = relation.project('title, byline, len("references"), "references"[1].doi').fetchall()
    assert rows == [("Chills", None, 0, None), ("Fever", "Jane Roe", 1, "10.1000/jgm.2020.123")]


def test_ndjson_readers_need_our_schema_when_a_column_is_null_in_one_file(
    outputs: Outputs,
) -> None:
    """Type inference makes `byline` null-typed from the Chills file, then meets a string."""
    files = outputs.strings(outputs.jsonl)
    with pytest.raises(polars.exceptions.ComputeError, match="(?i)null"):  # wording: version
        polars.read_ndjson(files)
    schema = polars.from_arrow(arrow_schema().empty_table()).schema
    assert polars.read_ndjson(files, schema=schema).to_dicts() == outputs.records

    with pytest.raises(pa.ArrowInvalid, match="Schema at index 1 was different"):
        pa.concat_tables([pyarrow.json.read_json(f) for f in files])
    options = pyarrow.json.ParseOptions(explicit_schema=arrow_schema())
    tables = [pyarrow.json.read_json(f, parse_options=options) for f in files]
    assert pa.concat_tables(tables).cast(arrow_schema()).to_pylist() == outputs.records


def test_datatrove_jsonl_reader_to_parquet_writer_keeps_every_field(
    outputs: Outputs, tmp_path: Path
) -> None:
    """One document per batch, so the writer cannot infer the schema from both: ours is given,
    with the metadata (every field but text and id) expanded into its columns."""
    written = tmp_path / "parquet"
    pipeline = [
        JsonlReader(str(outputs.folder), glob_pattern="*.jsonl", add_file_path=False),
        ParquetWriter(str(written), batch_size=1, expand_metadata=True, schema=arrow_schema()),
    ]
    LocalPipelineExecutor(pipeline, tasks=1, workers=1, logging_dir=str(tmp_path / "logs")).run()
    (output,) = written.glob("*.parquet")
    table = pq.read_table(output)
    assert table.schema.equals(arrow_schema())
    assert table.to_pylist() == outputs.records


def test_datatrove_imports_beside_our_trafilatura() -> None:
    """datatrove's `processing` extra pins trafilatura < 1.12; we depend on its core and `io`
    only, so installing it leaves our trafilatura 2 in place."""
    import datatrove.pipeline.readers
    import trafilatura

    assert int(version("trafilatura").split(".")[0]) >= 2
    assert trafilatura.__version__ == version("trafilatura")
    assert datatrove.pipeline.readers.JsonlReader is JsonlReader
