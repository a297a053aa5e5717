"""healthcrawl as datatrove steps: two WARC files through the real executors (local, Ray, and
the Slurm one built), each giving exactly the records `healthcrawl extract` gives; skips counted
in datatrove's stats under their reasons; damage skipped and counted while the task goes on."""

from __future__ import annotations

import importlib.metadata
import io
import json
import shutil
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fsspec
import pyarrow.parquet as pq
import pytest
import ray
from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor, RayPipelineExecutor, SlurmPipelineExecutor
from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.writers import JsonlWriter
from packaging.requirements import Requirement
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from examples import warc_to_parquet
from healthcrawl.datatrove import HealthcrawlExtractor, WarcPageReader, record_adapter, record_of
from healthcrawl.output.cli import main as healthcrawl
from healthcrawl.schema import arrow_schema
from tests.conftest import REPO

SITE = REPO / "sample_site" / "site"
GARD = "https://rarediseases.info.nih.gov/"
MAYO = "https://www.mayoclinic.org/"
HTML_UTF8 = "text/html; charset=utf-8"
FETCHED = "2024-03-01T10:20:30Z"
CP1252_PAGE = (
    "<html><head><title>Café-au-lait spots</title></head><body><main>"
    "<h1>Café-au-lait spots</h1>"
    "<p>Café-au-lait spots are flat patches of skin that are darker than the skin around "
    "them. Their name – French for “coffee with milk” – describes their light brown colour.</p>"
    "<p>One or two such spots are common and harmless; six or more larger than 5 mm may be a "
    "sign of neurofibromatosis type 1, and a doctor’s review is advised.</p>"
    "</main></body></html>"
)


NOT_FOUND_PAGE = (
    "<html><head><title>Page not found</title></head><body><main><h1>Page not found</h1>"
    "<p>The page you asked for has moved or no longer exists. Our disease pages are listed "
    "by name in the A-Z index, and the search box finds a condition by any of its names.</p>"
    "<p>If you followed a link from another site, please let its owner know that the "
    "address has changed, so that others can find the information they need.</p>"
    "</main></body></html>"
)
"""Served with a 404: an article to the extractor, so only the status says it is no page."""
GREEK_PAGE = (
    "<html><head><title>Πυρετός</title></head><body><main><h1>Πυρετός</h1>"
    "<p>Ο πυρετός είναι μια προσωρινή αύξηση της θερμοκρασίας του σώματος, συχνά λόγω μιας "
    "ασθένειας. Ο πυρετός είναι σημάδι ότι κάτι ασυνήθιστο συμβαίνει στον οργανισμό σας.</p>"
    "<p>Για έναν ενήλικα, ο πυρετός μπορεί να είναι ενοχλητικός, αλλά συνήθως δεν είναι λόγος "
    "ανησυχίας, εκτός αν φτάσει τους 39,4 βαθμούς Κελσίου ή περισσότερο.</p></main></body></html>"
)
"""Without its header's charset this page decodes as cp1252 (detection's single-byte choice)."""
NO_CONTENT_PAGE = (
    "<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
)


def _response(url: str, body: bytes, content_type: str = HTML_UTF8, status: str = "200 OK") -> dict:
    headers = [("Content-Type", content_type)] if content_type else []
    return {"url": url, "body": body, "headers": headers, "status": status}


def _site_page(path: str, base: str) -> dict:
    return _response(base + path.removesuffix(".html"), (SITE / path).read_bytes())


def _write_warc(path: Path, responses: list[dict], *, request_first: bool = False) -> Path:
    """A WARC file (gzipped per record when the name ends .gz) of these HTTP responses, with a
    warcinfo record, and a request record before the first response if asked."""
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=path.suffix == ".gz")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for number, response in enumerate(responses):
            date = {"WARC-Date": FETCHED}
            if request_first and number == 0:
                request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
                writer.write_record(
                    writer.create_warc_record(
                        response["url"], "request", http_headers=request, warc_headers_dict=date
                    )
                )
            http = StatusAndHeaders(response["status"], response["headers"], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                response["url"],
                "response",
                payload=io.BytesIO(response["body"]),
                http_headers=http,
                warc_headers_dict=date,
            )
            writer.write_record(record)
    return path


@pytest.fixture(scope="module")
def warcs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two WARC files: GARD pages with a request, a robots.txt and a 404 (gzipped); MayoClinic
    and MedlinePlus pages, cp1252 and ISO-8859-7 pages whose charset only their Content-Type
    header names, a menu-only page and a redirect (plain)."""
    folder = tmp_path_factory.mktemp("warcs")
    gard = [_site_page(str(p.relative_to(SITE)), GARD) for p in sorted(SITE.glob("diseases/*/*"))]
    robots = _response(GARD + "robots.txt", b"User-agent: *\nAllow: /\n", "text/plain")
    missing = _response(GARD + "diseases/404/missing", NOT_FOUND_PAGE.encode())
    missing["status"] = "404 Not Found"
    _write_warc(folder / "a.warc.gz", [*gard, robots, missing], request_first=True)
    mayo = [
        _site_page("diseases-conditions/bursitis/symptoms-causes/syc-20353242.html", MAYO),
        _site_page("diseases-conditions/tennis-elbow/symptoms-causes/syc-20351987.html", MAYO),
    ]
    asthma = _response(
        "https://medlineplus.gov/asthma.html", (SITE / "medlineplus/asthma.html").read_bytes()
    )
    cp1252 = _response(
        "https://example.org/cafe-au-lait",
        CP1252_PAGE.encode("cp1252"),
        "text/html; charset=windows-1252",
    )
    greek = _response(
        "https://example.org/fever-el",
        GREEK_PAGE.encode("iso-8859-7"),
        "text/html; charset=iso-8859-7",
    )
    menu = _response("https://example.org/menu", NO_CONTENT_PAGE.encode())
    moved = _response(
        "https://example.org/old", b"", content_type="", status="301 Moved Permanently"
    )
    _write_warc(folder / "b.warc", [*mayo, asthma, cp1252, greek, menu, moved])
    return folder


@pytest.fixture(scope="module")
def expected(warcs: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """What `healthcrawl extract` gives for both files, sorted by id."""
    out = tmp_path_factory.mktemp("extract") / "records.jsonl"
    assert (
        healthcrawl(["extract", str(warcs / "a.warc.gz"), str(warcs / "b.warc"), "-o", str(out)])
        == 1
    )
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(records) == 10  # 5 GARD, 2 MayoClinic, MedlinePlus, the cp1252 and Greek pages
    return sorted(records, key=lambda record: record["id"])


def _pipeline(warcs: Path, out: Path) -> list:
    writer = JsonlWriter(str(out), adapter=record_adapter, compression=None)
    return [WarcPageReader(str(warcs)), HealthcrawlExtractor(), writer]


def _written(out: Path) -> list[dict[str, Any]]:
    lines = [
        line
        for path in sorted(out.glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
    ]
    return sorted((json.loads(line) for line in lines), key=lambda record: record["id"])


def _counts(logging_dir: Path) -> dict[str, dict[str, int]]:
    """Step name -> its counters, from the merged stats datatrove writes."""
    steps = json.loads((logging_dir / "stats.json").read_text("utf-8"))
    return {
        step["name"].split(": ", 1)[1]: {
            label: value if isinstance(value, int) else value["total"]
            for label, value in step["stats"].items()
            if label not in {"doc_len", "documents"}
        }
        for step in steps
    }


READER_COUNTS = {"input_files": 2, "not_a_response": 3, "not_html_response": 1, "http_error": 1}
"""warcinfo x2 and a request; robots.txt; the 301's empty body (a Document needs text)."""
EXTRACTOR_COUNTS = {
    "total": 12,
    "forwarded": 10,
    "dropped": 2,
    "http_error": 1,  # the 404
    "no_main_content": 1,  # the menu page
}


def test_local_executor_gives_the_records_healthcrawl_extract_gives(
    warcs: Path, expected: list[dict[str, Any]], tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    executor = LocalPipelineExecutor(
        _pipeline(warcs, tmp_path / "out"), tasks=2, workers=2, logging_dir=str(logs)
    )
    executor.run()
    assert _written(tmp_path / "out") == expected
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["00000.jsonl", "00001.jsonl"]
    counts = _counts(logs)
    assert counts["🩺 WARC pages"] == READER_COUNTS
    assert counts["🩺 healthcrawl"] == EXTRACTOR_COUNTS


@pytest.fixture
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


# datatrove 0.10.1 passes Ray the placement_group options that Ray 2.60 deprecates.
@pytest.mark.filterwarnings("ignore:placement_group:DeprecationWarning")
def test_ray_executor_gives_the_same_records(
    warcs: Path, expected: list[dict[str, Any]], tmp_path: Path, local_ray: None
) -> None:
    logs = tmp_path / "logs"
    RayPipelineExecutor(
        _pipeline(warcs, tmp_path / "out"), tasks=2, workers=2, logging_dir=str(logs)
    ).run()
    assert _written(tmp_path / "out") == expected
    assert _counts(logs)["🩺 healthcrawl"] == EXTRACTOR_COUNTS


def test_the_example_writes_the_parquet_healthcrawl_extract_writes(
    warcs: Path, tmp_path: Path
) -> None:
    inputs = [str(warcs / "a.warc.gz"), str(warcs / "b.warc")]
    assert healthcrawl(["extract", *inputs, "-o", str(tmp_path / "records.parquet")]) == 1
    out = tmp_path / "out"
    assert warc_to_parquet.main([str(warcs), str(out), "--executor", "local", "--tasks", "2"]) == 0
    tables = [pq.read_table(path) for path in sorted(out.glob("*.parquet"))]
    assert [table.schema.equals(arrow_schema(), check_metadata=False) for table in tables] == [
        True,
        True,
    ]
    rows = sorted((row for table in tables for row in table.to_pylist()), key=lambda row: row["id"])
    wanted = pq.read_table(tmp_path / "records.parquet").to_pylist()
    assert rows == sorted(wanted, key=lambda row: row["id"])
    assert (tmp_path / "out-logs" / "stats.json").is_file()


def test_the_example_builds_a_slurm_job(tmp_path: Path) -> None:
    folders = [str(tmp_path / "commoncrawl"), str(tmp_path / "out")]
    args = warc_to_parquet._parser().parse_args(
        [*folders, "--executor", "slurm", "--tasks", "8", "--workers", "4", "--partition", "cpu",
         "--paths-file", "warc.paths.gz", "--venv", "/opt/venv/bin/activate",
         "--logging-dir", str(tmp_path / "logs")]
    )  # fmt: skip
    executor = warc_to_parquet.executor_for(args)
    assert isinstance(executor, SlurmPipelineExecutor)
    assert [type(step).__name__ for step in executor.pipeline] == [
        "WarcPageReader",
        "HealthcrawlExtractor",
        "ParquetWriter",
    ]
    assert executor.pipeline[0].paths_file == "warc.paths.gz"
    directives = executor.get_sbatch_args(max_array=8)
    assert {key: directives[key] for key in ("partition", "array", "cpus-per-task", "time")} == {
        "partition": "cpu",
        "array": "0-7%4",
        "cpus-per-task": 1,
        "time": "24:00:00",
    }
    assert "source /opt/venv/bin/activate" in executor.get_launch_file_contents(directives, "run")


def test_slurm_without_a_partition_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        warc_to_parquet.main(["in", "out", "--executor", "slurm"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.endswith("error: --executor slurm needs --partition\n")


def _run_in_process(
    step_input: Any, extractor: HealthcrawlExtractor | None = None
) -> list[Document]:
    return list((extractor or HealthcrawlExtractor()).run(step_input))


def test_the_header_charset_reaches_the_decoder(warcs: Path) -> None:
    documents = _run_in_process(WarcPageReader(str(warcs), glob_pattern="b.warc").run())
    records = {record["url"]: record for record in map(record_of, documents)}
    cafe, fever = (
        records["https://example.org/cafe-au-lait"],
        records["https://example.org/fever-el"],
    )
    assert (cafe["title"], fever["title"]) == ("Café-au-lait spots", "Πυρετός")
    assert "– French for “coffee with milk” –" in cafe["text"]
    assert fever["text"].startswith("Ο πυρετός είναι μια προσωρινή αύξηση")
    assert cafe["fetched_at"] == FETCHED


def test_datatroves_own_warc_reader_feeds_the_step(
    warcs: Path, expected: list[dict[str, Any]]
) -> None:
    """Its Documents hold text it decoded itself and no HTTP status: the pages it decodes as we
    do give the same records; the 404 page's status is lost, so it is extracted too."""
    documents = _run_in_process(WarcReader(str(warcs)).run())
    records = {record["url"]: record for record in map(record_of, documents)}
    assert {url: records[url] for url in [r["url"] for r in expected]} == {
        r["url"]: r for r in expected
    }
    assert sorted(set(records) - {r["url"] for r in expected}) == [GARD + "diseases/404/missing"]


def test_a_damaged_warc_is_skipped_and_counted_and_the_task_goes_on(
    warcs: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "warcs"
    folder.mkdir()
    whole = (warcs / "b.warc").read_bytes()
    (folder / "1-cut.warc").write_bytes(whole[: whole.index(b"WARC/1.", len(whole) // 2) + 200])
    shutil.copy(warcs / "a.warc.gz", folder / "2-whole.warc.gz")
    reader = WarcPageReader(str(folder))
    extractor = HealthcrawlExtractor()
    records = [record_of(d) for d in _run_in_process(reader.run(), extractor)]
    assert reader.stats["unreadable"].total == 1
    assert [r["url"] for r in records if "mayoclinic" in r["url"]] == [
        MAYO + "diseases-conditions/bursitis/symptoms-causes/syc-20353242",
        MAYO + "diseases-conditions/tennis-elbow/symptoms-causes/syc-20351987",
    ]
    assert sum(GARD in r["url"] for r in records) == 5


def _document(**metadata: Any) -> Document:
    html = (SITE / "diseases/6233/cystic-fibrosis.html").read_text("utf-8")
    return Document(
        text=html, id="x", metadata={"url": GARD + "diseases/6233/cystic-fibrosis", **metadata}
    )


def test_a_document_the_step_cannot_read_is_counted_and_the_task_goes_on() -> None:
    extractor = HealthcrawlExtractor()
    documents = [_document(date="yesterday"), _document(http_status="200"), _document(date=FETCHED)]
    (record,) = _run_in_process(iter(documents), extractor)
    assert record.metadata["fetched_at"] == FETCHED
    assert extractor.stats["unreadable"].total == 2
    assert (extractor.stats["total"].total, extractor.stats["forwarded"].total) == (3, 1)


def test_a_remote_warc_is_read_through_fsspec(warcs: Path) -> None:
    memory = fsspec.filesystem("memory")
    memory.pipe("/remote-warcs/a.warc.gz", (warcs / "a.warc.gz").read_bytes())
    try:
        documents = list(WarcPageReader("memory:///remote-warcs").run())
    finally:
        memory.rm("/remote-warcs", recursive=True)
    assert [d.id.split("#")[0] for d in documents] == ["a.warc.gz"] * 6
    assert [d.metadata["http_status"] for d in documents] == [200] * 5 + [404]
    assert documents[0].metadata["date"] == datetime(2024, 3, 1, 10, 20, 30, tzinfo=UTC).isoformat()


def test_datatrove_runs_with_our_trafilatura() -> None:
    """datatrove's [processing] extra pins trafilatura<1.12: we depend on its core and [io]."""
    import datatrove.executor  # noqa: F401
    import datatrove.pipeline.base  # noqa: F401
    import trafilatura

    assert int(trafilatura.__version__.split(".")[0]) >= 2
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    requirements = [
        Requirement(r) for extra in project["optional-dependencies"].values() for r in extra
    ]
    datatrove = [r for r in requirements if r.name == "datatrove"]
    assert datatrove and all(r.extras <= {"io"} for r in datatrove)
    assert importlib.metadata.version("datatrove") in datatrove[0].specifier
